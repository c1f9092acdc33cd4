#include "core/fs.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "core/error.hpp"

namespace instill {

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

MappedFile::MappedFile(const fs::path& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path.string() + ": cannot open for reading: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error(path.string() + ": cannot stat: " + errno_text());
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path.string() + ": expected a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw Error(path.string() + ": cannot memory-map: " + errno_text());
    }
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::release_prefix(size_t end) const {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  end = std::min(end, size_) / page * page;
  if (data_ && end > 0) ::madvise(const_cast<uint8_t*>(data_), end, MADV_DONTNEED);
}

void MappedFile::release() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

AtomicFileWriter::AtomicFileWriter(fs::path final_path) : final_path_(std::move(final_path)) {
  static std::atomic<unsigned> counter{0};
  fs::path dir = final_path_.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create directory: " + ec.message());
  temp_path_ = dir / ("." + final_path_.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                      "-" + std::to_string(counter++));
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(temp_path_.string() + ": cannot create: " + errno_text());
  buffer_.reserve(1 << 20);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFileWriter::flush_buffer() {
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(final_path_.string() + ": write failed: " + errno_text());
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
}

void AtomicFileWriter::write(const void* data, size_t size) {
  if (buffer_.size() + size > (1 << 20)) flush_buffer();
  if (size > (1 << 20)) {
    buffer_.assign(static_cast<const char*>(data), size);
    flush_buffer();
  } else {
    buffer_.append(static_cast<const char*>(data), size);
  }
  written_ += size;
}

void AtomicFileWriter::pwrite(const void* data, size_t size, uint64_t offset) {
  flush_buffer();
  if (::pwrite(fd_, data, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size))
    throw Error(final_path_.string() + ": write failed: " + errno_text());
}

void AtomicFileWriter::commit() {
  flush_buffer();
  if (::fsync(fd_) != 0 && errno != EINVAL)
    throw Error(final_path_.string() + ": fsync failed: " + errno_text());
  if (::close(fd_) != 0) throw Error(final_path_.string() + ": close failed: " + errno_text());
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    throw Error(final_path_.string() +
                ": cannot rename temporary file into place: " + errno_text());
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFileWriter w(path);
  w.write(bytes);
  w.commit();
}

std::string read_file(const fs::path& path) {
  MappedFile m(path);
  return std::string(m.view());
}

FileExistencePolicy parse_file_existence_policy(std::string_view text) {
  if (text == "skip") return FileExistencePolicy::kSkip;
  if (text == "error") return FileExistencePolicy::kError;
  if (text == "override") return FileExistencePolicy::kOverride;
  throw UsageError("file existence policy: expected one of skip, error, override, got \"" +
                   std::string(text) + "\"");
}

bool enforce_file_existence_policy(const fs::path& path, FileExistencePolicy policy) {
  if (!fs::exists(path)) return true;
  switch (policy) {
    case FileExistencePolicy::kSkip:
      std::cerr << "instill: warning: " << path.string()
                << " already exists; skipping (--file_existence_policy skip)\n";
      return false;
    case FileExistencePolicy::kOverride:
      std::cerr << "instill: warning: " << path.string()
                << " already exists; it will be replaced (--file_existence_policy override)\n";
      return true;  // replaced atomically by the rename at the end
    case FileExistencePolicy::kError:
      throw Error(path.string() +
                  ": file already exists; delete it, choose another output path, or pass "
                  "--file_existence_policy skip|override");
  }
  return true;
}

}  // namespace instill
