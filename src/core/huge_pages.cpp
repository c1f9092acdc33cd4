#include "core/huge_pages.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace instill {

namespace {
constexpr uintptr_t kHuge = uintptr_t{2} << 20;
}

void advise_huge_pages(const void* p, std::size_t bytes) {
#ifdef __linux__
  const auto begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

ZeroedHugePages::ZeroedHugePages(std::size_t bytes) {
#ifdef __linux__
  // Over-allocate by one huge page so that an aligned start fits; fresh anonymous memory is
  // zero and costs nothing until touched.
  mapping_bytes_ = bytes + kHuge;
  mapping_ =
      mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw std::bad_alloc();
  }
  const auto aligned = (reinterpret_cast<uintptr_t>(mapping_) + kHuge - 1) & ~(kHuge - 1);
  data_ = reinterpret_cast<void*>(aligned);
  advise_huge_pages(data_, bytes);
#else
  data_ = mapping_ = std::calloc(bytes, 1);
  if (!data_) throw std::bad_alloc();
#endif
}

ZeroedHugePages::~ZeroedHugePages() {
#ifdef __linux__
  if (mapping_) munmap(mapping_, mapping_bytes_);
#else
  std::free(mapping_);
#endif
}

}  // namespace instill
