#pragma once
// CPython's `random` module, as far as the data split needs it: MT19937 seeded with
// init_by_array over the 32-bit words of |seed| (not what std::mt19937 or seed_seq do),
// random() from two draws (53 bits), and choices() with cumulative weights (one random()
// per call). Reproduces `random.seed(s); random.choices(pop, weights=w)[0]` exactly.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace instill::data {

class PythonRandom {
 public:
  // random.seed(seed) for a Python int; the sign is discarded as CPython does.
  explicit PythonRandom(int64_t seed);
  // Seeds from the little-endian 32-bit words of an arbitrary non-negative integer.
  explicit PythonRandom(std::span<const uint32_t> key);

  uint32_t next_u32();
  // random.random(): a double in [0, 1) with 53 random bits.
  double random();
  // random.choices(range(len(weights)), weights=weights)[0] with integer weights.
  size_t choice_index(std::span<const int64_t> weights);

 private:
  void init_genrand(uint32_t s);
  void init_by_array(std::span<const uint32_t> key);
  std::array<uint32_t, 624> mt_{};
  int index_ = 624;
};

}  // namespace instill::data
