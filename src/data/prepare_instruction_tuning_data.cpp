#include "data/prepare_instruction_tuning_data.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "config/app_config.hpp"
#include "config/schema.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/parallel_for.hpp"
#include "core/progress.hpp"
#include "core/python_json.hpp"
#include "core/python_yaml_dump.hpp"
#include "core/sha256.hpp"
#include "data/components.hpp"
#include "data/pack_encoded_data.hpp"
#include "data/python_path.hpp"
#include "data/python_random.hpp"
#include "data/raw_index.hpp"
#include "jinja/template.hpp"
#include "core/utf8.hpp"

namespace instill::data {

namespace {

namespace fs = std::filesystem;
const char* const kPartitions[] = {"train", "val", "test"};

struct Settings {
  std::string src_path, dst_path, messages_key, pbin_config_path;
  int64_t weights[3] = {0, 0, 0};
  int64_t seed = 0;
  ValueMap role_mapping;
  std::string chat_template;
  Value chat_template_data;
};

// Reads and validates the config (spec §4.1), with the reference's optional-but-required
// fields (Q2) made required with a clear error.
// need_source: chat reads the same config for its template, and needs no conversations.
Settings read_settings(const config::ConfigDocument& doc, bool need_source = true) {
  auto fail = [&](const std::string& path, const std::string& msg) -> Error {
    return Error(doc.where(path) + path + ": " + msg);
  };
  auto get = [&](const std::string& path) -> const Value* {
    const Value* v = &doc.root;
    size_t i = 0;
    while (i <= path.size()) {
      size_t dot = path.find('.', i);
      if (dot == std::string::npos) dot = path.size();
      if (!v->is_map()) return nullptr;
      v = v->as_map().find(path.substr(i, dot - i));
      if (!v) return nullptr;
      i = dot + 1;
    }
    return v;
  };
  auto need = [&](const std::string& path, const char* what) -> const Value& {
    const Value* v = get(path);
    if (!v) throw fail(path, std::string("required field is missing (expected ") + what + ")");
    return *v;
  };
  auto need_string = [&](const std::string& path) -> std::string {
    const Value& v = need(path, "a string");
    if (!v.is_string()) throw fail(path, "expected a string, got " + config::describe_value(v));
    return v.as_string();
  };
  Settings s;
  s.src_path = need_string("settings.src_path");
  if (need_source && !fs::is_regular_file(s.src_path))
    throw fail("settings.src_path", "file \"" + s.src_path + "\" does not exist");
  s.dst_path = need_string("settings.dst_path");
  s.messages_key = need_string("settings.messages_key");
  s.pbin_config_path = need_string("settings.pbin_creation_config_file_path");
  if (!fs::is_regular_file(s.pbin_config_path))
    throw fail("settings.pbin_creation_config_file_path",
               "file \"" + s.pbin_config_path + "\" does not exist");
  const Value& split =
      need("settings.split_config.splitting", "a mapping with train, val and test percentages");
  int64_t sum = 0;
  for (int p = 0; p < 3; ++p) {
    const std::string path = std::string("settings.split_config.splitting.") + kPartitions[p];
    const Value* w = split.is_map() ? split.as_map().find(kPartitions[p]) : nullptr;
    if (!w) throw fail(path, "required field is missing (expected an integer percentage)");
    if (!w->is_int())
      throw fail(path, "expected an integer percentage, got " + config::describe_value(*w));
    if (w->as_int() < 0)
      throw fail(path, "expected a percentage >= 0, got " + std::to_string(w->as_int()));
    s.weights[p] = w->as_int();
    sum += w->as_int();
  }
  for (const auto& [k, v] : split.as_map())
    if (k != "train" && k != "val" && k != "test")
      throw fail("settings.split_config.splitting." + k,
                 "unknown partition (allowed: train, val, test)");
  if (sum != 100)
    throw fail(
        "settings.split_config.splitting",
        "the percentages of train, val and test must sum to 100, got " + std::to_string(sum));
  const Value& seed = need("settings.split_config.seed", "an integer");
  if (!seed.is_int())
    throw fail("settings.split_config.seed",
               "expected an integer, got " + config::describe_value(seed));
  s.seed = seed.as_int();
  const Value& roles =
      need("instruction_data_transformation.role_mapping", "a mapping from input roles to names");
  if (!roles.is_map())
    throw fail("instruction_data_transformation.role_mapping",
               "expected a mapping, got " + config::describe_value(roles));
  s.role_mapping = roles.as_map();
  s.chat_template = need_string("jinja2_chat_template");
  s.chat_template_data = need("chat_template_data", "a mapping (may be empty)");
  if (!s.chat_template_data.is_map())
    throw fail("chat_template_data",
               "expected a mapping, got " + config::describe_value(s.chat_template_data));
  return s;
}

// Removes the staging folder unless the run succeeded and emptied it.
struct StagingDir {
  fs::path path;
  ~StagingDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size()))
    s.replace(i, from.size(), to);
  return s;
}

struct RecordOutcome {
  std::string json_line;             // the output line, "\n" included
  std::optional<std::string> error;  // why the record is invalid
  bool marker_in_content = false;
};

// Role mapping (spec §4.5), rendering (§4.4) and output serialisation (§4.6) of one record.
RecordOutcome process_record(std::string_view line, const Settings& s, const jinja::Template& tpl,
                             const std::vector<std::string>& markers) {
  RecordOutcome out;
  try {
    if (!is_valid_utf8(line)) throw Error("the line is not valid UTF-8");
    Value record = json_loads(line);
    if (!record.is_map()) throw Error("expected a JSON object, got a " + record.python_type_name());
    Value* messages = record.as_map().find(s.messages_key);
    if (!messages) throw Error("missing key \"" + s.messages_key + "\" (settings.messages_key)");
    if (!messages->is_sequence())
      throw Error("\"" + s.messages_key + "\" must be a list of turns, got a " +
                  messages->python_type_name());
    for (auto& turn : messages->as_list()) {
      if (!turn.is_map()) continue;
      for (auto& [key, value] : turn.as_map()) {
        if (key != "role" && key != "from") continue;
        const Value* mapped = value.is_string() ? s.role_mapping.find(value.as_string()) : nullptr;
        if (!mapped) {
          std::string known;
          for (const auto& [k, v] : s.role_mapping) known += (known.empty() ? "" : ", ") + k;
          throw Error("role " + config::describe_value(value) +
                      " is not in instruction_data_transformation.role_mapping (known roles: " +
                      known + ")");
        }
        value = *mapped;
      }
      if (const Value* content = turn.as_map().find("content"); content && content->is_string())
        for (const auto& m : markers)
          if (!m.empty() && content->as_string().find(m) != std::string::npos)
            out.marker_in_content = true;
    }
    ValueMap context;
    context.set("messages", *messages);
    context.set("chat_template_data", s.chat_template_data);
    record.as_map().set("chat", Value(tpl.render_text(context)));
    out.json_line = json_dumps(record);
    if (!is_valid_utf8(out.json_line))
      throw Error(
          "the record holds a lone surrogate (\\udXXX escape), which cannot be written as UTF-8");
    out.json_line += '\n';
  } catch (const Error& e) {
    out.error = e.what();
  }
  return out;
}

// Universal-newline line splitting, as Python's text mode reads the file.
class LineReader {
 public:
  explicit LineReader(std::string_view data) : data_(data) {}
  bool next(std::string_view& line) {
    if (pos_ >= data_.size()) return false;
    size_t i = pos_;
    while (i < data_.size() && data_[i] != '\n' && data_[i] != '\r') ++i;
    line = data_.substr(pos_, i - pos_);
    if (i < data_.size() && data_[i] == '\r' && i + 1 < data_.size() && data_[i + 1] == '\n') ++i;
    pos_ = i + 1;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

Value string_list(const std::vector<size_t>& lines) {
  ValueList l;
  for (size_t n : lines) l.push_back(Value(static_cast<int64_t>(n)));
  return Value(std::move(l));
}

}  // namespace

PrepareResult prepare_instruction_tuning_data(const PrepareOptions& options) {
  const std::string config_path = options.config_file_path.string();
  config::ResolverContext ctx;
  ctx.config_file_path = config_path;
  const config::ConfigDocument doc = config::load_app_config(config_path, ctx);
  const Settings s = read_settings(doc);

  // Names (spec §4.7), refusing the names for which the reference's pathlib rules collide (Q3).
  const std::string dst_name = python_path_name(s.dst_path);
  const std::string dst_stem = python_path_stem(s.dst_path);
  const std::string dst_suffix = python_path_suffix(s.dst_path);
  if (dst_suffix.empty() || dst_stem.find('.') != std::string::npos)
    throw Error(doc.where("settings.dst_path") + "settings.dst_path: \"" + s.dst_path +
                "\" must be a file name with exactly one suffix, like \"conversations.jsonl\" (the "
                "reference "
                "would give colliding or hash-less output names here)");
  const std::string hash7 = sha256_hex(read_file(config_path)).substr(0, 7);
  const std::string out_dir =
      python_path_join(python_path_parent(s.dst_path), python_path_stem(s.src_path) + "_" + hash7);
  auto final_path = [&](const std::string& name) { return python_path_join(out_dir, name); };
  auto partition_jsonl = [&](int p) {
    return dst_stem + "_" + kPartitions[p] + "." + hash7 + dst_suffix;
  };
  auto partition_idx = [&](int p) {
    return dst_stem + "_" + kPartitions[p] + "." + hash7 + ".idx";
  };
  auto partition_pbin = [&](int p) {
    return dst_stem + "_" + kPartitions[p] + "." + hash7 + ".pbin";
  };
  auto partition_pbin_config = [&](int p) {
    return std::string("pbin_config_") + kPartitions[p] + "." + hash7 + ".yaml";
  };

  // Build the tokenizer once, before anything is written: a bad packing config or a special
  // token outside the vocabulary fails here. Every partition's pbin config only differs in
  // its paths, so all partitions share it.
  std::shared_ptr<TokenizerComponent> tok;
  {
    config::ResolverContext pctx;
    pctx.config_file_path = final_path(partition_pbin_config(0));
    tok = build_tokenizer(config::load_app_config(s.pbin_config_path, pctx));
  }

  const jinja::Template tpl(replace_all(s.chat_template, "}\n{", "}{"), "jinja2_chat_template");
  std::vector<std::string> markers;
  if (const Value* st = s.chat_template_data.as_map().find("special_tokens"); st && st->is_map())
    for (const char* key : {"b_include_to_loss_token", "e_include_to_loss_token"})
      if (const Value* m = st->as_map().find(key); m && m->is_string())
        markers.push_back(m->as_string());

  const fs::path out_parent =
      fs::path(out_dir).parent_path().empty() ? fs::path(".") : fs::path(out_dir).parent_path();
  fs::create_directories(out_parent);
  StagingDir staging{out_parent /
                     ("." + python_path_name(out_dir) + ".staging-" + std::to_string(::getpid()))};
  fs::remove_all(staging.path);
  fs::create_directories(staging.path);

  // 1. Split, map, render and write the partition JSONL files.
  std::unique_ptr<AtomicFileWriter> writers[3];
  for (int p = 0; p < 3; ++p)
    if (s.weights[p] != 0)
      writers[p] = std::make_unique<AtomicFileWriter>(staging.path / partition_jsonl(p));
  std::vector<size_t> partition_lines[3];  // input line numbers of each partition's records
  std::vector<std::pair<size_t, std::string>> skipped;
  std::vector<size_t> marker_lines;
  PythonRandom rng(s.seed);
  MappedFile input(s.src_path);
  LineReader reader(input.view());
  const unsigned threads = resolve_threads(options.num_threads);
  constexpr size_t kChunk = 512;
  std::vector<std::string_view> lines;
  std::vector<RecordOutcome> outcomes(kChunk);
  size_t line_number = 0;
  bool more = true;
  Progress progress("rendering " + python_path_name(s.src_path), 0, "records", !options.quiet);
  while (more) {
    lines.clear();
    std::string_view line;
    while (lines.size() < kChunk && (more = reader.next(line))) lines.push_back(line);
    if (lines.empty()) break;
    parallel_for(lines.size(), threads,
                 [&](size_t k) { outcomes[k] = process_record(lines[k], s, tpl, markers); });
    for (size_t k = 0; k < lines.size(); ++k) {
      ++line_number;
      const int p =
          static_cast<int>(rng.choice_index(s.weights));  // one draw per record, as the reference
      auto& o = outcomes[k];
      if (o.error) {
        if (!options.skip_invalid)
          throw Error(s.src_path + ": line " + std::to_string(line_number) + ": " + *o.error +
                      " (nothing was written; pass --skip_invalid to skip such records)");
        skipped.emplace_back(line_number, *o.error);
        continue;
      }
      if (o.marker_in_content) marker_lines.push_back(line_number);
      writers[p]->write(o.json_line);
      partition_lines[p].push_back(line_number);
    }
    progress.update(line_number);
    input.release_prefix(static_cast<size_t>(lines.back().data() - input.view().data()));
  }
  progress.finish();
  if (line_number == 0)
    throw Error(s.src_path + ": the input file is empty; there is nothing to prepare");
  size_t kept = 0;
  for (auto& l : partition_lines) kept += l.size();
  if (kept == 0) throw Error(s.src_path + ": every record was invalid; nothing to prepare");
  for (int p = 0; p < 3; ++p)
    if (writers[p]) writers[p]->commit();

  // 2. Per partition that received records: index, resolved pbin config, packing.
  ValueMap report_splits;
  uint64_t total_tokens = 0, total_padding = 0;
  std::vector<size_t> full_lines, untrainable_lines;
  for (int p = 0; p < 3; ++p) {
    if (partition_lines[p].empty()) continue;
    const fs::path jsonl = staging.path / partition_jsonl(p);
    const fs::path idx = staging.path / partition_idx(p);
    create_raw_index(jsonl, idx, FileExistencePolicy::kOverride);
    const fs::path pbin_config = staging.path / partition_pbin_config(p);
    write_file_atomic(pbin_config, read_file(s.pbin_config_path));
    config::ResolverContext pctx;
    pctx.config_file_path = final_path(partition_pbin_config(p));
    config::ConfigDocument pdoc = config::load_app_config(pbin_config, pctx);
    if (!pdoc.root.is_map() || !pdoc.root.as_map().contains("settings") ||
        !pdoc.root.as_map().at("settings").is_map())
      throw Error(s.pbin_config_path + ": settings: required mapping is missing");
    ValueMap& psettings = pdoc.root.as_map().find("settings")->as_map();
    psettings.set("src_path", Value(final_path(partition_jsonl(p))));
    psettings.set("index_path", Value(final_path(partition_idx(p))));
    psettings.set("dst_path", Value(final_path(partition_pbin(p))));
    write_file_atomic(pbin_config, pyyaml_dump(pdoc.root));

    // Report details need the tokenizer's ids of the markers and padding.
    PackSettings pack = pack_settings_from_config(pdoc);
    const std::optional<int32_t> pad = tok->hf().special_token_id("pad_token");
    std::optional<uint32_t> begin_id;
    if (!markers.empty()) begin_id = static_cast<uint32_t>(tok->hf().get_token_id(markers[0]));
    const std::optional<size_t> max_length = tok->options().max_length;
    uint64_t tokens = 0, padding = 0;
    const uint32_t eod = static_cast<uint32_t>(tok->hf().get_token_id(pack.eod_token));
    auto observe = [&](size_t d, std::span<const uint32_t> ids) {
      tokens += ids.size();
      size_t trailing = 0;
      while (pad && trailing < ids.size() &&
             ids[ids.size() - 1 - trailing] == static_cast<uint32_t>(*pad))
        ++trailing;
      if (pad && static_cast<uint32_t>(*pad) == eod && trailing > 0)
        --trailing;  // the document's own EOD
      padding += trailing;
      if (max_length && ids.size() == *max_length + 1) full_lines.push_back(partition_lines[p][d]);
      if (begin_id && std::find(ids.begin(), ids.end(), *begin_id) == ids.end())
        untrainable_lines.push_back(partition_lines[p][d]);
    };
    pack.src_path = jsonl;  // pack the staged files; the written config names their final places
    pack.index_path = idx;
    pack.dst_path = staging.path / partition_pbin(p);
    pack.on_document = observe;
    pack.show_progress = !options.quiet;
    pack_encoded_data(pack, *tok, FileExistencePolicy::kOverride);
    total_tokens += tokens;
    total_padding += padding;
    ValueMap split;
    split.set("records", Value(static_cast<int64_t>(partition_lines[p].size())));
    split.set("tokens", Value(static_cast<int64_t>(tokens)));
    split.set("padding_tokens", Value(static_cast<int64_t>(padding)));
    split.set("jsonl", Value(final_path(partition_jsonl(p))));
    split.set("pbin", Value(final_path(partition_pbin(p))));
    report_splits.set(kPartitions[p], Value(std::move(split)));
  }

  // 3. Report, config copy, then move everything into the output folder.
  ValueMap report;
  report.set("config", Value(config_path));
  report.set("config_sha256_prefix", Value(hash7));
  report.set("input", Value(s.src_path));
  report.set("input_records", Value(static_cast<int64_t>(line_number)));
  report.set("splits", Value(std::move(report_splits)));
  report.set("tokens", Value(static_cast<int64_t>(total_tokens)));
  report.set("padding_share", Value(total_tokens ? static_cast<double>(total_padding) /
                                                       static_cast<double>(total_tokens)
                                                 : 0.0));
  ValueMap full;
  full.set("count", Value(static_cast<int64_t>(full_lines.size())));
  full.set("lines", string_list(full_lines));
  full.set(
      "note",
      Value("documents that filled max_length (truncated or exactly full): each gets an extra EOD "
            "and "
            "shifts later samples by one token; a truncated assistant turn loses its end marker"));
  report.set("documents_at_max_length", Value(std::move(full)));
  ValueMap marker;
  marker.set("count", Value(static_cast<int64_t>(marker_lines.size())));
  marker.set("lines", string_list(marker_lines));
  report.set("marker_token_in_content", Value(std::move(marker)));
  ValueMap untrainable;
  untrainable.set("count", Value(static_cast<int64_t>(untrainable_lines.size())));
  untrainable.set("lines", string_list(untrainable_lines));
  report.set("documents_without_trainable_tokens", Value(std::move(untrainable)));
  ValueList skipped_list;
  for (const auto& [line, why] : skipped)
    skipped_list.push_back(
        Value(ValueMap{{"line", Value(static_cast<int64_t>(line))}, {"reason", Value(why)}}));
  report.set("skipped_records", Value(std::move(skipped_list)));
  JsonDumpOptions pretty;
  pretty.indent = "  ";
  PrepareResult result;
  result.report_json = json_dumps(Value(std::move(report)), pretty) + "\n";
  write_file_atomic(staging.path / ("report." + hash7 + ".json"), result.report_json);
  write_file_atomic(staging.path / ("instruction_chat_template_config." + hash7 + ".yaml"),
                    read_file(config_path));

  fs::create_directories(out_dir);
  for (const auto& entry : fs::directory_iterator(staging.path))
    fs::rename(entry.path(), fs::path(out_dir) / entry.path().filename());
  result.output_dir = out_dir;
  return result;
}

InstructionChatFormat load_instruction_chat_format(const fs::path& config_file_path) {
  config::ResolverContext ctx;
  ctx.config_file_path = config_file_path.string();
  const config::ConfigDocument doc = config::load_app_config(config_file_path, ctx);
  const Settings s = read_settings(doc, /*need_source=*/false);
  InstructionChatFormat f;
  f.chat_template = replace_all(s.chat_template, "}\n{", "}{");
  f.chat_template_data = s.chat_template_data;
  f.role_mapping = s.role_mapping;
  config::ResolverContext pctx;
  pctx.config_file_path = s.pbin_config_path;
  f.tokenizer = build_tokenizer(config::load_app_config(s.pbin_config_path, pctx));
  return f;
}

}  // namespace instill::data
