#pragma once
// Makes a model's vocabulary cover every id the training tokenizer produces. Special tokens
// a config adds beyond a pretrained tokenizer's vocabulary (which the reference cannot
// train: its issue 208) grow the embedding and LM head of Hugging Face models; a model
// whose vocab_size the config states explicitly is never resized behind the user's back.
#include <string>

#include "tokenizer/hf_tokenizer.hpp"
#include "train/model/causal_lm.hpp"

namespace instill::train {

// Returns how many rows were added (0 when the model already fits). Throws, naming `where`,
// when the model is too small and may not be resized.
int64_t fit_vocabulary_to_tokenizer(CausalLM& model, const tokenizer::HfTokenizer& tokenizer,
                                    const std::string& where);

}  // namespace instill::train
