#include "data/raw_index.hpp"

#include <cstring>

#include "core/error.hpp"
#include "data/jsonl_validator.hpp"

namespace instill::data {

Index build_raw_index(std::string_view jsonl, const std::string& source,
                      const std::function<void(size_t)>& consumed) {
  constexpr size_t kReleaseEvery = size_t{16} << 20;
  size_t next_release = kReleaseEvery;
  Index index;
  JsonLineValidator validator;
  const char* base = jsonl.data();
  const size_t n = jsonl.size();
  size_t start = 0;
  size_t line_number = 1;
  while (true) {
    const void* nl = start < n ? std::memchr(base + start, '\n', n - start) : nullptr;
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : n;
    std::string_view line(base + start, end - start);
    if (auto reason = validator.check(line, n - end)) {
      throw Error(source + ": " + describe_bad_line(line, line_number, start, *reason) +
                  "; expected one JSON value per line (nothing was written)");
    }
    index.emplace_back(start, end - start);
    // A file ending in '\n' has no extra empty entry; one without keeps its last line.
    if (!nl || end + 1 == n) break;
    start = end + 1;
    ++line_number;
    if (consumed && start >= next_release) {
      consumed(start);
      next_release = start + kReleaseEvery;
    }
  }
  return index;
}

std::filesystem::path default_index_path(const std::filesystem::path& src) {
  return src.parent_path() / (src.stem().string() + ".idx");
}

RawIndexResult create_raw_index(const std::filesystem::path& src,
                                const std::filesystem::path& index_path,
                                FileExistencePolicy policy) {
  if (!std::filesystem::exists(src)) throw Error(src.string() + ": raw data file does not exist");
  if (std::filesystem::weakly_canonical(src) == std::filesystem::weakly_canonical(index_path))
    throw UsageError(index_path.string() + ": input and output index paths must be different");
  RawIndexResult result;
  if (!enforce_file_existence_policy(index_path, policy)) return result;
  MappedFile file(src);
  Index index =
      build_raw_index(file.view(), src.string(), [&](size_t done) { file.release_prefix(done); });
  write_file_atomic(index_path, pickle_index(index));
  result.written = true;
  result.lines = index.size();
  result.bytes = file.size();
  return result;
}

}  // namespace instill::data
