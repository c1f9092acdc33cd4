#include "tokenizer/decoders.hpp"

#include "core/utf8.hpp"
#include "tokenizer/byte_level.hpp"

namespace instill::tokenizer {
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  std::size_t last = 0, pos = 0;
  bool any = false;
  while ((pos = s.find(from, last)) != std::string::npos) {
    any = true;
    out.append(s, last, pos - last);
    out.append(to);
    last = pos + from.size();
  }
  if (!any) return;
  out.append(s, last, std::string::npos);
  s = std::move(out);
}

// "<0xAB>" -> 0xAB
std::optional<uint8_t> parse_byte_token(const std::string& t) {
  if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>') return {};
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return {};
  return static_cast<uint8_t>(hi * 16 + lo);
}

}  // namespace

void ByteLevelDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::string bytes;
  for (const auto& t : tokens) {
    // A token with any character outside the byte alphabet is taken as raw UTF-8.
    const std::size_t mark = bytes.size();
    bool mapped = true;
    std::size_t i = 0;
    while (i < t.size()) {
      char32_t cp = 0;
      if (!decode_utf8(t, i, cp)) {
        mapped = false;
        break;
      }
      const auto b = unicode_to_byte(cp);
      if (!b) {
        mapped = false;
        break;
      }
      bytes.push_back(static_cast<char>(*b));
    }
    if (!mapped) {
      bytes.resize(mark);
      bytes.append(t);
    }
  }
  tokens.assign(1, utf8_lossy(bytes));
}

void MetaspaceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    replace_all(tokens[i], replacement_, " ");
    if (i == 0 && strip_first_space_ && !tokens[i].empty() && tokens[i][0] == ' ') {
      tokens[i].erase(0, 1);
    }
  }
}

void ByteFallbackDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::vector<std::string> out;
  std::string pending;
  std::size_t pending_count = 0;
  auto flush = [&] {
    if (pending_count == 0) return;
    if (is_valid_utf8(pending)) {
      out.push_back(pending);
    } else {
      for (std::size_t k = 0; k < pending_count; ++k) out.emplace_back("\xEF\xBF\xBD");
    }
    pending.clear();
    pending_count = 0;
  };
  for (auto& t : tokens) {
    if (const auto b = parse_byte_token(t)) {
      pending.push_back(static_cast<char>(*b));
      ++pending_count;
      continue;
    }
    flush();
    out.push_back(std::move(t));
  }
  flush();
  tokens = std::move(out);
}

void FuseDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::string joined;
  for (const auto& t : tokens) joined += t;
  tokens.assign(1, std::move(joined));
}

void StripDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (auto& t : tokens) {
    std::size_t begin = 0, end = t.size();
    for (std::size_t k = 0; k < start_ && t.compare(begin, content_.size(), content_) == 0 &&
                            begin + content_.size() <= end;
         ++k) {
      begin += content_.size();
    }
    for (std::size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                            t.compare(end - content_.size(), content_.size(), content_) == 0;
         ++k) {
      end -= content_.size();
    }
    t = t.substr(begin, end - begin);
  }
}

void ReplaceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (auto& t : tokens) replace_all(t, pattern_, content_);
}

void WordPieceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string& t = tokens[i];
    if (i != 0) {
      if (t.compare(0, prefix_.size(), prefix_) == 0) {
        t.erase(0, prefix_.size());
      } else {
        t = " " + t;
      }
    }
    if (cleanup_) t = clean_up_tokenization(std::move(t));
  }
}

void SequenceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (const auto& s : steps_) s->decode_chain(tokens);
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) replace_all(text, from, to);
  return text;
}

}  // namespace instill::tokenizer
