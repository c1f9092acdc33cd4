#include "data/token_mask_file.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::data {

namespace {

constexpr char kMagic[8] = {'I', 'N', 'S', 'T', 'M', 'A', 'S', 'K'};
constexpr uint64_t kVersion = 1;

void put_u64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

}  // namespace

std::filesystem::path token_mask_path(const std::filesystem::path& pbin) {
  std::filesystem::path p = pbin;
  return p.replace_extension(".mask");
}

TokenMaskWriter::TokenMaskWriter(std::filesystem::path path, std::string_view chat_template)
    : out_(std::move(path)) {
  char header[32] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  put_u64(header + 8, kVersion);
  put_u64(header + 24, chat_template.size());
  out_.write(header, sizeof header);  // the token count is patched by finish()
  out_.write(chat_template);
}

void TokenMaskWriter::add(std::span<const uint8_t> flags) {
  out_.write(flags.data(), flags.size());
  tokens_ += flags.size();
}

void TokenMaskWriter::finish() {
  char count[8];
  put_u64(count, tokens_);
  out_.pwrite(count, sizeof count, 16);
  out_.commit();
}

TokenMaskReader::TokenMaskReader(const std::filesystem::path& path) : file_(path) {
  const auto fail = [&](const std::string& why) {
    throw Error(path.string() + ": not an instill token mask file (" + why + ")");
  };
  const uint64_t size = file_.size();
  if (size < 32) fail("shorter than its 32-byte header");
  if (std::memcmp(file_.data(), kMagic, sizeof kMagic) != 0) fail("no INSTMASK signature");
  if (get_u64(file_.data() + 8) != kVersion)
    fail("version " + std::to_string(get_u64(file_.data() + 8)) + ", expected 1");
  tokens_ = get_u64(file_.data() + 16);
  const uint64_t template_bytes = get_u64(file_.data() + 24);
  if (template_bytes > size - 32 || tokens_ != size - 32 - template_bytes)
    fail("the header announces " + std::to_string(template_bytes) + " template bytes and " +
         std::to_string(tokens_) + " flags, but the file holds " + std::to_string(size - 32) +
         " bytes after it");
  chat_template_ = std::string_view(reinterpret_cast<const char*>(file_.data()) + 32,
                                    static_cast<std::size_t>(template_bytes));
  if (!is_valid_utf8(chat_template_)) fail("its chat template is not valid UTF-8");
  flags_ = file_.data() + 32 + template_bytes;
  const auto bad = std::find_if(flags_, flags_ + tokens_, [](uint8_t f) { return f > 1; });
  if (bad != flags_ + tokens_)
    fail("token " + std::to_string(bad - flags_) + " has flag " + std::to_string(*bad) +
         ", expected 0 or 1");
}

std::span<const uint8_t> TokenMaskReader::flags(uint64_t begin, uint64_t end) const {
  if (begin > end || end > tokens_)
    throw Error(path().string() + ": tokens [" + std::to_string(begin) + ", " +
                std::to_string(end) + ") are outside the mask's " + std::to_string(tokens_));
  return {flags_ + begin, static_cast<std::size_t>(end - begin)};
}

std::optional<TokenMaskReader> stored_mask_of(const PbinReader& pbin) {
  const std::filesystem::path path = token_mask_path(pbin.path());
  if (!std::filesystem::exists(path)) return std::nullopt;
  TokenMaskReader mask(path);
  if (mask.tokens() != pbin.num_tokens())
    throw Error(path.string() + ": holds " + std::to_string(mask.tokens()) + " flags but " +
                pbin.path().string() + " holds " + std::to_string(pbin.num_tokens()) +
                " tokens; the two files do not belong together");
  return mask;
}

}  // namespace instill::data
