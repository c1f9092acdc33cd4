#pragma once
// What the data loader reads, whatever the dataset: rows of tokens. A packed row also says
// which documents it holds, so that training can keep them apart (attention, positions,
// targets and loss masks per document). Free of libtorch, like the rest of src/data.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "tokenizer/hf_tokenizer.hpp"

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
  // Empty, or one flag per token from a stored loss mask (token_mask_file.hpp): a token with 1
  // is trained where it is a target.
  std::vector<uint8_t> trainable;
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
  // Rows carry `trainable` flags (data prepared in chat-template mode): the loss mask comes
  // with the data instead of marker tokens.
  virtual bool has_stored_masks() const { return false; }
  // The chat template the stored masks were derived from (checkpoints carry it to chat and
  // export); none without stored masks.
  virtual std::optional<std::string> stored_chat_template() const { return std::nullopt; }
  // The tokenizer the dataset was configured with, if any (the training tokenizer when the
  // collator names none).
  virtual std::shared_ptr<const tokenizer::HfTokenizer> tokenizer() const { return nullptr; }
};

}  // namespace instill::data
