#include "train/optimizer.hpp"

#include <cmath>
#include <iostream>
#include <regex>
#include <set>

#include "core/error.hpp"

namespace instill::train {

AdamW::AdamW(CausalLM& model, const AdamWOptions& o) : o_(o) {
  auto params = model.named_parameters();
  const auto groups = model.weight_decay_groups();
  if (o.weight_decay == 0 || o.weight_decay_groups_excluded.empty()) {
    ParamGroup g;
    g.lr = o.lr;
    g.weight_decay = o.weight_decay;
    for (auto& [n, p] : params)
      if (p.requires_grad()) g.names.push_back(n), g.params.push_back(p);
    groups_.push_back(std::move(g));
  } else {
    if (groups.empty())
      throw Error(
          "optimizer.config.weight_decay_groups_excluded: this model defines no weight-decay "
          "groups; use [] (decay every parameter)");
    std::set<std::string> excluded;
    for (const auto& name : o.weight_decay_groups_excluded) {
      if (!groups.count(name)) {
        std::string known;
        for (const auto& [k, _] : groups) known += (known.empty() ? "" : ", ") + k;
        std::cerr << "warning: optimizer: weight-decay group \"" << name
                  << "\" is not defined by the model (it has: " << known << "); ignored\n";
      }
      excluded.insert(name);
    }
    ParamGroup decayed, not_decayed;
    decayed.lr = not_decayed.lr = o.lr;
    decayed.weight_decay = o.weight_decay;
    std::set<std::string> covered;
    for (const auto& [group, patterns] : groups) {
      ParamGroup& target = excluded.count(group) ? not_decayed : decayed;
      const std::vector<std::regex> compiled(patterns.begin(), patterns.end());
      for (auto& [n, p] : params) {
        if (!p.requires_grad() || covered.count(n)) continue;
        for (const auto& re : compiled)
          if (std::regex_search(n, re)) {
            target.names.push_back(n);
            target.params.push_back(p);
            covered.insert(n);
            break;
          }
      }
    }
    for (auto& [n, p] : params)
      if (p.requires_grad() && !covered.count(n))
        throw Error("optimizer: parameter \"" + n +
                    "\" belongs to no weight-decay group, so its decay is undefined");
    if (decayed.params.empty() || not_decayed.params.empty())
      throw Error(std::string("optimizer: the weight-decay groups leave the ") +
                  (decayed.params.empty() ? "decayed" : "non-decayed") +
                  " parameter group empty; check weight_decay_groups_excluded");
    groups_.push_back(std::move(decayed));
    groups_.push_back(std::move(not_decayed));
  }
}

void AdamW::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.mutable_grad() = torch::Tensor();
}

void AdamW::step() {
  torch::NoGradGuard no_grad;
  for (auto& g : groups_) {
    for (size_t i = 0; i < g.params.size(); ++i) {
      torch::Tensor& p = g.params[i];
      if (!p.grad().defined()) continue;
      const torch::Tensor& grad = p.grad();
      State& s = state_[g.names[i]];
      if (!s.exp_avg.defined()) {
        s.exp_avg = torch::zeros_like(p, torch::MemoryFormat::Preserve);
        s.exp_avg_sq = torch::zeros_like(p, torch::MemoryFormat::Preserve);
      }
      s.step += 1;
      p.mul_(1 - g.lr * g.weight_decay);
      s.exp_avg.mul_(o_.beta1).add_(grad, 1 - o_.beta1);
      s.exp_avg_sq.mul_(o_.beta2).addcmul_(grad, grad, 1 - o_.beta2);
      const double bc1 = 1 - std::pow(o_.beta1, s.step);
      const double bc2 = 1 - std::pow(o_.beta2, s.step);
      const double step_size = g.lr / bc1;
      torch::Tensor denom = (s.exp_avg_sq.sqrt() / std::sqrt(bc2)).add_(o_.eps);
      p.addcdiv_(s.exp_avg, denom, -step_size);
    }
  }
}

std::map<std::string, torch::Tensor> AdamW::state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, s] : state_) {
    if (!s.exp_avg.defined()) continue;
    out["state." + name + ".exp_avg"] = s.exp_avg;
    out["state." + name + ".exp_avg_sq"] = s.exp_avg_sq;
    out["state." + name + ".step"] = torch::tensor(s.step, torch::kFloat64);
  }
  return out;
}

void AdamW::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (const auto& g : groups_) {
    for (size_t i = 0; i < g.params.size(); ++i) {
      const std::string base = "state." + g.names[i];
      auto a = state.find(base + ".exp_avg");
      auto b = state.find(base + ".exp_avg_sq");
      auto st = state.find(base + ".step");
      if (a == state.end() && b == state.end() && st == state.end()) continue;
      if (a == state.end() || b == state.end() || st == state.end())
        throw Error("optimizer state for \"" + g.names[i] + "\" is incomplete");
      if (!a->second.sizes().equals(g.params[i].sizes()) ||
          !b->second.sizes().equals(g.params[i].sizes()))
        throw Error("optimizer state for \"" + g.names[i] + "\" has the wrong shape");
      State s;
      s.exp_avg = a->second.to(g.params[i].device(), g.params[i].scalar_type()).clone();
      s.exp_avg_sq = b->second.to(g.params[i].device(), g.params[i].scalar_type()).clone();
      s.step = st->second.item<double>();
      state_[g.names[i]] = s;
      used.insert(base + ".exp_avg");
      used.insert(base + ".exp_avg_sq");
      used.insert(base + ".step");
    }
  }
  for (const auto& [k, _] : state)
    if (!used.count(k))
      throw Error("optimizer state \"" + k + "\" matches no parameter of this model");
}

std::vector<std::string> AdamW::parameter_names() const {
  std::vector<std::string> out;
  for (const auto& g : groups_) out.insert(out.end(), g.names.begin(), g.names.end());
  return out;
}

}  // namespace instill::train
