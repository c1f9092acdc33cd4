#include "data/assistant_spans.hpp"

#include <algorithm>
#include <regex>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::data {

namespace {

bool occurs_in(const Value& v, std::string_view needle) {
  if (v.is_string()) return v.as_string().find(needle) != std::string::npos;
  if (v.is_sequence()) {
    for (const Value& item : v.as_list())
      if (occurs_in(item, needle)) return true;
  } else if (v.is_map()) {
    for (const auto& [key, item] : v.as_map())
      if (key.find(needle) != std::string::npos || occurs_in(item, needle)) return true;
  }
  return false;
}

// A private-use character that neither the conversation nor the template contains, so that the
// placeholder render differs from the real one exactly where the reply is written.
std::string pick_placeholder(const ValueMap& context, std::string_view source) {
  const auto in_context = [&](std::string_view needle) {
    for (const auto& [key, item] : context)
      if (key.find(needle) != std::string::npos || occurs_in(item, needle)) return true;
    return false;
  };
  for (char32_t cp = 0xE000; cp < 0xF900; ++cp) {
    std::string candidate;
    append_utf8(candidate, cp);
    if (source.find(candidate) == std::string_view::npos && !in_context(candidate))
      return candidate;
  }
  throw Error("the conversation uses every private-use character; no placeholder is left");
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// [prefix, size - suffix) of `a` where a and b differ, cut at character boundaries.
ByteSpan differing_span(std::string_view a, std::string_view b) {
  const std::size_t limit = std::min(a.size(), b.size());
  std::size_t prefix = 0;
  while (prefix < limit && a[prefix] == b[prefix]) ++prefix;
  while (prefix > 0 && prefix < a.size() && is_continuation(a[prefix])) --prefix;
  std::size_t suffix = 0;
  while (suffix < limit - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) ++suffix;
  while (suffix > 0 && is_continuation(a[a.size() - suffix])) --suffix;
  return {prefix, a.size() - suffix};
}

const ValueList* message_list(const ValueMap& context) {
  const Value* m = context.find("messages");
  return m && m->is_sequence() ? &m->as_list() : nullptr;
}

bool is_assistant(const Value& message) {
  if (!message.is_map()) return false;
  const Value* role = message.as_map().find("role");
  return role && role->is_string() && role->as_string() == "assistant";
}

}  // namespace

ChatTemplate::ChatTemplate(std::string_view source, std::string name)
    : source_(source), template_(source, std::move(name)) {
  static const std::regex generation_tag(R"(\{%-?\s*generation\s*-?%\})");
  has_generation_blocks_ = std::regex_search(source_, generation_tag);
}

ByteSpan ChatTemplate::placeholder_span(const ValueMap& context, const ValueList& messages,
                                        std::size_t index, const std::string& placeholder,
                                        const std::string& full) const {
  ValueList replaced = messages;  // shares the other messages; only entry `index` is new
  replaced[index] = Value(ValueMap{{"role", Value("assistant")}, {"content", Value(placeholder)}});
  ValueMap alternative = context;
  alternative.set("messages", Value(std::move(replaced)));
  const std::string other = template_.render_text(alternative);
  return differing_span(full, other);
}

ChatRender ChatTemplate::render(const ValueMap& context, ReplySelection selection) const {
  jinja::RenderResult full = template_.render(context);
  ChatRender out{std::move(full.text), {}};
  if (selection == ReplySelection::kNone) return out;
  if (has_generation_blocks_) {
    out.replies = std::move(full.generation_spans);
  } else if (const ValueList* messages = message_list(context)) {
    std::vector<std::size_t> assistants;
    for (std::size_t i = 0; i < messages->size(); ++i)
      if (is_assistant((*messages)[i])) assistants.push_back(i);
    if (selection == ReplySelection::kLast && assistants.size() > 1)
      assistants.erase(assistants.begin(), assistants.end() - 1);
    const std::string placeholder =
        assistants.empty() ? std::string() : pick_placeholder(context, source_);
    for (std::size_t i : assistants)
      out.replies.push_back(placeholder_span(context, *messages, i, placeholder, out.text));
    return out;
  }
  if (selection == ReplySelection::kLast && out.replies.size() > 1)
    out.replies.erase(out.replies.begin(), out.replies.end() - 1);
  return out;
}

}  // namespace instill::data
