#pragma once
// File-system helpers: outputs are written under a temporary name in the destination
// folder and renamed into place on success, so a failed run never leaves a partial file
// that looks complete. Inputs are memory-mapped read-only.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace instill {

namespace fs = std::filesystem;

// Read-only memory mapping of a whole file (empty files map to an empty view).
class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const fs::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const fs::path& path() const { return path_; }
  // Drops the pages of [0, end) from memory (they are re-read if touched again), so a
  // streaming pass over a large file keeps a bounded resident size.
  void release_prefix(size_t end) const;

 private:
  void release();
  fs::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// A file being written under "<dir>/.<name>.tmp-<pid>-<n>"; commit() renames it to the
// final path. Destroyed without commit(), the temporary file is removed.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(fs::path final_path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Overwrites already written bytes (e.g. a header patched at the end).
  void pwrite(const void* data, size_t size, uint64_t offset);
  uint64_t bytes_written() const { return written_; }
  const fs::path& final_path() const { return final_path_; }
  // Flushes, closes and renames over the final path.
  void commit();

 private:
  void flush_buffer();
  fs::path final_path_;
  fs::path temp_path_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Writes a whole file atomically.
void write_file_atomic(const fs::path& path, std::string_view bytes);
std::string read_file(const fs::path& path);

// Modalities' file-existence policy for outputs.
enum class FileExistencePolicy { kSkip, kError, kOverride };
FileExistencePolicy parse_file_existence_policy(std::string_view text);
// Applies the policy to an existing `path`. Returns false when the caller must skip the
// work (policy skip), true when it may go on; throws for policy error.
bool enforce_file_existence_policy(const fs::path& path, FileExistencePolicy policy);

}  // namespace instill
