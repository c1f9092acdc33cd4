// A .pbin is read through a memory mapping and handed to training as token ids: the reader
// must validate the header, the token width and every index entry against the data section,
// so that reading each document of an accepted file stays inside the mapping.
#include <cstdint>

#include "core/error.hpp"
#include "data/pbin.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static instill::fuzz::ScratchCleanup cleanup;
  const auto path = instill::fuzz::write_scratch("input.pbin", data, size);
  try {
    instill::data::PbinReader reader(path, /*load_index=*/true);
    uint64_t sum = 0;
    for (size_t i = 0; i < reader.num_documents(); ++i)
      for (uint32_t id : reader.document(i)) sum += id;
    if (reader.num_tokens() > 0) sum += reader.token(reader.num_tokens() - 1);
    (void)sum;
  } catch (const instill::Error&) {
  }
  return 0;
}
