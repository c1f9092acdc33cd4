// Torch-free checks of the safetensors reader on hand-written files (the round trips through
// libtorch are in tests/train/safetensors_test.cpp).
#include "core/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "test_support.hpp"

namespace instill {
namespace {

std::string header_file(const std::string& json, const std::string& data) {
  std::string s(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s + json + data;
}

// Found while writing fuzz/safetensors (whose invariant now checks it): the byte size
// numel * dtype size wrapped around 2^64, so 2^61 + 1 doubles were accepted as 8 bytes of data.
TEST(SafetensorsReader, ShapeWhoseByteSizeWrapsIsAnError) {
  testing::TempDir tmp;
  const std::string huge = std::to_string((uint64_t{1} << 61) + 1);
  for (const std::string& shape :
       std::vector<std::string>{"[" + huge + "]", "[3,768614336404564651]"}) {
    testing::spit(tmp / "wrap.safetensors", header_file(R"({"a":{"dtype":"F64","shape":)" + shape +
                                                            R"(,"data_offsets":[0,8]}})",
                                                        "12345678"));
    EXPECT_THROW(SafetensorsReader(tmp / "wrap.safetensors"), Error) << shape;
  }
  // The same header with a shape that really needs 8 bytes is accepted.
  testing::spit(
      tmp / "ok.safetensors",
      header_file(R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", "12345678"));
  EXPECT_EQ(SafetensorsReader(tmp / "ok.safetensors").bytes("a").size(), 8u);
}

}  // namespace
}  // namespace instill
