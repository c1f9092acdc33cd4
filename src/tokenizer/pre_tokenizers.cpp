#include "tokenizer/pre_tokenizers.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"
#include "tokenizer/byte_level.hpp"

namespace instill::tokenizer {
namespace {

// Spans of the single characters for which pred(cp) holds.
template <class Pred>
std::vector<Span> char_matches(std::string_view text, Pred pred) {
  std::vector<Span> spans;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8_unchecked(text, i);
    if (pred(cp)) spans.emplace_back(start, i);
  }
  return spans;
}

// Splits each unresolved piece at find(text)'s matches.
template <class FindFn>
void split_at_matches(Pieces& pieces, SplitBehavior behavior, bool invert, FindFn&& find) {
  std::vector<Span> parts;
  split_pieces(pieces, [&](std::size_t, Piece&& piece, Pieces& out) {
    parts.clear();
    split_by_matches(piece.text, find(piece.text), behavior, invert, parts);
    append_spans(std::move(piece), parts, out);
  });
}

// Origin of the byte-level characters of text[b..e): every character made from a byte of an
// input character comes from that character (HF).
void byte_level_origin(std::string_view text, const std::vector<uint32_t>& origin, std::size_t b,
                       std::size_t e, std::vector<uint32_t>& out) {
  out.reserve(2 * (e - b));
  for (std::size_t i = b; i < e; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    out.insert(out.end(), detail::kByteLevelChars[byte].len, origin[i]);
  }
}

bool is_bert_punctuation(char32_t cp) {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
         (cp >= 123 && cp <= 126) || text::is_punctuation(cp);
}

}  // namespace

void split_by_matches(std::string_view text, const std::vector<Span>& matches,
                      SplitBehavior behavior, bool invert, std::vector<Span>& out) {
  struct Segment {
    std::size_t begin, end;
    bool is_match;
  };
  std::vector<Segment> segments;
  std::size_t last = 0;
  for (const auto& [b, e] : matches) {
    if (e == b) continue;
    if (b > last) segments.push_back({last, b, invert});
    segments.push_back({b, e, !invert});
    last = e;
  }
  if (last < text.size()) segments.push_back({last, text.size(), invert});

  std::vector<Span> result;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& s : segments)
        if (!s.is_match) result.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::kIsolated:
      for (const auto& s : segments) result.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const auto& s : segments) {
        if (s.is_match && !previous_match && !result.empty()) {
          result.back().second = s.end;
        } else {
          result.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !result.empty()) {
          result.back().first = it->begin;
        } else {
          result.emplace_back(it->begin, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(result.begin(), result.end());
      break;
    case SplitBehavior::kContiguous:
      for (std::size_t k = 0; k < segments.size(); ++k) {
        const auto& s = segments[k];
        if (k > 0 && s.is_match == previous_match) {
          result.back().second = s.end;
        } else {
          result.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
  }
  for (const auto& [b, e] : result) {
    if (e > b) out.emplace_back(b, e);
  }
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
    : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
  if (use_regex_) regex_ = std::make_unique<SplitPattern>(std::string(kGpt2SplitRegex), true);
}

void ByteLevelPreTokenizer::pre_tokenize(Pieces& pieces) const {
  std::vector<Span> matches, words;
  split_pieces(pieces, [&](std::size_t, Piece&& piece, Pieces& out) {
    std::string& text = piece.text;
    if (add_prefix_space_ && (text.empty() || text[0] != ' ')) {
      text.insert(0, 1, ' ');
      // HF prepends: the space comes from the first character.
      if (!piece.origin.empty()) piece.origin.insert(piece.origin.begin(), piece.origin[0]);
    }
    words.clear();
    if (use_regex_) {
      matches.clear();
      regex_->find_all(text, matches);
      split_by_matches(text, matches, SplitBehavior::kIsolated, false, words);
    } else {
      words.emplace_back(0, text.size());
    }
    for (const auto& [b, e] : words) {
      Piece mapped;
      mapped.text.reserve((e - b) * 2);
      append_byte_level(mapped.text, std::string_view(text).substr(b, e - b));
      if (!piece.origin.empty()) byte_level_origin(text, piece.origin, b, e, mapped.origin);
      out.push_back(std::move(mapped));
    }
  });
}

void SplitPreTokenizer::pre_tokenize(Pieces& pieces) const {
  std::vector<Span> matches;
  split_at_matches(pieces, behavior_, invert_,
                   [&](std::string_view text) -> const std::vector<Span>& {
                     matches.clear();
                     pattern_->find_all(text, matches);
                     return matches;
                   });
}

void MetaspacePreTokenizer::pre_tokenize(Pieces& pieces) const {
  const SplitPattern literal(replacement_, false);
  std::vector<Span> matches, parts;
  split_pieces(pieces, [&](std::size_t index, Piece&& piece, Pieces& out) {
    const bool aligned = !piece.origin.empty();
    Piece replaced;
    replaced.text.reserve(piece.text.size() + replacement_.size());
    for (std::size_t i = 0; i < piece.text.size(); ++i) {
      if (piece.text[i] == ' ') {
        replaced.text.append(replacement_);
      } else {
        replaced.text.push_back(piece.text[i]);
      }
      if (aligned) replaced.origin.resize(replaced.text.size(), piece.origin[i]);
    }
    const bool starts = replaced.text.compare(0, replacement_.size(), replacement_) == 0;
    if (!starts &&
        (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && index == 0))) {
      replaced.text.insert(0, replacement_);
      // HF prepends: the replacement comes from the first character.
      if (aligned) {
        replaced.origin.insert(replaced.origin.begin(), replacement_.size(), piece.origin[0]);
      }
    }
    if (!split_) {
      out.push_back(std::move(replaced));
      return;
    }
    matches.clear();
    literal.find_all(replaced.text, matches);
    parts.clear();
    split_by_matches(replaced.text, matches, SplitBehavior::kMergedWithNext, false, parts);
    append_spans(std::move(replaced), parts, out);
  });
}

void WhitespacePreTokenizer::pre_tokenize(Pieces& pieces) const {
  // \w+|[^\w\s]+ with HF's (Oniguruma's) classes: PCRE2's \w has no marks, no joiners and
  // takes every number, its \s takes U+180E.
  static const SplitPattern pattern(
      R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+)"
      R"(|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+)",
      true);
  std::vector<Span> matches;
  split_at_matches(pieces, SplitBehavior::kRemoved, true,
                   [&](std::string_view text) -> const std::vector<Span>& {
                     matches.clear();
                     pattern.find_all(text, matches);
                     return matches;
                   });
}

void WhitespaceSplitPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_at_matches(pieces, SplitBehavior::kRemoved, false,
                   [](std::string_view text) { return char_matches(text, text::is_whitespace); });
}

void PunctuationPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_at_matches(pieces, behavior_, false,
                   [](std::string_view text) { return char_matches(text, is_bert_punctuation); });
}

void DigitsPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_at_matches(pieces, individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous,
                   false,
                   [](std::string_view text) { return char_matches(text, text::is_number); });
}

void BertPreTokenizer::pre_tokenize(Pieces& pieces) const {
  WhitespaceSplitPreTokenizer().pre_tokenize(pieces);
  PunctuationPreTokenizer(SplitBehavior::kIsolated).pre_tokenize(pieces);
}

void SequencePreTokenizer::pre_tokenize(Pieces& pieces) const {
  for (const auto& step : steps_) step->pre_tokenize(pieces);
}

}  // namespace instill::tokenizer
