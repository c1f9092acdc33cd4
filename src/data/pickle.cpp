#include "data/pickle.hpp"

#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace instill::data {

namespace {

// Opcodes (names as in CPython's pickletools).
constexpr uint8_t kProto = 0x80, kFrame = 0x95, kStop = 0x2E, kMark = 0x28, kEmptyList = 0x5D,
                  kMemoize = 0x94, kAppend = 0x61, kAppends = 0x65, kTuple2 = 0x86, kTuple = 0x74,
                  kBinInt1 = 0x4B, kBinInt2 = 0x4D, kBinInt = 0x4A, kLong1 = 0x8A, kBinPut = 0x71,
                  kLongBinPut = 0x72;

constexpr size_t kFrameSizeTarget = 64 * 1024;
constexpr size_t kFrameHeaderSize = 9;
constexpr size_t kFrameSizeMin = 4;
constexpr size_t kBatchSize = 1000;

// Builds the byte stream with CPython's framer: a frame is opened after PROTO and closed
// at an object boundary once its payload reaches 64 KiB; a final payload shorter than
// 4 bytes is emitted without a FRAME header.
class FramedWriter {
 public:
  FramedWriter() {
    out_.push_back(static_cast<char>(kProto));
    out_.push_back(4);
    open_frame();
  }
  void byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  // Called before saving each object, like CPython's save().
  void object_boundary() {
    if (out_.size() - frame_payload_start_ >= kFrameSizeTarget) {
      close_frame();
      open_frame();
    }
  }
  std::string finish() {
    byte(kStop);
    close_frame();
    return std::move(out_);
  }

 private:
  void open_frame() {
    frame_header_at_ = out_.size();
    out_.append(kFrameHeaderSize, '\0');
    frame_payload_start_ = out_.size();
  }
  void close_frame() {
    const uint64_t len = out_.size() - frame_payload_start_;
    if (len >= kFrameSizeMin) {
      out_[frame_header_at_] = static_cast<char>(kFrame);
      for (int i = 0; i < 8; ++i)
        out_[frame_header_at_ + 1 + i] = static_cast<char>(len >> (8 * i));
    } else {
      out_.erase(frame_header_at_, kFrameHeaderSize);
    }
  }
  std::string out_;
  size_t frame_header_at_ = 0;
  size_t frame_payload_start_ = 0;
};

void save_int(FramedWriter& w, uint64_t v) {
  w.object_boundary();
  if (v <= 0xFF) {
    w.byte(kBinInt1);
    w.byte(static_cast<uint8_t>(v));
  } else if (v <= 0xFFFF) {
    w.byte(kBinInt2);
    w.byte(static_cast<uint8_t>(v));
    w.byte(static_cast<uint8_t>(v >> 8));
  } else if (v <= 0x7FFFFFFF) {
    w.byte(kBinInt);
    for (int i = 0; i < 4; ++i) w.byte(static_cast<uint8_t>(v >> (8 * i)));
  } else {
    // LONG1: little-endian two's complement with n = bit_length // 8 + 1 bytes.
    int bits = 64 - __builtin_clzll(v);
    int n = bits / 8 + 1;
    w.byte(kLong1);
    w.byte(static_cast<uint8_t>(n));
    for (int i = 0; i < n; ++i) w.byte(i < 8 ? static_cast<uint8_t>(v >> (8 * i)) : 0);
  }
}

void save_pair(FramedWriter& w, const IndexEntry& e) {
  w.object_boundary();
  save_int(w, e.first);
  save_int(w, e.second);
  w.byte(kTuple2);
  w.byte(kMemoize);
}

}  // namespace

std::string pickle_index(const Index& index) {
  FramedWriter w;
  w.object_boundary();
  w.byte(kEmptyList);
  w.byte(kMemoize);
  if (index.size() == 1) {
    save_pair(w, index[0]);
    w.byte(kAppend);
  } else if (index.size() > 1) {
    for (size_t start = 0; start < index.size(); start += kBatchSize) {
      const size_t end = std::min(index.size(), start + kBatchSize);
      w.byte(kMark);
      for (size_t i = start; i < end; ++i) save_pair(w, index[i]);
      w.byte(kAppends);
    }
  }
  return w.finish();
}

namespace {

// A tiny stack machine over the allowed opcodes. Values are ints, tuples of ints, the
// one list, or marks.
struct PickleValue {
  enum Kind { kInt, kPair, kList, kMarkV, kTupleOther } kind;
  int64_t a = 0, b = 0;
};

class RestrictedUnpickler {
 public:
  RestrictedUnpickler(std::string_view bytes, const std::string& what) : p_(bytes), what_(what) {}

  Index run() {
    while (true) {
      if (pos_ >= p_.size()) fail("ends without a STOP opcode (truncated?)");
      const size_t at = pos_;
      const uint8_t op = u8();
      switch (op) {
        case kProto: {
          uint8_t v = u8();
          if (v < 2 || v > 5) fail("unsupported pickle protocol " + std::to_string(v), at);
          break;
        }
        case kFrame: {
          uint64_t n = uint_le(8);
          if (n > p_.size() - pos_) fail("frame length beyond the end of the data", at);
          break;
        }
        case kEmptyList:
          if (have_list_) fail("more than one list", at);
          have_list_ = true;
          push({PickleValue::kList});
          break;
        case kMark:
          push({PickleValue::kMarkV});
          break;
        case kBinInt1:
          push_int(u8());
          break;
        case kBinInt2:
          push_int(static_cast<int64_t>(uint_le(2)));
          break;
        case kBinInt:
          push_int(static_cast<int32_t>(static_cast<uint32_t>(uint_le(4))));
          break;
        case kLong1: {
          uint8_t n = u8();
          if (n > 8) fail("integer too large for an index entry", at);
          uint64_t v = uint_le(n);
          if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) fail("negative integer in index", at);
          if (n == 8 && (v >> 63)) fail("negative integer in index", at);
          push_int(static_cast<int64_t>(v));
          break;
        }
        case kTuple2: {
          PickleValue b = pop(at), a = pop(at);
          if (a.kind != PickleValue::kInt || b.kind != PickleValue::kInt)
            fail("tuple of non-integers", at);
          push({PickleValue::kPair, a.a, b.a});
          break;
        }
        case kTuple: {  // protocol 0/1 style: MARK int int TUPLE
          PickleValue b = pop(at), a = pop(at), m = pop(at);
          if (m.kind != PickleValue::kMarkV || a.kind != PickleValue::kInt ||
              b.kind != PickleValue::kInt)
            fail("TUPLE of something other than two integers", at);
          push({PickleValue::kPair, a.a, b.a});
          break;
        }
        case kMemoize:
          break;  // memo entries are only needed for BINGET, which we forbid
        case kBinPut:
          u8();
          break;
        case kLongBinPut:
          uint_le(4);
          break;
        case kAppend: {
          PickleValue v = pop(at);
          append(v, at);
          break;
        }
        case kAppends: {
          std::vector<PickleValue> items;
          while (true) {
            PickleValue v = pop(at);
            if (v.kind == PickleValue::kMarkV) break;
            items.push_back(v);
          }
          for (auto it = items.rbegin(); it != items.rend(); ++it) append(*it, at);
          break;
        }
        case kStop: {
          if (stack_.size() != 1 || stack_[0].kind != PickleValue::kList)
            fail("does not hold a single list at STOP", at);
          if (pos_ != p_.size()) fail("has trailing bytes after STOP", pos_);
          return std::move(index_);
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("forbidden pickle opcode ") + hex +
                   " (only a list of integer pairs is accepted; nothing is executed)",
               at);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& msg, size_t at = std::string::npos) const {
    std::string where = at == std::string::npos ? "" : " at byte " + std::to_string(at);
    throw Error(what_ + ": invalid index pickle" + where + ": " + msg);
  }
  uint8_t u8() {
    if (pos_ >= p_.size()) fail("truncated", pos_);
    return static_cast<uint8_t>(p_[pos_++]);
  }
  uint64_t uint_le(int n) {
    if (p_.size() - pos_ < static_cast<size_t>(n)) fail("truncated", pos_);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(p_[pos_ + i])} << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  void push(PickleValue v) {
    if (stack_.size() > 4096) fail("stack too deep", pos_);
    stack_.push_back(v);
  }
  void push_int(int64_t v) {
    if (v < 0) fail("negative integer in index", pos_);
    push({PickleValue::kInt, v});
  }
  PickleValue pop(size_t at) {
    if (stack_.empty()) fail("stack underflow", at);
    PickleValue v = stack_.back();
    stack_.pop_back();
    return v;
  }
  void append(const PickleValue& v, size_t at) {
    if (stack_.empty() || stack_.back().kind != PickleValue::kList)
      fail("APPEND without a list", at);
    if (v.kind != PickleValue::kPair) fail("list item is not an integer pair", at);
    index_.emplace_back(static_cast<uint64_t>(v.a), static_cast<uint64_t>(v.b));
  }

  std::string_view p_;
  const std::string& what_;
  size_t pos_ = 0;
  bool have_list_ = false;
  std::vector<PickleValue> stack_;
  Index index_;
};

}  // namespace

Index unpickle_index(std::string_view bytes, const std::string& what) {
  return RestrictedUnpickler(bytes, what).run();
}

}  // namespace instill::data
