#include "core/safetensors.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"
#include "train/tensor_io.hpp"

namespace instill {
namespace {

TEST(Safetensors, RoundTripsTensorsOfEveryDtype) {
  testing::TempDir tmp;
  std::map<std::string, torch::Tensor> in = {{"f32", torch::randn({3, 2})},
                                             {"bf16", torch::randn({4}).to(torch::kBFloat16)},
                                             {"i64", torch::arange(5, torch::kInt64)},
                                             {"empty", torch::empty({0, 3})},
                                             {"scalar", torch::tensor(2.5, torch::kFloat64)}};
  train::save_tensors(tmp / "t.safetensors", in, {{"format", "pt"}});
  SafetensorsReader r(tmp / "t.safetensors");
  EXPECT_EQ(r.metadata().at("format"), "pt");
  EXPECT_EQ(r.entry("bf16").dtype, "BF16");
  auto out = train::load_tensors(tmp / "t.safetensors");
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [k, v] : in) EXPECT_TRUE(torch::equal(out.at(k), v)) << k;
}

std::string header_file(const std::string& json, const std::string& data) {
  std::string s(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s + json + data;
}

TEST(Safetensors, MalformedFilesAreErrorsNotCrashes) {
  testing::TempDir tmp;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"short", "abc"},
      {"header past end", std::string("\xff\xff\0\0\0\0\0\0", 8) + "{}"},
      {"not json", header_file("{nope", "")},
      {"offsets past data",
       header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234")},
      {"size mismatch",
       header_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678")},
      {"unknown dtype",
       header_file(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", "1")},
      {"negative shape",
       header_file(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", "")},
      {"reversed offsets",
       header_file(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", "1234")},
  };
  for (const auto& [what, bytes] : bad) {
    testing::spit(tmp / "bad.safetensors", bytes);
    EXPECT_THROW(SafetensorsReader(tmp / "bad.safetensors"), Error) << what;
  }
}

// The format's reference implementation requires the tensors to tile the data region; a file
// that breaks this is refused with what is wrong, not read shifted or aliased.
TEST(Safetensors, TensorsMustTileTheDataExactly) {
  testing::TempDir tmp;
  const std::string two = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})";
  testing::spit(tmp / "ok.safetensors", header_file(two, "abcdefgh"));
  EXPECT_NO_THROW(SafetensorsReader(tmp / "ok.safetensors"));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"aliased", header_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                              "abcd")},
      {"overlapping", header_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                  R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                                  "abcdef")},
      {"gap", header_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", "abcd")},
      {"trailing bytes", header_file(two, "abcdefghi")},
  };
  for (const auto& [what, bytes] : bad) {
    testing::spit(tmp / "bad.safetensors", bytes);
    EXPECT_THROW(SafetensorsReader(tmp / "bad.safetensors"), Error) << what;
  }
  // A header length one byte short of the real one: the data would shift by a byte.
  std::string shifted = header_file(two + " ", "abcdefgh");
  shifted[0] = static_cast<char>(shifted[0] - 1);
  testing::spit(tmp / "bad.safetensors", shifted);
  const std::string why = testing::error_of([&] { SafetensorsReader(tmp / "bad.safetensors"); });
  EXPECT_NE(why.find("header length"), std::string::npos) << why;
}

}  // namespace
}  // namespace instill
