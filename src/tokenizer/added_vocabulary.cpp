#include "tokenizer/added_vocabulary.hpp"

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"
#include "tokenizer/alignment.hpp"
#include "tokenizer/normalizers.hpp"

namespace instill::tokenizer {
namespace {

// The character that ends text[..pos] (pos > 0).
char32_t char_before(std::string_view text, std::size_t pos) {
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return decode_utf8_unchecked(text, start);
}

// Start of the whitespace run that ends at pos (HF: `\s*$` on text[..pos]).
std::size_t whitespace_run_start(std::string_view text, std::size_t pos) {
  while (pos > 0) {
    std::size_t start = pos - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t probe = start;
    if (!text::is_whitespace(decode_utf8_unchecked(text, probe))) break;
    pos = start;
  }
  return pos;
}

// End of the whitespace run that starts at pos (HF: `^\s*` on text[pos..]).
std::size_t whitespace_run_end(std::string_view text, std::size_t pos) {
  while (pos < text.size()) {
    std::size_t next = pos;
    if (!text::is_whitespace(decode_utf8_unchecked(text, next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::add(const AddedToken& token) {
  if (token.content.empty()) return;
  if (const auto it = by_content_.find(token.content); it != by_content_.end()) {
    by_id_.erase(tokens_[it->second].id);
    tokens_[it->second] = token;
    by_id_[token.id] = it->second;
  } else {
    by_content_[token.content] = tokens_.size();
    by_id_[token.id] = tokens_.size();
    tokens_.push_back(token);
  }
  if (token.special) special_contents_.insert(token.content);
}

void AddedVocabulary::rebuild(const Normalizer* normalizer) {
  std::vector<std::pair<std::string, int32_t>> raw, normalized;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    if (t.normalized) {
      std::string pattern = t.content;
      if (normalizer) normalizer->normalize(pattern);
      normalized.emplace_back(std::move(pattern), static_cast<int32_t>(i));
    } else {
      raw.emplace_back(t.content, static_cast<int32_t>(i));
    }
  }
  raw_matcher_.build(raw);
  normalized_matcher_.build(normalized);
}

void AddedVocabulary::Matcher::build(const std::vector<std::pair<std::string, int32_t>>& patterns) {
  nodes.assign(1, Node{});
  std::fill(std::begin(first_byte), std::end(first_byte), false);
  for (const auto& [pattern, index] : patterns) {
    if (pattern.empty()) continue;
    first_byte[static_cast<unsigned char>(pattern[0])] = true;
    int32_t node = 0;
    for (unsigned char b : pattern) {
      const auto it = nodes[node].children.find(b);
      if (it != nodes[node].children.end()) {
        node = it->second;
      } else {
        nodes.push_back(Node{});
        const auto child = static_cast<int32_t>(nodes.size() - 1);
        nodes[node].children.emplace(b, child);
        node = child;
      }
    }
    if (nodes[node].token_index < 0) nodes[node].token_index = index;  // first pattern wins
  }
}

int32_t AddedVocabulary::Matcher::longest_at(std::string_view text, std::size_t pos,
                                             std::size_t& length) const {
  int32_t node = 0, found = -1;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const auto it = nodes[node].children.find(static_cast<unsigned char>(text[i]));
    if (it == nodes[node].children.end()) break;
    node = it->second;
    if (nodes[node].token_index >= 0) {
      found = nodes[node].token_index;
      length = i + 1 - pos;
    }
  }
  return found;
}

void AddedVocabulary::split(Piece&& piece, const Matcher& matcher, Pieces& out) const {
  const std::string_view text = piece.text;
  if (matcher.nodes.size() <= 1) {
    out.push_back(std::move(piece));
    return;
  }
  std::size_t start_offset = 0, pos = 0;
  while (pos < text.size()) {
    if (!matcher.first_byte[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    std::size_t length = 0;
    const int32_t index = matcher.longest_at(text, pos, length);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    std::size_t start = pos, stop = pos + length;
    pos = stop;  // the matcher resumes after the match even when it is discarded
    if (start < start_offset) continue;
    if (token.single_word) {
      const bool word_before = start > 0 && text::is_word_char(char_before(text, start));
      std::size_t next = stop;
      const bool word_after =
          stop < text.size() && text::is_word_char(decode_utf8_unchecked(text, next));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) start = std::max(whitespace_run_start(text, start), start_offset);
    if (token.rstrip) stop = whitespace_run_end(text, stop);
    if (start_offset < start) out.push_back(slice_piece(piece, start_offset, start));
    out.push_back(slice_piece(piece, start, stop, token.id));
    start_offset = stop;
  }
  if (start_offset == 0) {
    if (!text.empty()) out.push_back(std::move(piece));  // no match: the piece as it is
  } else if (start_offset < text.size()) {
    out.push_back(slice_piece(piece, start_offset, text.size()));
  }
}

Pieces AddedVocabulary::extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                              bool with_origin) const {
  Pieces raw_pieces;
  Piece whole{std::string(text), -1, {}};
  if (with_origin) whole.origin = identity_origin(text, 0);
  split(std::move(whole), raw_matcher_, raw_pieces);
  Pieces out;
  out.reserve(raw_pieces.size());
  for (auto& piece : raw_pieces) {
    if (piece.added_id >= 0) {
      out.push_back(std::move(piece));
      continue;
    }
    if (normalizer && with_origin) {
      normalizer->normalize_aligned(piece.text, piece.origin);
    } else if (normalizer) {
      normalizer->normalize(piece.text);
    }
    if (piece.text.empty()) continue;
    split(std::move(piece), normalized_matcher_, out);
  }
  return out;
}

const AddedToken* AddedVocabulary::find_by_id(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::find_by_content(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

}  // namespace instill::tokenizer
