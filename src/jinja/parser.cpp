#include "jinja/parser.hpp"

#include <cstdlib>
#include <set>

#include "jinja/builtins.hpp"
#include "jinja/errors.hpp"
#include "jinja/lexer.hpp"

namespace instill::jinja {
namespace {

// Guards the C++ stack against hostile templates: parsing, rendering and destroying the tree
// all recurse once per level, so nested constructs and the links of flat chains both count.
constexpr int kMaxNesting = 256;
constexpr const char* kTooDeep =
    "template nesting too deep (more than 256 levels of blocks, "
    "brackets or chained operators)";

class Parser {
 public:
  Parser(std::string_view source, const std::string& name)
      : source_(source), name_(name), tokens_(tokenize(source, name)) {}

  Body parse_all() {
    Body body = parse_body({});
    if (cur().type != TokenType::kEnd) fail("unexpected token");
    return body;
  }

 private:
  const Token& cur() const { return tokens_[pos_]; }
  const Token& peek(size_t n = 1) const { return tokens_[std::min(pos_ + n, tokens_.size() - 1)]; }
  [[noreturn]] void fail(const std::string& msg) const { fail_at(cur(), msg); }
  [[noreturn]] void fail_at(const Token& t, const std::string& msg) const {
    throw_syntax_error(source_, name_, t.line, t.column, msg);
  }
  bool is_op(std::string_view op) const {
    return cur().type == TokenType::kOperator && cur().value == op;
  }
  bool is_name(std::string_view n) const {
    return cur().type == TokenType::kName && cur().value == n;
  }
  void expect_op(std::string_view op) {
    if (!is_op(op)) fail("expected '" + std::string(op) + "'" + describe_current());
    ++pos_;
  }
  std::string describe_current() const {
    switch (cur().type) {
      case TokenType::kBlockEnd:
        return ", got end of statement block";
      case TokenType::kVarEnd:
        return ", got end of print statement";
      case TokenType::kEnd:
        return ", got end of template";
      default:
        return ", got '" + cur().value + "'";
    }
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) fail("expected a name" + describe_current());
    return tokens_[pos_++].value;
  }
  void expect_block_end() {
    if (cur().type != TokenType::kBlockEnd)
      fail("expected end of statement block" + describe_current());
    ++pos_;
  }

  template <typename T>
  std::unique_ptr<T> make(int line) {
    auto n = std::make_unique<T>();
    n->line = line;
    return n;
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxNesting) p.fail(kTooDeep);
    }
    ~DepthGuard() { --p.depth_; }
  };

  // Loops build left-deep chains (`a + b + c`, `x.a.b`, `s|f|g`) whose evaluation recurses
  // once per link, so each link counts as a level until the loop's function returns.
  struct ChainGuard {
    Parser& p;
    int links = 0;
    explicit ChainGuard(Parser& parser) : p(parser) {}
    void link() {
      ++links;
      if (++p.depth_ > kMaxNesting) p.fail(kTooDeep);
    }
    ~ChainGuard() { p.depth_ -= links; }
  };

  // Parses statements until a block tag whose keyword is in `end_tags` (not consumed:
  // cur() is that keyword's name token). Empty set: until end of template.
  Body parse_body(const std::set<std::string_view>& end_tags) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.type == TokenType::kEnd) {
        if (!end_tags.empty()) {
          std::string names;
          for (auto n : end_tags) names += (names.empty() ? "'" : " or '") + std::string(n) + "'";
          fail("unexpected end of template, expected " + names);
        }
        return body;
      }
      if (t.type == TokenType::kData) {
        auto s = make<TextStmt>(t.line);
        s->text = t.value;
        body.push_back(std::move(s));
        ++pos_;
      } else if (t.type == TokenType::kVarBegin) {
        ++pos_;
        auto s = make<OutputStmt>(t.line);
        s->expr = parse_tuple(false);
        if (cur().type != TokenType::kVarEnd)
          fail("expected end of print statement" + describe_current());
        ++pos_;
        body.push_back(std::move(s));
      } else if (t.type == TokenType::kBlockBegin) {
        const Token& kw = peek();
        if (kw.type != TokenType::kName) fail_at(kw, "expected a statement name");
        if (end_tags.count(kw.value)) {
          ++pos_;
          return body;
        }
        ++pos_;
        body.push_back(parse_statement());
      } else {
        fail("unexpected token");
      }
    }
  }

  StmtPtr parse_statement() {
    const Token kw = cur();
    const std::string& k = kw.value;
    ++pos_;
    if (k == "if") return parse_if(kw.line);
    if (k == "for") return parse_for(kw.line);
    if (k == "set") return parse_set(kw.line);
    if (k == "macro") return parse_macro(kw.line);
    if (k == "call") return parse_call_block(kw.line);
    if (k == "filter") return parse_filter_block(kw.line);
    if (k == "generation") {
      expect_block_end();
      auto s = make<GenerationStmt>(kw.line);
      s->body = parse_body({"endgeneration"});
      finish_end_tag();
      return s;
    }
    if (k == "break" || k == "continue") {
      if (loop_depth_ == 0) fail_at(kw, "'" + k + "' outside of a loop");
      expect_block_end();
      auto s = make<LoopControlStmt>(kw.line);
      s->is_break = k == "break";
      return s;
    }
    fail_at(kw, "unknown tag '" + k + "'");
  }

  // After parse_body stopped on an end keyword: consume it and the block end.
  void finish_end_tag() {
    ++pos_;
    // Jinja allows `{% endfor loopname %}`-style trailing names only for blocks; not here.
    expect_block_end();
  }

  StmtPtr parse_if(int line) {
    auto s = make<IfStmt>(line);
    ExprPtr cond = parse_tuple(false);
    expect_block_end();
    while (true) {
      Body body = parse_body({"elif", "else", "endif"});
      s->branches.emplace_back(std::move(cond), std::move(body));
      const std::string kw = cur().value;
      ++pos_;
      if (kw == "elif") {
        cond = parse_tuple(false);
        expect_block_end();
        continue;
      }
      if (kw == "else") {
        expect_block_end();
        s->else_body = parse_body({"endif"});
        ++pos_;
      }
      expect_block_end();
      return s;
    }
  }

  Target parse_target(bool allow_attr) {
    Target t;
    const Token& first = cur();
    t.names.push_back(expect_name());
    if (allow_attr && is_op(".")) {
      ++pos_;
      t.attr = expect_name();
      return t;
    }
    bool parens = false;
    (void)parens;
    while (is_op(",")) {
      ++pos_;
      t.is_tuple = true;
      if (cur().type != TokenType::kName) break;
      t.names.push_back(expect_name());
    }
    for (const auto& n : t.names)
      if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None")
        fail_at(first, "can't assign to constant '" + n + "'");
    return t;
  }

  StmtPtr parse_for(int line) {
    auto s = make<ForStmt>(line);
    if (is_op("(")) {
      ++pos_;
      s->target = parse_target(false);
      expect_op(")");
    } else {
      s->target = parse_target(false);
    }
    if (!is_name("in")) fail("expected 'in'" + describe_current());
    ++pos_;
    s->iterable = parse_tuple(false, /*no_condexpr=*/true);
    if (is_name("if")) {
      ++pos_;
      s->filter = parse_tuple(false);
    }
    if (is_name("recursive")) {
      ++pos_;
      s->recursive = true;
    }
    expect_block_end();
    ++loop_depth_;
    s->body = parse_body({"endfor", "else"});
    --loop_depth_;
    const std::string kw = cur().value;
    ++pos_;
    if (kw == "else") {
      expect_block_end();
      s->else_body = parse_body({"endfor"});
      ++pos_;
    }
    expect_block_end();
    return s;
  }

  StmtPtr parse_set(int line) {
    Target target = parse_target(true);
    if (is_op("=")) {
      ++pos_;
      auto s = make<SetStmt>(line);
      s->target = std::move(target);
      s->value = parse_tuple(false);
      expect_block_end();
      return s;
    }
    auto s = make<SetBlockStmt>(line);
    s->target = std::move(target);
    while (is_op("|")) {
      ++pos_;
      s->filters.push_back(parse_filter_call(nullptr));
    }
    expect_block_end();
    s->body = parse_body({"endset"});
    finish_end_tag();
    return s;
  }

  std::shared_ptr<MacroDef> parse_signature(std::string name) {
    auto def = std::make_shared<MacroDef>();
    def->name = std::move(name);
    expect_op("(");
    while (!is_op(")")) {
      if (!def->params.empty()) expect_op(",");
      if (is_op(")")) break;
      def->params.push_back(expect_name());
      if (is_op("=")) {
        ++pos_;
        def->defaults.push_back(parse_expression());
      } else if (!def->defaults.empty()) {
        fail("non-default argument follows default argument");
      }
    }
    ++pos_;
    return def;
  }

  StmtPtr parse_macro(int line) {
    auto s = make<MacroStmt>(line);
    s->def = parse_signature(expect_name());
    expect_block_end();
    const int saved_loops = loop_depth_;
    loop_depth_ = 0;
    s->def->body = parse_body({"endmacro"});
    loop_depth_ = saved_loops;
    finish_end_tag();
    return s;
  }

  StmtPtr parse_call_block(int line) {
    auto s = make<CallBlockStmt>(line);
    if (is_op("("))
      s->caller = parse_signature("caller");
    else
      s->caller = std::make_shared<MacroDef>(), s->caller->name = "caller";
    ExprPtr e = parse_expression();
    auto* call = dynamic_cast<CallExpr*>(e.get());
    if (!call) fail("expected call");
    e.release();
    s->call.reset(call);
    expect_block_end();
    s->caller->body = parse_body({"endcall"});
    finish_end_tag();
    return s;
  }

  StmtPtr parse_filter_block(int line) {
    auto s = make<FilterBlockStmt>(line);
    s->filters.push_back(parse_filter_call(nullptr));
    while (is_op("|")) {
      ++pos_;
      s->filters.push_back(parse_filter_call(nullptr));
    }
    expect_block_end();
    s->body = parse_body({"endfilter"});
    finish_end_tag();
    return s;
  }

  // ---- expressions ----

  // A comma-separated list becomes a tuple; `explicit_parens` not needed here.
  ExprPtr parse_tuple(bool simplified, bool no_condexpr = false) {
    const int line = cur().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) {
        if (!is_op(",")) break;
        ++pos_;
        is_tuple = true;
        if (ends_tuple()) break;
      }
      if (simplified)
        items.push_back(parse_primary_with_postfix());
      else
        items.push_back(no_condexpr ? parse_or() : parse_expression());
      if (!is_op(",")) break;
    }
    if (!is_tuple && items.size() == 1) return std::move(items[0]);
    auto t = make<ListExpr>(line);
    t->is_tuple = true;
    t->items = std::move(items);
    return t;
  }

  bool ends_tuple() const {
    const auto t = cur().type;
    if (t == TokenType::kVarEnd || t == TokenType::kBlockEnd || t == TokenType::kEnd) return true;
    if (t == TokenType::kOperator && (cur().value == ")" || cur().value == "]")) return true;
    return t == TokenType::kName && (cur().value == "if" || cur().value == "recursive");
  }

  ExprPtr parse_primary_with_postfix() {
    ExprPtr e = parse_primary();
    return parse_postfix(std::move(e));
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this);
    const int line = cur().line;
    ExprPtr e = parse_or();
    ChainGuard chain(*this);
    while (is_name("if")) {
      chain.link();
      ++pos_;
      auto c = make<CondExpr>(line);
      c->then_value = std::move(e);
      c->test = parse_or();
      if (is_name("else")) {
        ++pos_;
        c->else_value = parse_expression();
      }
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(BinaryOp op, ExprPtr l, ExprPtr r, int line) {
    auto b = make<BinaryExpr>(line);
    b->op = op;
    b->left = std::move(l);
    b->right = std::move(r);
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    ChainGuard chain(*this);
    while (is_name("or")) {
      chain.link();
      const int line = cur().line;
      ++pos_;
      e = binary(BinaryOp::kOr, std::move(e), parse_and(), line);
    }
    return e;
  }
  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    ChainGuard chain(*this);
    while (is_name("and")) {
      chain.link();
      const int line = cur().line;
      ++pos_;
      e = binary(BinaryOp::kAnd, std::move(e), parse_not(), line);
    }
    return e;
  }
  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto u = make<UnaryExpr>(cur().line);
      ++pos_;
      u->op = UnaryOp::kNot;
      u->operand = parse_not();
      return u;
    }
    return parse_compare();
  }
  ExprPtr parse_compare() {
    const int line = cur().line;
    ExprPtr e = parse_math1();
    std::unique_ptr<CompareExpr> cmp;
    while (true) {
      CompareOp op;
      if (cur().type == TokenType::kOperator && cur().value == "==")
        op = CompareOp::kEq;
      else if (is_op("!="))
        op = CompareOp::kNe;
      else if (is_op("<"))
        op = CompareOp::kLt;
      else if (is_op("<="))
        op = CompareOp::kLe;
      else if (is_op(">"))
        op = CompareOp::kGt;
      else if (is_op(">="))
        op = CompareOp::kGe;
      else if (is_name("in"))
        op = CompareOp::kIn;
      else if (is_name("not") && peek().type == TokenType::kName && peek().value == "in") {
        ++pos_;
        op = CompareOp::kNotIn;
      } else {
        break;
      }
      ++pos_;
      if (!cmp) {
        cmp = make<CompareExpr>(line);
        cmp->first = std::move(e);
      }
      cmp->rest.emplace_back(op, parse_math1());
    }
    if (cmp) return cmp;
    return e;
  }
  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    ChainGuard chain(*this);
    while (is_op("+") || is_op("-")) {
      chain.link();
      const auto op = cur().value == "+" ? BinaryOp::kAdd : BinaryOp::kSub;
      const int line = cur().line;
      ++pos_;
      e = binary(op, std::move(e), parse_concat(), line);
    }
    return e;
  }
  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    ChainGuard chain(*this);
    while (is_op("~")) {
      chain.link();
      const int line = cur().line;
      ++pos_;
      e = binary(BinaryOp::kConcat, std::move(e), parse_math2(), line);
    }
    return e;
  }
  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    ChainGuard chain(*this);
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      chain.link();
      const std::string& v = cur().value;
      const auto op = v == "*"    ? BinaryOp::kMul
                      : v == "/"  ? BinaryOp::kDiv
                      : v == "//" ? BinaryOp::kFloorDiv
                                  : BinaryOp::kMod;
      const int line = cur().line;
      ++pos_;
      e = binary(op, std::move(e), parse_pow(), line);
    }
    return e;
  }
  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    ChainGuard chain(*this);
    while (is_op("**")) {
      chain.link();
      const int line = cur().line;
      ++pos_;
      e = binary(BinaryOp::kPow, std::move(e), parse_unary(true), line);
    }
    return e;
  }
  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      auto u = make<UnaryExpr>(cur().line);
      u->op = cur().value == "-" ? UnaryOp::kNeg : UnaryOp::kPos;
      ++pos_;
      u->operand = parse_unary(false);
      e = std::move(u);
    } else {
      e = parse_primary();
      e = parse_postfix(std::move(e));
    }
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.type) {
      case TokenType::kName: {
        ++pos_;
        if (t.value == "true" || t.value == "True") return constant(Value(true), t.line);
        if (t.value == "false" || t.value == "False") return constant(Value(false), t.line);
        if (t.value == "none" || t.value == "None") return constant(Value(), t.line);
        auto n = make<NameExpr>(t.line);
        n->name = t.value;
        return n;
      }
      case TokenType::kString: {
        std::string s;
        const int line = t.line;
        while (cur().type == TokenType::kString) s += tokens_[pos_++].value;
        return constant(Value(std::move(s)), line);
      }
      case TokenType::kInt: {
        ++pos_;
        return constant(Value::integer_from_decimal(t.value), t.line);
      }
      case TokenType::kFloat: {
        ++pos_;
        return constant(Value(std::strtod(t.value.c_str(), nullptr)), t.line);
      }
      case TokenType::kOperator: {
        if (t.value == "(") {
          ++pos_;
          if (is_op(")")) {
            ++pos_;
            auto l = make<ListExpr>(t.line);
            l->is_tuple = true;
            return l;
          }
          ExprPtr e = parse_tuple(false);
          expect_op(")");
          return e;
        }
        if (t.value == "[") return parse_list();
        if (t.value == "{") return parse_dict();
        break;
      }
      default:
        break;
    }
    fail("unexpected " + (t.type == TokenType::kVarEnd     ? std::string("end of print statement")
                          : t.type == TokenType::kBlockEnd ? std::string("end of statement block")
                          : t.type == TokenType::kEnd      ? std::string("end of template")
                                                           : "'" + t.value + "'"));
  }

  ExprPtr constant(Value v, int line) {
    auto c = make<ConstExpr>(line);
    c->value = std::move(v);
    return c;
  }

  ExprPtr parse_list() {
    auto l = make<ListExpr>(cur().line);
    ++pos_;
    while (!is_op("]")) {
      if (!l->items.empty()) expect_op(",");
      if (is_op("]")) break;
      l->items.push_back(parse_expression());
    }
    ++pos_;
    return l;
  }

  ExprPtr parse_dict() {
    auto d = make<DictExpr>(cur().line);
    ++pos_;
    while (!is_op("}")) {
      if (!d->items.empty()) expect_op(",");
      if (is_op("}")) break;
      ExprPtr k = parse_expression();
      expect_op(":");
      d->items.emplace_back(std::move(k), parse_expression());
    }
    ++pos_;
    return d;
  }

  ExprPtr parse_postfix(ExprPtr e) {
    ChainGuard chain(*this);
    while (is_op(".") || is_op("[") || is_op("(")) {
      chain.link();
      if (is_op(".")) {
        const int line = cur().line;
        ++pos_;
        if (cur().type == TokenType::kName) {
          auto g = make<GetAttrExpr>(line);
          g->object = std::move(e);
          g->attr = tokens_[pos_++].value;
          g->is_dict_attribute = is_dict_attribute_name(g->attr) || g->attr[0] == '_';
          e = std::move(g);
        } else if (cur().type == TokenType::kInt) {
          auto g = make<GetItemExpr>(line);
          g->object = std::move(e);
          g->index = constant(Value::integer_from_decimal(tokens_[pos_++].value), line);
          e = std::move(g);
        } else {
          fail("expected name or number");
        }
      } else if (is_op("[")) {
        const int line = cur().line;
        ++pos_;
        auto g = make<GetItemExpr>(line);
        g->object = std::move(e);
        std::vector<ExprPtr> subs;
        while (!is_op("]")) {
          if (!subs.empty()) expect_op(",");
          subs.push_back(parse_subscript());
        }
        ++pos_;
        if (subs.empty()) fail("expected subscript");
        if (subs.size() == 1) {
          g->index = std::move(subs[0]);
        } else {
          auto t = make<ListExpr>(line);
          t->is_tuple = true;
          t->items = std::move(subs);
          g->index = std::move(t);
        }
        e = std::move(g);
      } else {
        e = parse_call(std::move(e));
      }
    }
    return e;
  }

  ExprPtr parse_subscript() {
    const int line = cur().line;
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_expression();
      if (!is_op(":")) return start;
    }
    auto s = make<SliceExpr>(line);
    s->start = std::move(start);
    ++pos_;  // ':'
    if (!is_op("]") && !is_op(",") && !is_op(":")) s->stop = parse_expression();
    if (is_op(":")) {
      ++pos_;
      if (!is_op("]") && !is_op(",")) s->step = parse_expression();
    }
    return s;
  }

  ArgList parse_args() {
    expect_op("(");
    ArgList args;
    bool first = true;
    while (!is_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(")")) break;
      if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
          peek().value == "=") {
        std::string key = tokens_[pos_].value;
        pos_ += 2;
        args.keyword.emplace_back(std::move(key), parse_expression());
      } else {
        if (!args.keyword.empty()) fail("positional argument follows keyword argument");
        args.positional.push_back(parse_expression());
      }
    }
    ++pos_;
    return args;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto c = make<CallExpr>(cur().line);
    c->callee = std::move(callee);
    c->args = parse_args();
    return c;
  }

  std::unique_ptr<FilterExpr> parse_filter_call(ExprPtr input) {
    const Token& t = cur();
    auto f = make<FilterExpr>(t.line);
    std::string name = expect_name();
    while (is_op(".")) {
      ++pos_;
      name += "." + expect_name();
    }
    f->fn = find_filter(name);
    if (!f->fn) fail_at(t, "no filter named '" + name + "'");
    f->name = std::move(name);
    f->input = std::move(input);
    if (is_op("(")) f->args = parse_args();
    return f;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    ChainGuard chain(*this);
    while (is_op("|") || is_name("is") || is_op("(")) {
      chain.link();
      if (is_op("|")) {
        ++pos_;
        e = parse_filter_call(std::move(e));
      } else if (is_name("is")) {
        ++pos_;
        auto t = make<TestExpr>(cur().line);
        if (is_name("not")) {
          ++pos_;
          t->negated = true;
        }
        const Token& nt = cur();
        std::string name = expect_name();
        while (is_op(".")) {
          ++pos_;
          name += "." + expect_name();
        }
        t->fn = find_test(name);
        if (!t->fn) fail_at(nt, "no test named '" + name + "'");
        t->name = std::move(name);
        t->input = std::move(e);
        if (is_op("(")) {
          t->args = parse_args();
        } else if ((cur().type == TokenType::kName || cur().type == TokenType::kString ||
                    cur().type == TokenType::kInt || cur().type == TokenType::kFloat ||
                    is_op("(") || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
          if (is_name("is")) fail("You cannot chain multiple tests with is");
          t->args.positional.push_back(parse_primary_with_postfix());
        }
        e = std::move(t);
      } else {
        e = parse_call(std::move(e));
      }
    }
    return e;
  }

  std::string_view source_;
  const std::string& name_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body parse_template(std::string_view source, const std::string& template_name) {
  return Parser(source, template_name).parse_all();
}

}  // namespace instill::jinja
