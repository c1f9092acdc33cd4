#include "data/python_random.hpp"

#include <cmath>

#include "core/error.hpp"

namespace instill::data {

namespace {
constexpr int kN = 624, kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU, kUpperMask = 0x80000000U, kLowerMask = 0x7fffffffU;
}  // namespace

PythonRandom::PythonRandom(int64_t seed) {
  // |seed| split into 32-bit words, least significant first; 0 gives the key [0].
  uint64_t magnitude =
      seed < 0 ? static_cast<uint64_t>(-(seed + 1)) + 1 : static_cast<uint64_t>(seed);
  std::vector<uint32_t> key;
  do {
    key.push_back(static_cast<uint32_t>(magnitude & 0xFFFFFFFFu));
    magnitude >>= 32;
  } while (magnitude != 0);
  init_by_array(key);
}

PythonRandom::PythonRandom(std::span<const uint32_t> key) {
  std::vector<uint32_t> k(key.begin(), key.end());
  if (k.empty()) k.push_back(0);
  init_by_array(k);
}

void PythonRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i)
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  index_ = kN;
}

void PythonRandom::init_by_array(std::span<const uint32_t> key) {
  init_genrand(19650218U);
  int i = 1;
  size_t j = 0;
  const size_t len = key.size();
  for (size_t k = std::max<size_t>(kN, len); k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    mt_[i] =
        (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;
  index_ = kN;
}

uint32_t PythonRandom::next_u32() {
  if (index_ >= kN) {
    for (int k = 0; k < kN; ++k) {
      const uint32_t y = (mt_[k] & kUpperMask) | (mt_[(k + 1) % kN] & kLowerMask);
      mt_[k] = mt_[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    index_ = 0;
  }
  uint32_t y = mt_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

double PythonRandom::random() {
  const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

size_t PythonRandom::choice_index(std::span<const int64_t> weights) {
  if (weights.empty()) throw Error("choices: the population is empty");
  std::vector<int64_t> cum(weights.size());
  int64_t running = 0;
  for (size_t i = 0; i < weights.size(); ++i) cum[i] = running += weights[i];
  const double total = static_cast<double>(cum.back());
  if (!(total > 0.0)) throw Error("the split weights must sum to more than zero");
  const double x = random() * total;
  // bisect_right(cum, x, 0, n - 1): count of the first n-1 cumulative sums that are <= x.
  size_t lo = 0, hi = cum.size() - 1;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (x < static_cast<double>(cum[mid]))
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

}  // namespace instill::data
