#pragma once
// How a conversation becomes the prompt for the assistant's next turn, and which tokens end
// that turn. Two sources of templates:
//  - an instruction-tuning data config (YAML: jinja2_chat_template, chat_template_data,
//    role_mapping, and the packing config's tokenizer): the exact format the model was tuned
//    on, markers included;
//  - a Hugging Face chat template (tokenizer_config.json or a .jinja file), rendered with
//    add_generation_prompt as transformers does.
// The prompt is the rendering of the conversation plus an assistant turn whose content is a
// sentinel, cut at the sentinel; the text rendered after it (e.g. "\n<|endoftext|>^\n")
// names the stop tokens: the special tokens it holds, and the tokenizer's eos token.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/value.hpp"
#include "jinja/template.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::generate {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

class ChatFormat {
 public:
  static ChatFormat from_instruction_config(const std::filesystem::path& yaml);
  // as_trained: the model was tuned on this template's renders (data prepared with
  // tokenizer_chat_template); the prompt is then the training render up to where the reply
  // starts, rather than the template's generation prompt, which may stop short of it (Qwen3's
  // empty <think></think> block is written before the reply but not by the generation prompt).
  static ChatFormat from_hf_template(std::string source, std::string name,
                                     std::shared_ptr<tokenizer::HfTokenizer> tokenizer,
                                     bool as_trained = false);

  // The text that asks for the assistant's reply to `messages`.
  std::string prompt(const std::vector<ChatMessage>& messages) const;
  // Token ids that end an assistant turn.
  std::vector<int64_t> stop_ids() const;
  // What to keep of a finished reply in the history (text before the turn's closing part).
  std::string reply_content(std::string generated) const;

  const tokenizer::HfTokenizer& tokenizer() const { return *tokenizer_; }
  std::shared_ptr<tokenizer::HfTokenizer> tokenizer_ptr() const { return tokenizer_; }
  // Encodes a prompt as training data was encoded (the tokenizer's own options).
  std::vector<int64_t> encode(const std::string& text) const;

 private:
  ChatFormat() = default;
  ValueMap context(const std::vector<ChatMessage>& messages, bool generation_prompt) const;
  // Rendering of `messages` + an assistant turn holding the sentinel, split around it.
  std::pair<std::string, std::string> render_around_reply(
      const std::vector<ChatMessage>& messages) const;

  // Rendered once: what the template writes after a reply's content (stop tokens, trimming).
  void compute_reply_suffix() { reply_suffix_ = render_around_reply({{"user", "hi"}}).second; }

  std::shared_ptr<jinja::Template> template_;
  std::string reply_suffix_;
  bool instruction_style_ = false;  // chat_template_data + mapped roles, no generation prompt
  bool prompt_as_trained_ = false;  // prompt = training render up to the reply
  Value chat_template_data_;
  ValueMap role_mapping_;
  std::shared_ptr<tokenizer::HfTokenizer> tokenizer_;
  tokenizer::EncodeOptions encode_options_;
};

}  // namespace instill::generate
