#include "data/pbin_context.hpp"

#include <initializer_list>
#include <iostream>
#include <string_view>

#include "config/app_config.hpp"
#include "core/error.hpp"
#include "data/pack_encoded_data.hpp"
#include "data/tokenizer_component.hpp"

namespace instill::data {

namespace fs = std::filesystem;

namespace {

// root[k0][k1]..., or null when a step is missing or not a mapping.
Value* lookup(Value& root, std::initializer_list<std::string_view> keys) {
  Value* v = &root;
  for (std::string_view key : keys) {
    if (!v->is_map()) return nullptr;
    v = v->as_map().find(key);
    if (!v) return nullptr;
  }
  return v;
}

std::optional<fs::path> existing(const fs::path& p) {
  return fs::is_regular_file(p) ? std::optional<fs::path>(p) : std::nullopt;
}

config::ConfigDocument load_config(const fs::path& path) {
  config::ResolverContext ctx;
  ctx.config_file_path = path.string();
  return config::load_app_config(path, ctx);
}

}  // namespace

PbinContext pbin_context(const fs::path& pbin) {
  PbinContext c;
  c.pbin = pbin;
  const std::string stem = pbin.stem().string();  // <stem>_<split>.<hash>
  const size_t dot = stem.rfind('.');
  const std::string base = stem.substr(0, dot);
  const size_t underscore = base.rfind('_');
  c.split = underscore == std::string::npos ? base : base.substr(underscore + 1);
  if (dot == std::string::npos || underscore == std::string::npos) return c;
  const std::string hash = stem.substr(dot + 1);
  const fs::path dir = pbin.parent_path();
  c.pbin_config = existing(dir / ("pbin_config_" + c.split + "." + hash + ".yaml"));
  c.chat_template_config = existing(dir / ("instruction_chat_template_config." + hash + ".yaml"));
  return c;
}

PbinTokenizer load_pbin_tokenizer(const PbinContext& context,
                                  const std::optional<fs::path>& tokenizer_dir) {
  if (!context.pbin_config) {
    if (!tokenizer_dir)
      throw UsageError(context.pbin.string() +
                       ": no pbin_config_<split>.<hash>.yaml beside it names the tokenizer; "
                       "pass --tokenizer DIR");
    return {std::make_shared<tokenizer::HfTokenizer>(
                tokenizer::HfTokenizer::from_pretrained(*tokenizer_dir)),
            std::nullopt};
  }
  config::ConfigDocument doc = load_config(*context.pbin_config);
  // The user's folder replaces the config's, keeping the special tokens preparation added.
  if (Value* cfg = lookup(doc.root, {"tokenizer", "config"}); tokenizer_dir && cfg && cfg->is_map())
    cfg->as_map().set("pretrained_model_name_or_path", Value(tokenizer_dir->string()));
  std::shared_ptr<TokenizerComponent> component;
  try {
    component = build_tokenizer(doc);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (the tokenizer of " + context.pbin_config->string() +
                "; --tokenizer DIR chooses another)");
  }
  PbinTokenizer out;
  out.tokenizer = std::shared_ptr<const tokenizer::HfTokenizer>(component, &component->hf());
  if (Value* eod = lookup(doc.root, {"settings", "eod_token"}); eod && eod->is_string())
    out.eod = static_cast<uint32_t>(component->token_id(eod->as_string()));
  return out;
}

namespace {

std::optional<MarkerTokens> configured_markers(const PbinContext& context) {
  if (!context.chat_template_config) return std::nullopt;
  config::ConfigDocument doc = load_config(*context.chat_template_config);
  const Value* b =
      lookup(doc.root, {"chat_template_data", "special_tokens", "b_include_to_loss_token"});
  const Value* e =
      lookup(doc.root, {"chat_template_data", "special_tokens", "e_include_to_loss_token"});
  if (!b || !e || !b->is_string() || !e->is_string()) return std::nullopt;
  return MarkerTokens{b->as_string(), e->as_string()};
}

}  // namespace

std::optional<LossMarkers> load_loss_markers(const PbinContext& context,
                                             const tokenizer::HfTokenizer& tok,
                                             const std::optional<MarkerTokens>& given) {
  const std::optional<MarkerTokens> names = given ? given : configured_markers(context);
  if (!names) return std::nullopt;
  std::string warning;
  LossMarkers m{static_cast<uint32_t>(tok.get_token_id(names->begin, &warning)),
                static_cast<uint32_t>(tok.get_token_id(names->end, &warning))};
  if (!warning.empty()) std::cerr << "instill: warning: " << warning << "\n";
  if (m.begin == m.end)
    throw UsageError("the begin and end loss markers (" + names->begin + ", " + names->end +
                     ") must be different tokens");
  return m;
}

OutOfVocabulary out_of_vocabulary(std::span<const uint32_t> ids, size_t id_bound) {
  OutOfVocabulary found;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < id_bound) continue;
    if (found.count++ == 0) {
      found.first_position = i;
      found.first_id = ids[i];
    }
  }
  return found;
}

std::string out_of_vocabulary_warning(const OutOfVocabulary& found, size_t index, size_t id_bound) {
  if (found.count == 0) return "";
  return "document " + std::to_string(index) + " holds " + std::to_string(found.count) +
         " token id(s) beyond the tokenizer's vocabulary of " + std::to_string(id_bound) +
         " (the first, " + std::to_string(found.first_id) + ", at position " +
         std::to_string(found.first_position) +
         "); they cannot be decoded: was the pbin made with another tokenizer?";
}

std::optional<MarkerTokens> marker_options(const std::string& begin, const std::string& end) {
  if (begin.empty() != end.empty())
    throw UsageError("give both --b_token and --e_token, or neither");
  if (begin.empty()) return std::nullopt;
  return MarkerTokens{begin, end};
}

}  // namespace instill::data
