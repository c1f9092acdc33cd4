#include "tokenizer/post_processors.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"

namespace instill::tokenizer {
namespace {

// Spaces a token string opens with (from_end: closes with): the byte-level space 'Ġ' or
// Unicode whitespace.
std::size_t count_spaces(std::string_view token, bool from_end) {
  auto is_space = [](char32_t cp) { return cp == 0x120 || text::is_whitespace(cp); };
  std::size_t n = 0;
  if (!from_end) {
    for (std::size_t i = 0; i < token.size() && is_space(decode_utf8_unchecked(token, i));) ++n;
    return n;
  }
  for (std::size_t end = token.size(); end > 0; ++n) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(token[start]) & 0xC0) == 0x80) --start;
    std::size_t probe = start;
    if (!is_space(decode_utf8_unchecked(token, probe))) break;
    end = start;
  }
  return n;
}

}  // namespace

void trim_offsets(std::string_view text, const std::vector<std::string_view>& tokens,
                  bool add_prefix_space, std::vector<uint32_t>& starts,
                  std::vector<uint32_t>& ends) {
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    std::size_t leading = count_spaces(tokens[k], false);
    const std::size_t trailing = count_spaces(tokens[k], true);
    if (leading > 0) {
      if ((k == 0 || starts[k] == 0) && add_prefix_space && leading == 1) leading = 0;
      std::size_t pos = starts[k];  // `leading` characters on, but not past the end
      for (; leading > 0 && pos < ends[k]; --leading) {
        pos += utf8_sequence_length(static_cast<unsigned char>(text[pos]));
      }
      starts[k] = static_cast<uint32_t>(std::min<std::size_t>(pos, ends[k]));
    }
    // `trailing` characters back, when there are that many before the end.
    std::size_t pos = ends[k], back = 0;
    for (; back < trailing && pos > 0; ++back) {
      do --pos;
      while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80);
    }
    if (trailing > 0 && back == trailing) ends[k] = std::max(static_cast<uint32_t>(pos), starts[k]);
  }
}

std::size_t TemplatePostProcessor::added_tokens() const {
  std::size_t n = 0;
  for (const auto& item : single_) n += item.is_sequence ? 0 : item.ids.size();
  return n;
}

void TemplatePostProcessor::process(std::vector<int32_t>& ids) const {
  std::vector<int32_t> out;
  out.reserve(ids.size() + added_tokens());
  for (const auto& item : single_) {
    if (item.is_sequence) {
      out.insert(out.end(), ids.begin(), ids.end());
    } else {
      out.insert(out.end(), item.ids.begin(), item.ids.end());
    }
  }
  ids = std::move(out);
}

std::size_t SequencePostProcessor::added_tokens() const {
  std::size_t n = 0;
  for (const auto& s : steps_) n += s->added_tokens();
  return n;
}

void SequencePostProcessor::process(std::vector<int32_t>& ids) const {
  for (const auto& s : steps_) s->process(ids);
}

void SequencePostProcessor::offset_trims(std::vector<bool>& add_prefix_space) const {
  for (const auto& s : steps_) s->offset_trims(add_prefix_space);
}

}  // namespace instill::tokenizer
