#pragma once
// What the data loader reads, whatever the dataset: rows of tokens. A packed row also says
// which documents it holds, so that training can keep them apart (attention, positions,
// targets and loss masks per document). Free of libtorch, like the rest of src/data.
#include <cstdint>
#include <vector>

#include "config/component.hpp"

namespace instill::data {

// One document (or piece of one) inside a packed row.
struct RowDocument {
  int64_t tokens = 0;
  // A later piece of a document too long for one row (overflow policy `split`): the tokens
  // of the document before this piece (the piece starts with the token after them), so that
  // a loss span opened in an earlier piece stays open.
  std::vector<uint32_t> preceding;
};

struct TokenRow {
  std::vector<uint32_t> tokens;
  // Empty for a row read as one block (document boundaries ignored, as the reference does);
  // otherwise the documents in order, their token counts summing to tokens.size().
  std::vector<RowDocument> documents;
};

class TrainingDataset : public config::Component {
 public:
  virtual size_t size() const = 0;
  // Row i (negative i counts from the end).
  virtual void read_row(int64_t i, TokenRow& out) const = 0;
  // The most input positions a row gives (its tokens minus one per document): what the
  // model's context must hold.
  virtual int64_t max_input_positions() const = 0;
};

}  // namespace instill::data
