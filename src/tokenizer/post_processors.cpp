#include "tokenizer/post_processors.hpp"

namespace instill::tokenizer {

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

}  // namespace instill::tokenizer
