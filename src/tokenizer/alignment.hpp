#pragma once
// Normalized-to-original alignment, for token offsets: `origin` holds, for each byte of a
// rewritten text, the byte offset in the encoder's input of the first byte of the character it
// comes from. HF keeps a (start, end) pair per byte; token starts only need the start, and
// every rewrite below assigns it the way HF's NormalizedString does.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "text/unicode_normalization.hpp"

namespace instill::tokenizer {

// Origin of text as given, its first byte at `base` in the input: each byte comes from its own
// character.
std::vector<uint32_t> identity_origin(std::string_view text, uint32_t base);

// Rewrites text one character at a time: map(cp, ch, out) appends what the character ch (code
// point cp) becomes, and every byte it appends comes from ch.
template <class Map>
void map_chars_aligned(std::string& text, std::vector<uint32_t>& origin, Map&& map) {
  std::string out;
  out.reserve(text.size());
  std::vector<uint32_t> out_origin;
  out_origin.reserve(origin.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8_unchecked(text, i);
    map(cp, std::string_view(text).substr(start, i - start), out);
    out_origin.resize(out.size(), origin[start]);
  }
  text = std::move(out);
  origin = std::move(out_origin);
}

// Replaces text[b..e) of each span (sorted, disjoint, non-empty) by `content`, which comes
// from the last character of the span (HF inserts the content after removing the span).
void replace_aligned(std::string& text, std::vector<uint32_t>& origin,
                     const std::vector<std::pair<std::size_t, std::size_t>>& spans,
                     std::string_view content);

// Unicode normalization (NFC, NFD, NFKC, NFKD) keeping origin in step, as HF does it: HF's
// normalizer (unicode-normalization-alignments) tags each output character with a change
// (+1 inserted, 0 replaces the next input character, -n replaces it and removes n more) and
// assigns origins by position, not by which character it came from. So a reordered mark can
// take its neighbour's origin, and a composite takes its base's and consumes the next input
// character: "a\u0301\u0323" -> "\u1ea1\u0301" gives the acute the origin of U+0323. Only
// the stretches the form can change are replayed (see inert_chars.hpp); should utf8proc's
// result ever differ from the replay (another Unicode version), that stretch's characters all
// come from its first character.
void normalize_aligned(std::string& text, std::vector<uint32_t>& origin,
                       text::NormalizationForm form);

}  // namespace instill::tokenizer
