#pragma once
// Writes a tokenizer directory that Hugging Face (and instill) load as this tokenizer: the
// files it was read from, with the special tokens registered since then (and any tokens
// that grew the vocabulary) added to tokenizer.json's added_tokens and to
// tokenizer_config.json / special_tokens_map.json. Saved next to checkpoints and exports so
// a model's ids always travel with the tokenizer that made them.
#include <filesystem>

#include "tokenizer/hf_tokenizer.hpp"

namespace instill::tokenizer {

void save_tokenizer_files(const HfTokenizer& tokenizer, const std::filesystem::path& dir);

}  // namespace instill::tokenizer
