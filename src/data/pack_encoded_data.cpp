#include "data/pack_encoded_data.hpp"

#include <algorithm>
#include <iostream>
#include <optional>

#include "config/registry.hpp"
#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "core/progress.hpp"
#include "core/utf8.hpp"
#include "data/cleanup.hpp"
#include "data/components.hpp"
#include "data/jq_query.hpp"
#include "data/pbin.hpp"
#include "data/pickle.hpp"
#include "data/raw_index.hpp"

namespace instill::data {

namespace {

constexpr size_t kChunkDocuments = 2048;
constexpr size_t kBatch = 32;

// Documents [begin, end) of the chunk starting at document `chunk`: jq, tokenizer, EOD rule.
// A jq budget error stops the run (the program is at fault, so skipping would not help).
void encode_batch(const PackSettings& s, const TokenizerComponent& tokenizer, const MappedFile& src,
                  const Index& index, size_t chunk, size_t begin, size_t end, int token_size,
                  uint32_t eod, std::vector<std::string>& encoded,
                  std::vector<std::optional<std::string>>& errors,
                  std::vector<std::vector<uint32_t>>& kept_ids) {
  // libjq's process is per thread; started once per thread and program.
  thread_local std::unique_ptr<JqQuery> jq;
  if (!jq || jq->program() != s.jq_pattern) jq = std::make_unique<JqQuery>(s.jq_pattern);
  std::vector<std::string_view> lines;
  std::vector<size_t> slots;
  for (size_t k = begin; k < end; ++k) {
    errors[k].reset();
    encoded[k].clear();
    const auto [off, len] = index[chunk + k];
    const std::string_view line(src.view().data() + off, len);
    if (!is_valid_utf8(line)) {
      errors[k] = "the line is not valid UTF-8";
      continue;
    }
    lines.push_back(line);
    slots.push_back(k);
  }
  std::vector<JqResult> texts(lines.size());
  try {
    jq->first_strings(lines, texts);
  } catch (const JqBudgetError& e) {
    throw Error(s.src_path.string() + ": line " + std::to_string(chunk + slots[e.index] + 1) +
                ": " + e.what() + " (nothing was written to " + s.dst_path.string() + ")");
  }
  for (size_t j = 0; j < slots.size(); ++j) {
    const size_t k = slots[j];
    try {
      if (texts[j].error) throw Error(*texts[j].error);
      const auto tokens = tokenizer.tokenize(texts[j].text);
      if (tokens.empty())
        throw Error("the tokenizer produced no tokens for this document (empty sample)");
      std::vector<uint32_t> ids(tokens.begin(), tokens.end());
      if (ids.back() != eod) ids.push_back(eod);  // one EOD per document (spec §6.4)
      encode_tokens(ids, token_size, encoded[k]);
      if (s.on_document) kept_ids[k] = std::move(ids);
    } catch (const Error& e) {
      errors[k] = e.what();
    }
  }
}

}  // namespace

int pbin_token_size(const tokenizer::HfTokenizer& tokenizer) {
  int token_size = token_size_for_vocab_size(tokenizer.vocab_size());
  // The reference sizes tokens by the base vocabulary; ids of added tokens past it could
  // overflow that width, so it grows (this happens only where the reference breaks).
  if (const int needed = token_size_for_vocab_size(tokenizer.id_bound()); needed > token_size) {
    std::cerr << "warning: added tokens reach id " << tokenizer.id_bound() - 1 << ", beyond "
              << token_size << "-byte tokens; writing " << needed << "-byte tokens instead\n";
    token_size = needed;
  }
  return token_size;
}

PackStats pack_encoded_data(const PackSettings& s, const TokenizerComponent& tokenizer,
                            FileExistencePolicy policy) {
  PackStats stats;
  InterruptGuard interrupt_guard;  // Ctrl-C unwinds, so the temporary .pbin is removed
  if (!std::filesystem::is_regular_file(s.src_path))
    throw Error(s.src_path.string() + ": raw data file does not exist");
  if (!std::filesystem::is_regular_file(s.index_path))
    throw Error(s.index_path.string() +
                ": index file does not exist; create it with `instill data create_raw_index`");
  if (!enforce_file_existence_policy(s.dst_path, policy)) return stats;

  const Index index = unpickle_index(read_file(s.index_path), s.index_path.string());
  MappedFile src(s.src_path);
  for (size_t i = 0; i < index.size(); ++i)
    if (index[i].first > src.size() || index[i].second > src.size() - index[i].first)
      throw Error(s.index_path.string() + ": entry " + std::to_string(i) +
                  " points past the end of " + s.src_path.string() +
                  " (was the index made for another file?)");

  const int token_size = pbin_token_size(tokenizer.hf());
  const uint32_t eod = static_cast<uint32_t>(tokenizer.token_id(s.eod_token));
  const unsigned threads = resolve_threads(s.num_cpus);
  JqQuery check_program(s.jq_pattern);  // a bad jq_pattern fails before anything is written

  CreatedDirectories dirs(s.dst_path.parent_path());  // removed again if the run fails
  PbinWriter writer(s.dst_path, token_size);
  Progress progress("packing " + s.dst_path.filename().string(), index.size(), "documents",
                    s.show_progress);
  std::vector<std::string> encoded(kChunkDocuments);
  std::vector<std::optional<std::string>> errors(kChunkDocuments);
  std::vector<std::vector<uint32_t>> kept_ids(s.on_document ? kChunkDocuments : 0);
  for (size_t chunk = 0; chunk < index.size(); chunk += kChunkDocuments) {
    const size_t n = std::min(kChunkDocuments, index.size() - chunk);
    // Batches of documents: libjq's process gets each batch in one message.
    parallel_for((n + kBatch - 1) / kBatch, threads,
                 [&](size_t b) {
                   throw_if_interrupted();
                   encode_batch(s, tokenizer, src, index, chunk, b * kBatch,
                                std::min(n, (b + 1) * kBatch), token_size, eod, encoded, errors,
                                kept_ids);
                 },
                 1);
    for (size_t k = 0; k < n; ++k) {
      if (errors[k]) {
        if (!s.skip_invalid)
          throw Error(s.src_path.string() + ": line " + std::to_string(chunk + k + 1) + ": " +
                      *errors[k] + " (nothing was written to " + s.dst_path.string() +
                      "; pass --skip_invalid to skip such documents)");
        stats.skipped.emplace_back(chunk + k + 1, *errors[k]);
        continue;
      }
      ++stats.documents;
      writer.add_encoded_document(encoded[k]);
      if (s.on_document) s.on_document(chunk + k, kept_ids[k]);
      stats.tokens += encoded[k].size() / static_cast<size_t>(token_size);
    }
    progress.update(chunk + n, stats.tokens, "tokens");
    src.release_prefix(index[chunk + n - 1].first);  // keep memory flat on large inputs
  }
  writer.finish();
  dirs.keep();
  progress.finish();
  stats.written = true;
  stats.token_size = token_size;
  return stats;
}

PackSettings pack_settings_from_config(const config::ConfigDocument& doc) {
  const Value* settings_v = doc.root.is_map() ? doc.root.as_map().find("settings") : nullptr;
  if (!settings_v || !settings_v->is_map())
    throw Error(doc.source + ": settings: required mapping is missing");
  const ValueMap& settings = settings_v->as_map();
  auto where = [&](const std::string& key) {
    return doc.where("settings." + key) + "settings." + key;
  };
  auto str = [&](const std::string& key, bool nullable) -> std::optional<std::string> {
    const Value* v = settings.find(key);
    if (!v || v->is_null()) {
      if (nullable) return std::nullopt;
      throw Error(where(key) + ": required field is missing (expected a string)");
    }
    if (!v->is_string())
      throw Error(where(key) + ": expected a string, got " + config::describe_value(*v));
    return v->as_string();
  };
  auto positive_int = [&](const std::string& key, int64_t fallback) -> int64_t {
    const Value* v = settings.find(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_int() || v->as_int() < 1)
      throw Error(where(key) + ": expected an integer >= 1, got " + config::describe_value(*v));
    return v->as_int();
  };
  PackSettings s;
  s.src_path = *str("src_path", false);
  s.dst_path =
      str("dst_path", true)
          .value_or((s.src_path.parent_path() / (s.src_path.stem().string() + ".pbin")).string());
  s.index_path = str("index_path", true).value_or(default_index_path(s.src_path).string());
  s.jq_pattern = *str("jq_pattern", false);
  s.eod_token = *str("eod_token", false);
  s.num_cpus = static_cast<int>(positive_int("num_cpus", 0));
  // Accepted for compatibility; instill's pipeline sizes its own chunks.
  positive_int("processing_batch_size", 1);
  positive_int("raw_samples_queue_size", 1);
  positive_int("processed_samples_queue_size", 1);
  return s;
}

std::shared_ptr<TokenizerComponent> build_tokenizer(const config::ConfigDocument& doc) {
  config::Registry registry;
  register_data_components(registry);
  return config::ComponentBuilder(registry, doc).build_component<TokenizerComponent>("tokenizer");
}

PackStats pack_encoded_data(const config::ConfigDocument& doc, FileExistencePolicy policy,
                            const std::function<void(PackSettings&)>& adjust) {
  return naming_library_failures(doc.source, [&] {
    PackSettings s = pack_settings_from_config(doc);
    auto tokenizer = build_tokenizer(doc);
    if (adjust) adjust(s);
    return pack_encoded_data(s, *tokenizer, policy);
  });
}

}  // namespace instill::data
