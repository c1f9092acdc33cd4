#pragma once
// Errors about one key of a config: "file:line: a.b.c: what was expected, got what". Config
// code builds them here rather than by hand, so every error names its place the same way and
// keeps its kind (data errors exit 1, usage errors exit 2).
#include <string>

#include "core/error.hpp"

namespace instill::config {

struct ConfigDocument;

// "file:line: key.path: message"; without a document "key.path: message", and without a key
// path "file: message".
Error key_error(const std::string& key_path, const std::string& message,
                const ConfigDocument* doc = nullptr, ErrorKind kind = ErrorKind::kData);
// `cause`, raised while handling key_path, with the place in front and its kind kept.
Error key_error(const std::string& key_path, const Error& cause,
                const ConfigDocument* doc = nullptr);
// Puts the file and line of key_path in front of an error that already names its key path.
Error located(const Error& e, const ConfigDocument& doc, const std::string& key_path);

}  // namespace instill::config
