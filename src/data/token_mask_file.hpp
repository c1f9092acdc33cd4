#pragma once
// The per-token loss mask stored beside a .pbin (`<name>.pbin` -> `<name>.mask`) by data
// preparation in chat-template mode, with the chat template the masks were derived from (so
// that a model trained on them keeps speaking that format in chat and export):
//   8 bytes "INSTMASK" | u64 LE version (1) | u64 LE token count N | u64 LE template length T |
//   T bytes of the chat template (UTF-8) | N bytes, one per token (0 or 1)
// Flag i belongs to token i of the pbin's data section, so the pbin's index (byte offsets /
// token size) addresses both files; a token with 1 is a trained target.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "core/fs.hpp"
#include "data/pbin.hpp"

namespace instill::data {

// `<name>.pbin` -> `<name>.mask`.
std::filesystem::path token_mask_path(const std::filesystem::path& pbin);

// Streams flags under a temporary name; finish() patches the count and renames into place.
class TokenMaskWriter {
 public:
  TokenMaskWriter(std::filesystem::path path, std::string_view chat_template);
  void add(std::span<const uint8_t> flags);
  uint64_t tokens() const { return tokens_; }
  void finish();

 private:
  AtomicFileWriter out_;
  uint64_t tokens_ = 0;
};

// Memory-mapped and validated: the header, the body's length and flags of 0 or 1 only.
class TokenMaskReader {
 public:
  explicit TokenMaskReader(const std::filesystem::path& path);
  uint64_t tokens() const { return tokens_; }
  // Flags of tokens [begin, end).
  std::span<const uint8_t> flags(uint64_t begin, uint64_t end) const;
  std::string_view chat_template() const { return chat_template_; }
  const std::filesystem::path& path() const { return file_.path(); }

 private:
  MappedFile file_;
  uint64_t tokens_ = 0;
  std::string_view chat_template_;
  const uint8_t* flags_ = nullptr;
};

// The mask stored beside `pbin`, checked to have one flag per token; none when absent.
std::optional<TokenMaskReader> stored_mask_of(const PbinReader& pbin);

}  // namespace instill::data
