#pragma once
// Reads a file descriptor (a file or a pipe) in large chunks that end on a line boundary. A
// chunk's lines can then be split among worker threads while every line keeps its number,
// and the input is read with a few large read() calls instead of one call per line.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace instill {

// One line of a chunk: its text without the '\n' (and without a trailing '\r') and its
// 1-based number in the whole input.
struct NumberedLine {
  std::string_view text;
  std::size_t number = 0;
};

class LineChunkReader {
 public:
  // `name` is used in error messages ("stdin" or the file's path). The reader does not own
  // the descriptor.
  LineChunkReader(int fd, std::string name, std::size_t chunk_bytes = std::size_t{4} << 20);

  // Sets `chunk` to at least chunk_bytes of whole lines (fewer at the end of the input; a
  // single longer line is returned whole). The last line of the input may lack its '\n'.
  // The view stays valid until the next call. Returns false once the input is exhausted.
  // Throws instill::Error on a read error.
  bool next(std::string_view& chunk);

  // The lines of the chunk last returned by next(), numbered across the whole input. Empty
  // lines are numbered but left out when skip_empty is set.
  std::vector<NumberedLine> lines(std::string_view chunk, bool skip_empty);

 private:
  int fd_;
  std::string name_;
  std::size_t chunk_bytes_;
  // Own buffer rather than std::string: growing a string zero-fills the bytes that read()
  // then overwrites, which for a pipe (64 KiB per read) costs more than the reading.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;      // bytes read into buffer_
  std::size_t consumed_ = 0;  // bytes of buffer_ handed out by the last next()
  bool eof_ = false;
  std::size_t lines_before_ = 0;  // lines in the chunks returned so far
};

}  // namespace instill
