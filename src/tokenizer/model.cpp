#include "tokenizer/model.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace instill::tokenizer {

std::vector<std::string> invert_vocab(const Vocab& vocab, std::vector<bool>& present) {
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab) max_id = std::max(max_id, id);
  // A dense table is used for id -> token; refuse absurdly sparse ids instead of exhausting
  // memory on a malformed file.
  if (max_id > 0 && static_cast<std::size_t>(max_id) > 16 * vocab.size() + (1u << 20)) {
    throw Error("model.vocab: id " + std::to_string(max_id) +
                " is far beyond the vocabulary size " + std::to_string(vocab.size()));
  }
  std::vector<std::string> table(static_cast<std::size_t>(max_id + 1));
  present.assign(table.size(), false);
  for (const auto& [token, id] : vocab) {
    table[id] = token;
    present[id] = true;
  }
  return table;
}

}  // namespace instill::tokenizer
