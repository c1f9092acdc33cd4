#pragma once
// What the trainer needs from a decoder-only language model, whatever its architecture:
// the final hidden states (so the loss can apply the LM head in chunks), the LM head, the
// parameters by their reference names, and the weight-decay groups of spec §8.9.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "core/value.hpp"
#include "train/model/document_layout.hpp"
#include "train/model/kv_cache.hpp"

namespace instill::train {

class CausalLM : public config::Component {
 public:
  // ids [B, L] int64 -> hidden states [B, L, E] after the final norm. With a packed layout
  // each document attends only to itself and its positions restart at 0.
  virtual torch::Tensor hidden_states(const torch::Tensor& ids, const DocumentLayout& layout) = 0;
  torch::Tensor hidden_states(const torch::Tensor& ids) { return hidden_states(ids, {}); }
  // Incremental decoding: ids [B, L] continue the sequence held in `cache` (their positions
  // start at cache.length()); their keys and values are appended to it.
  virtual torch::Tensor hidden_states_cached(const torch::Tensor& ids, KvCache& cache) = 0;
  // Everything needed to rebuild the architecture (without weights): stored in checkpoints
  // as model.json so chat, generation and export need no training config.
  virtual Value describe() const = 0;
  // [V, E]; logits = hidden @ weight^T.
  virtual torch::Tensor lm_head_weight() = 0;
  virtual torch::nn::Module& module() = 0;
  virtual const std::string& sample_key() const = 0;
  virtual const std::string& prediction_key() const = 0;
  // Weight-decay group name -> regexes searched in parameter names (empty: no groups).
  virtual std::map<std::string, std::vector<std::string>> weight_decay_groups() const { return {}; }
  // Optional: sequence length the model was built for (0 = unbounded).
  virtual int64_t max_sequence_length() const { return 0; }
  virtual int64_t vocab_size() const = 0;
  // Grows the embedding (and an untied LM head) to `new_size` rows, new rows set to the mean
  // of the existing ones, so added tokens start as an "average" token instead of noise.
  virtual void resize_vocabulary(int64_t new_size) = 0;

  torch::Tensor logits(const torch::Tensor& ids) {
    return torch::matmul(hidden_states(ids), lm_head_weight().t());
  }
  // Named parameters with the reference's fully qualified names (tied weights once).
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters();
  int64_t num_parameters();
  void to(const torch::Device& device) { module().to(device); }

  // Appends rows to a [rows, E] parameter up to `new_rows`, each the mean of the existing
  // rows. set_data keeps the parameter's identity (optimizers and a tied head still see it).
  static void grow_rows_with_mean(torch::Tensor& weight, int64_t new_rows);

  // Forward/backward compute dtype (model/fsdp2_wrapped's param_dtype); fp32 = no autocast.
  torch::ScalarType compute_dtype = torch::kFloat32;
};

}  // namespace instill::train
