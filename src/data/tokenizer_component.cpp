#include "data/tokenizer_component.hpp"

#include <iostream>
#include <mutex>
#include <set>

namespace instill::data {

int32_t TokenizerComponent::token_id(const std::string& token) const {
  std::string warning;
  const int32_t id = tok_->get_token_id(token, &warning);
  if (!warning.empty()) {
    // Said once per process, however often the tokenizer is built.
    static std::mutex mutex;
    static std::set<std::string> said;
    std::lock_guard<std::mutex> lock(mutex);
    if (said.insert(warning).second) std::cerr << "instill: warning: " << warning << "\n";
  }
  return id;
}

}  // namespace instill::data
