#include "generate/chat_format.hpp"

#include "core/error.hpp"
#include "data/prepare_instruction_tuning_data.hpp"
#include "data/tokenizer_component.hpp"

namespace instill::generate {

namespace {
// Text no user types; it marks where the reply's content goes in a rendering.
constexpr std::string_view kSentinel = "\x01instill-reply\x02";

Value message_list(const std::vector<ChatMessage>& messages) {
  ValueList list;
  for (const auto& m : messages) {
    ValueMap turn;
    turn.set("role", m.role);
    turn.set("content", m.content);
    list.emplace_back(std::move(turn));
  }
  return Value(std::move(list));
}
}  // namespace

ChatFormat ChatFormat::from_instruction_config(const std::filesystem::path& yaml) {
  data::InstructionChatFormat f = data::load_instruction_chat_format(yaml);
  ChatFormat c;
  c.template_ = std::make_shared<jinja::Template>(f.chat_template, "jinja2_chat_template");
  c.instruction_style_ = true;
  c.chat_template_data_ = f.chat_template_data;
  c.role_mapping_ = f.role_mapping;
  c.tokenizer_ = std::make_shared<tokenizer::HfTokenizer>(f.tokenizer->hf());
  c.encode_options_ = f.tokenizer->options();
  // A chat prompt is never padded or cut to the packing length.
  c.encode_options_.padding = tokenizer::PaddingMode::kNone;
  c.encode_options_.truncation = false;
  for (const char* role : {"user", "assistant"})
    if (!c.role_mapping_.contains(role))
      throw Error(yaml.string() + ": instruction_data_transformation.role_mapping has no \"" +
                  role + "\" entry, which chat needs");
  c.compute_reply_suffix();
  return c;
}

ChatFormat ChatFormat::from_hf_template(std::string source, std::string name,
                                        std::shared_ptr<tokenizer::HfTokenizer> tokenizer,
                                        bool as_trained) {
  ChatFormat c;
  c.prompt_as_trained_ = as_trained;
  c.template_ = std::make_shared<jinja::Template>(source, std::move(name));
  c.tokenizer_ = std::move(tokenizer);
  // Chat templates write the special tokens themselves.
  c.encode_options_.add_special_tokens = false;
  c.compute_reply_suffix();
  return c;
}

ValueMap ChatFormat::context(const std::vector<ChatMessage>& messages,
                             bool generation_prompt) const {
  ValueMap ctx;
  if (instruction_style_) {
    std::vector<ChatMessage> mapped = messages;
    for (auto& m : mapped)
      if (const Value* r = role_mapping_.find(m.role); r && r->is_string()) m.role = r->as_string();
    ctx.set("messages", message_list(mapped));
    ctx.set("chat_template_data", chat_template_data_);
    return ctx;
  }
  ctx.set("messages", message_list(messages));
  ctx.set("add_generation_prompt", generation_prompt);
  for (const char* key : {"bos_token", "eos_token", "pad_token", "unk_token"})
    if (auto t = tokenizer_->special_token(key)) ctx.set(key, *t);
  return ctx;
}

std::pair<std::string, std::string> ChatFormat::render_around_reply(
    const std::vector<ChatMessage>& messages) const {
  std::vector<ChatMessage> with_reply = messages;
  with_reply.push_back({"assistant", std::string(kSentinel)});
  const std::string text = template_->render_text(context(with_reply, false));
  const size_t at = text.find(kSentinel);
  if (at == std::string::npos)
    throw Error("the chat template " + template_->name() +
                " does not write the assistant's message content; chat cannot use it");
  return {text.substr(0, at), text.substr(at + kSentinel.size())};
}

std::string ChatFormat::prompt(const std::vector<ChatMessage>& messages) const {
  if (instruction_style_ || prompt_as_trained_) return render_around_reply(messages).first;
  return template_->render_text(context(messages, true));
}

std::vector<int64_t> ChatFormat::stop_ids() const {
  std::vector<int64_t> ids;
  for (int32_t id : tokenizer_->core().encode_ids(reply_suffix_)) {
    const auto* added = tokenizer_->core().added_vocabulary().find_by_id(id);
    if (added && added->special) ids.push_back(id);
  }
  if (auto eos = tokenizer_->special_token_id("eos_token")) ids.push_back(*eos);
  return ids;
}

std::string ChatFormat::reply_content(std::string generated) const {
  // The template writes what precedes the closing tokens itself (e.g. the "\n" before
  // "<|endoftext|>"); drop it from the reply so the next rendering does not double it.
  size_t ws = 0;
  while (ws < reply_suffix_.size() && (reply_suffix_[ws] == '\n' || reply_suffix_[ws] == ' ')) ++ws;
  const std::string lead = reply_suffix_.substr(0, ws);
  if (!lead.empty() && generated.size() >= lead.size() &&
      generated.compare(generated.size() - lead.size(), lead.size(), lead) == 0)
    generated.resize(generated.size() - lead.size());
  return generated;
}

std::vector<int64_t> ChatFormat::encode(const std::string& text) const {
  std::vector<int32_t> ids = tokenizer_->encode(text, encode_options_);
  return {ids.begin(), ids.end()};
}

}  // namespace instill::generate
