#include "tokenizer/tokenizer_json_loader.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#ifdef __linux__
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "core/error.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/unigram_model.hpp"
#include "tokenizer/wordpiece_model.hpp"

namespace instill::tokenizer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A JSON value with the path that leads to it, for error messages.
class Node {
 public:
  Node(element e, std::string path) : e_(e), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw Error((path_.empty() ? std::string("<root>") : path_) + ": " + message);
  }
  const std::string& path() const { return path_; }
  bool is_null() const { return e_.type() == element_type::NULL_VALUE; }
  bool is_object() const { return e_.type() == element_type::OBJECT; }
  bool is_array() const { return e_.type() == element_type::ARRAY; }
  bool is_string() const { return e_.type() == element_type::STRING; }

  std::optional<Node> field(std::string_view key) const {
    if (!is_object()) fail("expected an object");
    element child;
    if (e_.get_object()[key].get(child) != simdjson::SUCCESS) return std::nullopt;
    return Node(child, child_path(key));
  }
  Node require(std::string_view key) const {
    auto f = field(key);
    if (!f) fail("missing field \"" + std::string(key) + "\"");
    return *f;
  }
  std::string_view as_string() const {
    std::string_view s;
    if (e_.get_string().get(s) != simdjson::SUCCESS) fail("expected a string");
    return s;
  }
  bool as_bool() const {
    bool b = false;
    if (e_.get_bool().get(b) != simdjson::SUCCESS) fail("expected a boolean");
    return b;
  }
  int64_t as_int() const {
    int64_t v = 0;
    if (e_.get_int64().get(v) != simdjson::SUCCESS) fail("expected an integer");
    return v;
  }
  std::vector<Node> items() const {
    if (!is_array()) fail("expected an array");
    std::vector<Node> out;
    std::size_t i = 0;
    for (element child : e_.get_array()) {
      out.emplace_back(child, path_ + "[" + std::to_string(i++) + "]");
    }
    return out;
  }
  // (key, value) pairs of an object.
  std::vector<std::pair<std::string_view, Node>> entries() const {
    if (!is_object()) fail("expected an object");
    std::vector<std::pair<std::string_view, Node>> out;
    for (auto [key, value] : e_.get_object()) out.emplace_back(key, Node(value, child_path(key)));
    return out;
  }
  element raw() const { return e_; }

  // Optional scalar fields with defaults (null counts as absent).
  bool bool_or(std::string_view key, bool fallback) const {
    auto f = field(key);
    return f && !f->is_null() ? f->as_bool() : fallback;
  }
  std::string string_or(std::string_view key, std::string fallback) const {
    auto f = field(key);
    return f && !f->is_null() ? std::string(f->as_string()) : fallback;
  }
  std::string type_name() const {
    auto t = field("type");
    if (!t) fail("missing field \"type\"");
    return std::string(t->as_string());
  }
  [[noreturn]] void unsupported_type() const {
    throw Error(path_ + ".type: unsupported \"" + type_name() + "\"");
  }

 private:
  std::string child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  element e_;
  std::string path_;
};

std::unique_ptr<SplitPattern> parse_pattern(const Node& node) {
  if (auto s = node.field("String"))
    return std::make_unique<SplitPattern>(std::string(s->as_string()), false);
  if (auto r = node.field("Regex")) {
    try {
      return std::make_unique<SplitPattern>(std::string(r->as_string()), true);
    } catch (const Error& e) {
      r->fail(e.what());
    }
  }
  node.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

SplitBehavior parse_behavior(const Node& node) {
  const std::string_view b = node.as_string();
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  node.fail("unsupported behavior \"" + std::string(b) + "\"");
}

std::unique_ptr<Normalizer> parse_normalizer(const Node& node) {
  if (node.is_null()) return nullptr;
  const std::string type = node.type_name();
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(text::NormalizationForm::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(text::NormalizationForm::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(text::NormalizationForm::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(text::NormalizationForm::kNFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(parse_pattern(node.require("pattern")),
                                               std::string(node.require("content").as_string()));
  }
  if (type == "Prepend") {
    return std::make_unique<PrependNormalizer>(std::string(node.require("prepend").as_string()));
  }
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(node.bool_or("strip_left", true),
                                             node.bool_or("strip_right", true));
  }
  if (type == "BertNormalizer") {
    const bool lowercase = node.bool_or("lowercase", true);
    return std::make_unique<BertNormalizer>(node.bool_or("clean_text", true),
                                            node.bool_or("handle_chinese_chars", true),
                                            node.bool_or("strip_accents", lowercase), lowercase);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const Node& child : node.require("normalizers").items()) {
      if (auto n = parse_normalizer(child)) steps.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  node.unsupported_type();
}

PrependScheme parse_prepend_scheme(const Node& node) {
  if (auto f = node.field("prepend_scheme"); f && !f->is_null()) {
    const std::string_view s = f->as_string();
    if (s == "always") return PrependScheme::kAlways;
    if (s == "first") return PrependScheme::kFirst;
    if (s == "never") return PrependScheme::kNever;
    f->fail("unsupported prepend_scheme \"" + std::string(s) + "\"");
  }
  return node.bool_or("add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Node& node) {
  if (node.is_null()) return nullptr;
  const std::string type = node.type_name();
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(node.bool_or("add_prefix_space", true),
                                                   node.bool_or("use_regex", true));
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(parse_pattern(node.require("pattern")),
                                               parse_behavior(node.require("behavior")),
                                               node.bool_or("invert", false));
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(node.string_or("replacement", "\xE2\x96\x81"),
                                                   parse_prepend_scheme(node),
                                                   node.bool_or("split", true));
  }
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Punctuation") {
    auto b = node.field("behavior");
    return std::make_unique<PunctuationPreTokenizer>(b && !b->is_null() ? parse_behavior(*b)
                                                                        : SplitBehavior::kIsolated);
  }
  if (type == "Digits") {
    return std::make_unique<DigitsPreTokenizer>(node.bool_or("individual_digits", false));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const Node& child : node.require("pretokenizers").items()) {
      if (auto p = parse_pre_tokenizer(child)) steps.push_back(std::move(p));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  node.unsupported_type();
}

// [token, id] pairs of BertProcessing / RobertaProcessing.
int32_t parse_token_pair(const Node& node) {
  const auto items = node.items();
  if (items.size() != 2) node.fail("expected [token, id]");
  return static_cast<int32_t>(items[1].as_int());
}

std::unique_ptr<PostProcessor> parse_post_processor(const Node& node) {
  if (node.is_null()) return nullptr;
  const std::string type = node.type_name();
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPostProcessor>(node.bool_or("add_prefix_space", true),
                                                    node.bool_or("trim_offsets", true));
  }
  if (type == "TemplateProcessing") {
    const Node specials = node.require("special_tokens");
    std::vector<TemplatePostProcessor::Item> single;
    for (const Node& piece : node.require("single").items()) {
      TemplatePostProcessor::Item item;
      if (auto seq = piece.field("Sequence")) {
        item.is_sequence = true;
        if (seq->require("id").as_string() != "A") seq->fail("single template may only use A");
      } else if (auto sp = piece.field("SpecialToken")) {
        const std::string_view name = sp->require("id").as_string();
        const auto entry = specials.field(name);
        if (!entry) sp->fail("special token \"" + std::string(name) + "\" not in special_tokens");
        for (const Node& id : entry->require("ids").items()) {
          item.ids.push_back(static_cast<int32_t>(id.as_int()));
        }
      } else {
        piece.fail("expected Sequence or SpecialToken");
      }
      single.push_back(std::move(item));
    }
    return std::make_unique<TemplatePostProcessor>(std::move(single));
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const int32_t cls = parse_token_pair(node.require("cls"));
    const int32_t sep = parse_token_pair(node.require("sep"));
    std::vector<TemplatePostProcessor::Item> single(3);
    single[0].ids = {cls};
    single[1].is_sequence = true;
    single[2].ids = {sep};
    auto template_step = std::make_unique<TemplatePostProcessor>(std::move(single));
    if (type == "BertProcessing" || !node.bool_or("trim_offsets", true)) return template_step;
    // RobertaProcessing also trims offsets like ByteLevel does (no tokens added).
    std::vector<std::unique_ptr<PostProcessor>> steps;
    steps.push_back(std::move(template_step));
    steps.push_back(
        std::make_unique<ByteLevelPostProcessor>(node.bool_or("add_prefix_space", true), true));
    return std::make_unique<SequencePostProcessor>(std::move(steps));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (const Node& child : node.require("processors").items()) {
      if (auto p = parse_post_processor(child)) steps.push_back(std::move(p));
    }
    return std::make_unique<SequencePostProcessor>(std::move(steps));
  }
  node.unsupported_type();
}

std::unique_ptr<Decoder> parse_decoder(const Node& node) {
  if (node.is_null()) return nullptr;
  const std::string type = node.type_name();
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(node.string_or("replacement", "\xE2\x96\x81"),
                                              parse_prepend_scheme(node) != PrependScheme::kNever);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(std::string(node.require("content").as_string()),
                                          static_cast<std::size_t>(node.require("start").as_int()),
                                          static_cast<std::size_t>(node.require("stop").as_int()));
  }
  if (type == "Replace") {
    const Node pattern = node.require("pattern");
    auto literal = pattern.field("String");
    if (!literal) pattern.fail("only {\"String\": ...} patterns are supported in decoders");
    return std::make_unique<ReplaceDecoder>(std::string(literal->as_string()),
                                            std::string(node.require("content").as_string()));
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPieceDecoder>(node.string_or("prefix", "##"),
                                              node.bool_or("cleanup", true));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const Node& child : node.require("decoders").items()) {
      if (auto d = parse_decoder(child)) steps.push_back(std::move(d));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  node.unsupported_type();
}

Vocab parse_vocab_object(const Node& vocab_node) {
  if (!vocab_node.is_object()) vocab_node.fail("expected an object of token -> id");
  Vocab vocab;
  vocab.reserve(vocab_node.raw().get_object().size());
  for (auto [key, value] : vocab_node.raw().get_object()) {
    int64_t id = 0;
    if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
      vocab_node.fail("entry \"" + std::string(key) + "\" must be a non-negative integer id");
    }
    vocab.emplace(std::string(key), static_cast<int32_t>(id));
  }
  return vocab;
}

// The vocab of a BPE model, straight into the flat token table (no per-token allocation).
TokenTable parse_token_table(const Node& vocab_node) {
  if (!vocab_node.is_object()) vocab_node.fail("expected an object of token -> id");
  const simdjson::dom::object obj = vocab_node.raw().get_object().value_unsafe();
  struct Entry {
    std::string_view token;
    uint64_t hash;
    int32_t id;
  };
  std::vector<Entry> entries;
  entries.reserve(obj.size());
  std::size_t bytes = 0;
  for (auto [key, value] : obj) {
    int64_t id = 0;
    if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
      vocab_node.fail("entry \"" + std::string(key) + "\" must be a non-negative integer id");
    }
    entries.push_back(Entry{key, hash_bytes(key), static_cast<int32_t>(id)});
    bytes += key.size();
  }
  TokenTable table;
  table.reserve(entries.size(), bytes);
  // Random slots of a big table: start loading a few inserts ahead.
  constexpr std::size_t kAhead = 16;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i + kAhead < entries.size()) table.prefetch(entries[i + kAhead].hash);
    table.insert(entries[i].token, entries[i].id, entries[i].hash);
  }
  return table;
}

std::unique_ptr<Model> parse_unigram(const Node& node) {
  std::vector<std::pair<std::string, double>> pieces;
  for (const Node& entry : node.require("vocab").items()) {
    simdjson::dom::array pair;
    std::string_view piece;
    double score = 0;
    if (entry.raw().get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
        pair.at(0).get_string().get(piece) != simdjson::SUCCESS ||
        pair.at(1).get_double().get(score) != simdjson::SUCCESS) {
      entry.fail("expected [piece, score]");
    }
    pieces.emplace_back(std::string(piece), score);
  }
  std::optional<int32_t> unk_id;
  if (auto u = node.field("unk_id"); u && !u->is_null()) unk_id = static_cast<int32_t>(u->as_int());
  try {
    return std::make_unique<UnigramModel>(std::move(pieces), unk_id,
                                          node.bool_or("byte_fallback", false));
  } catch (const Error& e) {
    node.fail(e.what());
  }
}

std::unique_ptr<Model> parse_model(const Node& node) {
  std::string type;
  if (auto t = node.field("type")) {
    type = std::string(t->as_string());
  } else if (node.field("merges")) {
    type = "BPE";  // untagged (older files): guess from the fields, like HF
  } else if (auto v = node.field("vocab"); v && v->is_array()) {
    type = "Unigram";
  } else if (node.field("max_input_chars_per_word")) {
    type = "WordPiece";
  } else {
    type = "WordLevel";
  }
  if (type == "WordPiece") {
    const auto max_chars = node.field("max_input_chars_per_word");
    return std::make_unique<WordPieceModel>(
        parse_vocab_object(node.require("vocab")), node.string_or("unk_token", "[UNK]"),
        node.string_or("continuing_subword_prefix", "##"),
        max_chars && !max_chars->is_null() ? static_cast<std::size_t>(max_chars->as_int()) : 100);
  }
  if (type == "WordLevel") {
    return std::make_unique<WordLevelModel>(parse_vocab_object(node.require("vocab")),
                                            node.string_or("unk_token", "<unk>"));
  }
  if (type == "Unigram") return parse_unigram(node);
  if (type != "BPE") node.unsupported_type();
  if (auto dropout = node.field("dropout"); dropout && !dropout->is_null()) {
    double p = 0;
    if (dropout->raw().get_double().get(p) == simdjson::SUCCESS && p > 0.0) {
      dropout->fail("BPE dropout is not supported (it makes encoding non-deterministic)");
    }
  }
  TokenTable vocab = parse_token_table(node.require("vocab"));
  // Views into the parsed document, which outlives the model construction.
  std::vector<std::pair<std::string_view, std::string_view>> merges;
  if (auto merges_node = node.field("merges")) {
    if (!merges_node->is_array()) merges_node->fail("expected an array");
    const simdjson::dom::array arr = merges_node->raw().get_array().value_unsafe();
    merges.reserve(arr.size());
    std::size_t i = 0;
    for (element m : arr) {
      std::string_view s;
      if (m.get_string().get(s) == simdjson::SUCCESS) {
        const auto space = s.find(' ');
        if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
          throw Error(merges_node->path() + "[" + std::to_string(i) + "]: expected \"left right\"");
        }
        merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else {
        simdjson::dom::array pair;
        std::string_view a, b;
        if (m.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
            pair.at(0).get_string().get(a) != simdjson::SUCCESS ||
            pair.at(1).get_string().get(b) != simdjson::SUCCESS) {
          throw Error(merges_node->path() + "[" + std::to_string(i) +
                      "]: expected \"left right\" or [left, right]");
        }
        merges.emplace_back(a, b);
      }
      ++i;
    }
  }
  BpeOptions options;
  if (auto unk = node.field("unk_token"); unk && !unk->is_null()) {
    options.unk_token = std::string(unk->as_string());
  }
  options.continuing_subword_prefix = node.string_or("continuing_subword_prefix", "");
  options.end_of_word_suffix = node.string_or("end_of_word_suffix", "");
  options.fuse_unk = node.bool_or("fuse_unk", false);
  options.byte_fallback = node.bool_or("byte_fallback", false);
  options.ignore_merges = node.bool_or("ignore_merges", false);
  try {
    return std::make_unique<BpeModel>(std::move(vocab), merges, std::move(options));
  } catch (const Error& e) {
    throw Error(std::string(e.what()));  // messages already carry the model.* path
  }
}

std::unique_ptr<Tokenizer> build(const element& root_element) {
  const Node root(root_element, "");
  if (!root.is_object()) root.fail("expected a JSON object");
  auto tok = std::make_unique<Tokenizer>();
  tok->model = parse_model(root.require("model"));
  if (auto n = root.field("normalizer")) tok->normalizer = parse_normalizer(*n);
  if (auto n = root.field("pre_tokenizer")) tok->pre_tokenizer = parse_pre_tokenizer(*n);
  if (auto n = root.field("post_processor")) tok->post_processor = parse_post_processor(*n);
  if (auto n = root.field("decoder")) tok->decoder = parse_decoder(*n);
  if (auto added = root.field("added_tokens"); added && !added->is_null()) {
    for (const Node& t : added->items()) {
      AddedToken token;
      const int64_t id = t.require("id").as_int();
      if (id < 0 || id > INT32_MAX) t.require("id").fail("id out of range");
      token.id = static_cast<int32_t>(id);
      token.content = std::string(t.require("content").as_string());
      token.single_word = t.bool_or("single_word", false);
      token.lstrip = t.bool_or("lstrip", false);
      token.rstrip = t.bool_or("rstrip", false);
      token.special = t.bool_or("special", false);
      token.normalized = t.bool_or("normalized", !token.special);
      tok->load_added_token(token);
    }
  }
  tok->finalize();
  return tok;
}

}  // namespace

namespace {
std::unique_ptr<Tokenizer> load_padded(const simdjson::padded_string_view json,
                                       const std::string& source_name) {
  simdjson::dom::parser parser;
  // A big file's parse fills tens of megabytes of fresh buffers: let huge pages back them
  // (far fewer page faults). The buffers are the parser's public members; advice only.
  if (json.length() >= (std::size_t{4} << 20) &&
      parser.allocate(json.length()) == simdjson::SUCCESS &&
      parser.doc.allocate(json.length()) == simdjson::SUCCESS) {
    advise_huge_pages(parser.doc.tape.get(), json.length() * sizeof(uint64_t));
    advise_huge_pages(parser.doc.string_buf.get(), json.length() * 5 / 3);
    if (parser.implementation) {
      advise_huge_pages(parser.implementation->structural_indexes.get(),
                        json.length() * sizeof(uint32_t));
    }
  }
  element root;
  if (auto err = parser.parse(json).get(root); err != simdjson::SUCCESS) {
    throw Error(source_name + ": invalid JSON: " + simdjson::error_message(err));
  }
  try {
    return build(root);
  } catch (const Error& e) {
    throw e.with_context(source_name);
  }
}
}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json_string(const std::string& json,
                                                      const std::string& source_name) {
  const simdjson::padded_string padded(json);
  return load_padded(padded, source_name);
}

namespace {
// A read-only file mapping followed by zeroed padding (simdjson reads up to
// SIMDJSON_PADDING bytes past the end): no copy of the file, and the kernel maps its cached
// pages in bulk instead of faulting in a fresh buffer page by page.
class MappedJson {
 public:
  explicit MappedJson(const std::string& path) {
#ifdef __linux__
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
      size_ = static_cast<std::size_t>(st.st_size);
      map_size_ = (size_ + simdjson::SIMDJSON_PADDING + page - 1) / page * page;
      void* base = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base != MAP_FAILED) {
        if (::mmap(base, size_, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0) == base) {
          base_ = static_cast<const char*>(base);
        } else {
          ::munmap(base, map_size_);
        }
      }
    }
    ::close(fd);
#else
    (void)path;
#endif
  }
  ~MappedJson() {
#ifdef __linux__
    if (base_) ::munmap(const_cast<char*>(base_), map_size_);
#endif
  }
  MappedJson(const MappedJson&) = delete;
  MappedJson& operator=(const MappedJson&) = delete;
  bool ok() const { return base_ != nullptr; }
  simdjson::padded_string_view view() const {
    return simdjson::padded_string_view(base_, size_, map_size_);
  }

 private:
  const char* base_ = nullptr;
  std::size_t size_ = 0, map_size_ = 0;
};
}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path) {
  if (const MappedJson mapped(path); mapped.ok()) return load_padded(mapped.view(), path);
  simdjson::padded_string json;
  if (simdjson::padded_string::load(path).get(json) != simdjson::SUCCESS) {
    throw Error("cannot open tokenizer file " + path);
  }
  return load_padded(json, path);
}

std::unique_ptr<Tokenizer> load_gpt2_vocab_merges(const std::string& vocab_json_path,
                                                  const std::string& merges_txt_path,
                                                  bool add_prefix_space) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.load(vocab_json_path).get(root); err != simdjson::SUCCESS) {
    throw Error(vocab_json_path + ": invalid JSON: " + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    throw Error(vocab_json_path + ": expected an object of token -> id");
  }
  TokenTable vocab;
  vocab.reserve(obj.size(), obj.size() * 8);
  for (auto [key, value] : obj) {
    int64_t id = 0;
    if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
      throw Error(vocab_json_path + ": entry \"" + std::string(key) + "\" must be an id");
    }
    vocab.insert(key, static_cast<int32_t>(id));
  }
  std::ifstream in(merges_txt_path, std::ios::binary);
  if (!in) throw Error("cannot open " + merges_txt_path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::pair<std::string_view, std::string_view>> merges;
  std::size_t line_no = 0;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_no == 1 && line.starts_with("#version"))) continue;
    const auto space = line.find(' ');
    if (space == std::string_view::npos) {
      throw Error(merges_txt_path + ":" + std::to_string(line_no) + ": expected \"left right\"");
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  auto tok = std::make_unique<Tokenizer>();
  tok->model = std::make_unique<BpeModel>(std::move(vocab), merges, BpeOptions{});
  tok->pre_tokenizer = std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, true);
  tok->post_processor = std::make_unique<ByteLevelPostProcessor>();
  tok->decoder = std::make_unique<ByteLevelDecoder>();
  tok->finalize();
  return tok;
}

}  // namespace instill::tokenizer
