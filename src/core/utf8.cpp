#include "core/utf8.hpp"

namespace instill {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// Number of bytes of the longest valid prefix of a sequence at s[i] (0 when the lead byte
// itself is invalid), and whether the whole sequence is complete. Follows the Unicode
// "maximal subpart" rule used by Rust's from_utf8_lossy.
struct SequenceCheck {
  std::size_t valid_prefix;
  bool complete;
};

SequenceCheck check_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) -> int {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1;
  };
  const int lead = byte(0);
  if (lead < 0x80) return {1, true};
  std::size_t need = 0;
  int lo = 0x80, hi = 0xBF;  // bounds for the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead == 0xE0) {
    need = 2, lo = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    need = 2;
  } else if (lead == 0xED) {
    need = 2, hi = 0x9F;  // excludes surrogates
  } else if (lead == 0xF0) {
    need = 3, lo = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    need = 3;
  } else if (lead == 0xF4) {
    need = 3, hi = 0x8F;
  } else {
    return {0, false};
  }
  for (std::size_t k = 1; k <= need; ++k) {
    const int b = byte(k);
    const int low = k == 1 ? lo : 0x80, high = k == 1 ? hi : 0xBF;
    if (b < low || b > high) return {k, false};
  }
  return {need + 1, true};
}

}  // namespace

bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp) {
  const SequenceCheck c = check_sequence(s, i);
  if (!c.complete) return false;
  cp = decode_utf8_unchecked(s, i);
  return true;
}

char32_t decode_utf8_unchecked(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const std::size_t len = utf8_sequence_length(b0);
  char32_t cp = len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += len;
  return cp;
}

bool is_valid_utf8(std::string_view s, std::size_t* error_offset) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const SequenceCheck c = check_sequence(s, i);
    if (!c.complete) {
      if (error_offset) *error_offset = i;
      return false;
    }
    i += c.valid_prefix;
  }
  return true;
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const SequenceCheck c = check_sequence(bytes, i);
    if (c.complete) {
      out.append(bytes.substr(i, c.valid_prefix));
      i += c.valid_prefix;
    } else {
      out.append("\xEF\xBF\xBD");
      i += c.valid_prefix == 0 ? 1 : c.valid_prefix;
    }
  }
  return out;
}

}  // namespace instill
