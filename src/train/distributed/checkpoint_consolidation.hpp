#pragma once
// `instill consolidate_checkpoint`: turns a checkpoint written by W data-parallel ranks
// (optimizer.rank<R>-of-<W>.safetensors, rng.rank<R>-of-<W>.safetensors) into a single one
// (optimizer.safetensors, rng.safetensors) that resumes on any world size and loads wherever
// a one-process checkpoint does. The other files are copied unchanged.
#include <filesystem>

namespace instill::train::distributed {

struct ConsolidationSummary {
  int shards = 1;
  size_t optimizer_tensors = 0;
};

// `output` must not exist or be empty. Throws on a missing or overlapping shard.
ConsolidationSummary consolidate_checkpoint(const std::filesystem::path& checkpoint,
                                            const std::filesystem::path& output);

}  // namespace instill::train::distributed
