#pragma once
// The packed token file (.pbin) of Modalities:
//   u64 LE data_len | u32 LE token_size (1, 2 or 4) | data (tokens, unsigned LE) | pickled index
// The index lists (byte offset relative to the data section, byte length) per document
// and runs to the end of the file.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/fs.hpp"
#include "data/pickle.hpp"

namespace instill::data {

constexpr uint64_t kPbinHeaderSize = 12;

// Token width Modalities derives from the base vocabulary size: ceil(bits(vocab-1)/8)
// bytes, with 3 widened to 4 and a vocabulary of 1 giving 4.
int token_size_for_vocab_size(uint64_t vocab_size);

// Streams documents into a .pbin under a temporary name; finish() appends the index,
// patches the header and renames the file into place.
class PbinWriter {
 public:
  PbinWriter(std::filesystem::path path, int token_size);
  // Appends one document; throws when an id does not fit the token width.
  void add_document(std::span<const uint32_t> ids);
  // Appends one document already encoded at the file's token width.
  void add_encoded_document(std::string_view bytes);
  size_t documents() const { return index_.size(); }
  uint64_t data_bytes() const { return data_len_; }
  void finish();

 private:
  AtomicFileWriter out_;
  int token_size_;
  uint64_t data_len_ = 0;
  Index index_;
  std::string scratch_;
};

// Encodes ids as unsigned little-endian integers of `token_size` bytes.
void encode_tokens(std::span<const uint32_t> ids, int token_size, std::string& out);

// Memory-mapped, validated reader.
class PbinReader {
 public:
  // With load_index the index pickle is parsed (restricted unpickler) and validated
  // against the data section.
  explicit PbinReader(const std::filesystem::path& path, bool load_index = true);

  int token_size() const { return token_size_; }
  uint64_t data_len() const { return data_len_; }
  uint64_t num_tokens() const { return data_len_ / static_cast<uint64_t>(token_size_); }
  uint32_t token(uint64_t i) const;
  // Copies tokens [begin, end) (token positions in the data section).
  void read_tokens(uint64_t begin, uint64_t end, uint32_t* out) const;
  std::vector<uint32_t> tokens(uint64_t begin, uint64_t end) const;

  bool has_index() const { return index_.has_value(); }
  const Index& index() const;
  size_t num_documents() const { return index().size(); }
  std::vector<uint32_t> document(size_t i) const;

  std::string_view data_bytes() const;
  std::string_view index_bytes() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  MappedFile file_;
  int token_size_ = 0;
  uint64_t data_len_ = 0;
  std::optional<Index> index_;
};

}  // namespace instill::data
