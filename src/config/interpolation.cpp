#include "config/interpolation.hpp"

#include <set>

#include "core/error.hpp"
#include "core/python_repr.hpp"

namespace instill::config {

namespace {

struct PathElem {
  bool is_index = false;
  std::string key;
  size_t index = 0;
};
using Path = std::vector<PathElem>;

std::string path_text(const Path& p) {
  std::string out;
  for (const auto& e : p) out = e.is_index ? join_index(out, e.index) : join_key(out, e.key);
  return out;
}

// One piece of a string: literal text or an interpolation's inner text.
struct Piece {
  bool interpolation = false;
  std::string text;
};

class Resolution {
 public:
  Resolution(ConfigDocument& doc, const ResolverSet& resolvers)
      : doc_(doc), resolvers_(resolvers) {}

  void run() { resolve_tree(doc_.root, {}); }

 private:
  [[noreturn]] void fail(const Path& at, const std::string& msg) {
    const std::string p = path_text(at);
    throw Error(doc_.where(p) + (p.empty() ? "" : p + ": ") + msg);
  }

  // Resolves every string below `v` (located at `at`) in place.
  void resolve_tree(Value& v, const Path& at) {
    if (v.is_string()) {
      const std::string& s = v.as_string();
      if (has_interpolation(s) || s.find("\\${") != std::string::npos) v = resolve_string(s, at);
    } else if (v.is_map()) {
      for (auto& [k, child] : v.as_map()) {
        Path p = at;
        p.push_back({false, k, 0});
        resolve_tree(child, p);
      }
    } else if (v.is_sequence()) {
      auto& list = v.as_list();
      for (size_t i = 0; i < list.size(); ++i) {
        Path p = at;
        p.push_back({true, "", i});
        resolve_tree(list[i], p);
      }
    }
  }

  std::vector<Piece> split(const std::string& s, const Path& at) {
    std::vector<Piece> pieces;
    std::string text;
    size_t i = 0;
    while (i < s.size()) {
      if (s[i] == '\\' && s.compare(i + 1, 2, "${") == 0) {
        text += "${";
        i += 3;
        continue;
      }
      if (s.compare(i, 2, "${") == 0) {
        // Find the matching brace, allowing nested ${...} in resolver arguments.
        int depth = 0;
        size_t j = i;
        for (; j < s.size(); ++j) {
          if (s.compare(j, 2, "${") == 0) {
            ++depth;
            ++j;
          } else if (s[j] == '}') {
            if (--depth == 0) break;
          }
        }
        if (j >= s.size()) fail(at, "unterminated interpolation in \"" + s + "\"");
        if (!text.empty()) pieces.push_back({false, std::move(text)});
        text.clear();
        pieces.push_back({true, s.substr(i + 2, j - i - 2)});
        i = j + 1;
        continue;
      }
      text += s[i++];
    }
    if (!text.empty()) pieces.push_back({false, std::move(text)});
    return pieces;
  }

  Value resolve_string(const std::string& s, const Path& at) {
    auto pieces = split(s, at);
    if (pieces.size() == 1 && pieces[0].interpolation) return evaluate(pieces[0].text, at);
    std::string out;
    for (const auto& piece : pieces) {
      if (!piece.interpolation) {
        out += piece.text;
        continue;
      }
      Value v = evaluate(piece.text, at);
      if (v.is_map() || v.is_sequence())
        fail(at, "interpolation ${" + piece.text +
                     "} inside a longer string refers to a mapping or list; only scalars can be "
                     "embedded in text");
      const std::string text = python_str(v);
      out += text;
      expanded_bytes_ += text.size();
      if (expanded_bytes_ > kMaxExpandedBytes) too_large(at);
    }
    return Value(std::move(out));
  }

  static std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }

  Value evaluate(const std::string& inner_raw, const Path& at) {
    const std::string inner = trim(inner_raw);
    // A resolver call has "name:" before any '.'-path that could contain ':'.
    const size_t colon = inner.find(':');
    if (colon != std::string::npos && inner.compare(0, 2, "${") != 0) {
      const std::string name = trim(inner.substr(0, colon));
      auto it = resolvers_.resolvers.find(name);
      if (it == resolvers_.resolvers.end()) {
        std::string known;
        for (const auto& [n, r] : resolvers_.resolvers) known += (known.empty() ? "" : ", ") + n;
        fail(at, "unknown resolver \"" + name + "\" in ${" + inner + "} (known: " + known + ")");
      }
      std::vector<std::string> args;
      for (const auto& raw : split_args(inner.substr(colon + 1))) {
        std::string arg = trim(raw);
        if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"') &&
            arg.back() == arg.front())
          arg = arg.substr(1, arg.size() - 2);
        else if (has_interpolation(arg))
          arg = python_str(resolve_string(arg, at));
        args.push_back(arg);
      }
      try {
        return it->second(args);
      } catch (const Error& e) {
        fail(at, "${" + inner + "}: " + e.what());
      }
    }
    return deref(inner, at);
  }

  static std::vector<std::string> split_args(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (s.compare(i, 2, "${") == 0) {
        ++depth;
      } else if (c == '}' && depth > 0) {
        --depth;
      } else if (c == ',' && depth == 0) {
        out.push_back(cur);
        cur.clear();
        continue;
      }
      cur += c;
    }
    if (!cur.empty() || !out.empty()) out.push_back(cur);
    return out;
  }

  Path parse_reference(const std::string& ref, const Path& at) {
    Path target;
    size_t i = 0;
    if (!ref.empty() && ref[0] == '.') {
      // Relative: one dot = the containing node, each further dot one level up.
      size_t dots = 0;
      while (i < ref.size() && ref[i] == '.') ++dots, ++i;
      target = at;
      if (!target.empty()) target.pop_back();
      for (size_t k = 1; k < dots; ++k) {
        if (target.empty()) fail(at, "relative interpolation ${" + ref + "} goes above the root");
        target.pop_back();
      }
    }
    std::string token;
    auto flush = [&] {
      if (token.empty()) return;
      target.push_back({false, token, 0});
      token.clear();
    };
    for (; i < ref.size(); ++i) {
      char c = ref[i];
      if (c == '.') {
        flush();
      } else if (c == '[') {
        flush();
        size_t close = ref.find(']', i);
        if (close == std::string::npos) fail(at, "unbalanced '[' in ${" + ref + "}");
        const std::string idx = ref.substr(i + 1, close - i - 1);
        target.push_back({false, idx, 0});
        i = close;
      } else {
        token += c;
      }
    }
    flush();
    if (target.empty()) fail(at, "empty interpolation ${" + ref + "}");
    return target;
  }

  Value deref(const std::string& ref, const Path& at) {
    Path target = parse_reference(ref, at);
    const std::string target_text = path_text(target);
    if (in_progress_.count(target_text)) {
      fail(at, "interpolation cycle: ${" + ref + "} refers back to " + target_text +
                   ", which is still being resolved");
    }
    // Walk the tree, resolving strings on the way (a parent may itself be an interpolation).
    Value* node = &doc_.root;
    Path walked;
    for (auto& elem : target) {
      if (node->is_string() && has_interpolation(node->as_string()))
        resolve_in_place(*node, walked);
      if (node->is_map()) {
        Value* child = node->as_map().find(elem.key);
        if (!child) {
          fail(at, "interpolation ${" + ref + "} refers to " + target_text +
                       ", which does not exist (no key \"" + elem.key + "\" in " +
                       (walked.empty() ? std::string("the root") : path_text(walked)) + ")");
        }
        node = child;
        walked.push_back(elem);
      } else if (node->is_sequence()) {
        size_t idx = 0;
        try {
          size_t used = 0;
          idx = std::stoul(elem.key, &used);
          if (used != elem.key.size()) throw std::invalid_argument("");
        } catch (const std::exception&) {
          fail(at, "interpolation ${" + ref + "}: \"" + elem.key + "\" is not a list index");
        }
        if (idx >= node->as_list().size())
          fail(at, "interpolation ${" + ref + "}: index " + elem.key + " is out of range (" +
                       std::to_string(node->as_list().size()) + " items)");
        node = &node->as_list()[idx];
        walked.push_back({true, "", idx});
      } else {
        fail(at, "interpolation ${" + ref + "} refers to " + target_text + ", but " +
                     (walked.empty() ? std::string("the root") : path_text(walked)) +
                     " is not a mapping or list");
      }
    }
    resolve_in_place(*node, walked);
    expanded_bytes_ += value_footprint(*node, kMaxExpandedBytes);
    if (expanded_bytes_ > kMaxExpandedBytes) too_large(at);
    return node->deep_copy();
  }

  // References to references double a config at each level, so the copies and text that
  // interpolation creates are bounded in total.
  static constexpr size_t kMaxExpandedBytes = size_t{64} << 20;
  [[noreturn]] void too_large(const Path& at) {
    fail(at, "interpolations expand the config beyond " + std::to_string(kMaxExpandedBytes) +
                 " bytes (references that repeat references?)");
  }

  void resolve_in_place(Value& node, const Path& at) {
    const std::string key = path_text(at);
    if (!in_progress_.insert(key).second) fail(at, "interpolation cycle through " + key);
    resolve_tree(node, at);
    in_progress_.erase(key);
  }

  ConfigDocument& doc_;
  const ResolverSet& resolvers_;
  std::set<std::string> in_progress_;
  size_t expanded_bytes_ = 0;
};

}  // namespace

bool has_interpolation(const std::string& s) {
  for (size_t i = s.find("${"); i != std::string::npos; i = s.find("${", i + 1))
    if (i == 0 || s[i - 1] != '\\') return true;
  return false;
}

void resolve_interpolations(ConfigDocument& doc, const ResolverSet& resolvers) {
  Resolution(doc, resolvers).run();
}

}  // namespace instill::config
