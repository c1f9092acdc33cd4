#include "data/pbin.hpp"

#include <cstring>

#include "core/error.hpp"

namespace instill::data {

int token_size_for_vocab_size(uint64_t vocab_size) {
  if (vocab_size == 0) throw Error("vocabulary size must be at least 1");
  const uint64_t largest = vocab_size - 1;
  const int bits = largest == 0 ? 0 : 64 - __builtin_clzll(largest);
  const int k = (bits + 7) / 8;
  if (k == 1) return 1;
  if (k == 2) return 2;
  if (k <= 4) return 4;  // 0 (vocabulary of 1) and 3 become 4, as in the reference
  throw Error("vocabulary size " + std::to_string(vocab_size) +
              " needs more than 4 bytes per token; only 1, 2 and 4 are supported");
}

void encode_tokens(std::span<const uint32_t> ids, int token_size, std::string& out) {
  const size_t start = out.size();
  out.resize(start + ids.size() * static_cast<size_t>(token_size));
  char* p = out.data() + start;
  const uint64_t limit = token_size == 4 ? (uint64_t{1} << 32) : (uint64_t{1} << (8 * token_size));
  for (uint32_t id : ids) {
    if (id >= limit)
      throw Error("token " + std::to_string(id) + " cannot be represented by " +
                  std::to_string(token_size) + " bytes");
    for (int b = 0; b < token_size; ++b) *p++ = static_cast<char>((id >> (8 * b)) & 0xFF);
  }
}

PbinWriter::PbinWriter(std::filesystem::path path, int token_size)
    : out_(std::move(path)), token_size_(token_size) {
  if (token_size != 1 && token_size != 2 && token_size != 4)
    throw Error("token size must be 1, 2 or 4 bytes, got " + std::to_string(token_size));
  char header[kPbinHeaderSize] = {};
  const uint32_t ts = static_cast<uint32_t>(token_size);
  for (int b = 0; b < 4; ++b) header[8 + b] = static_cast<char>((ts >> (8 * b)) & 0xFF);
  out_.write(header, sizeof header);
}

void PbinWriter::add_document(std::span<const uint32_t> ids) {
  scratch_.clear();
  encode_tokens(ids, token_size_, scratch_);
  add_encoded_document(scratch_);
}

void PbinWriter::add_encoded_document(std::string_view bytes) {
  if (bytes.size() % static_cast<size_t>(token_size_) != 0)
    throw Error("document of " + std::to_string(bytes.size()) +
                " bytes is not a whole number of tokens");
  out_.write(bytes);
  index_.emplace_back(data_len_, bytes.size());
  data_len_ += bytes.size();
}

void PbinWriter::finish() {
  out_.write(pickle_index(index_));
  char len[8];
  for (int b = 0; b < 8; ++b) len[b] = static_cast<char>((data_len_ >> (8 * b)) & 0xFF);
  out_.pwrite(len, sizeof len, 0);
  out_.commit();
}

namespace {
uint64_t read_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}
}  // namespace

PbinReader::PbinReader(const std::filesystem::path& path, bool load_index) : path_(path) {
  if (!std::filesystem::exists(path))
    throw Error(path.string() +
                ": packed data file not found; create it with `instill data pack_encoded_data`");
  file_ = MappedFile(path);
  const std::string name = path.string();
  if (file_.size() < kPbinHeaderSize)
    throw Error(name + ": truncated .pbin: " + std::to_string(file_.size()) +
                " bytes, expected at least the 12-byte header");
  data_len_ = read_le(file_.data(), 8);
  const uint64_t ts = read_le(file_.data() + 8, 4);
  if (ts != 1 && ts != 2 && ts != 4)
    throw Error(name + ": header token size is " + std::to_string(ts) + ", expected 1, 2 or 4");
  token_size_ = static_cast<int>(ts);
  if (data_len_ > file_.size() - kPbinHeaderSize)
    throw Error(name + ": header data length " + std::to_string(data_len_) +
                " bytes exceeds the file size (" + std::to_string(file_.size()) +
                " bytes, 12 of them header): the file is truncated or not a .pbin");
  if (data_len_ % ts != 0)
    throw Error(name + ": data length " + std::to_string(data_len_) +
                " is not a multiple of the token size " + std::to_string(ts));
  if (load_index) {
    Index idx = unpickle_index(index_bytes(), name + " (index section)");
    for (size_t i = 0; i < idx.size(); ++i) {
      const auto [off, len] = idx[i];
      if (off > data_len_ || len > data_len_ - off)
        throw Error(name + ": index entry " + std::to_string(i) + " (" + std::to_string(off) +
                    ", " + std::to_string(len) + ") lies outside the " + std::to_string(data_len_) +
                    "-byte data section");
      if (off % ts != 0 || len % ts != 0)
        throw Error(name + ": index entry " + std::to_string(i) +
                    " is not aligned to the token size " + std::to_string(ts));
    }
    index_ = std::move(idx);
  }
}

uint32_t PbinReader::token(uint64_t i) const {
  return static_cast<uint32_t>(read_le(
      file_.data() + kPbinHeaderSize + i * static_cast<uint64_t>(token_size_), token_size_));
}

void PbinReader::read_tokens(uint64_t begin, uint64_t end, uint32_t* out) const {
  if (begin > end || end > num_tokens())
    throw Error(path_.string() + ": token range [" + std::to_string(begin) + ", " +
                std::to_string(end) + ") outside the " + std::to_string(num_tokens()) + " tokens");
  const uint8_t* p = file_.data() + kPbinHeaderSize + begin * static_cast<uint64_t>(token_size_);
  const uint64_t n = end - begin;
  switch (token_size_) {
    case 1:
      for (uint64_t i = 0; i < n; ++i) out[i] = p[i];
      break;
    case 2:
      for (uint64_t i = 0; i < n; ++i)
        out[i] = static_cast<uint32_t>(p[2 * i] | (p[2 * i + 1] << 8));
      break;
    default:
      for (uint64_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(read_le(p + 4 * i, 4));
  }
}

std::vector<uint32_t> PbinReader::tokens(uint64_t begin, uint64_t end) const {
  std::vector<uint32_t> out(end >= begin ? end - begin : 0);
  read_tokens(begin, end, out.data());
  return out;
}

const Index& PbinReader::index() const {
  if (!index_) throw Error(path_.string() + ": the index was not loaded");
  return *index_;
}

std::vector<uint32_t> PbinReader::document(size_t i) const {
  const auto& idx = index();
  if (i >= idx.size())
    throw Error(path_.string() + ": document " + std::to_string(i) + " out of range (" +
                std::to_string(idx.size()) + " documents)");
  const uint64_t ts = static_cast<uint64_t>(token_size_);
  return tokens(idx[i].first / ts, (idx[i].first + idx[i].second) / ts);
}

std::string_view PbinReader::data_bytes() const {
  return file_.view().substr(kPbinHeaderSize, data_len_);
}

std::string_view PbinReader::index_bytes() const {
  return file_.view().substr(kPbinHeaderSize + data_len_);
}

}  // namespace instill::data
