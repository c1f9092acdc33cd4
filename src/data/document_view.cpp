#include "data/document_view.hpp"

#include "core/error.hpp"
#include "core/python_json.hpp"

namespace instill::data {

DocumentView view_document(const PbinReader& pbin, int64_t index, const TrainableFlags& flags) {
  const auto n = static_cast<int64_t>(pbin.num_documents());
  const int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n)
    throw UsageError("--index " + std::to_string(index) + " is out of range: " +
                     pbin.path().string() + " has " + std::to_string(n) + " documents");
  DocumentView v;
  v.index = static_cast<size_t>(i);
  v.documents = static_cast<size_t>(n);
  v.ids = pbin.document(v.index);
  v.trainable =
      flags.available() ? flags.document(v.index, v.ids) : std::vector<uint8_t>(v.ids.size(), 0);
  return v;
}

std::string document_json(const DocumentView& view) {
  ValueList ids, trainable;
  for (uint32_t id : view.ids) ids.emplace_back(static_cast<int64_t>(id));
  for (uint8_t f : view.trainable) trainable.emplace_back(static_cast<int64_t>(f));
  return json_dumps(
      Value(ValueMap{{"ids", Value(std::move(ids))}, {"trainable", Value(std::move(trainable))}}));
}

std::string highlighted_text(const DocumentView& view, const tokenizer::HfTokenizer& tok,
                             bool color) {
  const std::vector<uint32_t>& ids = view.ids;
  size_t tail = 0;
  while (tail < ids.size() && ids[ids.size() - 1 - tail] == ids.back()) ++tail;
  const size_t shown = tail > 3 ? ids.size() - tail + 1 : ids.size();
  std::string out;
  for (size_t k = 0; k < shown;) {
    size_t end = k;
    while (end < shown && view.trainable[end] == view.trainable[k]) ++end;
    const std::vector<int32_t> run(ids.begin() + static_cast<std::ptrdiff_t>(k),
                                   ids.begin() + static_cast<std::ptrdiff_t>(end));
    const std::string text = tok.decode(run, false, false);
    if (view.trainable[k]) {
      out += std::string(color ? "\033[1;32m" : "[[") + text + (color ? "\033[0m" : "]]");
    } else {
      out += text;
    }
    k = end;
  }
  if (shown < ids.size())
    out += " ... (the last token repeated " + std::to_string(tail) + " times)";
  return out;
}

}  // namespace instill::data
