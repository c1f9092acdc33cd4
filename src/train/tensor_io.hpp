#pragma once
// Named torch tensors to and from safetensors files (core/safetensors does the format).
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace instill::train {

void save_tensors(const std::filesystem::path& path,
                  const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata = {});
// CPU tensors (copies, independent of the file).
std::map<std::string, torch::Tensor> load_tensors(const std::filesystem::path& path);

}  // namespace instill::train
