#pragma once
// Memory for big, randomly accessed tables (the tokenizer's), backed by 2 MiB pages where the
// kernel allows: fewer page faults and TLB misses than with 4 KiB pages.
#include <cstddef>

namespace instill {

// Asks the kernel to back [p, p + bytes) with huge pages where it can. Call before first
// touching the memory.
void advise_huge_pages(const void* p, std::size_t bytes);

// Zeroed, 2 MiB-aligned anonymous memory advised for huge pages. For a table that threads
// read before anyone writes it: its untouched pages map the shared zero page, and the first
// write to each then costs a copy-on-write fault that, in a multi-threaded process, makes
// every other core flush its TLB. Aligned huge pages make that one fault per 2 MiB instead of
// one per 4 KiB.
class ZeroedHugePages {
 public:
  explicit ZeroedHugePages(std::size_t bytes);
  ~ZeroedHugePages();
  ZeroedHugePages(const ZeroedHugePages&) = delete;
  ZeroedHugePages& operator=(const ZeroedHugePages&) = delete;

  void* data() const { return data_; }

 private:
  void* mapping_ = nullptr;
  std::size_t mapping_bytes_ = 0;
  void* data_ = nullptr;
};

}  // namespace instill
