#include "train/model/initialization.hpp"

#include <cmath>
#include <regex>

#include "core/error.hpp"

namespace instill::train {

void initialize_gpt2_weights(CausalLM& model, const InitConfig& c) {
  if (c.type != InitConfig::Type::kPlain && !c.num_layers)
    throw Error("model_initialization: num_layers is required for scaled and scaled_embed");
  static const std::regex kPlainWeight(
      R"(transformer\.(h\.\d+\.attn\.(q_attn|k_attn|v_attn|c_proj)|h\.\d+\.mlp\.(W|V|W_2|c_fc|c_proj)|wte|wpe|lm_head)\.weight)");
  static const std::regex kPlainBias(
      R"(transformer\.h\.\d+\.(attn\.(q_attn|k_attn|v_attn|c_proj)|mlp\.(W|V|W_2|c_fc|c_proj))\.bias)");
  static const std::regex kScaled(
      R"(transformer\.h\.\d+\.(attn\.c_proj|mlp\.W_2|mlp\.c_proj)\.weight)");
  static const std::regex kEmbed(R"(transformer\.(wte|wpe|lm_head)\.weight)");
  torch::NoGradGuard no_grad;
  // Default init first (norms: weight 1, bias 0); the model was just built with defaults.
  for (auto& [name, p] : model.named_parameters()) {
    std::string n = name;
    if (n.rfind("_orig_mod.", 0) == 0) n = n.substr(10);
    if (std::regex_match(n, kPlainWeight)) p.normal_(c.mean, c.std);
    if (std::regex_match(n, kPlainBias)) p.zero_();
    if (c.type != InitConfig::Type::kPlain && std::regex_match(n, kScaled))
      p.normal_(c.mean, c.std / std::sqrt(2.0 * static_cast<double>(*c.num_layers)));
    if (c.type == InitConfig::Type::kScaledEmbed && std::regex_match(n, kEmbed))
      p.normal_(c.mean, std::sqrt(0.4));
  }
}

}  // namespace instill::train
