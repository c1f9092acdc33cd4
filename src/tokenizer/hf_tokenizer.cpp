#include "tokenizer/hf_tokenizer.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/hf_hub.hpp"
#include "core/parallel_for.hpp"
#include "tokenizer/tokenizer_folder.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace fs = std::filesystem;

HfTokenizer HfTokenizer::from_pretrained(const fs::path& given) {
  // A hub id ("Qwen/Qwen2.5-0.5B") is looked up in the local Hugging Face cache.
  const fs::path path = fs::exists(given) ? given : resolve_hf_model_dir(given.string());
  HfTokenizer h;
  TokenizerFolder folder;
  if (fs::is_regular_file(path)) {
    h.source_dir_ = path.parent_path();
    h.tok_ = load_tokenizer_json(path.string());
  } else if (fs::is_directory(path)) {
    h.source_dir_ = path;
    const bool vocab_merges = !fs::exists(path / "tokenizer.json");
    if (vocab_merges && !(fs::exists(path / "vocab.json") && fs::exists(path / "merges.txt")))
      throw Error(path.string() +
                  ": no tokenizer.json and no vocab.json + merges.txt in this directory");
    folder = read_tokenizer_folder(path, vocab_merges);
    h.tok_ = vocab_merges
                 ? load_gpt2_vocab_merges((path / "vocab.json").string(),
                                          (path / "merges.txt").string(), folder.add_prefix_space)
                 : load_tokenizer_json((path / "tokenizer.json").string());
  } else {
    throw Error("tokenizer path does not exist: " + path.string());
  }
  h.special_ = folder.special_tokens;
  h.additional_ = folder.additional_special_tokens;
  h.model_max_length_ = folder.model_max_length;
  h.add_bos_token_ = folder.add_bos_token;
  h.add_eos_token_ = folder.add_eos_token;
  h.clean_up_tokenization_spaces_ = folder.clean_up_tokenization_spaces;
  h.padding_left_ = folder.padding_left;
  h.chat_template_ = folder.chat_template;
  h.named_templates_ = folder.named_chat_templates;
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
    const auto& kinds = special_token_kinds();
    const bool known = std::find(kinds.begin(), kinds.end(), key) != kinds.end();
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
