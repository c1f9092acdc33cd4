#pragma once
// Where a chat template writes each assistant reply. The render of the whole conversation is
// compared with the render of the same conversation in which reply i is a placeholder
// (`{"role": "assistant", "content": <one character found nowhere else>}`): the longest common
// prefix and suffix of the two renders bound reply i's span. This holds for any template,
// including those that render earlier turns differently (Qwen3 drops earlier reasoning), and
// the span covers what the message adds besides its content (tool calls, reasoning). A template
// with {% generation %} blocks names its spans itself; those are used instead.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value.hpp"
#include "jinja/template.hpp"

namespace instill::data {

using ByteSpan = std::pair<std::size_t, std::size_t>;  // [begin, end) bytes of a render

struct ChatRender {
  std::string text;
  std::vector<ByteSpan> replies;  // one per assistant message, in order (may be empty spans)
};

// Which replies a render reports.
enum class ReplySelection { kAll, kLast, kNone };

class ChatTemplate {
 public:
  ChatTemplate(std::string_view source, std::string name);

  // Renders `context` (messages, add_generation_prompt, special tokens, tools, ...) and finds
  // the selected assistant replies. Errors name the template and, through the template's own
  // raise_exception, what it refused.
  ChatRender render(const ValueMap& context, ReplySelection selection) const;

  bool has_generation_blocks() const { return has_generation_blocks_; }
  const std::string& source() const { return source_; }
  const std::string& name() const { return template_.name(); }

 private:
  ByteSpan placeholder_span(const ValueMap& context, const ValueList& messages, std::size_t index,
                            const std::string& placeholder, const std::string& full) const;

  std::string source_;
  jinja::Template template_;
  bool has_generation_blocks_ = false;
};

}  // namespace instill::data
