#pragma once
// The unit the encode pipeline passes between stages: text pieces, some of which are already
// resolved to an added token (those are left alone by normalizers and pre-tokenizers).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace instill::tokenizer {

struct Piece {
  std::string text;
  int32_t added_id = -1;  // >= 0: an added token, final
};
using Pieces = std::vector<Piece>;

// Replaces each unresolved piece by the sub-pieces `split(index, text, out)` appends to out;
// empty sub-pieces are dropped (HF drops empty splits). `index` counts all pieces, like HF.
template <class SplitFn>
void split_pieces(Pieces& pieces, SplitFn&& split) {
  Pieces result;
  result.reserve(pieces.size());
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].added_id >= 0) {
      result.push_back(std::move(pieces[i]));
      continue;
    }
    parts.clear();
    split(i, std::move(pieces[i].text), parts);
    for (auto& p : parts) {
      if (!p.empty()) result.push_back(Piece{std::move(p), -1});
    }
  }
  pieces = std::move(result);
}

}  // namespace instill::tokenizer
