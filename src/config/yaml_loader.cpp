#include "config/yaml_loader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/utf8.hpp"

namespace instill::config {

namespace {

bool is_yaml11_true(const std::string& s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "Yes" || s == "YES" ||
         s == "on" || s == "On" || s == "ON";
}
bool is_yaml11_false(const std::string& s) {
  return s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "No" || s == "NO" ||
         s == "off" || s == "Off" || s == "OFF";
}
bool is_yaml_null(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

}  // namespace

Value resolve_plain_scalar(const std::string& s) {
  if (is_yaml_null(s)) return Value();
  if (is_yaml11_true(s)) return Value(true);
  if (is_yaml11_false(s)) return Value(false);
  // YAML 1.1 integers as PyYAML resolves them.
  static const std::regex dec(R"(^[-+]?(0|[1-9][0-9_]*)$)");
  static const std::regex hex(R"(^[-+]?0x[0-9a-fA-F_]+$)");
  static const std::regex oct(R"(^[-+]?0[0-7_]+$)");
  static const std::regex bin(R"(^[-+]?0b[0-1_]+$)");
  // PyYAML's float rule widened by OmegaConf so that "1e-5" and "1E5" are floats too.
  static const std::regex flt(
      R"(^([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)");
  if (std::regex_match(s, dec)) return Value::integer_from_decimal(without_underscores(s));
  auto parse_base = [&](int base, size_t prefix) -> Value {
    std::string t = without_underscores(s);
    bool neg = t[0] == '-';
    if (t[0] == '-' || t[0] == '+') t.erase(0, 1);
    t.erase(0, prefix);
    if (t.empty()) return Value(s);
    unsigned long long v = 0;
    try {
      v = std::stoull(t, nullptr, base);
    } catch (const std::exception&) {
      return Value(s);
    }
    if (v > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) return Value(s);
    return Value(neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v));
  };
  if (std::regex_match(s, hex)) return parse_base(16, 2);
  if (std::regex_match(s, bin)) return parse_base(2, 2);
  if (std::regex_match(s, oct)) return parse_base(8, 1);
  if (std::regex_match(s, flt) && s != "." && s != "+." && s != "-.") {
    std::string t = without_underscores(s);
    if (t.find("inf") != std::string::npos || t.find("Inf") != std::string::npos ||
        t.find("INF") != std::string::npos)
      return Value(t[0] == '-' ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::infinity());
    if (t.find("nan") != std::string::npos || t.find("NaN") != std::string::npos ||
        t.find("NAN") != std::string::npos)
      return Value(std::numeric_limits<double>::quiet_NaN());
    return Value(std::strtod(t.c_str(), nullptr));
  }
  return Value(s);
}

namespace {

class Converter {
 public:
  explicit Converter(ConfigDocument& doc) : doc_(doc) {}

  Value convert(const YAML::Node& node, const std::string& path) {
    if (!path.empty()) doc_.lines.emplace(path, node.Mark().line + 1);
    // An alias is a shared node: a recursive one is a cycle, and aliases of aliases expand
    // exponentially ("billion laughs"), so both depth and the expanded size are bounded.
    if (++values_ > kMaxValues)
      fail(node, path,
           "the document expands to more than " + std::to_string(kMaxValues) +
               " values (through aliases?)");
    if (depth_ >= kMaxDepth)
      fail(node, path,
           "nesting deeper than " + std::to_string(kMaxDepth) + " levels (a recursive alias?)");
    ++depth_;
    Value v = convert_node(node, path);
    --depth_;
    return v;
  }

 private:
  static constexpr size_t kMaxValues = 250'000;
  static constexpr int kMaxDepth = 200;

  Value convert_node(const YAML::Node& node, const std::string& path) {
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Value();
      case YAML::NodeType::Scalar:
        return scalar(node, path);
      case YAML::NodeType::Sequence: {
        check_collection_tag(node, path, "tag:yaml.org,2002:seq");
        ValueList items;
        size_t i = 0;
        for (const auto& child : node) items.push_back(convert(child, join_index(path, i++)));
        return Value(std::move(items));
      }
      case YAML::NodeType::Map: {
        check_collection_tag(node, path, "tag:yaml.org,2002:map");
        ValueMap map;
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (!it->first.IsScalar()) fail(it->first, path, "mapping keys must be plain scalars");
          const std::string key = it->first.Scalar();
          const std::string child_path = join_key(path, key);
          if (map.contains(key)) {
            auto first_line = doc_.lines.count(child_path) ? doc_.lines[child_path] : 0;
            fail(it->first, path,
                 "duplicate key \"" + key + "\" (first defined on line " +
                     std::to_string(first_line) + ")");
          }
          map.set(key, convert(it->second, child_path));
        }
        return Value(std::move(map));
      }
    }
    return Value();
  }

  // PyYAML's safe loader rejects tags it cannot construct (`!!python/tuple`, `!custom`), so
  // dropping them silently would accept configs the reference refuses.
  void check_collection_tag(const YAML::Node& node, const std::string& path,
                            const std::string& plain) {
    const std::string& tag = node.Tag();
    if (tag == "?" || tag == "!" || tag == plain) return;
    fail(node, path, "unsupported YAML tag " + tag);
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& msg) {
    throw Error(doc_.source + ":" + std::to_string(node.Mark().line + 1) + ": " +
                (path.empty() ? "" : path + ": ") + msg);
  }

  Value scalar(const YAML::Node& node, const std::string& path) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return resolve_plain_scalar(text);
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Value(text);
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      Value v = resolve_plain_scalar(text);
      const bool ok =
          (tag.ends_with("int") && v.is_integer()) || (tag.ends_with("float") && v.is_number()) ||
          (tag.ends_with("bool") && v.is_bool()) || (tag.ends_with("null") && v.is_null());
      if (!ok) fail(node, path, "value \"" + text + "\" does not match its tag " + tag);
      if (tag.ends_with("float") && v.is_int()) return Value(static_cast<double>(v.as_int()));
      return v;
    }
    fail(node, path, "unsupported YAML tag " + tag);
  }

  ConfigDocument& doc_;
  size_t values_ = 0;
  int depth_ = 0;
};

// Walks the documents' events without building them, stopping at the second document.
// (yaml-cpp's LoadAll never ends on a stray ',' at block level: it yields empty documents
// forever.) Returns the second document's line (0 when unknown), or nothing.
class DocumentCounter : public YAML::EventHandler {
 public:
  int documents = 0;
  int second_line = 0;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents == 2) second_line = mark.line + 1;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::optional<int> second_document_line(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentCounter counter;
  while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
  }
  if (counter.documents < 2) return std::nullopt;
  return counter.second_line;
}

}  // namespace

ConfigDocument load_yaml_string(std::string_view text, const std::string& source) {
  ConfigDocument doc;
  doc.source = source;
  size_t bad_byte = 0;
  if (!is_valid_utf8(text, &bad_byte)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + bad_byte, '\n');
    throw Error(source + ":" + std::to_string(line) + ": invalid YAML: not UTF-8 (byte " +
                std::to_string(bad_byte) + ")");
  }
  YAML::Node node;
  try {
    // PyYAML's safe_load: "expected a single document in the stream".
    if (const auto second = second_document_line(text))
      throw Error(source + (*second > 0 ? ":" + std::to_string(*second) : std::string()) +
                  ": invalid YAML: expected a single document, found a second one");
    node = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw Error(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  doc.root = Converter(doc).convert(node, "");
  return doc;
}

ConfigDocument load_yaml_file(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw Error(path.string() + ": config file does not exist");
  return load_yaml_string(read_file(path), path.string());
}

}  // namespace instill::config
