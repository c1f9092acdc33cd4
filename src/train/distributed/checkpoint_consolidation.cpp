#include "train/distributed/checkpoint_consolidation.hpp"

#include <map>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"
#include "train/checkpointing.hpp"
#include "train/tensor_io.hpp"

namespace instill::train::distributed {

namespace fs = std::filesystem;

ConsolidationSummary consolidate_checkpoint(const fs::path& checkpoint, const fs::path& output) {
  const CheckpointInfo info = read_checkpoint_info(checkpoint);  // checks every shard is there
  if (fs::exists(output) && !(fs::is_directory(output) && fs::is_empty(output)))
    throw Error("--output " + output.string() + ": exists and is not an empty folder");
  if (fs::weakly_canonical(output) == fs::weakly_canonical(checkpoint))
    throw Error("--output must differ from --checkpoint");
  const int shards = info.optimizer_shards;
  const fs::path tmp = output.parent_path() / (".tmp-" + output.filename().string());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  ConsolidationSummary summary;
  summary.shards = shards;
  try {
    std::map<std::string, torch::Tensor> merged;
    for (int r = 0; r < shards && shards > 1; ++r) {
      const fs::path file = checkpoint / optimizer_shard_file(r, shards);
      for (auto& [key, tensor] : load_tensors(file))
        if (!merged.emplace(key, tensor).second)
          throw Error(file.string() + ": \"" + key +
                      "\" is also in an earlier shard; the shards overlap");
    }
    for (const auto& entry : fs::directory_iterator(checkpoint)) {
      const std::string name = entry.path().filename().string();
      const bool shard_file =
          shards > 1 && (name.rfind("optimizer.rank", 0) == 0 || name.rfind("rng.rank", 0) == 0);
      if (shard_file || name == "trainer_state.json") continue;
      fs::copy(entry.path(), tmp / name, fs::copy_options::recursive);
    }
    if (shards > 1) {
      save_tensors(tmp / "optimizer.safetensors", merged);
      // Ranks draw the same random numbers (same seed, same shapes): rank 0's state serves.
      fs::copy_file(checkpoint / rng_shard_file(0, shards), tmp / "rng.safetensors");
    }
    summary.optimizer_tensors =
        shards > 1 ? merged.size() : load_tensors(tmp / "optimizer.safetensors").size();
    Value state = json_loads(read_file(checkpoint / "trainer_state.json"));
    ValueMap rewritten;
    for (const auto& [key, value] : state.as_map())
      if (key != "optimizer_shards") rewritten.set(key, value);
    JsonDumpOptions pretty;
    pretty.indent = "  ";
    write_file_atomic(tmp / "trainer_state.json",
                      json_dumps(Value(std::move(rewritten)), pretty) + "\n");
    if (fs::exists(output)) fs::remove(output);
    fs::rename(tmp, output);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  read_checkpoint_info(output);  // what we wrote is a valid single checkpoint
  return summary;
}

}  // namespace instill::train::distributed
