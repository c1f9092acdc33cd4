#include "data/pickle.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace instill::data {
namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(std::string h) {
  std::erase(h, ' ');
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

// Spec §5.2 golden vectors.
TEST(Pickle, GoldenFourEntries) {
  EXPECT_EQ(hex(pickle_index({{0, 24}, {24, 40}, {64, 12}, {76, 4}})),
            "8004951d000000000000005d94284b004b1886944b184b2886944b404b0c86944b4c4b048694652e");
}

TEST(Pickle, GoldenTwoEntriesWithBinInt2) {
  EXPECT_EQ(hex(pickle_index({{0, 1078}, {1079, 1207}})),
            "80049514000000000000005d94284b004d360486944d37044db7048694652e");
}

TEST(Pickle, EmptyListHasNoFrame) { EXPECT_EQ(hex(pickle_index({})), "80045d942e"); }

TEST(Pickle, SingleEntryUsesAppend) {
  // 5d 94 + tuple(4b 00 4b 05 86 94) + 61 + 2e = 10 bytes of payload.
  EXPECT_EQ(hex(pickle_index({{0, 5}})), "8004950a000000000000005d944b004b058694612e");
}

TEST(Pickle, TwentyThousandEntriesFraming) {
  Index idx;
  for (uint64_t i = 0; i < 20000; ++i) idx.emplace_back(i * 100000, 100000);
  const std::string bytes = pickle_index(idx);
  ASSERT_EQ(bytes.size(), 240078u);
  // Walk the frames: payload lengths 65542, 65542, 65537, 43419 (spec §5.2).
  std::vector<uint64_t> frames;
  size_t pos = 2;
  while (pos < bytes.size()) {
    ASSERT_EQ(static_cast<unsigned char>(bytes[pos]), 0x95) << "frame header expected at " << pos;
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= uint64_t{static_cast<unsigned char>(bytes[pos + 1 + i])} << (8 * i);
    frames.push_back(n);
    pos += 9 + n;
  }
  EXPECT_EQ(frames, (std::vector<uint64_t>{65542, 65542, 65537, 43419}));
  EXPECT_EQ(unpickle_index(bytes, "test"), idx);
}

TEST(Pickle, LargeIntegersUseLong1) {
  // 2^31 needs LONG1 with 5 bytes; 2^40 + 1 with 6.
  Index idx{{uint64_t{1} << 31, (uint64_t{1} << 40) + 1}};
  const std::string bytes = pickle_index(idx);
  EXPECT_NE(hex(bytes).find("8a050000008000"), std::string::npos) << hex(bytes);
  EXPECT_EQ(unpickle_index(bytes, "test"), idx);
}

// CPython itself as the oracle, over sizes and values that cross every opcode and frame
// boundary.
TEST(Pickle, MatchesCPythonAcrossSizes) {
  if (!instill::testing::have_python_module("pickle"))
    INSTILL_UNAVAILABLE("/usr/bin/python3 not available as the pickle oracle");
  instill::testing::TempDir tmp;
  const std::string script = R"PY(
import pickle, sys
out = open(sys.argv[1], 'wb')
for n, mul, ln in [(0,1,1),(1,7,300),(2,255,256),(999,65535,65536),(1000,3,2**31),(1001,2**31,5),
                   (5461,100000,100000),(5462,100000,100000),(12345,1<<33,(1<<40)+3),(3000,1,0)]:
    data = pickle.dumps([(i*mul, ln) for i in range(n)], protocol=4)
    out.write(len(data).to_bytes(8,'little') + data)
)PY";
  instill::testing::spit(tmp / "gen.py", script);
  auto r = instill::testing::run_command("/usr/bin/python3 '" + (tmp / "gen.py").string() + "' '" +
                                         (tmp / "out.bin").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string all = instill::testing::slurp(tmp / "out.bin");
  const std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> cases = {
      {0, 1, 1},
      {1, 7, 300},
      {2, 255, 256},
      {999, 65535, 65536},
      {1000, 3, uint64_t{1} << 31},
      {1001, uint64_t{1} << 31, 5},
      {5461, 100000, 100000},
      {5462, 100000, 100000},
      {12345, uint64_t{1} << 33, (uint64_t{1} << 40) + 3},
      {3000, 1, 0}};
  size_t pos = 0;
  for (auto [n, mul, ln] : cases) {
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i)
      len |= uint64_t{static_cast<unsigned char>(all[pos + i])} << (8 * i);
    const std::string expected = all.substr(pos + 8, len);
    pos += 8 + len;
    Index idx;
    for (uint64_t i = 0; i < n; ++i) idx.emplace_back(i * mul, ln);
    EXPECT_EQ(pickle_index(idx), expected) << "n=" << n << " mul=" << mul << " len=" << ln;
    EXPECT_EQ(unpickle_index(expected, "python"), idx);
  }
}

TEST(Unpickle, AcceptsProtocol2WithoutFrames) {
  // pickle.dumps([(1, 2)], protocol=2) = 80 02 5d 71 00 4b 01 4b 02 86 71 01 61 2e
  EXPECT_EQ(unpickle_index(unhex("80025d71004b014b028671016 12e"), "p2"), Index({{1, 2}}));
}

TEST(Unpickle, RejectsForbiddenOpcodes) {
  // GLOBAL 'os system' then REDUCE: the classic code-execution pickle.
  const std::string evil = unhex("80046305") + "os\nsystem\n" + unhex("8c026c73855294") + ".";
  try {
    unpickle_index(evil, "evil.idx");
    FAIL() << "forbidden opcode accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("forbidden pickle opcode 0x63"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("evil.idx"), std::string::npos);
  }
}

TEST(Unpickle, RejectsTruncatedAndMalformed) {
  const std::string good = pickle_index({{0, 24}, {24, 40}});
  for (size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_THROW(unpickle_index(good.substr(0, cut), "t"), Error) << "cut at " << cut;
  EXPECT_THROW(unpickle_index(good + "x", "t"), Error);                  // trailing bytes
  EXPECT_THROW(unpickle_index(unhex("80045d944b0161 2e"), "t"), Error);  // list of ints
  EXPECT_THROW(unpickle_index(unhex("80044b012e"), "t"), Error);         // not a list
}

}  // namespace
}  // namespace instill::data
