#pragma once
// What a Hugging Face tokenizer folder says beside its vocabulary, read in one place with
// transformers' precedence: special_tokens_map.json first, tokenizer_config.json wins where both
// set a token, and chat_template.jinja wins over the config's chat_template. A GPT-2 folder of
// vocab.json + merges.txt starts from GPT2TokenizerFast's defaults (<|endoftext|> as bos, eos
// and unk), which the files may override.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/value.hpp"

namespace instill::tokenizer {

// {"pad_token": ["°"], "additional_special_tokens": ["^", "$"]}: one list per kind.
using SpecialTokens = std::map<std::string, std::vector<std::string>>;

// The kinds transformers knows (bos_token, ..., mask_token), without additional_special_tokens.
const std::vector<std::string>& special_token_kinds();

// A special-tokens mapping from a config or the command line: each kind a string, and
// additional_special_tokens a string or a list of strings. Errors name `where.<kind>` and have
// the given kind (usage errors for command-line options).
SpecialTokens parse_special_tokens(const Value& mapping, const std::string& where,
                                   ErrorKind kind = ErrorKind::kData);

struct TokenizerFolder {
  std::map<std::string, std::string> special_tokens;  // kind -> content
  std::vector<std::string> additional_special_tokens;
  std::optional<uint64_t> model_max_length;  // none when the config says "very large"
  std::optional<bool> add_bos_token, add_eos_token;
  bool clean_up_tokenization_spaces = false;
  bool padding_left = false;
  bool add_prefix_space = false;
  std::optional<std::string> chat_template;                 // the default template
  std::string chat_template_origin;                         // the file it came from
  std::map<std::string, std::string> named_chat_templates;  // a list-valued chat_template
};

// Reads the settings files of `dir` (each optional). `gpt2_vocab_merges`: the folder's vocabulary
// is a vocab.json + merges.txt pair.
TokenizerFolder read_tokenizer_folder(const std::filesystem::path& dir, bool gpt2_vocab_merges);

// The folder's default chat template, or an error naming the folder and both places looked in.
std::string folder_chat_template(const std::filesystem::path& dir);

}  // namespace instill::tokenizer
