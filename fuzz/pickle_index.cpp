// The .idx files (and the index section of a .pbin) are pickles; the restricted unpickler must
// refuse every opcode stream that is not a list of int pairs with an Error, never run out of
// memory or bounds on a crafted length, and round-trip what it accepts.
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "data/pickle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  instill::data::Index index;
  try {
    index = instill::data::unpickle_index(bytes, "fuzz.idx");
  } catch (const instill::Error&) {
    return 0;
  }
  // What was accepted must survive our own writer and reader unchanged.
  if (instill::data::unpickle_index(instill::data::pickle_index(index), "round trip") != index)
    __builtin_trap();
  return 0;
}
