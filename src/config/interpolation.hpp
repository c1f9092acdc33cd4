#pragma once
// OmegaConf-style interpolation, resolved eagerly over a whole document:
//   ${a.b.c}, ${a.list[0]}, ${a.list.0}, ${.sibling}, ${..uncle}  node references
//   ${resolver:arg1,arg2}                                         resolver calls
// A value that is exactly one interpolation keeps the referenced node's type (mappings and
// lists are deep-copied); interpolations inside longer strings are converted with Python's
// str() and concatenated. "\${" is a literal "${". Cycles and dangling references are
// errors naming the key path.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config_document.hpp"

namespace instill::config {

// A resolver receives its comma-separated arguments (already interpolated, trimmed).
using Resolver = std::function<Value(const std::vector<std::string>& args)>;

struct ResolverSet {
  std::map<std::string, Resolver> resolvers;
  void add(const std::string& name, Resolver r) { resolvers[name] = std::move(r); }
};

// Resolves every interpolation in `doc.root` in place.
void resolve_interpolations(ConfigDocument& doc, const ResolverSet& resolvers);

// True when a string holds an (unescaped) interpolation.
bool has_interpolation(const std::string& s);

}  // namespace instill::config
