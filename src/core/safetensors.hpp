#pragma once
// The safetensors file format (Hugging Face): an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then
// the raw little-endian tensor bytes. Torch-free, so checkpoints and model files can be read
// and checked without libtorch; the reader validates every offset, dtype and shape against
// the file size before anything is touched, so a malformed file is an error, never a crash.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.hpp"

namespace instill {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "BF16", "F16", "I64", "I32", "U8", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // offsets into the data section
};

// Bytes per element of a safetensors dtype name; throws for unknown names.
size_t safetensors_dtype_size(std::string_view dtype);

class SafetensorsReader {
 public:
  explicit SafetensorsReader(const fs::path& path);
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  // The raw bytes of one tensor (inside the mapping; valid while the reader lives).
  std::string_view bytes(const std::string& name) const;
  const fs::path& path() const { return file_.path(); }

 private:
  MappedFile file_;
  void check_tiling(const std::string& where, uint64_t data_size) const;

  uint64_t data_start_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Collects tensors and writes them atomically, in name order (as the Python library does).
// add() does not copy: `data` must stay valid until write() returns.
class SafetensorsWriter {
 public:
  void add(std::string name, std::string dtype, std::vector<int64_t> shape, const void* data,
           size_t size);
  void set_metadata(std::string key, std::string value) { metadata_[key] = std::move(value); }
  void write(const fs::path& path) const;

 private:
  struct Pending {
    std::string dtype;
    std::vector<int64_t> shape;
    const void* data;
    size_t size;
  };
  std::map<std::string, Pending> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace instill
