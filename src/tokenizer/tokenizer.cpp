#include "tokenizer/tokenizer.hpp"

#include <unordered_set>

#include "tokenizer/bpe_model.hpp"
#include "tokenizer/byte_level.hpp"

namespace instill::tokenizer {

std::size_t Tokenizer::add_tokens(const std::vector<AddedToken>& tokens) {
  const std::size_t before = full_vocab_size();
  for (AddedToken token : tokens) {
    if (token.content.empty()) continue;
    if (const auto id = token_to_id(token.content)) {
      token.id = *id;
    } else {
      // Next id after both the model vocab and every added token.
      int32_t next = static_cast<int32_t>(model->vocab_size());
      for (const auto& t : added_.tokens()) next = std::max(next, t.id + 1);
      token.id = next;
    }
    added_.add(token);
  }
  finalize();
  return full_vocab_size() - before;
}

void Tokenizer::finalize() {
  added_.rebuild(normalizer.get());
  fast_scanner_.reset();
  bpe_ = dynamic_cast<const BpeModel*>(model.get());
  if (!bpe_) return;
  if (normalizer) {
    const auto* nfc = dynamic_cast<const UnicodeNormalizer*>(normalizer.get());
    if (!nfc || nfc->form() != text::NormalizationForm::kNFC) return;
  }
  // Shape 1 (GPT-2): ByteLevel(add_prefix_space=false, use_regex=true).
  if (const auto* bl = dynamic_cast<const ByteLevelPreTokenizer*>(pre_tokenizer.get())) {
    if (!bl->add_prefix_space() && bl->use_regex()) fast_scanner_ = ScannerKind::kGpt2;
    return;
  }
  // Shape 2 (Llama-3, Qwen2/3): Sequence[Split(known regex, Isolated), ByteLevel(no regex)].
  const auto* seq = dynamic_cast<const SequencePreTokenizer*>(pre_tokenizer.get());
  if (!seq || seq->steps().size() != 2) return;
  const auto* split = dynamic_cast<const SplitPreTokenizer*>(seq->steps()[0].get());
  const auto* bl = dynamic_cast<const ByteLevelPreTokenizer*>(seq->steps()[1].get());
  if (!split || !bl || bl->add_prefix_space() || bl->use_regex() || split->invert() ||
      split->behavior() != SplitBehavior::kIsolated || !split->pattern().is_regex()) {
    return;
  }
  fast_scanner_ = scanner_for_regex(split->pattern().pattern());
}

void Tokenizer::encode_fast(const Pieces& pieces, std::vector<int32_t>& ids) const {
  thread_local std::vector<Span> spans;
  thread_local std::string mapped;  // the byte-level words of a piece, back to back
  thread_local std::vector<uint32_t> ends;
  const auto& bpe = static_cast<const BpeModel&>(*model);
  for (const Piece& piece : pieces) {
    if (piece.added_id >= 0) {
      ids.push_back(piece.added_id);
      continue;
    }
    spans.clear();
    scan_pre_tokens(*fast_scanner_, piece.text, spans);
    if (piece.text.size() > UINT32_MAX / 2) {  // word offsets below are 32-bit
      for (const auto& [b, e] : spans) {
        std::string word;
        append_byte_level(word, std::string_view(piece.text).substr(b, e - b));
        bpe.tokenize(word, ids);
      }
      continue;
    }
    // Each byte becomes at most two bytes; the buffer only ever grows.
    if (mapped.size() < 2 * piece.text.size()) mapped.resize(2 * piece.text.size());
    char* const begin = mapped.data();
    char* out = begin;
    ends.clear();
    for (const auto& [b, e] : spans) {
      out = write_byte_level(out, std::string_view(piece.text).substr(b, e - b));
      ends.push_back(static_cast<uint32_t>(out - begin));
    }
    bpe.tokenize_words(std::string_view(begin, static_cast<std::size_t>(out - begin)), ends, ids);
  }
}

std::vector<int32_t> Tokenizer::encode_ids(std::string_view text) const {
  std::vector<int32_t> ids;
  Pieces pieces = added_.extract_and_normalize(text, normalizer.get());
  if (fast_path_active()) {
    encode_fast(pieces, ids);
    return ids;
  }
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces);
  if (bpe_ && bpe_ == model.get()) {
    // Runs of words go to the BPE model together, so it can prefetch ahead.
    thread_local std::string words;
    thread_local std::vector<uint32_t> ends;
    words.clear();
    ends.clear();
    auto flush = [&] {
      if (!ends.empty()) bpe_->tokenize_words(words, ends, ids);
      words.clear();
      ends.clear();
    };
    for (const Piece& piece : pieces) {
      if (piece.added_id >= 0) {
        flush();
        ids.push_back(piece.added_id);
        continue;
      }
      if (words.size() + piece.text.size() > UINT32_MAX) flush();  // 32-bit offsets
      if (piece.text.size() > UINT32_MAX) {
        bpe_->tokenize(piece.text, ids);
        continue;
      }
      words.append(piece.text);
      ends.push_back(static_cast<uint32_t>(words.size()));
    }
    flush();
    return ids;
  }
  for (const Piece& piece : pieces) {
    if (piece.added_id >= 0) {
      ids.push_back(piece.added_id);
    } else {
      model->tokenize(piece.text, ids);
    }
  }
  return ids;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int32_t> ids = encode_ids(text);
  if (add_special_tokens) post_process(ids);
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    auto token = id_to_token(id);
    if (!token) continue;
    if (skip_special_tokens && added_.is_special_content(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  if (!decoder) {
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) joined.push_back(' ');
      joined += tokens[i];
    }
    return joined;
  }
  decoder->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto id = added_.find_by_content(token)) return id;
  return model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* t = added_.find_by_id(id)) return t->content;
  if (const auto s = model->id_to_token(id)) return std::string(*s);
  return std::nullopt;
}

std::size_t Tokenizer::full_vocab_size() const {
  std::size_t n = model->vocab_size();
  for (const auto& t : added_.tokens()) {
    if (!model->token_to_id(t.content)) ++n;
  }
  return n;
}

}  // namespace instill::tokenizer
