#include "config/key_error.hpp"

#include "config/config_document.hpp"

namespace instill::config {

Error key_error(const std::string& key_path, const std::string& message, const ConfigDocument* doc,
                ErrorKind kind) {
  std::string text = doc ? doc->where(key_path) : std::string();
  if (!key_path.empty()) text += key_path + ": ";
  return Error(text + message, kind);
}

Error key_error(const std::string& key_path, const Error& cause, const ConfigDocument* doc) {
  return key_error(key_path, cause.what(), doc, cause.kind());
}

Error located(const Error& e, const ConfigDocument& doc, const std::string& key_path) {
  return Error(doc.where(key_path) + e.what(), e.kind());
}

}  // namespace instill::config
