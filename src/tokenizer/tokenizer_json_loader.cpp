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
#include "tokenizer/json_node.hpp"
#include "tokenizer/unigram_model.hpp"
#include "tokenizer/wordpiece_model.hpp"

namespace instill::tokenizer {
namespace {

using simdjson::dom::element;
using Node = JsonNode;

std::unique_ptr<SplitPattern> parse_pattern(const Node& node) {
  const auto [kind, value] = node.single_entry();
  if (kind == "String")
    return std::make_unique<SplitPattern>(std::string(value.as_string()), false);
  if (kind != "Regex") node.fail("expected {\"String\": ...} or {\"Regex\": ...}");
  try {
    return std::make_unique<SplitPattern>(std::string(value.as_string()), true);
  } catch (const Error& e) {
    value.fail(e.what());
  }
}

SplitBehavior parse_behavior(const Node& node) {
  const std::string_view b =
      node.as_enum({"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"});
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  return SplitBehavior::kContiguous;
}

// Sequence members: a list of components, none of them null (HF rejects null members).
template <typename T, typename Parse>
std::vector<std::unique_ptr<T>> parse_steps(const Node& list, Parse parse) {
  std::vector<std::unique_ptr<T>> steps;
  for (const Node& child : list.items()) {
    if (!child.is_object()) child.expected("an object");
    steps.push_back(parse(child));
  }
  return steps;
}

std::unique_ptr<Normalizer> parse_normalizer(const Node& node) {
  const std::string type =
      node.type_of({"NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Replace", "Prepend",
                    "Strip", "BertNormalizer", "Sequence"});
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
    return std::make_unique<StripNormalizer>(node.require("strip_left").as_bool(),
                                             node.require("strip_right").as_bool());
  }
  if (type == "BertNormalizer") {
    const bool lowercase = node.require("lowercase").as_bool();
    const bool clean_text = node.require("clean_text").as_bool();
    const bool chinese = node.require("handle_chinese_chars").as_bool();
    return std::make_unique<BertNormalizer>(
        clean_text, chinese, node.nullable_bool_or("strip_accents", lowercase), lowercase);
  }
  return std::make_unique<SequenceNormalizer>(
      parse_steps<Normalizer>(node.require("normalizers"), parse_normalizer));
}

// Metaspace (pre-tokenizer and decoder): prepend_scheme, or the older add_prefix_space, which
// HF refuses when it is false and the scheme is not "never".
PrependScheme parse_prepend_scheme(const Node& node) {
  PrependScheme scheme = PrependScheme::kAlways;
  if (auto f = node.field("prepend_scheme")) {
    const std::string_view s = f->as_enum({"first", "never", "always"});
    scheme = s == "first" ? PrependScheme::kFirst
                          : (s == "never" ? PrependScheme::kNever : PrependScheme::kAlways);
  }
  if (auto aps = node.option("add_prefix_space"); aps && !aps->as_bool()) {
    if (scheme != PrependScheme::kNever) {
      aps->fail("false requires prepend_scheme \"never\" (the default is \"always\")");
    }
  }
  if (auto rep = node.option("str_rep")) rep->as_string();  // legacy, only type-checked
  return scheme;
}

std::string parse_replacement(const Node& node) { return node.require("replacement").as_char(); }

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Node& node) {
  const std::string type =
      node.type_of({"ByteLevel", "Split", "Metaspace", "Whitespace", "WhitespaceSplit",
                    "BertPreTokenizer", "Punctuation", "Digits", "Sequence"});
  if (type == "ByteLevel") {
    node.require("trim_offsets").as_bool();  // offsets only; read so a bad value is refused
    return std::make_unique<ByteLevelPreTokenizer>(node.require("add_prefix_space").as_bool(),
                                                   node.bool_or("use_regex", true));
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(parse_pattern(node.require("pattern")),
                                               parse_behavior(node.require("behavior")),
                                               node.require("invert").as_bool());
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(
        parse_replacement(node), parse_prepend_scheme(node), node.nullable_bool_or("split", true));
  }
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Punctuation") {
    auto b = node.field("behavior");
    return std::make_unique<PunctuationPreTokenizer>(b ? parse_behavior(*b)
                                                       : SplitBehavior::kIsolated);
  }
  if (type == "Digits") {
    return std::make_unique<DigitsPreTokenizer>(node.require("individual_digits").as_bool());
  }
  return std::make_unique<SequencePreTokenizer>(
      parse_steps<PreTokenizer>(node.require("pretokenizers"), parse_pre_tokenizer));
}

// [token, id] pairs of BertProcessing / RobertaProcessing.
int32_t parse_token_pair(const Node& node) {
  const auto items = node.items();
  if (items.size() != 2) node.expected("[token, id]");
  items[0].as_string();
  return items[1].as_token_id();
}

// One piece of a template: {"Sequence": {"id": "A", "type_id": 0}} or
// {"SpecialToken": {"id": "<s>", "type_id": 0}}.
TemplatePostProcessor::Item parse_template_piece(const Node& piece, const Node& specials,
                                                 bool single) {
  const auto [kind, body] = piece.single_entry();
  body.require("type_id").as_u32();
  TemplatePostProcessor::Item item;
  if (kind == "Sequence") {
    const Node id = body.require("id");
    // A "B" in the single template has no sequence to refer to (HF would index past the end).
    if (id.as_enum({"A", "B"}) == "B" && single) id.fail("the single template has only sequence A");
    item.is_sequence = true;
    return item;
  }
  if (kind != "SpecialToken") piece.fail("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
  const Node id = body.require("id");
  const auto entry = specials.field(id.as_string());
  if (!entry)
    id.fail("special token \"" + std::string(id.as_string()) + "\" not in special_tokens");
  for (const Node& token_id : entry->require("ids").items())
    item.ids.push_back(token_id.as_token_id());
  return item;
}

std::unique_ptr<PostProcessor> parse_template_processing(const Node& node) {
  const Node specials = node.require("special_tokens");
  for (const auto& [name, entry] : specials.entries()) {
    entry.require("id").as_string();
    for (const Node& id : entry.require("ids").items()) id.as_token_id();
    for (const Node& token : entry.require("tokens").items()) token.as_string();
  }
  std::vector<TemplatePostProcessor::Item> single;
  for (const Node& piece : node.require("single").items()) {
    single.push_back(parse_template_piece(piece, specials, true));
  }
  // The pair template is not used (instill encodes single sequences) but must be valid.
  for (const Node& piece : node.require("pair").items())
    parse_template_piece(piece, specials, false);
  return std::make_unique<TemplatePostProcessor>(std::move(single));
}

std::unique_ptr<PostProcessor> parse_post_processor(const Node& node) {
  const std::string type = node.type_of(
      {"ByteLevel", "TemplateProcessing", "BertProcessing", "RobertaProcessing", "Sequence"});
  if (type == "ByteLevel") {
    node.bool_or("use_regex", true);
    return std::make_unique<ByteLevelPostProcessor>(node.require("add_prefix_space").as_bool(),
                                                    node.require("trim_offsets").as_bool());
  }
  if (type == "TemplateProcessing") return parse_template_processing(node);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const int32_t cls = parse_token_pair(node.require("cls"));
    const int32_t sep = parse_token_pair(node.require("sep"));
    std::vector<TemplatePostProcessor::Item> single(3);
    single[0].ids = {cls};
    single[1].is_sequence = true;
    single[2].ids = {sep};
    auto template_step = std::make_unique<TemplatePostProcessor>(std::move(single));
    if (type == "BertProcessing") return template_step;
    // Null counts as the default here: HF reads such a file (as BertProcessing).
    const bool add_prefix_space = node.nullable_bool_or("add_prefix_space", true);
    if (!node.nullable_bool_or("trim_offsets", true)) return template_step;
    // RobertaProcessing also trims offsets like ByteLevel does (no tokens added).
    std::vector<std::unique_ptr<PostProcessor>> steps;
    steps.push_back(std::move(template_step));
    steps.push_back(std::make_unique<ByteLevelPostProcessor>(add_prefix_space, true));
    return std::make_unique<SequencePostProcessor>(std::move(steps));
  }
  return std::make_unique<SequencePostProcessor>(
      parse_steps<PostProcessor>(node.require("processors"), parse_post_processor));
}

std::unique_ptr<Decoder> parse_decoder(const Node& node) {
  const std::string type = node.type_of({"ByteLevel", "Metaspace", "ByteFallback", "Fuse", "Strip",
                                         "Replace", "WordPiece", "Sequence"});
  if (type == "ByteLevel") {
    // Decoding ignores these, but HF refuses the file when they are missing or mistyped.
    node.require("add_prefix_space").as_bool();
    node.require("trim_offsets").as_bool();
    node.bool_or("use_regex", true);
    return std::make_unique<ByteLevelDecoder>();
  }
  if (type == "Metaspace") {
    node.nullable_bool_or("split", true);
    std::string replacement = parse_replacement(node);
    return std::make_unique<MetaspaceDecoder>(std::move(replacement),
                                              parse_prepend_scheme(node) != PrependScheme::kNever);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(
        node.require("content").as_char(),
        static_cast<std::size_t>(node.require("start").as_usize()),
        static_cast<std::size_t>(node.require("stop").as_usize()));
  }
  if (type == "Replace") {
    const auto [kind, literal] = node.require("pattern").single_entry();
    if (kind != "String") {
      node.require("pattern").fail("only {\"String\": ...} patterns are supported in decoders");
    }
    return std::make_unique<ReplaceDecoder>(std::string(literal.as_string()),
                                            std::string(node.require("content").as_string()));
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPieceDecoder>(std::string(node.require("prefix").as_string()),
                                              node.require("cleanup").as_bool());
  }
  return std::make_unique<SequenceDecoder>(
      parse_steps<Decoder>(node.require("decoders"), parse_decoder));
}

// The id of one vocab entry, checked without building a path per entry (vocabs are large).
int32_t vocab_id(const Node& vocab_node, std::string_view key, element value) {
  const auto id = json_unsigned(value, kMaxTokenId);
  if (!id) {
    vocab_node.fail("entry \"" + std::string(key) + "\": expected a token id (an integer in 0.." +
                    std::to_string(kMaxTokenId) + "), got " + describe_json(value));
  }
  return static_cast<int32_t>(*id);
}

Vocab parse_vocab_object(const Node& vocab_node) {
  if (!vocab_node.is_object()) vocab_node.expected("an object of token -> id");
  Vocab vocab;
  vocab.reserve(vocab_node.raw().get_object().size());
  for (auto [key, value] : vocab_node.raw().get_object()) {
    vocab.emplace(std::string(key), vocab_id(vocab_node, key, value));
  }
  return vocab;
}

// The vocab of a BPE model, straight into the flat token table (no per-token allocation).
TokenTable parse_token_table(const Node& vocab_node) {
  if (!vocab_node.is_object()) vocab_node.expected("an object of token -> id");
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
    entries.push_back(Entry{key, hash_bytes(key), vocab_id(vocab_node, key, value)});
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
    const auto pair = entry.items();
    if (pair.size() != 2) entry.expected("[piece, score]");
    pieces.emplace_back(std::string(pair[0].as_string()), pair[1].as_number());
  }
  std::optional<int32_t> unk_id;
  if (auto u = node.option("unk_id")) {
    const uint64_t id = u->as_usize();
    if (id >= pieces.size()) {
      u->fail("unk_id " + std::to_string(id) + " is not in the vocab (" +
              std::to_string(pieces.size()) + " pieces)");
    }
    unk_id = static_cast<int32_t>(id);
  }
  try {
    return std::make_unique<UnigramModel>(std::move(pieces), unk_id,
                                          node.bool_or("byte_fallback", false));
  } catch (const Error& e) {
    node.fail(e.what());
  }
}

// The merges of a BPE model: all "left right" strings or all [left, right] pairs (HF refuses a
// mix). Views into the parsed document, which outlives the model construction.
std::vector<std::pair<std::string_view, std::string_view>> parse_merges(const Node& merges_node) {
  if (!merges_node.is_array()) merges_node.expected("an array");
  const simdjson::dom::array arr = merges_node.raw().get_array().value_unsafe();
  std::vector<std::pair<std::string_view, std::string_view>> merges;
  merges.reserve(arr.size());
  std::optional<bool> strings;  // the form of the first entry
  std::size_t i = 0;
  for (element m : arr) {
    const auto at = [&] { return Node(m, merges_node.path() + "[" + std::to_string(i) + "]"); };
    std::string_view s;
    const bool is_string = m.get_string().get(s) == simdjson::SUCCESS;
    if (!strings) strings = is_string;
    if (*strings) {
      if (!is_string) at().expected("\"left right\" like the first entry");
      const auto space = s.find(' ');
      if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
        at().expected("\"left right\"");
      }
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else {
      simdjson::dom::array pair;
      std::string_view a, b;
      if (m.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
          pair.at(0).get_string().get(a) != simdjson::SUCCESS ||
          pair.at(1).get_string().get(b) != simdjson::SUCCESS) {
        at().expected("[left, right] like the first entry");
      }
      merges.emplace_back(a, b);
    }
    ++i;
  }
  return merges;
}

std::unique_ptr<Model> parse_bpe(const Node& node) {
  if (auto dropout = node.option("dropout")) {
    const double p = dropout->as_number();
    if (p < 0.0 || p > 1.0) dropout->expected("a probability in [0, 1]");
    if (p > 0.0)
      dropout->fail("BPE dropout is not supported (it makes encoding non-deterministic)");
  }
  TokenTable vocab = parse_token_table(node.require("vocab"));
  const auto merges = parse_merges(node.require("merges"));
  BpeOptions options;
  options.unk_token = node.nullable_string("unk_token");
  options.continuing_subword_prefix =
      node.nullable_string("continuing_subword_prefix").value_or("");
  options.end_of_word_suffix = node.nullable_string("end_of_word_suffix").value_or("");
  options.fuse_unk = node.nullable_bool_or("fuse_unk", false);
  options.byte_fallback = node.nullable_bool_or("byte_fallback", false);
  options.ignore_merges = node.nullable_bool_or("ignore_merges", false);
  try {
    return std::make_unique<BpeModel>(std::move(vocab), merges, std::move(options));
  } catch (const Error& e) {
    throw Error(std::string(e.what()));  // messages already carry the model.* path
  }
}

// The model type: "type" when given, else guessed from the fields like HF's untagged fallback.
// A given type must agree with the body: fields that only another model has are refused rather
// than silently ignored.
std::string model_type(const Node& node) {
  if (!node.field("type")) {
    if (node.field("merges")) return "BPE";
    if (auto v = node.field("vocab"); v && v->is_array()) return "Unigram";
    if (node.field("max_input_chars_per_word")) return "WordPiece";
    return "WordLevel";
  }
  const std::string type = node.type_of({"BPE", "WordPiece", "WordLevel", "Unigram"});
  const std::pair<std::string_view, std::string_view> owned[] = {
      {"merges", "BPE"}, {"max_input_chars_per_word", "WordPiece"}, {"unk_id", "Unigram"}};
  for (const auto& [key, owner] : owned) {
    if (auto f = node.field(key); f && type != owner) {
      f->fail("belongs to a " + std::string(owner) + " model, but model.type is \"" + type + "\"");
    }
  }
  return type;
}

std::unique_ptr<Model> parse_model(const Node& node) {
  if (!node.is_object()) node.expected("an object");
  const std::string type = model_type(node);
  if (type == "WordPiece") {
    Vocab vocab = parse_vocab_object(node.require("vocab"));
    std::string unk = std::string(node.require("unk_token").as_string());
    std::string prefix = std::string(node.require("continuing_subword_prefix").as_string());
    const uint64_t max_chars = node.require("max_input_chars_per_word").as_usize();
    return std::make_unique<WordPieceModel>(std::move(vocab), std::move(unk), std::move(prefix),
                                            static_cast<std::size_t>(max_chars));
  }
  if (type == "WordLevel") {
    Vocab vocab = parse_vocab_object(node.require("vocab"));
    return std::make_unique<WordLevelModel>(std::move(vocab),
                                            std::string(node.require("unk_token").as_string()));
  }
  if (type == "Unigram") return parse_unigram(node);
  return parse_bpe(node);
}

// truncation / padding: instill takes these from its own options, but HF refuses a file whose
// blocks are malformed, so they are checked the same way.
void check_truncation(const Node& node) {
  if (auto d = node.field("direction")) d->as_enum({"Left", "Right"});
  node.require("max_length").as_usize();
  node.require("strategy").as_enum({"LongestFirst", "OnlyFirst", "OnlySecond"});
  node.require("stride").as_usize();
}

void check_padding(const Node& node) {
  const Node strategy = node.require("strategy");
  if (strategy.is_object()) {
    const auto [kind, length] = strategy.single_entry();
    if (kind != "Fixed") strategy.expected("\"BatchLongest\" or {\"Fixed\": length}");
    length.as_usize();
  } else {
    strategy.as_enum({"BatchLongest"});
  }
  node.require("direction").as_enum({"Left", "Right"});
  if (auto m = node.option("pad_to_multiple_of")) m->as_usize();
  node.require("pad_id").as_u32();
  node.require("pad_type_id").as_u32();
  node.require("pad_token").as_string();
}

void load_added_tokens(const Node& list, Tokenizer& tok) {
  for (const Node& t : list.items()) {
    AddedToken token;
    token.id = t.require("id").as_token_id();
    token.content = std::string(t.require("content").as_string());
    token.single_word = t.require("single_word").as_bool();
    token.lstrip = t.require("lstrip").as_bool();
    token.rstrip = t.require("rstrip").as_bool();
    token.special = t.require("special").as_bool();
    token.normalized = t.require("normalized").as_bool();
    tok.load_added_token(token);
  }
}

std::unique_ptr<Tokenizer> build(const element& root_element) {
  const Node root(root_element, "");
  if (!root.is_object()) root.expected("a JSON object");
  // HF reads the top level with its own visitor, which refuses members it does not know.
  root.allow_only({"version", "truncation", "padding", "added_tokens", "normalizer",
                   "pre_tokenizer", "model", "decoder", "post_processor"});
  if (auto v = root.field("version"); v && v->as_string() != "1.0") {
    v->fail("unsupported version \"" + std::string(v->as_string()) + "\" (expected \"1.0\")");
  }
  if (auto t = root.option("truncation")) check_truncation(*t);
  if (auto p = root.option("padding")) check_padding(*p);
  auto tok = std::make_unique<Tokenizer>();
  tok->model = parse_model(root.require("model"));
  if (auto n = root.option("normalizer")) tok->normalizer = parse_normalizer(*n);
  if (auto n = root.option("pre_tokenizer")) tok->pre_tokenizer = parse_pre_tokenizer(*n);
  if (auto n = root.option("post_processor")) tok->post_processor = parse_post_processor(*n);
  if (auto n = root.option("decoder")) tok->decoder = parse_decoder(*n);
  if (auto added = root.field("added_tokens")) load_added_tokens(*added, *tok);
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
