#pragma once
// The unit the encode pipeline passes between stages: text pieces, some of which are already
// resolved to an added token (those are left alone by normalizers and pre-tokenizers).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/split_regex.hpp"

namespace instill::tokenizer {

struct Piece {
  std::string text;
  int32_t added_id = -1;  // >= 0: an added token, final
  // Empty unless offsets are tracked (see alignment.hpp): then one entry per byte of text, the
  // input offset of the character that byte comes from.
  std::vector<uint32_t> origin;
};
using Pieces = std::vector<Piece>;

// text[b..e) of a piece, with its origin when tracked.
inline Piece slice_piece(const Piece& piece, std::size_t b, std::size_t e, int32_t added_id = -1) {
  Piece part{piece.text.substr(b, e - b), added_id, {}};
  if (!piece.origin.empty()) part.origin.assign(piece.origin.begin() + b, piece.origin.begin() + e);
  return part;
}

// Appends the given spans of piece to out; a span covering all of it moves the piece.
inline void append_spans(Piece&& piece, const std::vector<Span>& spans, Pieces& out) {
  if (spans.size() == 1 && spans[0].first == 0 && spans[0].second == piece.text.size()) {
    out.push_back(std::move(piece));
    return;
  }
  for (const auto& [b, e] : spans) out.push_back(slice_piece(piece, b, e));
}

// Replaces each unresolved piece by the sub-pieces `split(index, piece, out)` appends to out;
// empty sub-pieces are dropped (HF drops empty splits). `index` counts all pieces, like HF.
template <class SplitFn>
void split_pieces(Pieces& pieces, SplitFn&& split) {
  Pieces result;
  result.reserve(pieces.size());
  Pieces parts;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].added_id >= 0) {
      result.push_back(std::move(pieces[i]));
      continue;
    }
    parts.clear();
    split(i, std::move(pieces[i]), parts);
    for (auto& p : parts) {
      if (!p.text.empty()) result.push_back(std::move(p));
    }
  }
  pieces = std::move(result);
}

}  // namespace instill::tokenizer
