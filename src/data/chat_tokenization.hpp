#pragma once
// A conversation in the model's own chat format: the tokenizer's chat template renders it as
// transformers' apply_chat_template does, the render is tokenized without adding special
// tokens, and each token is marked trainable or not. A token is trainable when its first
// character lies in an assistant reply's span (assistant_spans.hpp); the token right after a
// reply is trainable too when it is a special token (the template's end of turn), so that the
// model learns to stop, also after an empty reply. `instill tokenize_chat` and data
// preparation in chat-template mode both go through here.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.hpp"
#include "data/assistant_spans.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {

enum class LossOn { kAssistant, kLastAssistant, kAll };

// "assistant" | "last_assistant" | "all"; nullopt for anything else.
std::optional<LossOn> parse_loss_on(std::string_view name);

struct ChatEncodeOptions {
  LossOn loss_on = LossOn::kAssistant;
  bool add_generation_prompt = false;
  std::optional<std::size_t> truncate_to;  // keep at most this many tokens
};

struct ChatEncoding {
  std::string text;  // the render that was tokenized
  std::vector<int32_t> ids;
  std::vector<uint8_t> trainable;  // 0/1, one per id
  bool truncated = false;          // tokens were cut by truncate_to
};

class ChatTokenizer {
 public:
  ChatTokenizer(std::shared_ptr<const tokenizer::HfTokenizer> tokenizer,
                ChatTemplate chat_template);

  // The tokenizer folder's chat template (transformers' precedence) or `template_file`.
  static ChatTokenizer from_folder(const std::filesystem::path& dir,
                                   const std::optional<std::filesystem::path>& template_file);

  // One conversation record ({"messages": [...], optional "tools" and other template
  // variables). Errors say what is wrong with the record (the caller adds file and line).
  ChatEncoding encode(const ValueMap& record, const ChatEncodeOptions& options) const;

  // The template's context for a record: the tokenizer's special tokens, the record's keys and
  // add_generation_prompt, as transformers passes them.
  ValueMap context(const ValueMap& record, bool add_generation_prompt) const;

  const tokenizer::HfTokenizer& tokenizer() const { return *tokenizer_; }
  const ChatTemplate& chat_template() const { return template_; }

 private:
  std::vector<uint8_t> trainable_mask(const std::vector<int32_t>& ids,
                                      const std::vector<uint32_t>& starts,
                                      const std::vector<ByteSpan>& replies) const;
  bool is_special(int32_t id) const;

  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer_;
  ChatTemplate template_;
};

// Checks the record's shape: "messages" a list of objects, each with a string "role".
void check_conversation(const ValueMap& record);

}  // namespace instill::data
