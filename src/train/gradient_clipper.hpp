#pragma once
// gradient_clipper (spec §8.9): the total norm of all gradients (P1, P2 or max), all
// gradients scaled by min(1, max_norm / (norm + 1e-6)); returns the norm before clipping.
#include <torch/torch.h>

#include <vector>

#include "config/component.hpp"

namespace instill::train {

class GradientClipper : public config::Component {
 public:
  enum class Norm { kP1, kP2, kMax };
  // max_norm <= 0: measure only (the *_logging_only variants).
  GradientClipper(Norm norm, double max_norm) : norm_(norm), max_norm_(max_norm) {}
  // Returns the total norm (a double) of the parameters' gradients before clipping.
  double clip(const std::vector<torch::Tensor>& params) const;
  static double total_norm(const std::vector<torch::Tensor>& params, Norm norm);

 private:
  Norm norm_;
  double max_norm_;
};

}  // namespace instill::train
