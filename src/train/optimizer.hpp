#pragma once
// optimizer/adam_w (spec §8.9): torch.optim.AdamW's single-tensor algorithm (decoupled
// decay, bias-corrected moments, eps added to sqrt(v_hat)) over parameter groups built from
// the model's weight-decay groups. Written here rather than taken from libtorch so its state
// (per-parameter step, exp_avg, exp_avg_sq) is plain named tensors that checkpoints store
// exactly and that a sharded optimizer can split.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "train/model/causal_lm.hpp"

namespace instill::train {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  std::vector<std::string> weight_decay_groups_excluded;
};

struct ParamGroup {
  std::vector<std::string> names;
  std::vector<torch::Tensor> params;
  double lr = 0;
  double weight_decay = 0;
};

class AdamW : public config::Component {
 public:
  // Builds the groups from the model (throws OptimizerError-like messages per spec §8.9).
  AdamW(CausalLM& model, const AdamWOptions& options);

  void step();
  void zero_grad();
  std::vector<ParamGroup>& groups() { return groups_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  const AdamWOptions& options() const { return o_; }

  // Named state tensors: "state.<param>.exp_avg", ".exp_avg_sq", ".step" (float64 scalar).
  std::map<std::string, torch::Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, torch::Tensor>& state);
  // Parameters that have state (for checks on load).
  std::vector<std::string> parameter_names() const;

 private:
  struct State {
    torch::Tensor exp_avg, exp_avg_sq;
    double step = 0;
  };
  AdamWOptions o_;
  std::vector<ParamGroup> groups_;
  std::map<std::string, State> state_;
};

}  // namespace instill::train
