#pragma once
// Finds a tokenizer directory's chat template the way transformers does:
// tokenizer_config.json's "chat_template" (a string, or a list of {name, template} from
// which "default" is taken), else chat_template.jinja next to it.
#include <string>

namespace instill::jinja {

// Throws instill::Error when the directory has no chat template.
std::string load_chat_template(const std::string& tokenizer_dir);

}  // namespace instill::jinja
