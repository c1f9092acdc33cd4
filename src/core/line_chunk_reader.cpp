#include "core/line_chunk_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace instill {

LineChunkReader::LineChunkReader(int fd, std::string name, std::size_t chunk_bytes)
    : fd_(fd), name_(std::move(name)), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1)) {}

bool LineChunkReader::next(std::string_view& chunk) {
  // The unfinished last line of the previous chunk moves to the front.
  if (consumed_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + consumed_, size_ - consumed_);
    size_ -= consumed_;
    consumed_ = 0;
  }
  std::size_t searched = 0;  // bytes already known to hold no '\n'
  bool has_newline = false;
  for (;;) {
    if (!has_newline && size_ > searched) {
      has_newline = std::memchr(buffer_.get() + searched, '\n', size_ - searched) != nullptr;
      searched = size_;
    }
    if (eof_ || (size_ >= chunk_bytes_ && has_newline)) break;
    if (size_ == capacity_) {
      // Room for a whole chunk after a carried line; doubling keeps one very long line linear.
      const std::size_t grown = std::max(2 * chunk_bytes_, 2 * capacity_);
      auto bigger = std::make_unique<char[]>(grown);
      if (size_ > 0) std::memcpy(bigger.get(), buffer_.get(), size_);
      buffer_ = std::move(bigger);
      capacity_ = grown;
    }
    ssize_t got;
    do {
      got = ::read(fd_, buffer_.get() + size_, capacity_ - size_);
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw Error("cannot read " + name_ + ": " + std::strerror(errno));
    if (got == 0) eof_ = true;
    size_ += static_cast<std::size_t>(got);
  }
  const std::string_view all(buffer_.get(), size_);
  // At the end of the input the last line may lack its '\n'; otherwise it waits for the rest.
  consumed_ = eof_ ? size_ : all.rfind('\n') + 1;
  chunk = all.substr(0, consumed_);
  return !chunk.empty();
}

std::vector<NumberedLine> LineChunkReader::lines(std::string_view chunk, bool skip_empty) {
  std::vector<NumberedLine> out;
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    const void* nl = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
    const std::size_t end =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - chunk.data()) : chunk.size();
    std::string_view line = chunk.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++lines_before_;
    if (!line.empty() || !skip_empty) out.push_back({line, lines_before_});
    pos = end + 1;
  }
  return out;
}

}  // namespace instill
