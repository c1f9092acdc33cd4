#pragma once
// Run-time machinery shared by the evaluator, filters, tests and methods: the Renderer
// (output buffer, variable scopes, limits, control flow), engine objects carried inside
// Values (undefined, callables, namespaces, the loop object) and Python operator semantics.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/value.hpp"
#include "jinja/ast.hpp"
#include "jinja/errors.hpp"
#include "jinja/limits.hpp"

namespace instill::jinja {

// Jinja2's default Undefined: prints as "", is falsy, iterates as empty; anything else
// (arithmetic, attribute access, calls) raises. `unsafe` marks sandbox-blocked attributes.
class UndefinedObject : public ValueObject {
 public:
  explicit UndefinedObject(std::string hint, bool unsafe = false)
      : hint(std::move(hint)), unsafe(unsafe) {}
  std::string type_name() const override { return "Undefined"; }
  std::string hint;
  bool unsafe;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index` or named `name`, else nullptr. Marks it used.
  const Value* get(size_t index, std::string_view name) const;
  const Value* get_keyword(std::string_view name) const;
};

class Callable : public ValueObject {
 public:
  virtual Value call(Renderer& r, CallArgs& args) = 0;
};

class BuiltinFunction : public Callable {
 public:
  using Fn = Value (*)(Renderer&, CallArgs&);
  BuiltinFunction(std::string name, Fn fn) : name_(std::move(name)), fn_(fn) {}
  std::string type_name() const override { return "builtin_function_or_method"; }
  Value call(Renderer& r, CallArgs& args) override { return fn_(r, args); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Fn fn_;
};

class BoundMethod : public Callable {
 public:
  using Fn = Value (*)(Renderer&, const Value& self, CallArgs&);
  BoundMethod(Value self, Fn fn) : self_(std::move(self)), fn_(fn) {}
  std::string type_name() const override { return "builtin_function_or_method"; }
  Value call(Renderer& r, CallArgs& args) override { return fn_(r, self_, args); }

 private:
  Value self_;
  Fn fn_;
};

class MacroObject : public Callable {
 public:
  MacroObject(std::shared_ptr<MacroDef> def, Value caller = Value())
      : def(std::move(def)), caller(std::move(caller)) {}
  std::string type_name() const override { return "Macro"; }
  Value call(Renderer& r, CallArgs& args) override;
  std::shared_ptr<MacroDef> def;
  Value caller;  // for {% call %}: the caller() macro made from the block body
};

class NamespaceObject : public ValueObject {
 public:
  std::string type_name() const override { return "Namespace"; }
  void release_values(std::vector<Value>& out) override {
    for (auto& entry : attrs) out.push_back(std::move(entry.second));
  }
  ValueMap attrs;
};

// The `loop` variable; callable as loop(children) inside `{% for ... recursive %}`.
class LoopObject : public Callable {
 public:
  std::string type_name() const override { return "LoopContext"; }
  Value call(Renderer& r, CallArgs& args) override;
  Value items;  // the list iterated
  int64_t index0 = 0;
  int64_t length = 0;
  int depth0 = 0;
  Value last_changed;
  bool has_changed = false;
  const ForStmt* recurse = nullptr;  // set for `recursive` loops
};

// ---- Python semantics ----
bool truthy(const Value& v);
bool is_undefined(const Value& v);
Value make_undefined(std::string hint);
// Python str() as Jinja prints it (Undefined → "").
void append_output(std::string& out, const Value& v);
std::string to_str(const Value& v);
// Throws TemplateRuntimeError on type errors, with Python's message.
Value binary_op(BinaryOp op, const Value& a, const Value& b);
bool values_equal(const Value& a, const Value& b);
// Python's <: -1/0/1 ordering for comparable values, throws TypeError-like errors otherwise.
int compare_values(const Value& a, const Value& b, const char* op);
bool contains(const Value& container, const Value& item);
// Python len(); throws for values without one.
int64_t length_of(const Value& v);
// Python iteration: strings → characters, dicts → keys, undefined → nothing.
ValueList iterate(const Value& v);
Value negate(const Value& v);
std::string type_error_name(const Value& v);  // "'str' object" style

class Renderer {
 public:
  Renderer(const ValueMap& context, const ValueMap& globals, const RenderLimits& limits,
           std::string_view template_name);

  std::string out;
  std::vector<std::pair<size_t, size_t>> generation_spans;

  // Variable scopes: a for-loop iteration or macro call gets its own scope.
  Value lookup(const std::string& name) const;
  const Value* lookup_ref(const std::string& name) const;  // nullptr when undefined
  void assign(const std::string& name, Value value);
  void push_scope(bool isolated);  // isolated: sees only the template's top scope (macros)
  void pop_scope();

  void render_body(const Body& body);
  std::string capture(const Body& body);

  enum class Control { kNone, kBreak, kContinue };
  Control control = Control::kNone;

  // Limits.
  void count_iteration();
  void enter_call(int line);
  void exit_call() { --depth_; }
  void check_output() {
    if (out.size() > limits_.max_output_bytes) output_limit_exceeded();
  }
  const RenderLimits& limits() const { return limits_; }
  // The intermediate-value budget (value_budget.cpp): fails naming `what` when a value, or a
  // size about to be allocated, exceeds RenderLimits::max_value_bytes.
  void check_value_size(const Value& v, std::string_view what) const;
  void check_size(size_t bytes, std::string_view what) const;

  // Attribute and item access with Jinja2's sandbox rules.
  Value getattr(const Value& object, const std::string& name);
  Value getitem(const Value& object, const Value& key);
  Value call(const Value& callee, CallArgs& args);

  // The line being executed, for runtime error messages.
  int current_line = 0;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  [[noreturn]] void output_limit_exceeded() const;
  struct Scope {
    std::vector<std::pair<std::string, Value>> vars;
    size_t parent;  // index of the enclosing scope; SIZE_MAX for the top one
  };
  const ValueMap& context_;
  const ValueMap& globals_;
  const RenderLimits& limits_;
  std::string template_name_;
  std::vector<Scope> scopes_;
  size_t active_ = 0;  // scopes_[0, active_) are in use
  uint64_t iterations_ = 0;
  int depth_ = 0;
  uintptr_t stack_base_ = 0;  // frame address at construction; the stack grows down from it
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace instill::jinja
