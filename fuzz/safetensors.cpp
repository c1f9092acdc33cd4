// Model weights from strangers: the safetensors reader must reject every malformed header
// (lengths, offsets, dtypes, shapes) with an Error before touching tensor bytes, so that the
// bytes of every accepted tensor lie inside the file and match its dtype and shape.
#include "core/safetensors.hpp"

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static instill::fuzz::ScratchCleanup cleanup;
  const auto path = instill::fuzz::write_scratch("input.safetensors", data, size);
  try {
    instill::SafetensorsReader reader(path);
    for (const auto& [name, entry] : reader.entries()) {
      std::string_view bytes = reader.bytes(name);
      // An accepted tensor holds exactly numel elements of its dtype (computed without wrapping:
      // a product that overflows means the reader accepted an impossible shape).
      uint64_t need = instill::safetensors_dtype_size(entry.dtype);
      for (int64_t d : entry.shape)
        if (__builtin_mul_overflow(need, static_cast<uint64_t>(d), &need)) __builtin_trap();
      if (bytes.size() != need) __builtin_trap();
      if (!bytes.empty()) (void)(bytes.front() ^ bytes.back());  // touched: ASan checks bounds
    }
  } catch (const instill::Error&) {
  }
  return 0;
}
