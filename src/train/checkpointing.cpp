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
const char* const kFiles[] = {"model.safetensors", "optimizer.safetensors", "rng.safetensors",
                              "trainer_state.json"};

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

std::filesystem::path CheckpointExecution::save(AppState& state,
                                                const TrainingProgress& progress) const {
  namespace fs = std::filesystem;
  fs::create_directories(path_);
  const fs::path final_dir = path_ / folder_name(experiment_id_, progress);
  const fs::path tmp_dir =
      path_ / (".tmp-" + final_dir.filename().string() + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp_dir);
  fs::create_directories(tmp_dir);
  try {
    std::map<std::string, torch::Tensor> params;
    for (auto& [name, p] : state.model->named_parameters()) params[name] = p;
    save_tensors(tmp_dir / "model.safetensors", params, {{"format", "pt"}});
    save_tensors(tmp_dir / "optimizer.safetensors", state.optimizer->state_dict());
    std::map<std::string, torch::Tensor> rng;
    {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      rng["cpu"] = gen.get_state();
    }
    save_tensors(tmp_dir / "rng.safetensors", rng);
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
    JsonDumpOptions pretty;
    pretty.indent = "  ";
    write_file_atomic(tmp_dir / "trainer_state.json",
                      json_dumps(Value(std::move(ts)), pretty) + "\n");
    // The architecture, so chat, generate_text and convert_to_hf need no training config.
    write_file_atomic(tmp_dir / "model.json", json_dumps(state.model->describe(), pretty) + "\n");
    if (state.tokenizer) tokenizer::save_tokenizer_files(*state.tokenizer, tmp_dir / "tokenizer");
    if (fs::exists(final_dir)) fs::remove_all(final_dir);
    fs::rename(tmp_dir, final_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp_dir, ec);
    throw;
  }
  ValueMap info;
  info.set("checkpoint_folder_path", fs::absolute(final_dir).lexically_normal().string());
  write_file_atomic(path_ / "last_checkpoint_info.json", json_dumps(Value(std::move(info))));
  return final_dir;
}

std::filesystem::path CheckpointSaving::save(AppState& state, const TrainingProgress& progress) {
  if (strategy_->k() == 0) return {};
  std::filesystem::path dir = execution_->save(state, progress);
  saved_.push_back(dir);
  if (strategy_->k() > 0) {
    while (static_cast<int64_t>(saved_.size()) > strategy_->k()) {
      std::filesystem::remove_all(saved_.front());
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
  return info;
}

void load_checkpoint(const std::filesystem::path& folder, AppState& state) {
  read_checkpoint_info(folder);
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
  state.optimizer->load_state_dict(load_tensors(folder / "optimizer.safetensors"));
  auto rng = load_tensors(folder / "rng.safetensors");
  if (rng.count("cpu")) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng.at("cpu"));
  }
}

}  // namespace instill::train
