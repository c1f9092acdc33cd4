#include "train/gradient_clipper.hpp"

namespace instill::train {

double GradientClipper::total_norm(const std::vector<torch::Tensor>& params, Norm norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    const torch::Tensor g = p.grad().to(torch::kFloat32);
    switch (norm) {
      case Norm::kP1:
        parts.push_back(g.abs().sum());
        break;
      case Norm::kP2:
        parts.push_back(g.norm(2));
        break;
      case Norm::kMax:
        parts.push_back(g.abs().max());
        break;
    }
  }
  if (parts.empty()) return 0.0;
  torch::Tensor all = torch::stack(parts);
  switch (norm) {
    case Norm::kP1:
      return all.sum().item<double>();
    case Norm::kP2:
      return all.norm(2).item<double>();
    case Norm::kMax:
      return all.max().item<double>();
  }
  return 0.0;
}

double GradientClipper::clip(const std::vector<torch::Tensor>& params) const {
  const double total = total_norm(params, norm_);
  if (max_norm_ > 0) {
    const double coef = max_norm_ / (total + 1e-6);
    if (coef < 1) {
      torch::NoGradGuard no_grad;
      for (const auto& p : params)
        if (p.grad().defined()) p.grad().mul_(coef);
    }
  }
  return total;
}

}  // namespace instill::train
