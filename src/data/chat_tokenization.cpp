#include "data/chat_tokenization.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::data {

std::optional<LossOn> parse_loss_on(std::string_view name) {
  if (name == "assistant") return LossOn::kAssistant;
  if (name == "last_assistant") return LossOn::kLastAssistant;
  if (name == "all") return LossOn::kAll;
  return std::nullopt;
}

void check_conversation(const ValueMap& record) {
  const Value* messages = record.find("messages");
  if (!messages || !messages->is_list()) throw Error("the conversation has no \"messages\" list");
  const ValueList& list = messages->as_list();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Value* role = list[i].is_map() ? list[i].as_map().find("role") : nullptr;
    if (!role || !role->is_string())
      throw Error("messages[" + std::to_string(i) + "] is not an object with a string \"role\"");
  }
}

ChatTokenizer::ChatTokenizer(std::shared_ptr<const tokenizer::HfTokenizer> tokenizer,
                             ChatTemplate chat_template)
    : tokenizer_(std::move(tokenizer)), template_(std::move(chat_template)) {}

ChatTokenizer ChatTokenizer::from_folder(
    const std::filesystem::path& dir, const std::optional<std::filesystem::path>& template_file) {
  auto tokenizer =
      std::make_shared<const tokenizer::HfTokenizer>(tokenizer::HfTokenizer::from_pretrained(dir));
  if (template_file)
    return ChatTokenizer(tokenizer,
                         ChatTemplate(read_file(*template_file), template_file->string()));
  return ChatTokenizer(tokenizer, ChatTemplate(tokenizer::folder_chat_template(dir),
                                               (dir / "chat_template").string()));
}

ValueMap ChatTokenizer::context(const ValueMap& record, bool add_generation_prompt) const {
  ValueMap ctx;
  for (const std::string& kind : tokenizer::special_token_kinds())
    if (auto token = tokenizer_->special_token(kind)) ctx.set(kind, *token);
  // transformers' special_tokens_map leaves out what is unset, an empty list included.
  ValueList additional;
  for (const std::string& token : tokenizer_->additional_special_tokens())
    additional.emplace_back(token);
  if (!additional.empty()) ctx.set("additional_special_tokens", Value(std::move(additional)));
  for (const auto& [key, value] : record) ctx.set(key, value);
  ctx.set("add_generation_prompt", add_generation_prompt);
  return ctx;
}

bool ChatTokenizer::is_special(int32_t id) const {
  const auto* added = tokenizer_->core().added_vocabulary().find_by_id(id);
  return added && added->special;
}

std::vector<uint8_t> ChatTokenizer::trainable_mask(const std::vector<int32_t>& ids,
                                                   const std::vector<uint32_t>& starts,
                                                   const std::vector<ByteSpan>& replies) const {
  std::vector<uint8_t> trainable(ids.size(), 0);
  for (const auto& [begin, end] : replies) {
    auto k = static_cast<std::size_t>(std::lower_bound(starts.begin(), starts.end(), begin) -
                                      starts.begin());
    for (; k < ids.size() && starts[k] < end; ++k) trainable[k] = 1;
    // The template's end of turn, right after the reply, teaches the model to stop.
    if (k < ids.size() && is_special(ids[k])) trainable[k] = 1;
  }
  return trainable;
}

ChatEncoding ChatTokenizer::encode(const ValueMap& record, const ChatEncodeOptions& options) const {
  check_conversation(record);
  const ReplySelection selection = options.loss_on == LossOn::kAll ? ReplySelection::kNone
                                   : options.loss_on == LossOn::kLastAssistant
                                       ? ReplySelection::kLast
                                       : ReplySelection::kAll;
  ChatRender render = template_.render(context(record, options.add_generation_prompt), selection);
  ChatEncoding out;
  std::vector<uint32_t> starts;
  tokenizer_->core().encode_ids_with_starts(render.text, out.ids, starts);
  if (options.loss_on == LossOn::kAll) {
    out.trainable.assign(out.ids.size(), 1);
  } else {
    out.trainable = trainable_mask(out.ids, starts, render.replies);
  }
  if (options.truncate_to && out.ids.size() > *options.truncate_to) {
    out.ids.resize(*options.truncate_to);
    out.trainable.resize(*options.truncate_to);
    out.truncated = true;
  }
  out.text = std::move(render.text);
  return out;
}

}  // namespace instill::data
