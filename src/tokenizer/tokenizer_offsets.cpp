// Tokenizer::encode_ids_with_starts: the encode pipeline with each piece's origin tracked (see
// alignment.hpp), so that every token maps back to where it starts in the input.
#include <algorithm>

#include "core/error.hpp"
#include "core/utf8.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/tokenizer.hpp"

namespace instill::tokenizer {
namespace {

// End of the input character that starts at `start`.
uint32_t char_end(std::string_view text, uint32_t start) {
  return start +
         static_cast<uint32_t>(utf8_sequence_length(static_cast<unsigned char>(text[start])));
}

}  // namespace

// Input offsets of the tokens, in order. Ends and token strings only when a post-processor
// trims offsets (it needs both).
struct Tokenizer::TokenOffsets {
  std::string_view text;  // the input
  std::vector<uint32_t>& starts;
  bool with_ends;
  std::vector<uint32_t> ends;
  std::vector<std::string_view> strings;  // an added token's matched text; empty: the model's

  void add_added_token(const Piece& piece) {
    starts.push_back(piece.origin[0]);
    if (!with_ends) return;
    ends.push_back(char_end(text, piece.origin.back()));
    strings.push_back(piece.text);
  }

  // A word's tokens from their starts in the piece. A token ends where the next one that
  // starts later begins (byte tokens of a Unigram piece share a start), the last at word_end;
  // in the input it ends with the character of its last byte (HF).
  void add_word(const Piece& piece, const std::vector<uint32_t>& word_starts,
                std::size_t word_end) {
    const std::size_t first = starts.size(), last = piece.origin.size() - 1;
    for (const uint32_t s : word_starts)
      starts.push_back(piece.origin[std::min<std::size_t>(s, last)]);
    if (!with_ends) return;
    ends.resize(starts.size());
    strings.resize(starts.size());
    std::size_t end = word_end;
    for (std::size_t k = word_starts.size(); k-- > 0;) {
      if (k + 1 < word_starts.size() && word_starts[k + 1] > word_starts[k])
        end = word_starts[k + 1];
      ends[first + k] = char_end(text, piece.origin[std::clamp<std::size_t>(end, 1, last + 1) - 1]);
    }
  }
};

void Tokenizer::encode_ids_with_starts(std::string_view text, std::vector<int32_t>& ids,
                                       std::vector<uint32_t>& starts) const {
  if (text.size() >= UINT32_MAX) throw Error("encode_ids_with_starts: text of 4 GiB or more");
  ids.clear();
  starts.clear();
  std::vector<bool> trims;  // HF moves offsets off spaces after encoding
  if (post_processor) post_processor->offset_trims(trims);
  TokenOffsets offsets{text, starts, !trims.empty(), {}, {}};
  Pieces pieces = added_.extract_and_normalize(text, normalizer.get(), true);
  if (fast_path_active()) {
    collect_offsets_fast(pieces, ids, offsets);
  } else {
    if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces);
    collect_offsets(pieces, ids, offsets);
  }
  if (trims.empty()) return;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (offsets.strings[k].empty()) offsets.strings[k] = model->id_to_token(ids[k]).value_or("");
  }
  for (const bool add_prefix_space : trims) {
    trim_offsets(text, offsets.strings, add_prefix_space, starts, offsets.ends);
  }
}

void Tokenizer::collect_offsets(const Pieces& pieces, std::vector<int32_t>& ids,
                                TokenOffsets& offsets) const {
  std::vector<uint32_t> word_starts;
  for (const Piece& piece : pieces) {
    if (piece.origin.size() != piece.text.size()) throw Error("a piece lost its alignment");
    if (piece.added_id >= 0) {
      ids.push_back(piece.added_id);
      offsets.add_added_token(piece);
      continue;
    }
    word_starts.clear();
    model->tokenize_with_offsets(piece.text, ids, word_starts);
    offsets.add_word(piece, word_starts, piece.text.size());
  }
}

void Tokenizer::collect_offsets_fast(const Pieces& pieces, std::vector<int32_t>& ids,
                                     TokenOffsets& offsets) const {
  thread_local std::vector<Span> spans;
  thread_local std::string word;  // one pre-token, byte-level mapped
  thread_local std::vector<uint32_t> word_starts;
  const auto& bpe = static_cast<const BpeModel&>(*model);
  for (const Piece& piece : pieces) {
    if (piece.added_id >= 0) {
      ids.push_back(piece.added_id);
      offsets.add_added_token(piece);
      continue;
    }
    spans.clear();
    scan_pre_tokens(*fast_scanner_, piece.text, spans);
    for (const auto& [b, e] : spans) {
      word.clear();
      append_byte_level(word, std::string_view(piece.text).substr(b, e - b));
      word_starts.clear();
      bpe.tokenize_with_offsets(word, ids, word_starts);
      // Back from mapped bytes to the piece's: each byte became one 1- or 2-byte character.
      std::size_t byte = b, mapped = 0;
      for (uint32_t& s : word_starts) {
        while (mapped < s && byte + 1 < e) {
          mapped += detail::kByteLevelChars[static_cast<unsigned char>(piece.text[byte])].len;
          ++byte;
        }
        s = static_cast<uint32_t>(byte);
      }
      offsets.add_word(piece, word_starts, e);
    }
  }
}

}  // namespace instill::tokenizer
