#include "train/vocabulary_fit.hpp"

#include <iostream>

#include "core/error.hpp"
#include "train/model/gpt2.hpp"
#include "train/model/llama_family.hpp"

namespace instill::train {

int64_t fit_vocabulary_to_tokenizer(CausalLM& model, const tokenizer::HfTokenizer& tokenizer,
                                    const std::string& where) {
  const int64_t needed = static_cast<int64_t>(tokenizer.id_bound());
  const int64_t have = model.vocab_size();
  if (needed <= have) return 0;
  const auto* gpt2 = dynamic_cast<const Gpt2CausalLM*>(&model);
  const bool pretrained =
      dynamic_cast<const LlamaFamilyLM*>(&model) || (gpt2 && !gpt2->config().hf_config.is_null());
  if (!pretrained)
    throw Error(where + ": the tokenizer produces ids up to " + std::to_string(needed - 1) +
                " (its special tokens included), but the model's vocab_size is " +
                std::to_string(have) + "; set vocab_size to at least " + std::to_string(needed));
  model.resize_vocabulary(needed);
  std::cerr << "note: grew the model's vocabulary from " << have << " to " << needed
            << " rows for the tokens the tokenizer config adds (new rows = mean of the "
               "existing embeddings); checkpoints save the extended tokenizer\n";
  return needed - have;
}

}  // namespace instill::train
