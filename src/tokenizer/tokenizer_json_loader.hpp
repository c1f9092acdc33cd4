#pragma once
// Builds a Tokenizer from HF files: tokenizer.json, or GPT-2 style vocab.json + merges.txt.
// Malformed or unsupported content raises instill::Error naming the JSON path, e.g.
// `pre_tokenizer.pretokenizers[1].type: unsupported "CharDelimiterSplit"`.
#include <memory>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace instill::tokenizer {

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path);
std::unique_ptr<Tokenizer> load_tokenizer_json_string(const std::string& json,
                                                      const std::string& source_name);

// GPT-2 byte-level BPE from vocab.json + merges.txt.
std::unique_ptr<Tokenizer> load_gpt2_vocab_merges(const std::string& vocab_json_path,
                                                  const std::string& merges_txt_path,
                                                  bool add_prefix_space);

}  // namespace instill::tokenizer
