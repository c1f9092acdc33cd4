#include "jinja/chat_template_source.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"

namespace instill::jinja {
namespace {

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

std::string load_chat_template(const std::string& tokenizer_dir) {
  const std::filesystem::path dir(tokenizer_dir);
  std::string text;
  if (read_file(dir / "tokenizer_config.json", text)) {
    nlohmann::json config;
    try {
      config = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error((dir / "tokenizer_config.json").string() + ": invalid JSON: " + e.what());
    }
    if (config.contains("chat_template") && !config["chat_template"].is_null()) {
      const auto& t = config["chat_template"];
      if (t.is_string()) return t.get<std::string>();
      if (t.is_array()) {
        for (const auto& entry : t)
          if (entry.is_object() && entry.value("name", "") == "default" &&
              entry.contains("template") && entry["template"].is_string())
            return entry["template"].get<std::string>();
        throw Error((dir / "tokenizer_config.json").string() +
                    ": chat_template list has no entry named \"default\"");
      }
      throw Error((dir / "tokenizer_config.json").string() +
                  ": chat_template is neither a string nor a list");
    }
  }
  if (read_file(dir / "chat_template.jinja", text)) return text;
  throw Error(
      tokenizer_dir +
      ": no chat template (neither tokenizer_config.json's chat_template nor chat_template.jinja)");
}

}  // namespace instill::jinja
