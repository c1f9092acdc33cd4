#include "config/component.hpp"

namespace instill::config {

const Value& ComponentConfig::get(const std::string& name) const {
  const Value* v = values_.as_map().find(name);
  if (!v) throw Error(key_path_ + "." + name + ": not part of this component's schema (a bug)");
  return *v;
}

}  // namespace instill::config
