#include "data/tokenizer_component.hpp"

#include <iostream>

namespace instill::data {

int32_t TokenizerComponent::token_id(const std::string& token) const {
  std::string warning;
  const int32_t id = tok_->get_token_id(token, &warning);
  if (!warning.empty()) std::cerr << "instill: warning: " << warning << "\n";
  return id;
}

}  // namespace instill::data
