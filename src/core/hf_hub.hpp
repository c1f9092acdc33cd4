#pragma once
// Where a Hugging Face model or tokenizer named by `name_or_path` lives on this machine: a
// local directory, or a hub id ("Qwen/Qwen2.5-0.5B") already in the local Hugging Face cache
// ($HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub; models--ORG--NAME/snapshots/<revision>). instill never downloads:
// a name found in neither place is an error saying where it looked and how to fetch it.
#include <filesystem>
#include <string>

namespace instill {

std::filesystem::path hf_hub_cache_dir();
std::filesystem::path resolve_hf_model_dir(const std::string& name_or_path);

}  // namespace instill
