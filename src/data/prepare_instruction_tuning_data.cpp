#include "data/prepare_instruction_tuning_data.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "config/app_config.hpp"
#include "config/key_error.hpp"
#include "config/schema.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/parallel_for.hpp"
#include "core/progress.hpp"
#include "core/python_json.hpp"
#include "core/python_yaml_dump.hpp"
#include "core/sha256.hpp"
#include "core/utf8.hpp"
#include "data/chat_tokenization.hpp"
#include "data/cleanup.hpp"
#include "data/components.hpp"
#include "data/pack_encoded_data.hpp"
#include "data/pbin.hpp"
#include "data/python_path.hpp"
#include "data/python_random.hpp"
#include "data/raw_index.hpp"
#include "data/token_mask_file.hpp"
#include "jinja/template.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::data {

namespace {

namespace fs = std::filesystem;
using config::Field;
using config::Schema;
const char* const kPartitions[] = {"train", "val", "test"};

// Chat-template mode (tokenizer_chat_template): the tokenizer's own chat format, with the
// loss mask stored beside each pbin instead of marker tokens in the text.
struct ChatModeSettings {
  LossOn loss_on = LossOn::kAssistant;
  std::optional<std::string> template_file;  // replaces the tokenizer's chat template
};

struct Settings {
  std::string src_path, dst_path, messages_key, pbin_config_path;
  int64_t weights[3] = {0, 0, 0};
  int64_t seed = 0;
  ValueMap role_mapping;
  std::string chat_template;  // marker mode: jinja2_chat_template
  Value chat_template_data;
  std::optional<ChatModeSettings> chat_mode;
};

Field percentage(std::string partition) {
  return Field::integer(std::move(partition)).strict().at_least(0);
}

// The config (spec §4.1), with the reference's optional-but-required fields (Q2) made
// required. Keys instill does not read are let through, as the reference's models do.
const Schema& config_schema() {
  static const Schema kSchema =
      Schema{
          Field::map("settings",
                     Schema{Field::path("src_path"), Field::path("dst_path"),
                            Field::string("messages_key"),
                            Field::path("pbin_creation_config_file_path"),
                            Field::map("split_config",
                                       Schema{Field::map("splitting", Schema{percentage("train"),
                                                                             percentage("val"),
                                                                             percentage("test")}),
                                              Field::integer("seed").strict()}
                                           .open())}
                         .open()),
          Field::map("instruction_data_transformation", Schema{Field::map("role_mapping")}.open()),
          Field::string("jinja2_chat_template").optional(),
          Field::map("chat_template_data").optional(),
          Field::map("tokenizer_chat_template",
                     Schema{Field::one_of("loss_on", {"assistant", "last_assistant", "all"})
                                .defaults(Value("assistant")),
                            Field::path("template_file").optional()})
              .optional()}
          .open();
  return kSchema;
}

void need_file(const std::string& path, const std::string& key_path,
               const config::ConfigDocument& doc) {
  if (!fs::is_regular_file(path))
    throw config::key_error(key_path, "file \"" + path + "\" does not exist", &doc);
}

// Either the reference's marker template (jinja2_chat_template + chat_template_data) or the
// tokenizer's own chat template (tokenizer_chat_template), never both.
void read_template_settings(const ValueMap& config, const config::ConfigDocument& doc,
                            Settings& s) {
  const Value& markers = config.at("jinja2_chat_template");
  const Value& chat = config.at("tokenizer_chat_template");
  if (!chat.is_null()) {
    if (!markers.is_null())
      throw config::key_error("tokenizer_chat_template",
                              "give either jinja2_chat_template (marker tokens in the text) or "
                              "tokenizer_chat_template (the tokenizer's own format), not both",
                              &doc);
    ChatModeSettings mode;
    mode.loss_on = *parse_loss_on(chat.as_map().at("loss_on").as_string());
    if (const Value& t = chat.as_map().at("template_file"); !t.is_null()) {
      mode.template_file = t.as_string();
      need_file(*mode.template_file, "tokenizer_chat_template.template_file", doc);
    }
    s.chat_mode = mode;
    return;
  }
  if (markers.is_null())
    throw config::key_error("jinja2_chat_template",
                            "required (or tokenizer_chat_template, to train in the tokenizer's own "
                            "chat format)",
                            &doc);
  if (config.at("chat_template_data").is_null())
    throw config::key_error("chat_template_data", "required with jinja2_chat_template", &doc);
  s.chat_template = markers.as_string();
  s.chat_template_data = config.at("chat_template_data");
}

// need_source: chat reads the same config for its template, and needs no conversations.
Settings read_settings(const config::ConfigDocument& doc, bool need_source = true) {
  const Value config =
      config_schema().validate(doc.root, "", "the instruction-tuning config", &doc);
  const ValueMap& settings = config.as_map().at("settings").as_map();
  const ValueMap& split = settings.at("split_config").as_map();
  Settings s;
  s.src_path = settings.at("src_path").as_string();
  if (need_source) need_file(s.src_path, "settings.src_path", doc);
  s.dst_path = settings.at("dst_path").as_string();
  s.messages_key = settings.at("messages_key").as_string();
  s.pbin_config_path = settings.at("pbin_creation_config_file_path").as_string();
  need_file(s.pbin_config_path, "settings.pbin_creation_config_file_path", doc);
  int64_t sum = 0;
  for (int p = 0; p < 3; ++p) {
    s.weights[p] = split.at("splitting").as_map().at(kPartitions[p]).as_int();
    sum += s.weights[p];
  }
  if (sum != 100)
    throw config::key_error(
        "settings.split_config.splitting",
        "the percentages of train, val and test must sum to 100, got " + std::to_string(sum), &doc);
  s.seed = split.at("seed").as_int();
  s.role_mapping =
      config.as_map().at("instruction_data_transformation").as_map().at("role_mapping").as_map();
  read_template_settings(config.as_map(), doc, s);
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
  // Chat-template mode: the pbin document and its loss mask, made here rather than by packing.
  std::vector<uint32_t> document;
  std::vector<uint8_t> trainable;
  bool truncated = false;
  uint64_t padding = 0;
};

// How a record is rendered: the reference's marker template, or (chat-template mode) the
// tokenizer's chat template with the packing config's truncation, padding and EOD rules.
struct RecordFormat {
  const jinja::Template* marker_template = nullptr;
  std::vector<std::string> markers;
  std::unique_ptr<ChatTokenizer> chat;
  ChatEncodeOptions chat_options;
  std::optional<std::size_t> pad_to;
  uint32_t pad_id = 0, eod_id = 0;
};

// The document as pack_encoded_data would write it (ids, padding to max_length, one EOD);
// padding and the EOD train nothing.
void finish_chat_document(ChatEncoding encoding, const RecordFormat& f, RecordOutcome& out) {
  if (encoding.ids.empty()) throw Error("the chat template rendered no tokens for this record");
  out.truncated = encoding.truncated;
  out.document.assign(encoding.ids.begin(), encoding.ids.end());
  out.trainable = std::move(encoding.trainable);
  if (f.pad_to && out.document.size() < *f.pad_to) {
    out.padding = *f.pad_to - out.document.size();
    out.document.resize(*f.pad_to, f.pad_id);
    out.trainable.resize(*f.pad_to, 0);
  }
  if (out.document.back() != f.eod_id) {
    out.document.push_back(f.eod_id);
    out.trainable.push_back(0);
  }
}

// Role mapping (spec §4.5), rendering (§4.4) and output serialisation (§4.6) of one record.
RecordOutcome process_record(std::string_view line, const Settings& s, const RecordFormat& f) {
  const std::vector<std::string>& markers = f.markers;
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
    if (f.chat) {
      ValueMap conversation = record.as_map();
      conversation.set("messages", *messages);
      ChatEncoding encoding = f.chat->encode(conversation, f.chat_options);
      record.as_map().set("chat", Value(encoding.text));
      finish_chat_document(std::move(encoding), f, out);
    } else {
      ValueMap context;
      context.set("messages", *messages);
      context.set("chat_template_data", s.chat_template_data);
      record.as_map().set("chat", Value(f.marker_template->render_text(context)));
    }
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

namespace {

// The output names (spec §4.7): <dst parent>/<src stem>_<hash7>/<dst stem>_<partition>.<hash7>...
struct OutputNames {
  std::string hash7, out_dir, dst_stem, dst_suffix;

  std::string final_path(const std::string& name) const { return python_path_join(out_dir, name); }
  std::string jsonl(int p) const { return partition_name(p) + dst_suffix; }
  std::string idx(int p) const { return partition_name(p) + ".idx"; }
  std::string pbin(int p) const { return partition_name(p) + ".pbin"; }
  std::string pbin_config(int p) const {
    return std::string("pbin_config_") + kPartitions[p] + "." + hash7 + ".yaml";
  }

 private:
  std::string partition_name(int p) const { return dst_stem + "_" + kPartitions[p] + "." + hash7; }
};

// Refuses the names for which the reference's pathlib rules collide (Q3).
OutputNames output_names(const Settings& s, const std::string& config_path,
                         const config::ConfigDocument& doc) {
  OutputNames n;
  n.dst_stem = python_path_stem(s.dst_path);
  n.dst_suffix = python_path_suffix(s.dst_path);
  if (n.dst_suffix.empty() || n.dst_stem.find('.') != std::string::npos)
    throw config::key_error("settings.dst_path",
                            "\"" + s.dst_path +
                                "\" must be a file name with exactly one suffix, like "
                                "\"conversations.jsonl\" (the reference would give colliding or "
                                "hash-less output names here)",
                            &doc);
  n.hash7 = sha256_hex(read_file(config_path)).substr(0, 7);
  n.out_dir = python_path_join(python_path_parent(s.dst_path),
                               python_path_stem(s.src_path) + "_" + n.hash7);
  return n;
}

// The include-to-loss markers of chat_template_data.special_tokens, begin first.
std::vector<std::string> loss_markers(const Settings& s, const TokenizerComponent& tok,
                                      const config::ConfigDocument& doc) {
  const Value* st = s.chat_template_data.as_map().find("special_tokens");
  if (!st || !st->is_map()) return {};
  const char* const keys[] = {"b_include_to_loss_token", "e_include_to_loss_token"};
  if (!st->as_map().contains(keys[0]) && !st->as_map().contains(keys[1])) return {};
  // Each marker must be exactly one token, or training masks nothing (or blames a dataset
  // sample for the config's mistake); checked here, with the key named, before any write.
  std::vector<std::string> markers;
  for (const char* key : keys) {
    const std::string path = std::string("chat_template_data.special_tokens.") + key;
    const Value* m = st->as_map().find(key);
    if (!m)
      throw config::key_error(path, "missing; the begin and end markers come as a pair", &doc);
    if (!m->is_string() || m->as_string().empty())
      throw config::key_error(
          path, "expected a non-empty string, got " + config::describe_value(*m), &doc);
    const std::size_t n = tok.hf().core().encode_ids(m->as_string()).size();
    if (n != 1)
      throw config::key_error(path,
                              "\"" + m->as_string() + "\" is " + std::to_string(n) +
                                  " tokens of the tokenizer; a loss marker must be exactly one "
                                  "(list it in the packing config's "
                                  "special_tokens.additional_special_tokens)",
                              &doc);
    markers.push_back(m->as_string());
  }
  if (markers[0] == markers[1])
    throw config::key_error("chat_template_data.special_tokens.e_include_to_loss_token",
                            "equals the begin marker \"" + markers[0] + "\"; they must differ",
                            &doc);
  return markers;
}

// What packing found out across partitions, for the report.
struct PackFindings {
  uint64_t tokens = 0, padding = 0, trainable = 0;
  std::vector<size_t> full_lines, untrainable_lines;
  ValueMap splits;
};

// Input line numbers of what went where in step 1.
struct RenderedRecords {
  std::vector<size_t> partition_lines[3];
  std::vector<std::pair<size_t, std::string>> skipped;  // line, why
  std::vector<size_t> marker_lines;
  size_t input_records = 0;
  PackFindings chat[3];  // chat-template mode: what each partition's pbin holds
};

// Chat-template mode writes each partition's pbin and mask while rendering.
struct ChatPartitionFiles {
  std::unique_ptr<PbinWriter> pbin;
  std::unique_ptr<TokenMaskWriter> mask;

  void add(const RecordOutcome& o, size_t line, PackFindings& found) {
    pbin->add_document(o.document);
    mask->add(o.trainable);
    found.tokens += o.document.size();
    found.padding += o.padding;
    uint64_t trained = 0;
    for (uint8_t t : o.trainable) trained += t;
    found.trainable += trained;
    if (o.truncated) found.full_lines.push_back(line);
    if (trained == 0) found.untrainable_lines.push_back(line);
  }
  void finish() {
    pbin->finish();
    mask->finish();
  }
};

// Step 1: split, map, render and write the partition JSONL files into `staging` (and in
// chat-template mode the pbin and mask files too).
RenderedRecords render_partitions(const Settings& s, const PrepareOptions& options,
                                  const RecordFormat& f, int token_size, const fs::path& staging,
                                  const OutputNames& names) {
  std::unique_ptr<AtomicFileWriter> writers[3];
  ChatPartitionFiles chat_files[3];
  for (int p = 0; p < 3; ++p) {
    if (s.weights[p] == 0) continue;
    writers[p] = std::make_unique<AtomicFileWriter>(staging / names.jsonl(p));
    if (!f.chat) continue;
    chat_files[p].pbin = std::make_unique<PbinWriter>(staging / names.pbin(p), token_size);
    chat_files[p].mask = std::make_unique<TokenMaskWriter>(token_mask_path(staging / names.pbin(p)),
                                                           f.chat->chat_template().source());
  }
  RenderedRecords r;
  PythonRandom rng(s.seed);
  MappedFile input(s.src_path);
  LineReader reader(input.view());
  const unsigned threads = resolve_threads(options.num_threads);
  constexpr size_t kChunk = 512;
  std::vector<std::string_view> lines;
  std::vector<RecordOutcome> outcomes(kChunk);
  size_t& line_number = r.input_records;
  bool more = true;
  Progress progress("rendering " + python_path_name(s.src_path), 0, "records", !options.quiet);
  while (more) {
    lines.clear();
    std::string_view line;
    while (lines.size() < kChunk && (more = reader.next(line))) lines.push_back(line);
    if (lines.empty()) break;
    parallel_for(lines.size(), threads, [&](size_t k) {
      throw_if_interrupted();
      outcomes[k] = process_record(lines[k], s, f);
    });
    for (size_t k = 0; k < lines.size(); ++k) {
      ++line_number;
      const int p =
          static_cast<int>(rng.choice_index(s.weights));  // one draw per record, as the reference
      auto& o = outcomes[k];
      if (o.error) {
        if (!options.skip_invalid)
          throw Error(s.src_path + ": line " + std::to_string(line_number) + ": " + *o.error +
                      " (nothing was written; pass --skip_invalid to skip such records)");
        r.skipped.emplace_back(line_number, *o.error);
        continue;
      }
      if (o.marker_in_content) r.marker_lines.push_back(line_number);
      writers[p]->write(o.json_line);
      if (f.chat) chat_files[p].add(o, line_number, r.chat[p]);
      r.partition_lines[p].push_back(line_number);
    }
    progress.update(line_number);
    input.release_prefix(static_cast<size_t>(lines.back().data() - input.view().data()));
  }
  progress.finish();
  if (line_number == 0)
    throw Error(s.src_path + ": the input file is empty; there is nothing to prepare");
  size_t kept = 0;
  for (auto& l : r.partition_lines) kept += l.size();
  if (kept == 0) throw Error(s.src_path + ": every record was invalid; nothing to prepare");
  for (int p = 0; p < 3; ++p) {
    if (writers[p]) writers[p]->commit();
    if (chat_files[p].pbin && !r.partition_lines[p].empty()) chat_files[p].finish();
  }
  return r;
}

// The pbin config of partition p: the shared one with the partition's final paths.
config::ConfigDocument partition_pbin_config(const Settings& s, const OutputNames& names,
                                             const fs::path& staged_config, int p) {
  write_file_atomic(staged_config, read_file(s.pbin_config_path));
  config::ResolverContext ctx;
  ctx.config_file_path = names.final_path(names.pbin_config(p));
  config::ConfigDocument doc = config::load_app_config(staged_config, ctx);
  if (!doc.root.is_map() || !doc.root.as_map().contains("settings") ||
      !doc.root.as_map().at("settings").is_map())
    throw Error(s.pbin_config_path + ": settings: required mapping is missing");
  ValueMap& settings = doc.root.as_map().find("settings")->as_map();
  settings.set("src_path", Value(names.final_path(names.jsonl(p))));
  settings.set("index_path", Value(names.final_path(names.idx(p))));
  settings.set("dst_path", Value(names.final_path(names.pbin(p))));
  write_file_atomic(staged_config, pyyaml_dump(doc.root));
  return doc;
}

// Step 2 for partition p: index, resolved pbin config, packing (counting tokens, padding,
// documents at max_length and documents without trainable tokens).
void add_split_summary(int p, const OutputNames& names, size_t records, uint64_t tokens,
                       uint64_t padding, PackFindings& found) {
  ValueMap split;
  split.set("records", Value(static_cast<int64_t>(records)));
  split.set("tokens", Value(static_cast<int64_t>(tokens)));
  split.set("padding_tokens", Value(static_cast<int64_t>(padding)));
  split.set("jsonl", Value(names.final_path(names.jsonl(p))));
  split.set("pbin", Value(names.final_path(names.pbin(p))));
  found.splits.set(kPartitions[p], Value(std::move(split)));
}

// Chat-template mode: the pbin and mask exist already; what remains is the index and config.
void finish_chat_partition(int p, const Settings& s, const OutputNames& names,
                           const fs::path& staging, size_t records, const PackFindings& chat,
                           PackFindings& found) {
  create_raw_index(staging / names.jsonl(p), staging / names.idx(p),
                   FileExistencePolicy::kOverride);
  partition_pbin_config(s, names, staging / names.pbin_config(p), p);
  found.tokens += chat.tokens;
  found.padding += chat.padding;
  found.trainable += chat.trainable;
  found.full_lines.insert(found.full_lines.end(), chat.full_lines.begin(), chat.full_lines.end());
  found.untrainable_lines.insert(found.untrainable_lines.end(), chat.untrainable_lines.begin(),
                                 chat.untrainable_lines.end());
  add_split_summary(p, names, records, chat.tokens, chat.padding, found);
  found.splits.find(kPartitions[p])
      ->as_map()
      .set("mask", Value(token_mask_path(names.final_path(names.pbin(p))).string()));
}

void pack_partition(int p, const Settings& s, const OutputNames& names, const fs::path& staging,
                    const std::vector<size_t>& lines, TokenizerComponent& tok,
                    const std::vector<std::string>& markers, const PrepareOptions& options,
                    PackFindings& found) {
  const fs::path jsonl = staging / names.jsonl(p);
  const fs::path idx = staging / names.idx(p);
  create_raw_index(jsonl, idx, FileExistencePolicy::kOverride);
  PackSettings pack =
      pack_settings_from_config(partition_pbin_config(s, names, staging / names.pbin_config(p), p));
  // Report details need the tokenizer's ids of the markers and padding.
  const std::optional<int32_t> pad = tok.hf().special_token_id("pad_token");
  std::optional<uint32_t> begin_id;
  if (!markers.empty()) begin_id = static_cast<uint32_t>(tok.hf().get_token_id(markers[0]));
  const std::optional<size_t> max_length = tok.options().max_length;
  uint64_t tokens = 0, padding = 0;
  const uint32_t eod = static_cast<uint32_t>(tok.hf().get_token_id(pack.eod_token));
  auto observe = [&](size_t d, std::span<const uint32_t> ids) {
    tokens += ids.size();
    size_t trailing = 0;
    while (pad && trailing < ids.size() &&
           ids[ids.size() - 1 - trailing] == static_cast<uint32_t>(*pad))
      ++trailing;
    if (pad && static_cast<uint32_t>(*pad) == eod && trailing > 0)
      --trailing;  // the document's own EOD
    padding += trailing;
    if (max_length && ids.size() == *max_length + 1) found.full_lines.push_back(lines[d]);
    if (begin_id && std::find(ids.begin(), ids.end(), *begin_id) == ids.end())
      found.untrainable_lines.push_back(lines[d]);
  };
  pack.src_path = jsonl;  // pack the staged files; the written config names their final places
  pack.index_path = idx;
  pack.dst_path = staging / names.pbin(p);
  pack.on_document = observe;
  pack.show_progress = !options.quiet;
  pack_encoded_data(pack, tok, FileExistencePolicy::kOverride);
  found.tokens += tokens;
  found.padding += padding;
  add_split_summary(p, names, lines.size(), tokens, padding, found);
}

Value line_list(const std::vector<size_t>& lines) {
  ValueMap m;
  m.set("count", Value(static_cast<int64_t>(lines.size())));
  m.set("lines", string_list(lines));
  return Value(std::move(m));
}

// Step 3: the report (spec §4.8).
std::string report_json(const std::string& config_path, const Settings& s, const OutputNames& names,
                        const RenderedRecords& rendered, PackFindings found) {
  ValueMap report;
  report.set("config", Value(config_path));
  report.set("config_sha256_prefix", Value(names.hash7));
  report.set("input", Value(s.src_path));
  report.set("input_records", Value(static_cast<int64_t>(rendered.input_records)));
  report.set("splits", Value(std::move(found.splits)));
  report.set("tokens", Value(static_cast<int64_t>(found.tokens)));
  if (s.chat_mode) {
    const char* loss_on[] = {"assistant", "last_assistant", "all"};
    report.set("loss_mask",
               Value(ValueMap{{"source", Value("tokenizer_chat_template")},
                              {"loss_on", Value(loss_on[static_cast<int>(s.chat_mode->loss_on)])},
                              {"trainable_tokens", Value(static_cast<int64_t>(found.trainable))}}));
  }
  report.set("padding_share", Value(found.tokens ? static_cast<double>(found.padding) /
                                                       static_cast<double>(found.tokens)
                                                 : 0.0));
  Value full = line_list(found.full_lines);
  full.as_map().set(
      "note",
      Value("documents that filled max_length (truncated or exactly full): each gets an extra EOD "
            "and "
            "shifts later samples by one token; a truncated assistant turn loses its end marker"));
  report.set("documents_at_max_length", std::move(full));
  report.set("marker_token_in_content", line_list(rendered.marker_lines));
  report.set("documents_without_trainable_tokens", line_list(found.untrainable_lines));
  ValueList skipped_list;
  for (const auto& [line, why] : rendered.skipped)
    skipped_list.push_back(
        Value(ValueMap{{"line", Value(static_cast<int64_t>(line))}, {"reason", Value(why)}}));
  report.set("skipped_records", Value(std::move(skipped_list)));
  JsonDumpOptions pretty;
  pretty.indent = "  ";
  return json_dumps(Value(std::move(report)), pretty) + "\n";
}

// Chat-template mode: the packing config's tokenizer with its chat template (or the config's
// template_file), and its truncation, padding and EOD rules.
RecordFormat chat_record_format(const ChatModeSettings& mode, const TokenizerComponent& tok,
                                const PackSettings& pack) {
  auto hf = std::make_shared<const tokenizer::HfTokenizer>(tok.hf());
  std::string source, name;
  if (mode.template_file) {
    source = read_file(*mode.template_file);
    name = *mode.template_file;
  } else {
    source = tokenizer::folder_chat_template(hf->source_dir());
    name = (hf->source_dir() / "chat_template").string();
  }
  RecordFormat f;
  f.chat = std::make_unique<ChatTokenizer>(hf, ChatTemplate(source, name));
  f.chat_options.loss_on = mode.loss_on;
  const tokenizer::EncodeOptions& o = tok.options();
  std::optional<std::size_t> max_length = o.max_length;
  if (!max_length && hf->model_max_length())
    max_length = static_cast<std::size_t>(*hf->model_max_length());
  if (o.truncation) f.chat_options.truncate_to = max_length;
  if (o.padding == tokenizer::PaddingMode::kMaxLength && max_length) {
    const auto pad = hf->special_token_id("pad_token");
    if (!pad)
      throw Error(
          "the packing config pads to max_length but the tokenizer has no pad token; set "
          "special_tokens.pad_token");
    f.pad_to = max_length;
    f.pad_id = static_cast<uint32_t>(*pad);
  }
  f.eod_id = static_cast<uint32_t>(tok.token_id(pack.eod_token));
  return f;
}

// A hidden folder next to the output folder, where everything is written first. The output
// folder's parent is created if missing, and removed again (by `parent`) if the run fails.
fs::path make_staging_dir(const std::string& out_dir, std::optional<CreatedDirectories>& parent) {
  const fs::path out_parent =
      fs::path(out_dir).parent_path().empty() ? fs::path(".") : fs::path(out_dir).parent_path();
  parent.emplace(out_parent);
  const fs::path staging =
      out_parent / ("." + python_path_name(out_dir) + ".staging-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (!ec) fs::create_directory(staging, ec);
  if (ec) throw Error(staging.string() + ": cannot create the staging folder: " + ec.message());
  return staging;
}

// Moves the staged outputs into the output folder: the whole folder at once when it is new.
void publish(StagingDir& staging, const std::string& out_dir) {
  std::error_code ec;
  if (!fs::exists(out_dir, ec)) {
    fs::rename(staging.path, out_dir, ec);
    if (ec) throw Error(out_dir + ": cannot move the prepared data into place: " + ec.message());
    staging.path.clear();
    return;
  }
  for (const auto& entry : fs::directory_iterator(staging.path)) {
    fs::rename(entry.path(), fs::path(out_dir) / entry.path().filename(), ec);
    if (ec)
      throw Error((fs::path(out_dir) / entry.path().filename()).string() +
                  ": cannot move into place: " + ec.message());
  }
}

}  // namespace

namespace {

PrepareResult prepare(const PrepareOptions& options) {
  InterruptGuard interrupt_guard;  // Ctrl-C unwinds, so the staging folder is removed
  const std::string config_path = options.config_file_path.string();
  config::ResolverContext ctx;
  ctx.config_file_path = config_path;
  const config::ConfigDocument doc = config::load_app_config(config_path, ctx);
  const Settings s = read_settings(doc);
  const OutputNames names = output_names(s, config_path, doc);

  // Build the tokenizer once, before anything is written: a bad packing config or a special
  // token outside the vocabulary fails here. Every partition's pbin config only differs in
  // its paths, so all partitions share it.
  config::ResolverContext pctx;
  pctx.config_file_path = names.final_path(names.pbin_config(0));
  const config::ConfigDocument pbin_config = config::load_app_config(s.pbin_config_path, pctx);
  std::shared_ptr<TokenizerComponent> tok = build_tokenizer(pbin_config);
  std::optional<jinja::Template> marker_template;
  RecordFormat format;
  if (s.chat_mode) {
    format = chat_record_format(*s.chat_mode, *tok, pack_settings_from_config(pbin_config));
  } else {
    marker_template.emplace(replace_all(s.chat_template, "}\n{", "}{"), "jinja2_chat_template");
    format.marker_template = &*marker_template;
    format.markers = loss_markers(s, *tok, doc);
  }
  std::optional<CreatedDirectories> out_parent;  // declared first: removed after the staging
  StagingDir staging{make_staging_dir(names.out_dir, out_parent)};

  const RenderedRecords rendered =
      render_partitions(s, options, format, pbin_token_size(tok->hf()), staging.path, names);
  PackFindings found;
  for (int p = 0; p < 3; ++p) {
    const auto& lines = rendered.partition_lines[p];
    if (lines.empty()) continue;
    if (s.chat_mode) {
      finish_chat_partition(p, s, names, staging.path, lines.size(), rendered.chat[p], found);
    } else {
      pack_partition(p, s, names, staging.path, lines, *tok, format.markers, options, found);
    }
  }

  PrepareResult result;
  result.report_json = report_json(config_path, s, names, rendered, std::move(found));
  write_file_atomic(staging.path / ("report." + names.hash7 + ".json"), result.report_json);
  write_file_atomic(staging.path / ("instruction_chat_template_config." + names.hash7 + ".yaml"),
                    read_file(config_path));
  publish(staging, names.out_dir);
  out_parent->keep();
  result.output_dir = names.out_dir;
  return result;
}

}  // namespace

PrepareResult prepare_instruction_tuning_data(const PrepareOptions& options) {
  return naming_library_failures(options.config_file_path.string(),
                                 [&] { return prepare(options); });
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
