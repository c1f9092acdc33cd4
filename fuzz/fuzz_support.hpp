#pragma once
// Shared by the fuzz targets: readers that take a path get the input through a scratch file.
// The file lives in one per-process folder (tmpfs when available) and is rewritten for every
// input, so a run of millions of inputs creates one file, not millions.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace instill::fuzz {

inline std::filesystem::path scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto d = base / ("instill-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes the input to <scratch>/<name> and returns its path.
inline std::filesystem::path write_scratch(const std::string& name, const uint8_t* data,
                                           size_t size) {
  auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Removes the scratch folder when the fuzzer exits normally. Keeps its own copy of the path:
// constructed after scratch_dir()'s static, it is destroyed before it.
struct ScratchCleanup {
  std::filesystem::path dir = scratch_dir();
  ~ScratchCleanup() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace instill::fuzz
