#include "tokenizer/tokenizer_files.hpp"

#include <set>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"

namespace instill::tokenizer {

namespace fs = std::filesystem;

namespace {

JsonDumpOptions hf_style() {
  JsonDumpOptions o;
  o.indent = "  ";
  o.ensure_ascii = false;
  return o;
}

Value read_json_or_empty(const fs::path& path) {
  if (!fs::exists(path)) return Value(ValueMap{});
  Value v = json_loads(read_file(path));
  if (!v.is_map()) throw Error(path.string() + ": expected a JSON object");
  return v;
}

Value added_token_entry(const AddedToken& t, bool with_id) {
  ValueMap m;
  if (with_id) m.set("id", static_cast<int64_t>(t.id));
  m.set("content", t.content);
  m.set("single_word", t.single_word);
  m.set("lstrip", t.lstrip);
  m.set("rstrip", t.rstrip);
  m.set("normalized", t.normalized);
  m.set("special", t.special);
  return Value(std::move(m));
}

}  // namespace

void save_tokenizer_files(const HfTokenizer& tok, const fs::path& dir) {
  const fs::path src = tok.source_dir();
  if (src.empty()) throw Error("internal: the tokenizer does not know its source files");
  fs::create_directories(dir);
  for (const char* name : {"vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja"})
    if (fs::exists(src / name))
      fs::copy_file(src / name, dir / name, fs::copy_options::overwrite_existing);

  const auto& added = tok.core().added_vocabulary().tokens();
  if (fs::exists(src / "tokenizer.json")) {
    Value doc = json_loads(read_file(src / "tokenizer.json"));
    Value* list = doc.is_map() ? doc.as_map().find("added_tokens") : nullptr;
    if (!list || !list->is_list()) {
      fs::copy_file(src / "tokenizer.json", dir / "tokenizer.json",
                    fs::copy_options::overwrite_existing);
    } else {
      std::set<std::string> present;
      for (const auto& e : list->as_list())
        if (const Value* c = e.is_map() ? e.as_map().find("content") : nullptr; c && c->is_string())
          present.insert(c->as_string());
      bool changed = false;
      for (const auto& t : added)
        if (!present.count(t.content)) {
          list->as_list().push_back(added_token_entry(t, true));
          changed = true;
        }
      if (changed)
        write_file_atomic(dir / "tokenizer.json", json_dumps(doc, hf_style()));
      else
        fs::copy_file(src / "tokenizer.json", dir / "tokenizer.json",
                      fs::copy_options::overwrite_existing);
    }
  } else if (!added.empty()) {
    // vocab.json + merges.txt tokenizers keep extra tokens in added_tokens.json.
    ValueMap extra;
    for (const auto& t : added)
      if (t.id >= static_cast<int32_t>(tok.vocab_size()))
        extra.set(t.content, static_cast<int64_t>(t.id));
    if (!extra.empty())
      write_file_atomic(dir / "added_tokens.json", json_dumps(Value(std::move(extra)), hf_style()));
  }

  // The special tokens as registered now, in both config files.
  Value config = read_json_or_empty(src / "tokenizer_config.json");
  // transformers picks a vocab.json + merges.txt folder's class from its config.
  if (!fs::exists(src / "tokenizer.json") && !config.as_map().contains("tokenizer_class"))
    config.as_map().set("tokenizer_class", "GPT2Tokenizer");
  Value map = read_json_or_empty(src / "special_tokens_map.json");
  for (const char* key :
       {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
    if (auto t = tok.special_token(key)) {
      config.as_map().set(key, *t);
      map.as_map().set(key, *t);
    }
  ValueList additional;
  for (const auto& t : tok.additional_special_tokens()) additional.emplace_back(t);
  if (!additional.empty()) {
    config.as_map().set("additional_special_tokens", Value(additional));
    map.as_map().set("additional_special_tokens", Value(std::move(additional)));
  }
  ValueMap decoder;
  if (const Value* d = config.as_map().find("added_tokens_decoder"); d && d->is_map())
    decoder = d->as_map();
  for (const auto& t : added)
    if (!decoder.contains(std::to_string(t.id)))
      decoder.set(std::to_string(t.id), added_token_entry(t, false));
  config.as_map().set("added_tokens_decoder", Value(std::move(decoder)));
  write_file_atomic(dir / "tokenizer_config.json", json_dumps(config, hf_style()) + "\n");
  write_file_atomic(dir / "special_tokens_map.json", json_dumps(map, hf_style()) + "\n");
}

}  // namespace instill::tokenizer
