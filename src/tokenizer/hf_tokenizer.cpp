#include "tokenizer/hf_tokenizer.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/hf_hub.hpp"
#include "core/parallel_for.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kSpecialKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                    "pad_token", "cls_token", "mask_token"};

// transformers' VERY_LARGE_INTEGER (1e30) and LARGE_INTEGER (1e20) thresholds.
constexpr double kLargeInteger = 1e20;

std::optional<json> read_json_file(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path.string());
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(path.string() + ": invalid JSON: " + e.what());
  }
}

// A special token value: a string or an AddedToken dict {"content": ...}.
std::optional<std::string> token_content(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return v["content"].get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

HfTokenizer HfTokenizer::from_pretrained(const fs::path& given) {
  // A hub id ("Qwen/Qwen2.5-0.5B") is looked up in the local Hugging Face cache.
  const fs::path path = fs::exists(given) ? given : resolve_hf_model_dir(given.string());
  HfTokenizer h;
  fs::path dir = path;
  h.source_dir_ = fs::is_regular_file(path) ? path.parent_path() : path;
  std::optional<json> config, special_map;
  if (fs::is_regular_file(path)) {
    h.tok_ = load_tokenizer_json(path.string());
    dir = path.parent_path();
  } else if (fs::is_directory(path)) {
    config = read_json_file(dir / "tokenizer_config.json");
    special_map = read_json_file(dir / "special_tokens_map.json");
    if (fs::exists(dir / "tokenizer.json")) {
      h.tok_ = load_tokenizer_json((dir / "tokenizer.json").string());
    } else if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")) {
      const bool prefix = config && config->value("add_prefix_space", false);
      h.tok_ = load_gpt2_vocab_merges((dir / "vocab.json").string(), (dir / "merges.txt").string(),
                                      prefix);
    } else {
      throw Error(path.string() +
                  ": no tokenizer.json and no vocab.json + merges.txt in this directory");
    }
  } else {
    throw Error("tokenizer path does not exist: " + path.string());
  }

  // special_tokens_map.json first, tokenizer_config.json wins where both set a token.
  for (const auto* source : {&special_map, &config}) {
    if (!*source || !(*source)->is_object()) continue;
    const json& j = **source;
    for (const char* key : kSpecialKeys) {
      if (j.contains(key)) {
        if (auto c = token_content(j[key])) {
          h.special_[key] = *c;
        } else if (j[key].is_null()) {
          h.special_.erase(key);
        }
      }
    }
    if (j.contains("additional_special_tokens") && j["additional_special_tokens"].is_array()) {
      h.additional_.clear();
      for (const auto& v : j["additional_special_tokens"]) {
        if (auto c = token_content(v)) h.additional_.push_back(*c);
      }
    }
  }
  if (config && config->is_object()) {
    const json& c = *config;
    if (c.contains("model_max_length") && c["model_max_length"].is_number()) {
      const double m = c["model_max_length"].get<double>();
      if (m < kLargeInteger && m >= 0) h.model_max_length_ = static_cast<uint64_t>(m);
    }
    if (c.contains("add_bos_token") && c["add_bos_token"].is_boolean()) {
      h.add_bos_token_ = c["add_bos_token"].get<bool>();
    }
    if (c.contains("add_eos_token") && c["add_eos_token"].is_boolean()) {
      h.add_eos_token_ = c["add_eos_token"].get<bool>();
    }
    h.clean_up_tokenization_spaces_ = c.value("clean_up_tokenization_spaces", false);
    h.padding_left_ = c.value("padding_side", std::string("right")) == "left";
    if (c.contains("chat_template")) {
      const json& t = c["chat_template"];
      if (t.is_string()) {
        h.chat_template_ = t.get<std::string>();
      } else if (t.is_array()) {
        for (const auto& entry : t) {
          if (entry.is_object() && entry.contains("name") && entry.contains("template")) {
            h.named_templates_[entry["name"].get<std::string>()] =
                entry["template"].get<std::string>();
          }
        }
        if (auto it = h.named_templates_.find("default"); it != h.named_templates_.end()) {
          h.chat_template_ = it->second;
        }
      }
    }
  }
  if (fs::exists(dir / "chat_template.jinja") && fs::is_directory(path)) {
    std::ifstream in(dir / "chat_template.jinja", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    h.chat_template_ = text.str();
  }
  // Like PreTrainedTokenizerFast: configured special tokens that are not yet added tokens
  // become special added tokens.
  std::vector<AddedToken> missing;
  auto consider = [&](const std::string& content) {
    if (h.tok_->added_vocabulary().find_by_content(content)) return;
    missing.push_back(AddedToken{content, -1, false, false, false, false, true});
  };
  for (const auto& [key, content] : h.special_) consider(content);
  for (const auto& content : h.additional_) consider(content);
  if (!missing.empty()) h.tok_->add_tokens(missing);
  return h;
}

void HfTokenizer::add_special_tokens(
    const std::map<std::string, std::vector<std::string>>& tokens) {
  std::vector<AddedToken> to_add;
  std::vector<std::string> new_additional = additional_;
  std::map<std::string, std::string> new_special = special_;
  for (const auto& [key, values] : tokens) {
    const bool known =
        std::find(std::begin(kSpecialKeys), std::end(kSpecialKeys), key) != std::end(kSpecialKeys);
    if (key == "additional_special_tokens") {
      for (const auto& v : values) {
        if (std::find(new_additional.begin(), new_additional.end(), v) == new_additional.end()) {
          new_additional.push_back(v);
        }
        to_add.push_back(AddedToken{v, -1, false, false, false, false, true});
      }
    } else if (known) {
      if (values.size() != 1) throw Error("special token " + key + " must be a single string");
      new_special[key] = values[0];
      to_add.push_back(AddedToken{values[0], -1, false, false, false, false, true});
    } else {
      throw Error("unknown special token key \"" + key +
                  "\" (expected bos_token, eos_token, unk_token, sep_token, pad_token, "
                  "cls_token, mask_token or additional_special_tokens)");
    }
  }
  // Unlike the reference (its issue 208), tokens outside the vocabulary are added with the
  // next free ids, and training resizes the model's embedding to match. Said loudly, since
  // a model that does not know the new ids cannot read data made with them.
  std::vector<std::string> fresh;
  for (const auto& t : to_add)
    if (!tok_->token_to_id(t.content) &&
        std::find(fresh.begin(), fresh.end(), t.content) == fresh.end())
      fresh.push_back(t.content);
  tok_->add_tokens(to_add);
  if (!fresh.empty()) {
    std::string list;
    for (const auto& t : fresh)
      list += (list.empty() ? "" : ", ") + t + " = " + std::to_string(*tok_->token_to_id(t));
    std::fprintf(stderr,
                 "note: %zu special token(s) are not in the tokenizer's vocabulary and get new ids "
                 "(%s); a model needs %zu embedding rows for them (instill run grows Hugging "
                 "Face models to fit)\n",
                 fresh.size(), list.c_str(), id_bound());
  }
  special_ = std::move(new_special);
  additional_ = std::move(new_additional);
}

std::size_t HfTokenizer::id_bound() const {
  std::size_t bound = tok_->base_vocab_size();
  for (const auto& t : tok_->added_vocabulary().tokens())
    bound = std::max(bound, static_cast<std::size_t>(t.id) + 1);
  return bound;
}

std::optional<std::size_t> HfTokenizer::effective_max_length(const EncodeOptions& o) const {
  if (o.max_length) return o.max_length;
  if (model_max_length_) return static_cast<std::size_t>(*model_max_length_);
  return std::nullopt;
}

std::vector<int32_t> HfTokenizer::finish(std::vector<int32_t> ids, const EncodeOptions& o,
                                         std::optional<std::size_t> pad_to) const {
  const std::size_t specials = o.add_special_tokens ? tok_->num_special_tokens_to_add() : 0;
  if (o.truncation) {
    if (auto limit = effective_max_length(o)) {
      const std::size_t keep = *limit > specials ? *limit - specials : 0;
      if (ids.size() > keep) ids.resize(keep);
    }
  }
  if (o.add_special_tokens) tok_->post_process(ids);
  if (pad_to && ids.size() < *pad_to) {
    const auto pad = special_token_id("pad_token");
    if (!pad) {
      throw Error(
          "Asking to pad but the tokenizer does not have a padding token; set "
          "special_tokens.pad_token");
    }
    if (padding_left_) {
      ids.insert(ids.begin(), *pad_to - ids.size(), *pad);
    } else {
      ids.resize(*pad_to, *pad);
    }
  }
  return ids;
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text, const EncodeOptions& o) const {
  std::optional<std::size_t> pad_to;
  if (o.padding == PaddingMode::kMaxLength) pad_to = effective_max_length(o);
  return finish(tok_->encode_ids(text), o, pad_to);
}

std::vector<std::vector<int32_t>> HfTokenizer::encode_batch(const std::vector<std::string>& texts,
                                                            const EncodeOptions& o,
                                                            unsigned threads) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  EncodeOptions no_pad = o;
  no_pad.padding = PaddingMode::kNone;
  parallel_for(texts.size(), threads,
               [&](std::size_t i) { out[i] = finish(tok_->encode_ids(texts[i]), no_pad, {}); });
  std::optional<std::size_t> pad_to;
  if (o.padding == PaddingMode::kMaxLength) pad_to = effective_max_length(o);
  if (o.padding == PaddingMode::kLongest) {
    std::size_t longest = 0;
    for (const auto& ids : out) longest = std::max(longest, ids.size());
    pad_to = longest;
  }
  if (pad_to) {
    EncodeOptions pad_only;
    pad_only.add_special_tokens = false;
    for (auto& ids : out) ids = finish(std::move(ids), pad_only, pad_to);
  }
  return out;
}

std::string HfTokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens,
                                std::optional<bool> cleanup) const {
  std::string text = tok_->decode(ids, skip_special_tokens);
  if (cleanup.value_or(clean_up_tokenization_spaces_))
    text = clean_up_tokenization(std::move(text));
  return text;
}

int32_t HfTokenizer::get_token_id(const std::string& token, std::string* warning) const {
  const auto unk = special_token_id("unk_token");
  std::optional<int32_t> id = tok_->token_to_id(token);
  if (!id) id = unk;
  if (!id) {
    throw Error("Token is not represented by a single token id! (\"" + token +
                "\" is not a vocabulary entry and the tokenizer has no unk token)");
  }
  if (unk && *id == *unk && warning) {
    *warning = "The provided eod token " + token + " has the same token id (" +
               std::to_string(*id) + ") as the unk token";
  }
  return *id;
}

std::optional<std::string> HfTokenizer::special_token(const std::string& name) const {
  const auto it = special_.find(name);
  if (it == special_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> HfTokenizer::special_token_id(const std::string& name) const {
  const auto t = special_token(name);
  if (!t) return std::nullopt;
  return tok_->token_to_id(*t);
}

}  // namespace instill::tokenizer
