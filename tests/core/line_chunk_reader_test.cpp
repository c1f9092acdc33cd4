// LineChunkReader: chunks end on line boundaries whatever the read sizes, lines keep their
// numbers across chunks, and the last line may lack its newline.
#include "core/line_chunk_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace instill {
namespace {

// Everything the reader yields for `input` written into a pipe in pieces of `write_size`.
std::vector<std::pair<std::size_t, std::string>> read_all(const std::string& input,
                                                          std::size_t chunk_bytes,
                                                          std::size_t write_size,
                                                          std::vector<std::string>* chunks) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    for (std::size_t pos = 0; pos < input.size(); pos += write_size) {
      const std::size_t n = std::min(write_size, input.size() - pos);
      EXPECT_EQ(::write(fds[1], input.data() + pos, n), static_cast<ssize_t>(n));
    }
    ::close(fds[1]);
  });
  std::vector<std::pair<std::size_t, std::string>> out;
  LineChunkReader reader(fds[0], "test pipe", chunk_bytes);
  std::string_view chunk;
  while (reader.next(chunk)) {
    if (chunks) chunks->emplace_back(chunk);
    for (const auto& line : reader.lines(chunk, /*skip_empty=*/true)) {
      out.emplace_back(line.number, std::string(line.text));
    }
  }
  writer.join();
  ::close(fds[0]);
  return out;
}

TEST(line_chunk_reader, numbers_lines_across_chunks_of_any_size) {
  std::string input;
  std::vector<std::pair<std::size_t, std::string>> expected;
  for (std::size_t i = 1; i <= 500; ++i) {
    if (i % 7 == 0) {
      input += "\n";  // empty: numbered, not returned
      continue;
    }
    const std::string text = "line " + std::to_string(i) + std::string(i % 13, 'x');
    input += text + (i % 5 == 0 ? "\r\n" : "\n");
    expected.emplace_back(i, text);
  }
  for (const std::size_t chunk_bytes : {1, 7, 64, 1000, 1 << 20}) {
    for (const std::size_t write_size : {1, 3, 100, 4096}) {
      std::vector<std::string> chunks;
      EXPECT_EQ(read_all(input, chunk_bytes, write_size, &chunks), expected)
          << "chunk " << chunk_bytes << " write " << write_size;
      std::string joined;
      for (const auto& c : chunks) {
        EXPECT_EQ(c.back(), '\n');
        joined += c;
      }
      EXPECT_EQ(joined, input);
    }
  }
}

TEST(line_chunk_reader, last_line_without_newline_and_long_lines) {
  const std::string long_line(100000, 'y');
  const std::string input = "a\n" + long_line + "\nb\nlast";
  std::vector<std::string> chunks;
  const auto got = read_all(input, 16, 1000, &chunks);
  const std::vector<std::pair<std::size_t, std::string>> expected = {
      {1, "a"}, {2, long_line}, {3, "b"}, {4, "last"}};
  EXPECT_EQ(got, expected);
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, input);
  EXPECT_TRUE(chunks.back().ends_with("\nlast") || chunks.back() == "last") << chunks.back();
}

TEST(line_chunk_reader, empty_input_and_read_errors) {
  EXPECT_TRUE(read_all("", 8, 8, nullptr).empty());
  LineChunkReader bad(-1, "nowhere.jsonl");
  std::string_view chunk;
  try {
    bad.next(chunk);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read nowhere.jsonl"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace instill
