#pragma once
// The pickle subset Modalities' index files use: a list of (offset, length) int pairs.
// The writer emits exactly what CPython's pickle.dumps(..., protocol=4) emits (opcode
// choice, memoisation, batching of 1000 APPENDS, 64 KiB framing) so .idx and .pbin files
// are byte-identical. The reader is a restricted unpickler: it accepts only the opcodes
// such a list needs and never executes anything.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace instill::data {

using IndexEntry = std::pair<uint64_t, uint64_t>;  // (offset in bytes, length in bytes)
using Index = std::vector<IndexEntry>;

std::string pickle_index(const Index& index);

// Parses a pickled list of int pairs (protocols 2-5). `what` names the source in errors
// (e.g. "lorem.idx" or "lorem.pbin index section").
Index unpickle_index(std::string_view bytes, const std::string& what);

}  // namespace instill::data
