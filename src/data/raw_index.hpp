#pragma once
// Raw index of a JSONL file (Modalities' `create_raw_index`): one (byte offset, byte
// length) pair per line, lines split on '\n' only, the length excluding the '\n'. Every
// line is validated as JSON; one bad line fails the whole run and nothing is written.
#include <filesystem>
#include <functional>
#include <string_view>

#include "core/fs.hpp"
#include "data/pickle.hpp"

namespace instill::data {

// Indexes `jsonl` (the file's bytes; `source` names it in errors).
// `consumed(offset)` is called now and then with the offset up to which the input was
// read, so a caller holding a mapping can release those pages.
Index build_raw_index(std::string_view jsonl, const std::string& source,
                      const std::function<void(size_t)>& consumed = {});

// The reference's default index path: <src dir>/<src stem>.idx
std::filesystem::path default_index_path(const std::filesystem::path& src);

struct RawIndexResult {
  bool written = false;  // false when skipped by the file-existence policy
  size_t lines = 0;
  uint64_t bytes = 0;
};

RawIndexResult create_raw_index(const std::filesystem::path& src,
                                const std::filesystem::path& index_path,
                                FileExistencePolicy policy);

}  // namespace instill::data
