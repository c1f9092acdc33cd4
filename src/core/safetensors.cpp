#include "core/safetensors.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/python_json.hpp"

namespace instill {

size_t safetensors_dtype_size(std::string_view dtype) {
  static const std::map<std::string, size_t, std::less<>> kSizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
      {"I8", 1},  {"U8", 1},  {"U16", 2}, {"U32", 4},  {"U64", 8}, {"BOOL", 1}};
  auto it = kSizes.find(dtype);
  if (it == kSizes.end())
    throw Error("unsupported safetensors dtype \"" + std::string(dtype) + "\"");
  return it->second;
}

SafetensorsReader::SafetensorsReader(const fs::path& path) : file_(path) {
  const std::string where = path.string() + ": ";
  if (file_.size() < 8) throw Error(where + "not a safetensors file (shorter than 8 bytes)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file_.data()[i];
  if (header_len > file_.size() - 8)
    throw Error(where + "header length " + std::to_string(header_len) +
                " runs past the end of the file (" + std::to_string(file_.size()) + " bytes)");
  data_start_ = 8 + header_len;
  const uint64_t data_size = file_.size() - data_start_;
  Value header;
  try {
    header = json_loads(file_.view().substr(8, header_len));
  } catch (const Error& e) {
    throw Error(where + "header is not valid JSON: " + e.what());
  }
  if (!header.is_map()) throw Error(where + "header is not a JSON object");
  for (const auto& [name, v] : header.as_map()) {
    const std::string at = where + "tensor \"" + name + "\": ";
    if (name == "__metadata__") {
      if (!v.is_map()) throw Error(where + "__metadata__ must be an object of strings");
      for (const auto& [k, mv] : v.as_map()) {
        if (!mv.is_string()) throw Error(where + "__metadata__." + k + " must be a string");
        metadata_[k] = mv.as_string();
      }
      continue;
    }
    if (!v.is_map()) throw Error(at + "expected an object with dtype, shape, data_offsets");
    const auto& m = v.as_map();
    const Value* dtype = m.find("dtype");
    const Value* shape = m.find("shape");
    const Value* offsets = m.find("data_offsets");
    if (!dtype || !dtype->is_string()) throw Error(at + "missing string \"dtype\"");
    if (!shape || !shape->is_sequence()) throw Error(at + "missing list \"shape\"");
    if (!offsets || !offsets->is_sequence() || offsets->as_list().size() != 2)
      throw Error(at + "\"data_offsets\" must be [begin, end]");
    SafetensorsEntry e;
    e.dtype = dtype->as_string();
    size_t elem;
    try {
      elem = safetensors_dtype_size(e.dtype);
    } catch (const Error& err) {
      throw Error(at + err.what());
    }
    uint64_t numel = 1;
    for (const auto& d : shape->as_list()) {
      if (!d.is_int() || d.as_int() < 0) throw Error(at + "shape entries must be integers >= 0");
      e.shape.push_back(d.as_int());
      if (d.as_int() != 0 && numel > (uint64_t{1} << 62) / static_cast<uint64_t>(d.as_int()))
        throw Error(at + "shape is too large");
      numel *= static_cast<uint64_t>(d.as_int());
    }
    const auto& off = offsets->as_list();
    if (!off[0].is_int() || !off[1].is_int() || off[0].as_int() < 0 ||
        off[1].as_int() < off[0].as_int())
      throw Error(at + "data_offsets must be integers with 0 <= begin <= end");
    e.begin = static_cast<uint64_t>(off[0].as_int());
    e.end = static_cast<uint64_t>(off[1].as_int());
    if (e.end > data_size)
      throw Error(at + "data_offsets end " + std::to_string(e.end) + " is past the data (" +
                  std::to_string(data_size) + " bytes)");
    // numel is at most 2^62, but numel * elem can still wrap: [2^61 + 1] F64 would need 8 bytes.
    uint64_t need = 0;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(elem), &need))
      throw Error(at + "shape is too large");
    if (e.end - e.begin != need)
      throw Error(at + "holds " + std::to_string(e.end - e.begin) + " bytes but dtype " + e.dtype +
                  " and its shape need " + std::to_string(need));
    entries_.emplace(name, std::move(e));
  }
  check_tiling(where, data_size);
}

// As the format's reference implementation requires: the tensors tile the data region exactly
// (sorted by offset, no gap, no overlap, nothing after the last), so that a header length off
// by a byte or tensors aliasing each other are refused instead of read shifted.
void SafetensorsReader::check_tiling(const std::string& where, uint64_t data_size) const {
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, const std::string*>> spans;
  for (const auto& [name, e] : entries_) spans.push_back({{e.begin, e.end}, &name});
  std::sort(spans.begin(), spans.end());
  uint64_t expected = 0;
  for (const auto& [span, name] : spans) {
    if (span.first != expected)
      throw Error(where + "tensor \"" + *name + "\" starts at data offset " +
                  std::to_string(span.first) + " but the tensors before it end at " +
                  std::to_string(expected) +
                  " (tensors must tile the data region: no gaps, no overlaps)");
    expected = span.second;
  }
  if (expected != data_size)
    throw Error(where + "the tensors cover " + std::to_string(expected) +
                " bytes of data but the file holds " + std::to_string(data_size) +
                " after its header (a wrong header length, or trailing bytes)");
}

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw Error(file_.path().string() + ": no tensor named \"" + name + "\"");
  return it->second;
}

std::string_view SafetensorsReader::bytes(const std::string& name) const {
  const auto& e = entry(name);
  return file_.view().substr(data_start_ + e.begin, e.end - e.begin);
}

void SafetensorsWriter::add(std::string name, std::string dtype, std::vector<int64_t> shape,
                            const void* data, size_t size) {
  if (name == "__metadata__") throw Error("safetensors: \"__metadata__\" is not a tensor name");
  size_t numel = 1;
  for (auto d : shape) numel *= static_cast<size_t>(d);
  if (numel * safetensors_dtype_size(dtype) != size)
    throw Error("safetensors: tensor \"" + name + "\" has " + std::to_string(size) +
                " bytes, its shape and dtype need " +
                std::to_string(numel * safetensors_dtype_size(dtype)));
  if (!tensors_.emplace(std::move(name), Pending{std::move(dtype), std::move(shape), data, size})
           .second)
    throw Error("safetensors: duplicate tensor name");
}

void SafetensorsWriter::write(const fs::path& path) const {
  ValueMap header;
  if (!metadata_.empty()) {
    ValueMap meta;
    for (const auto& [k, v] : metadata_) meta.set(k, v);
    header.set("__metadata__", Value(std::move(meta)));
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors_) {
    ValueList shape;
    for (auto d : t.shape) shape.push_back(Value(d));
    ValueMap entry;
    entry.set("dtype", t.dtype);
    entry.set("shape", Value(std::move(shape)));
    entry.set("data_offsets", Value(ValueList{Value(static_cast<int64_t>(offset)),
                                              Value(static_cast<int64_t>(offset + t.size))}));
    header.set(name, Value(std::move(entry)));
    offset += t.size;
  }
  JsonDumpOptions compact;
  compact.item_separator = ",";
  compact.key_separator = ":";
  std::string json = json_dumps(Value(std::move(header)), compact);
  // Pad the header with spaces so the data section starts 8-byte aligned.
  while ((8 + json.size()) % 8 != 0) json.push_back(' ');
  AtomicFileWriter out(path);
  uint8_t len[8];
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(len, 8);
  out.write(json);
  for (const auto& [name, t] : tensors_) out.write(t.data, t.size);
  out.commit();
}

}  // namespace instill
