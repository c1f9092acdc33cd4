#include "data/python_random.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace instill::data {
namespace {

// Spec §4.3 / §11 golden vectors.
TEST(PythonRandom, GoldenOutputsForSeed1234) {
  PythonRandom r(1234);
  EXPECT_EQ(r.next_u32(), 4150886329u);
  EXPECT_EQ(r.next_u32(), 3342196574u);
  EXPECT_EQ(r.next_u32(), 1892932127u);
  EXPECT_EQ(r.next_u32(), 501869158u);
  PythonRandom q(1234);
  for (double expected : {0.9664535356921388, 0.4407325991753527, 0.007491470058587191,
                          0.9109759624491242, 0.939268997363764})
    EXPECT_EQ(q.random(), expected);
  EXPECT_EQ(PythonRandom(-1234).random(), 0.9664535356921388)
      << "the sign of the seed is discarded";
}

TEST(PythonRandom, SplitOfTheFiftyLineTestFile) {
  const std::string expected = "erreerrrerrerrrrrrrrerrrrrrrrrrrrerrrrrrrrrrrrreee";
  PythonRandom r(1234);
  const int64_t weights[] = {70, 0, 30};
  std::string got;
  for (int i = 0; i < 50; ++i) got += "rve"[r.choice_index(weights)];
  EXPECT_EQ(got, expected);
}

// CPython as the oracle for other seeds (incl. multi-word ones) and weights.
TEST(PythonRandom, MatchesCPython) {
  if (!instill::testing::have_python_module("random"))
    INSTILL_UNAVAILABLE("/usr/bin/python3 not available");
  auto r = instill::testing::run_command(
      "/usr/bin/python3 -c \"import random\n"
      "for s in [0, 1, 42, 2**32 + 5, 2**40 - 3, -7]:\n"
      "  random.seed(s); print(s, repr(random.random()), ''.join(str(random.choices((0,1,2), "
      "weights=(60,20,20))[0]) for _ in range(64)))\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int64_t seed;
  std::string first, picks;
  int n = 0;
  while (lines >> seed >> first >> picks) {
    PythonRandom rng(seed);
    EXPECT_EQ(rng.random(), std::stod(first)) << seed;
    const int64_t w[] = {60, 20, 20};
    std::string got;
    for (int i = 0; i < 64; ++i) got += static_cast<char>('0' + rng.choice_index(w));
    EXPECT_EQ(got, picks) << seed;
    ++n;
  }
  EXPECT_EQ(n, 6);
}

}  // namespace
}  // namespace instill::data
