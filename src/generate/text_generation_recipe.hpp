#pragma once
// The reference's text generation recipe (spec §9) with its quirks fixed:
//  - Q16: the tuned model named by settings.model_path is what generates (a checkpoint
//    folder, a file inside one, or a Hugging Face model directory), not model_raw;
//  - Q18: with a template (the instruction-tuning data config) the prompt is rendered in the
//    format the model was tuned on; without it, prompt_template is used and a note says so;
//  - Q17: "max tokens reached" is printed only when the limit ended generation.
// Generation uses the KV cache; placeholder values are read from `in` as in the reference.
#include <cstdint>
#include <iosfwd>
#include <string>

#include "config/config_document.hpp"

namespace instill::generate {

// What a text generation config says, validated.
struct TextGenerationConfig {
  std::string model_path;  // settings.model_path
  std::string device;      // "cpu" or "cuda:<index>"
  int64_t sequence_length = 0;
  std::string eod_token;
  std::string prompt_template;  // Python str.format fields: "User: {prompt_input}"
  double temperature = 1.0;
  std::string tokenizer_key;  // the top-level entry of the tokenizer component
};

TextGenerationConfig read_text_generation_config(const config::ConfigDocument& doc);

struct TextGenerationOptions {
  std::string config_file_path;
  std::string template_file;  // instruction-tuning data config; "" uses prompt_template
};

// Asks for the prompt's placeholders on `in`, streams the generated text to `out`.
void run_text_generation(const TextGenerationOptions& options, std::istream& in, std::ostream& out);

}  // namespace instill::generate
