#include "train/checkpointing.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <iostream>
#include <mutex>
#include <set>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"
#include "tokenizer/tokenizer_files.hpp"
#include "train/tensor_io.hpp"

namespace instill::train {

namespace {
constexpr int kFormatVersion = 1;
const char* const kFiles[] = {"trainer_state.json", "model.safetensors"};
const char* const kSingleProcessFiles[] = {"optimizer.safetensors", "rng.safetensors"};

std::string folder_name(const std::string& eid, const TrainingProgress& p) {
  return "eid_" + eid + "-seen_steps_" + std::to_string(p.steps()) + "-seen_tokens_" +
         std::to_string(p.tokens()) + "-target_steps_" + std::to_string(p.num_target_steps) +
         "-target_tokens_" + std::to_string(p.num_target_tokens);
}

int64_t get_int(const ValueMap& m, const char* key, const std::filesystem::path& file) {
  const Value* v = m.find(key);
  if (!v || !v->is_int())
    throw Error(file.string() + ": \"" + key + "\" is missing or not an integer");
  return v->as_int();
}
}  // namespace

std::string optimizer_shard_file(int rank, int world_size) {
  return "optimizer.rank" + std::to_string(rank) + "-of-" + std::to_string(world_size) +
         ".safetensors";
}

std::string rng_shard_file(int rank, int world_size) {
  return "rng.rank" + std::to_string(rank) + "-of-" + std::to_string(world_size) + ".safetensors";
}

std::filesystem::path CheckpointExecution::save(AppState& state, const TrainingProgress& progress,
                                                const CheckpointRanks& ranks) const {
  namespace fs = std::filesystem;
  const bool writes_shared = ranks.rank == 0;  // model, trainer state, folder renames
  const fs::path final_dir = path_ / folder_name(experiment_id_, progress);
  // All ranks of a data-parallel run write into one temporary folder, so it cannot be
  // named after a pid.
  const fs::path tmp_dir = path_ / (".tmp-" + final_dir.filename().string() + "-" +
                                    (ranks.sharded() ? "of-" + std::to_string(ranks.world_size)
                                                     : std::to_string(::getpid())));
  if (writes_shared) {
    fs::create_directories(path_);
    fs::remove_all(tmp_dir);
    fs::create_directories(tmp_dir);
  }
  ranks.barrier("checkpoint folder creation");
  try {
    if (writes_shared) {
      std::map<std::string, torch::Tensor> params;
      for (auto& [name, p] : state.model->named_parameters()) params[name] = p;
      save_tensors(tmp_dir / "model.safetensors", params, {{"format", "pt"}});
    }
    save_tensors(tmp_dir / (ranks.sharded() ? optimizer_shard_file(ranks.rank, ranks.world_size)
                                            : std::string("optimizer.safetensors")),
                 state.optimizer->state_dict());
    std::map<std::string, torch::Tensor> rng;
    {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      rng["cpu"] = gen.get_state();
    }
    save_tensors(tmp_dir / (ranks.sharded() ? rng_shard_file(ranks.rank, ranks.world_size)
                                            : std::string("rng.safetensors")),
                 rng);
    if (writes_shared) {  // the trainer state and model description: rank 0
      ValueMap ts;
      ts.set("format", "instill-checkpoint");
      ts.set("version", kFormatVersion);
      ts.set("experiment_id", experiment_id_);
      ts.set("num_seen_steps", progress.steps());
      ts.set("global_num_seen_tokens", progress.tokens());
      ts.set("num_seen_samples", progress.samples());
      ts.set("num_target_steps", progress.num_target_steps);
      ts.set("num_target_tokens", progress.num_target_tokens);
      ts.set("scheduler_last_epoch", state.scheduler ? state.scheduler->last_epoch() : int64_t{-1});
      if (ranks.sharded()) ts.set("optimizer_shards", ranks.world_size);
      JsonDumpOptions pretty;
      pretty.indent = "  ";
      write_file_atomic(tmp_dir / "trainer_state.json",
                        json_dumps(Value(std::move(ts)), pretty) + "\n");
      // The architecture, so chat, generate_text and convert_to_hf need no training config.
      write_file_atomic(tmp_dir / "model.json", json_dumps(state.model->describe(), pretty) + "\n");
      if (state.tokenizer) tokenizer::save_tokenizer_files(*state.tokenizer, tmp_dir / "tokenizer");
      if (state.tokenizer && state.chat_template) {
        write_file_atomic(tmp_dir / "tokenizer" / "chat_template.jinja", *state.chat_template);
        write_file_atomic(tmp_dir / kTrainedChatFormatFile,
                          "{\"chat_template\": \"tokenizer/chat_template.jinja\", \"prompt\": "
                          "\"the training render up to the reply\"}\n");
      }
      if (state.loss_markers) {
        ValueMap m;
        m.set("b_include_to_loss_token", state.loss_markers->first);
        m.set("e_include_to_loss_token", state.loss_markers->second);
        write_file_atomic(tmp_dir / "loss_markers.json", json_dumps(Value(std::move(m))) + "\n");
      }
    }
  } catch (...) {
    std::error_code ec;
    if (!ranks.sharded()) fs::remove_all(tmp_dir, ec);  // peers may still be writing
    throw;
  }
  ranks.barrier("checkpoint shards written");
  if (writes_shared) {
    if (fs::exists(final_dir)) fs::remove_all(final_dir);
    fs::rename(tmp_dir, final_dir);
    ValueMap info;
    info.set("checkpoint_folder_path", fs::absolute(final_dir).lexically_normal().string());
    write_file_atomic(path_ / "last_checkpoint_info.json", json_dumps(Value(std::move(info))));
  }
  ranks.barrier("checkpoint completion");
  return final_dir;
}

std::filesystem::path CheckpointSaving::save(AppState& state, const TrainingProgress& progress,
                                             const CheckpointRanks& ranks) {
  if (strategy_->k() == 0) return {};
  std::filesystem::path dir = execution_->save(state, progress, ranks);
  saved_.push_back(dir);
  if (strategy_->k() > 0) {
    while (static_cast<int64_t>(saved_.size()) > strategy_->k()) {
      if (ranks.rank == 0) std::filesystem::remove_all(saved_.front());
      saved_.erase(saved_.begin());
    }
  }
  return dir;
}

CheckpointInfo read_checkpoint_info(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(folder))
    throw Error(folder.string() + ": not a checkpoint folder (it does not exist)");
  for (const char* f : kFiles)
    if (!fs::is_regular_file(folder / f))
      throw Error(folder.string() + ": incomplete checkpoint, " + f + " is missing");
  auto require = [&](const std::string& f) {
    if (!fs::is_regular_file(folder / f))
      throw Error(folder.string() + ": incomplete checkpoint, " + f + " is missing");
  };
  const fs::path file = folder / "trainer_state.json";
  Value v = json_loads(read_file(file));
  if (!v.is_map()) throw Error(file.string() + ": expected a JSON object");
  const ValueMap& m = v.as_map();
  const Value* fmt = m.find("format");
  if (!fmt || !fmt->is_string() || fmt->as_string() != "instill-checkpoint")
    throw Error(file.string() + ": not an instill checkpoint (\"format\" is missing)");
  if (get_int(m, "version", file) > kFormatVersion)
    throw Error(file.string() + ": checkpoint format version " +
                std::to_string(get_int(m, "version", file)) +
                " is newer than this instill reads (" + std::to_string(kFormatVersion) + ")");
  CheckpointInfo info;
  info.progress.num_seen_steps_previous = get_int(m, "num_seen_steps", file);
  info.progress.num_seen_tokens_previous = get_int(m, "global_num_seen_tokens", file);
  info.progress.num_seen_samples_previous = get_int(m, "num_seen_samples", file);
  info.progress.num_target_steps = get_int(m, "num_target_steps", file);
  info.progress.num_target_tokens = get_int(m, "num_target_tokens", file);
  info.scheduler_last_epoch = get_int(m, "scheduler_last_epoch", file);
  if (const Value* e = m.find("experiment_id"); e && e->is_string())
    info.experiment_id = e->as_string();
  if (m.find("optimizer_shards"))
    info.optimizer_shards = static_cast<int>(get_int(m, "optimizer_shards", file));
  if (info.optimizer_shards < 1)
    throw Error(file.string() + ": \"optimizer_shards\" must be at least 1");
  if (info.optimizer_shards == 1) {
    for (const char* f : kSingleProcessFiles) require(f);
  } else {
    for (int r = 0; r < info.optimizer_shards; ++r) {
      require(optimizer_shard_file(r, info.optimizer_shards));
      require(rng_shard_file(r, info.optimizer_shards));
    }
  }
  return info;
}

void load_checkpoint(const std::filesystem::path& folder, AppState& state,
                     const CheckpointRanks& ranks) {
  const CheckpointInfo info = read_checkpoint_info(folder);
  if (info.optimizer_shards > 1 && info.optimizer_shards != ranks.world_size)
    throw Error(folder.string() + ": this checkpoint holds optimizer state sharded over " +
                std::to_string(info.optimizer_shards) + " ranks and resumes only with " +
                std::to_string(info.optimizer_shards) + " processes (this run has " +
                std::to_string(ranks.world_size) +
                "); merge it first with `instill consolidate_checkpoint --checkpoint " +
                folder.string() + " --output DIR`");
  const bool from_shard = info.optimizer_shards > 1;
  auto weights = load_tensors(folder / "model.safetensors");
  {
    torch::NoGradGuard no_grad;
    std::set<std::string> used;
    for (auto& [name, p] : state.model->named_parameters()) {
      auto it = weights.find(name);
      if (it == weights.end())
        throw Error((folder / "model.safetensors").string() + ": parameter \"" + name +
                    "\" is missing; was the checkpoint written for another model config?");
      if (!it->second.sizes().equals(p.sizes()))
        throw Error((folder / "model.safetensors").string() + ": parameter \"" + name +
                    "\" has shape " + c10::str(it->second.sizes()) + ", the model expects " +
                    c10::str(p.sizes()));
      p.copy_(it->second);
      used.insert(name);
    }
    for (const auto& [name, _] : weights)
      if (!used.count(name))
        throw Error((folder / "model.safetensors").string() + ": tensor \"" + name +
                    "\" belongs to no parameter of this model");
  }
  auto optimizer_state =
      load_tensors(folder / (from_shard ? optimizer_shard_file(ranks.rank, ranks.world_size)
                                        : std::string("optimizer.safetensors")));
  if (!from_shard && ranks.owns_parameter) {
    // A single checkpoint on several ranks: keep the state of this rank's parameters.
    for (auto it = optimizer_state.begin(); it != optimizer_state.end();) {
      const std::string& key = it->first;  // "state.<param>.<field>"
      const size_t field = key.rfind('.');
      const bool foreign = key.rfind("state.", 0) == 0 && field > 6 &&
                           !ranks.owns_parameter(key.substr(6, field - 6));
      it = foreign ? optimizer_state.erase(it) : std::next(it);
    }
  }
  state.optimizer->load_state_dict(optimizer_state);
  auto rng = load_tensors(folder / (from_shard ? rng_shard_file(ranks.rank, ranks.world_size)
                                               : std::string("rng.safetensors")));
  if (rng.count("cpu")) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng.at("cpu"));
  }
}

std::optional<std::pair<std::string, std::string>> read_loss_markers(
    const std::filesystem::path& checkpoint) {
  const std::filesystem::path file = checkpoint / "loss_markers.json";
  if (!std::filesystem::exists(file)) return std::nullopt;
  const Value v = json_loads(read_file(file));
  try {
    return std::make_pair(v.as_map().at("b_include_to_loss_token").as_string(),
                          v.as_map().at("e_include_to_loss_token").as_string());
  } catch (const std::exception&) {
    throw Error(file.string() +
                ": expected {\"b_include_to_loss_token\": ..., \"e_include_to_loss_token\": ...}");
  }
}

}  // namespace instill::train
