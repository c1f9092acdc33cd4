#pragma once
// The compiled form of a template: expression and statement nodes. A template is parsed
// once; rendering walks this tree (see evaluator.cpp for eval/render definitions).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/value.hpp"

namespace instill::jinja {

class Renderer;
struct CallArgs;

// Filters and tests are resolved by name at compile time (an unknown name is a syntax
// error, as in Jinja2), so rendering calls through a function pointer.
using FilterFn = Value (*)(Renderer&, const Value& input, CallArgs& args);
using TestFn = bool (*)(Renderer&, const Value& input, CallArgs& args);

struct Expr {
  int line = 0;
  virtual ~Expr() = default;
  virtual Value eval(Renderer& r) const = 0;
  // Like eval, but may return a reference to a value owned by the context or a scope,
  // saving a copy; `scratch` holds the result when it has to be computed. The reference
  // is valid until the next evaluation step that could assign variables.
  virtual const Value& eval_ref(Renderer& r, Value& scratch) const {
    scratch = eval(r);
    return scratch;
  }
  // Names, constants and attribute chains of them: evaluating one cannot run template code.
  virtual bool is_simple() const { return false; }
  // Appends str(value) to `out`; overridden where that can skip building the value.
  virtual void render_into(Renderer& r, std::string& out) const;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Stmt {
  int line = 0;
  virtual ~Stmt() = default;
  virtual void render(Renderer& r) const = 0;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// ---- expressions ----
struct ConstExpr : Expr {
  Value value;
  Value eval(Renderer& r) const override;
  const Value& eval_ref(Renderer&, Value&) const override { return value; }
  bool is_simple() const override { return true; }
};
struct NameExpr : Expr {
  std::string name;
  Value eval(Renderer& r) const override;
  const Value& eval_ref(Renderer& r, Value& scratch) const override;
  bool is_simple() const override { return true; }
};
struct GetAttrExpr : Expr {
  ExprPtr object;
  std::string attr;
  bool is_dict_attribute = false;  // attr names a dict method (set by the parser)
  Value eval(Renderer& r) const override;
  const Value& eval_ref(Renderer& r, Value& scratch) const override;
  bool is_simple() const override { return object->is_simple(); }
};
struct SliceExpr : Expr {
  ExprPtr start, stop, step;  // each may be null
  Value eval(Renderer& r) const override;
};
struct GetItemExpr : Expr {
  ExprPtr object;
  ExprPtr index;  // a SliceExpr for obj[a:b:c]
  Value eval(Renderer& r) const override;
};
struct ArgList {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};
struct CallExpr : Expr {
  ExprPtr callee;
  ArgList args;
  Value eval(Renderer& r) const override;
};
struct FilterExpr : Expr {
  ExprPtr input;  // null inside a {% filter %} block chain (the block's text is the input)
  std::string name;
  FilterFn fn = nullptr;
  ArgList args;
  Value eval(Renderer& r) const override;
  Value apply(Renderer& r, const Value& input) const;
};
struct TestExpr : Expr {
  ExprPtr input;
  std::string name;
  TestFn fn = nullptr;
  ArgList args;
  bool negated = false;
  Value eval(Renderer& r) const override;
};
enum class UnaryOp { kNeg, kPos, kNot };
struct UnaryExpr : Expr {
  UnaryOp op;
  ExprPtr operand;
  Value eval(Renderer& r) const override;
};
enum class BinaryOp { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kConcat, kAnd, kOr };
struct BinaryExpr : Expr {
  BinaryOp op;
  ExprPtr left, right;
  Value eval(Renderer& r) const override;
  void render_into(Renderer& r, std::string& out) const override;
};
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };
struct CompareExpr : Expr {
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
  Value eval(Renderer& r) const override;
};
struct CondExpr : Expr {
  ExprPtr test, then_value, else_value;  // else_value may be null → undefined
  Value eval(Renderer& r) const override;
};
struct ListExpr : Expr {
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  Value eval(Renderer& r) const override;
};
struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  Value eval(Renderer& r) const override;
};

// ---- statements ----
struct TextStmt : Stmt {
  std::string text;
  void render(Renderer& r) const override;
};
struct OutputStmt : Stmt {
  ExprPtr expr;
  void render(Renderer& r) const override;
};
struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body else_body;
  void render(Renderer& r) const override;
};
// Assignment target: a name, a tuple of names, or namespace attribute (ns.attr).
struct Target {
  std::vector<std::string> names;  // one name, or several for unpacking
  bool is_tuple = false;
  std::string attr;  // non-empty: `names[0].attr = ...`
};
struct ForStmt : Stmt {
  Target target;
  ExprPtr iterable;
  ExprPtr filter;  // `for x in y if cond`
  Body body;
  Body else_body;
  bool recursive = false;
  void render(Renderer& r) const override;
  // Runs the loop over `sequence` at nesting depth `depth0` (recursive loops re-enter here).
  void run(Renderer& r, const Value& sequence, int depth0) const;
};
struct SetStmt : Stmt {
  Target target;
  ExprPtr value;
  void render(Renderer& r) const override;
};
struct SetBlockStmt : Stmt {
  Target target;
  Body body;
  std::vector<std::unique_ptr<FilterExpr>> filters;
  void render(Renderer& r) const override;
};
struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // aligned with the last params
  Body body;
  bool uses_caller = false;
};
struct MacroStmt : Stmt {
  std::shared_ptr<MacroDef> def;
  void render(Renderer& r) const override;
};
struct CallBlockStmt : Stmt {
  std::shared_ptr<MacroDef> caller;  // the block body, callable as caller(...)
  std::unique_ptr<CallExpr> call;
  void render(Renderer& r) const override;
};
struct FilterBlockStmt : Stmt {
  std::vector<std::unique_ptr<FilterExpr>> filters;
  Body body;
  void render(Renderer& r) const override;
};
struct GenerationStmt : Stmt {
  Body body;
  void render(Renderer& r) const override;
};
struct LoopControlStmt : Stmt {
  bool is_break = false;
  void render(Renderer& r) const override;
};

}  // namespace instill::jinja
