#pragma once
// What the tools that read a prepared .pbin (inspect, audit) take from the files data
// preparation writes beside `<stem>_<split>.<hash>.pbin`: pbin_config_<split>.<hash>.yaml (the
// tokenizer, its special tokens and the end-of-document token) and
// instruction_chat_template_config.<hash>.yaml (the loss markers of marker mode).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "data/mask_audit.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {

struct PbinContext {
  std::filesystem::path pbin;
  std::string split;  // "train", ...; the file's stem when its name has no `_<split>`
  std::optional<std::filesystem::path> pbin_config;
  std::optional<std::filesystem::path> chat_template_config;
};

// Looks for the two config copies beside `pbin` (each optional).
PbinContext pbin_context(const std::filesystem::path& pbin);

struct PbinTokenizer {
  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer;
  std::optional<uint32_t> eod;  // settings.eod_token of the pbin config
};

// `tokenizer_dir` when given, else the pbin config's tokenizer; the pbin config's special tokens
// are registered either way, as preparation did. A UsageError when there is neither.
PbinTokenizer load_pbin_tokenizer(const PbinContext& context,
                                  const std::optional<std::filesystem::path>& tokenizer_dir);

// The given markers, else the chat template config's b_include_to_loss_token and
// e_include_to_loss_token, as ids; none when neither names them.
std::optional<LossMarkers> load_loss_markers(const PbinContext& context,
                                             const tokenizer::HfTokenizer& tok,
                                             const std::optional<MarkerTokens>& given);

// Token ids at or beyond the tokenizer's id bound (ids it cannot decode: a pbin packed with
// another tokenizer, or a damaged one): how many, and the first one and its position.
struct OutOfVocabulary {
  size_t count = 0;
  size_t first_position = 0;
  uint32_t first_id = 0;
};
OutOfVocabulary out_of_vocabulary(std::span<const uint32_t> ids, size_t id_bound);

// The warning for `found` in document `index` ("" when count is 0).
std::string out_of_vocabulary_warning(const OutOfVocabulary& found, size_t index, size_t id_bound);

// Both --b_token and --e_token, or neither (a UsageError otherwise).
std::optional<MarkerTokens> marker_options(const std::string& begin, const std::string& end);

}  // namespace instill::data
