#include "tokenizer/byte_level.hpp"

#include "core/utf8.hpp"

namespace instill::tokenizer {
namespace {

// Printable bytes map to themselves; the rest go to 256, 257, ... in byte order.
std::array<char32_t, 256> build_byte_to_cp() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

const std::array<char32_t, 256>& byte_to_cp() {
  static const std::array<char32_t, 256> table = build_byte_to_cp();
  return table;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode_table() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    for (int b = 0; b < 256; ++b) append_utf8(t[b], byte_to_cp()[b]);
    return t;
  }();
  return table;
}

void append_byte_level(std::string& out, std::string_view bytes) {
  const std::size_t old_size = out.size();
  out.resize(old_size + 2 * bytes.size());
  char* end = write_byte_level(out.data() + old_size, bytes);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

std::optional<uint8_t> unicode_to_byte(char32_t cp) {
  static const std::array<int16_t, 512> reverse = [] {
    std::array<int16_t, 512> r;
    r.fill(-1);
    for (int b = 0; b < 256; ++b) r[byte_to_cp()[b]] = static_cast<int16_t>(b);
    return r;
  }();
  if (cp >= reverse.size() || reverse[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(reverse[cp]);
}

}  // namespace instill::tokenizer
