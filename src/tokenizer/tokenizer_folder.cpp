#include "tokenizer/tokenizer_folder.hpp"

#include <algorithm>

#include "core/fs.hpp"
#include "core/python_json.hpp"

namespace instill::tokenizer {

namespace fs = std::filesystem;

namespace {

// transformers treats model_max_length >= LARGE_INTEGER (1e20) as "no limit" (its default is
// VERY_LARGE_INTEGER, 1e30).
constexpr double kLargeInteger = 1e20;

// The JSON object in `path`, or an empty map when the file is absent.
ValueMap read_json_object(const fs::path& path) {
  if (!fs::exists(path)) return {};
  Value v;
  try {
    v = json_loads(read_file(path));
  } catch (const Error& e) {
    throw e.with_context(path.string());
  }
  if (!v.is_map()) throw Error(path.string() + ": expected a JSON object");
  return v.as_map();
}

// A special token's value: a string or an AddedToken object {"content": ...}.
std::optional<std::string> token_content(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_map())
    if (const Value* c = v.as_map().find("content"); c && c->is_string()) return c->as_string();
  return std::nullopt;
}

void read_special_tokens(const ValueMap& file, TokenizerFolder& f) {
  for (const std::string& kind : special_token_kinds()) {
    const Value* v = file.find(kind);
    if (!v) continue;
    if (auto content = token_content(*v)) {
      f.special_tokens[kind] = *content;
    } else if (v->is_null()) {
      f.special_tokens.erase(kind);
    }
  }
  if (const Value* extra = file.find("additional_special_tokens"); extra && extra->is_sequence()) {
    f.additional_special_tokens.clear();
    for (const Value& v : extra->as_list())
      if (auto content = token_content(v)) f.additional_special_tokens.push_back(*content);
  }
}

std::optional<bool> optional_bool(const ValueMap& m, std::string_view key) {
  const Value* v = m.find(key);
  return v && v->is_bool() ? std::optional<bool>(v->as_bool()) : std::nullopt;
}

void read_chat_templates(const ValueMap& config, const fs::path& config_path, TokenizerFolder& f) {
  const Value* t = config.find("chat_template");
  if (!t) return;
  if (t->is_string()) {
    f.chat_template = t->as_string();
  } else if (t->is_sequence()) {
    for (const Value& entry : t->as_list()) {
      if (!entry.is_map()) continue;
      const Value* name = entry.as_map().find("name");
      const Value* text = entry.as_map().find("template");
      if (name && text && name->is_string() && text->is_string())
        f.named_chat_templates[name->as_string()] = text->as_string();
    }
    if (auto it = f.named_chat_templates.find("default"); it != f.named_chat_templates.end())
      f.chat_template = it->second;
  }
  if (f.chat_template) f.chat_template_origin = config_path.string() + " (chat_template)";
}

void read_config(const ValueMap& config, const fs::path& path, TokenizerFolder& f) {
  if (const Value* m = config.find("model_max_length"); m && m->is_number()) {
    const double max = m->to_double();
    if (max >= 0 && max < kLargeInteger) f.model_max_length = static_cast<uint64_t>(max);
  }
  f.add_bos_token = optional_bool(config, "add_bos_token");
  f.add_eos_token = optional_bool(config, "add_eos_token");
  f.clean_up_tokenization_spaces =
      optional_bool(config, "clean_up_tokenization_spaces").value_or(false);
  f.add_prefix_space = optional_bool(config, "add_prefix_space").value_or(false);
  const Value* side = config.find("padding_side");
  f.padding_left = side && side->is_string() && side->as_string() == "left";
  read_chat_templates(config, path, f);
}

// GPT2TokenizerFast's constructor defaults, unless the config names another tokenizer class.
bool gpt2_defaults_apply(const ValueMap& config) {
  const Value* cls = config.find("tokenizer_class");
  return !cls || !cls->is_string() || cls->as_string().starts_with("GPT2");
}

}  // namespace

const std::vector<std::string>& special_token_kinds() {
  static const std::vector<std::string> kinds = {"bos_token", "eos_token", "unk_token", "sep_token",
                                                 "pad_token", "cls_token", "mask_token"};
  return kinds;
}

SpecialTokens parse_special_tokens(const Value& mapping, const std::string& where, ErrorKind kind) {
  SpecialTokens out;
  if (mapping.is_null()) return out;
  if (!mapping.is_map())
    throw Error(where + ": expected a mapping of special token kinds, got " + json_dumps(mapping),
                kind);
  const auto& kinds = special_token_kinds();
  for (const auto& [key, value] : mapping.as_map()) {
    const std::string at = where + "." + key;
    const bool additional = key == "additional_special_tokens";
    if (!additional && std::find(kinds.begin(), kinds.end(), key) == kinds.end())
      throw Error(at + ": unknown special token kind (expected one of bos_token, eos_token, "
                       "unk_token, sep_token, pad_token, cls_token, mask_token, "
                       "additional_special_tokens)",
                  kind);
    if (value.is_string()) {
      out[key] = {value.as_string()};
    } else if (additional && value.is_sequence()) {
      for (const Value& item : value.as_list()) {
        if (!item.is_string())
          throw Error(at + ": expected a list of strings, got " + json_dumps(item), kind);
        out[key].push_back(item.as_string());
      }
    } else {
      throw Error(at + ": expected a string" + (additional ? " or a list of strings" : "") +
                      ", got " + json_dumps(value),
                  kind);
    }
  }
  return out;
}

TokenizerFolder read_tokenizer_folder(const fs::path& dir, bool gpt2_vocab_merges) {
  TokenizerFolder f;
  const fs::path config_path = dir / "tokenizer_config.json";
  const ValueMap config = read_json_object(config_path);
  if (gpt2_vocab_merges && gpt2_defaults_apply(config))
    for (const char* kind : {"bos_token", "eos_token", "unk_token"})
      f.special_tokens[kind] = "<|endoftext|>";
  read_special_tokens(read_json_object(dir / "special_tokens_map.json"), f);
  read_special_tokens(config, f);
  read_config(config, config_path, f);
  if (const fs::path jinja = dir / "chat_template.jinja"; fs::exists(jinja)) {
    f.chat_template = read_file(jinja);
    f.chat_template_origin = jinja.string();
  }
  return f;
}

std::string folder_chat_template(const fs::path& dir) {
  const bool vocab_merges = !fs::exists(dir / "tokenizer.json");
  TokenizerFolder f = read_tokenizer_folder(dir, vocab_merges);
  if (f.chat_template) return *f.chat_template;
  if (!f.named_chat_templates.empty())
    throw Error((dir / "tokenizer_config.json").string() +
                ": chat_template list has no entry named \"default\"");
  throw Error(dir.string() +
              ": no chat template (neither chat_template.jinja nor tokenizer_config.json's "
              "chat_template)");
}

}  // namespace instill::tokenizer
