#pragma once
// One document of a .pbin with the flags of the tokens training keeps as targets, as
// `instill data inspect` shows it: decoded with the trained runs highlighted, or as JSON.
#include <cstdint>
#include <string>
#include <vector>

#include "data/mask_audit.hpp"
#include "data/pbin.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {

struct DocumentView {
  size_t index = 0, documents = 0;
  std::vector<uint32_t> ids;
  std::vector<uint8_t> trainable;  // all 0 when `flags` has neither a mask nor markers
};

// Document `index` (negative counts from the end; a UsageError when out of range).
DocumentView view_document(const PbinReader& pbin, int64_t index, const TrainableFlags& flags);

// {"ids": [...], "trainable": [0/1, ...]}
std::string document_json(const DocumentView& view);

// The decoded text with the trained runs coloured (a terminal) or in [[double brackets]]; a long
// tail of one repeated token (padding) is summarised instead of printed.
std::string highlighted_text(const DocumentView& view, const tokenizer::HfTokenizer& tok,
                             bool color);

}  // namespace instill::data
