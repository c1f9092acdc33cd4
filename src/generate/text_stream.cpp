#include "generate/text_stream.hpp"

namespace instill::generate {

namespace {
bool ends_with_replacement(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}
}  // namespace

std::string TextStream::push(int64_t id) {
  ids_.push_back(static_cast<int32_t>(id));
  text_ = tokenizer_.decode(ids_, skip_special_, /*cleanup=*/false);
  if (ends_with_replacement(text_) || text_.size() <= emitted_) return {};
  std::string fresh = text_.substr(emitted_);
  emitted_ = text_.size();
  return fresh;
}

std::string TextStream::flush() {
  if (text_.size() <= emitted_) return {};
  std::string rest = text_.substr(emitted_);
  emitted_ = text_.size();
  return rest;
}

}  // namespace instill::generate
