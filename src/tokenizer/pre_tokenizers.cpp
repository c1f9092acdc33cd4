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

bool is_bert_punctuation(char32_t cp) {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
         (cp >= 123 && cp <= 126) || text::is_punctuation(cp);
}

}  // namespace

void split_by_matches(std::string_view text, const std::vector<Span>& matches,
                      SplitBehavior behavior, bool invert, std::vector<std::string>& out) {
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
    if (e > b) out.emplace_back(text.substr(b, e - b));
  }
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
    : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
  if (use_regex_) regex_ = std::make_unique<SplitPattern>(std::string(kGpt2SplitRegex), true);
}

void ByteLevelPreTokenizer::pre_tokenize(Pieces& pieces) const {
  std::vector<Span> matches;
  std::vector<std::string> words;
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    if (add_prefix_space_ && (text.empty() || text[0] != ' ')) text = " " + text;
    words.clear();
    if (use_regex_) {
      matches.clear();
      regex_->find_all(text, matches);
      split_by_matches(text, matches, SplitBehavior::kIsolated, false, words);
    } else {
      words.push_back(std::move(text));
    }
    for (const auto& w : words) {
      std::string mapped;
      mapped.reserve(w.size() * 2);
      append_byte_level(mapped, w);
      out.push_back(std::move(mapped));
    }
  });
}

void SplitPreTokenizer::pre_tokenize(Pieces& pieces) const {
  std::vector<Span> matches;
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    matches.clear();
    pattern_->find_all(text, matches);
    split_by_matches(text, matches, behavior_, invert_, out);
  });
}

void MetaspacePreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_pieces(pieces, [&](std::size_t index, std::string&& text, std::vector<std::string>& out) {
    std::string replaced;
    replaced.reserve(text.size() + replacement_.size());
    for (char ch : text) {
      if (ch == ' ') {
        replaced.append(replacement_);
      } else {
        replaced.push_back(ch);
      }
    }
    const bool starts = replaced.compare(0, replacement_.size(), replacement_) == 0;
    if (!starts &&
        (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && index == 0))) {
      replaced.insert(0, replacement_);
    }
    if (!split_) {
      out.push_back(std::move(replaced));
      return;
    }
    std::vector<Span> matches;
    SplitPattern literal(replacement_, false);
    literal.find_all(replaced, matches);
    split_by_matches(replaced, matches, SplitBehavior::kMergedWithNext, false, out);
  });
}

void WhitespacePreTokenizer::pre_tokenize(Pieces& pieces) const {
  static const SplitPattern pattern(R"(\w+|[^\w\s]+)", true);
  std::vector<Span> matches;
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    matches.clear();
    pattern.find_all(text, matches);
    split_by_matches(text, matches, SplitBehavior::kRemoved, true, out);
  });
}

void WhitespaceSplitPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    split_by_matches(text, char_matches(text, text::is_whitespace), SplitBehavior::kRemoved, false,
                     out);
  });
}

void PunctuationPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    split_by_matches(text, char_matches(text, is_bert_punctuation), behavior_, false, out);
  });
}

void DigitsPreTokenizer::pre_tokenize(Pieces& pieces) const {
  split_pieces(pieces, [&](std::size_t, std::string&& text, std::vector<std::string>& out) {
    split_by_matches(text, char_matches(text, text::is_number),
                     individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, false,
                     out);
  });
}

void BertPreTokenizer::pre_tokenize(Pieces& pieces) const {
  WhitespaceSplitPreTokenizer().pre_tokenize(pieces);
  PunctuationPreTokenizer(SplitBehavior::kIsolated).pre_tokenize(pieces);
}

void SequencePreTokenizer::pre_tokenize(Pieces& pieces) const {
  for (const auto& step : steps_) step->pre_tokenize(pieces);
}

}  // namespace instill::tokenizer
