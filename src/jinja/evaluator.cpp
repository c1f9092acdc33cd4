// Evaluation of expression nodes and rendering of statement nodes.
#include <algorithm>

#include "core/utf8.hpp"
#include "jinja/arguments.hpp"
#include "jinja/builtins.hpp"
#include "jinja/runtime.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

CallArgs eval_args(Renderer& r, const ArgList& list) {
  CallArgs args;
  args.positional.reserve(list.positional.size());
  for (const auto& e : list.positional) args.positional.push_back(e->eval(r));
  for (const auto& [k, e] : list.keyword) args.keyword.emplace_back(k, e->eval(r));
  return args;
}

// Python slice indices for a sequence of length n.
void slice_indices(Renderer& r, const Value& start_v, const Value& stop_v, const Value& step_v,
                   int64_t n, int64_t& start, int64_t& stop, int64_t& step) {
  auto as_index = [&](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_null() || is_undefined(v)) return std::nullopt;
    if (v.is_int()) return v.as_int();
    if (v.is_bool()) return int64_t{v.as_bool()};
    r.fail(std::string("TypeError: slice ") + what + " must be an integer or None");
  };
  step = as_index(step_v, "step").value_or(1);
  if (step == 0) r.fail("ValueError: slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  start = clamp(as_index(start_v, "start"), step < 0 ? n - 1 : 0);
  stop = clamp(as_index(stop_v, "stop"), step < 0 ? -1 : n);
}

template <typename Push>
void for_slice(int64_t start, int64_t stop, int64_t step, Push push) {
  if (step > 0)
    for (int64_t i = start; i < stop; i += step) push(static_cast<size_t>(i));
  else
    for (int64_t i = start; i > stop; i += step) push(static_cast<size_t>(i));
}

Value apply_slice(Renderer& r, const Value& object, const SliceExpr& s) {
  const Value start_v = s.start ? s.start->eval(r) : Value();
  const Value stop_v = s.stop ? s.stop->eval(r) : Value();
  const Value step_v = s.step ? s.step->eval(r) : Value();
  int64_t start, stop, step;
  if (object.is_sequence()) {
    const auto& items = object.as_list();
    slice_indices(r, start_v, stop_v, step_v, static_cast<int64_t>(items.size()), start, stop,
                  step);
    ValueList out;
    for_slice(start, stop, step, [&](size_t i) { out.push_back(items[i]); });
    return object.is_tuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
  }
  if (object.is_string()) {
    const auto cps = text::to_code_points(object.as_string());
    slice_indices(r, start_v, stop_v, step_v, static_cast<int64_t>(cps.size()), start, stop, step);
    std::string out;
    for_slice(start, stop, step, [&](size_t i) { append_utf8(out, cps[i]); });
    return Value(std::move(out));
  }
  if (is_undefined(object)) {
    auto u = object.object_as<UndefinedObject>();
    r.fail("UndefinedError: " + u->hint);
  }
  return make_undefined("'" + object.python_type_name() + " object' has no element slice");
}

void unpack_into(Renderer& r, const Target& target, const Value& value) {
  if (!target.is_tuple) {
    r.assign(target.names[0], value);
    return;
  }
  ValueList items = iterate(value);
  if (items.size() != target.names.size()) {
    if (items.size() > target.names.size())
      r.fail("ValueError: too many values to unpack (expected " +
             std::to_string(target.names.size()) + ")");
    r.fail("ValueError: not enough values to unpack (expected " +
           std::to_string(target.names.size()) + ", got " + std::to_string(items.size()) + ")");
  }
  for (size_t i = 0; i < items.size(); ++i) r.assign(target.names[i], items[i]);
}

void assign_target(Renderer& r, const Target& target, Value value) {
  if (!target.attr.empty()) {
    Value ns = r.lookup(target.names[0]);
    auto obj = ns.object_as<NamespaceObject>();
    if (!obj) r.fail("TemplateRuntimeError: cannot assign attribute on non-namespace object");
    obj->attrs.set(target.attr, std::move(value));
    return;
  }
  unpack_into(r, target, value);
}

}  // namespace

// ---- expressions ----
Value ConstExpr::eval(Renderer&) const { return value; }

Value NameExpr::eval(Renderer& r) const { return r.lookup(name); }

const Value& NameExpr::eval_ref(Renderer& r, Value& scratch) const {
  if (const Value* v = r.lookup_ref(name)) return *v;
  scratch = r.lookup(name);
  return scratch;
}

Value GetAttrExpr::eval(Renderer& r) const {
  Value tmp;
  return r.getattr(object->eval_ref(r, tmp), attr);
}

const Value& GetAttrExpr::eval_ref(Renderer& r, Value& scratch) const {
  Value tmp;
  const Value& obj = object->eval_ref(r, tmp);
  // A mapping item owned by the context or a scope can be handed out without a copy.
  if (&obj != &tmp && obj.is_map() && !is_dict_attribute)
    if (const Value* v = obj.as_map().find(attr)) return *v;
  scratch = r.getattr(obj, attr);
  return scratch;
}

Value SliceExpr::eval(Renderer& r) const { r.fail("slice outside of a subscript"); }

Value GetItemExpr::eval(Renderer& r) const {
  Value obj = object->eval(r);
  if (auto* s = dynamic_cast<const SliceExpr*>(index.get())) return apply_slice(r, obj, *s);
  return r.getitem(obj, index->eval(r));
}

Value CallExpr::eval(Renderer& r) const {
  Value f = callee->eval(r);
  CallArgs a = eval_args(r, args);
  Value result = r.call(f, a);
  r.check_value_size(result, "a call");
  return result;
}

Value FilterExpr::eval(Renderer& r) const { return apply(r, input->eval(r)); }

Value FilterExpr::apply(Renderer& r, const Value& in) const {
  CallArgs a = eval_args(r, args);
  Value result = fn(r, in, a);
  r.check_value_size(result, "filter '" + name + "'");
  return result;
}

Value TestExpr::eval(Renderer& r) const {
  Value in = input->eval(r);
  CallArgs a = eval_args(r, args);
  const bool result = fn(r, in, a);
  return Value(negated ? !result : result);
}

Value UnaryExpr::eval(Renderer& r) const {
  Value v = operand->eval(r);
  switch (op) {
    case UnaryOp::kNot:
      return Value(!truthy(v));
    case UnaryOp::kNeg:
      return negate(v);
    case UnaryOp::kPos:
      if (v.is_number() || v.is_bool()) return v.is_bool() ? Value(int64_t{v.as_bool()}) : v;
      if (is_undefined(v)) r.fail("UndefinedError: " + v.object_as<UndefinedObject>()->hint);
      r.fail("TypeError: bad operand type for unary +: '" + v.python_type_name() + "'");
  }
  return v;
}

// `'x' * n` and `[..] * n` could allocate without bound before any output is written.
static void check_repeat_size(Renderer& r, const Value& a, const Value& b) {
  const Value& seq = a.is_int() ? b : a;
  const Value& count = a.is_int() ? a : b;
  if (!count.is_int() || count.as_int() <= 0) return;
  if (!seq.is_string() && !seq.is_sequence()) return;
  const size_t limit = r.limits().max_value_bytes;
  const size_t unit = seq.is_string() ? seq.as_string().size() : value_footprint(seq, limit);
  if (unit != 0 && static_cast<uint64_t>(count.as_int()) > limit / unit)
    r.check_size(SIZE_MAX, "a repetition");
}

// `+` and `~` can double a value on every loop iteration; each result stays within budget.
static Value checked_result(Renderer& r, Value v) {
  r.check_value_size(v, "an operator");
  return v;
}

Value BinaryExpr::eval(Renderer& r) const {
  if (op == BinaryOp::kAnd) {
    Value a = left->eval(r);
    return truthy(a) ? right->eval(r) : a;
  }
  if (op == BinaryOp::kOr) {
    Value a = left->eval(r);
    return truthy(a) ? a : right->eval(r);
  }
  if (right->is_simple()) {
    Value left_scratch, right_scratch;
    const Value& a = left->eval_ref(r, left_scratch);
    const Value& b = right->eval_ref(r, right_scratch);
    if (op == BinaryOp::kMod && a.is_string())
      return Value(python_percent_format(r, a.as_string(), b));
    if (op == BinaryOp::kMul) check_repeat_size(r, a, b);
    return checked_result(r, binary_op(op, a, b));
  }
  Value a = left->eval(r);
  Value b = right->eval(r);
  if (op == BinaryOp::kMul) check_repeat_size(r, a, b);
  if (op == BinaryOp::kMod && a.is_string())
    return Value(python_percent_format(r, a.as_string(), b));
  return checked_result(r, binary_op(op, a, b));
}

Value CompareExpr::eval(Renderer& r) const {
  if (rest.size() == 1 && rest[0].second->is_simple() &&
      (rest[0].first == CompareOp::kEq || rest[0].first == CompareOp::kNe)) {
    Value left_scratch, right_scratch;
    const Value& a = first->eval_ref(r, left_scratch);
    const Value& b = rest[0].second->eval_ref(r, right_scratch);
    return Value(values_equal(a, b) == (rest[0].first == CompareOp::kEq));
  }
  Value a = first->eval(r);
  for (const auto& [op, expr] : rest) {
    Value b = expr->eval(r);
    bool ok = false;
    switch (op) {
      case CompareOp::kEq:
        ok = values_equal(a, b);
        break;
      case CompareOp::kNe:
        ok = !values_equal(a, b);
        break;
      case CompareOp::kLt:
        ok = compare_values(a, b, "<") < 0;
        break;
      case CompareOp::kLe:
        ok = compare_values(a, b, "<=") <= 0;
        break;
      case CompareOp::kGt:
        ok = compare_values(a, b, ">") > 0;
        break;
      case CompareOp::kGe:
        ok = compare_values(a, b, ">=") >= 0;
        break;
      case CompareOp::kIn:
        ok = contains(b, a);
        break;
      case CompareOp::kNotIn:
        ok = !contains(b, a);
        break;
    }
    if (!ok) return Value(false);
    a = std::move(b);
  }
  return Value(true);
}

Value CondExpr::eval(Renderer& r) const {
  if (truthy(test->eval(r))) return then_value->eval(r);
  if (else_value) return else_value->eval(r);
  return make_undefined("the inline if-expression on line " + std::to_string(line) +
                        " evaluated to false and no else section was defined.");
}

Value ListExpr::eval(Renderer& r) const {
  ValueList out;
  out.reserve(items.size());
  for (const auto& e : items) out.push_back(e->eval(r));
  return is_tuple ? Value::tuple(std::move(out)) : Value(std::move(out));
}

Value DictExpr::eval(Renderer& r) const {
  ValueMap out;
  for (const auto& [k, v] : items) {
    Value key = k->eval(r);
    if (!key.is_string()) r.fail("TypeError: only string keys are supported in dict literals");
    out.set(key.as_string(), v->eval(r));
  }
  return Value(std::move(out));
}

void Expr::render_into(Renderer& r, std::string& out) const {
  Value scratch;
  append_output(out, eval_ref(r, scratch));
}

// `{{ a + b }}` and `{{ a ~ b }}` on strings append both parts without building the sum.
void BinaryExpr::render_into(Renderer& r, std::string& out) const {
  if ((op == BinaryOp::kAdd || op == BinaryOp::kConcat) && right->is_simple()) {
    Value left_scratch, right_scratch;
    const Value& a = left->eval_ref(r, left_scratch);
    const Value& b = right->eval_ref(r, right_scratch);
    if (op == BinaryOp::kConcat || (a.is_string() && b.is_string())) {
      append_output(out, a);
      append_output(out, b);
      return;
    }
    append_output(out, binary_op(op, a, b));
    return;
  }
  Expr::render_into(r, out);
}

// ---- statements ----
void TextStmt::render(Renderer& r) const {
  r.out += text;
  r.check_output();
}

void OutputStmt::render(Renderer& r) const {
  expr->render_into(r, r.out);
  r.check_output();
}

void IfStmt::render(Renderer& r) const {
  for (const auto& [cond, body] : branches) {
    r.current_line = cond->line;
    if (truthy(cond->eval(r))) {
      r.render_body(body);
      return;
    }
  }
  r.render_body(else_body);
}

void ForStmt::render(Renderer& r) const { run(r, iterable->eval(r), 0); }

Value LoopObject::call(Renderer& r, CallArgs& args) {
  if (!recurse)
    r.fail(
        "TypeError: Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
  if (args.positional.size() != 1) r.fail("TypeError: loop() takes exactly one argument");
  r.enter_call(r.current_line);
  std::string saved;
  saved.swap(r.out);
  try {
    recurse->run(r, args.positional[0], depth0 + 1);
  } catch (...) {
    saved.swap(r.out);
    r.exit_call();
    throw;
  }
  saved.swap(r.out);
  r.exit_call();
  return Value(std::move(saved));
}

void ForStmt::run(Renderer& r, const Value& seq, int depth0) const {
  ValueList items = iterate(seq);
  if (filter) {
    ValueList kept;
    for (auto& item : items) {
      r.push_scope(false);
      try {
        unpack_into(r, target, item);
        if (truthy(filter->eval(r))) kept.push_back(item);
      } catch (...) {
        r.pop_scope();
        throw;
      }
      r.pop_scope();
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    r.render_body(else_body);
    return;
  }
  auto loop = std::make_shared<LoopObject>();
  loop->depth0 = depth0;
  if (recursive) loop->recurse = this;
  loop->length = static_cast<int64_t>(items.size());
  loop->items = Value(std::move(items));
  const Value loop_value = Value::object(loop);
  const ValueList& list = loop->items.as_list();
  for (size_t i = 0; i < list.size(); ++i) {
    r.count_iteration();
    loop->index0 = static_cast<int64_t>(i);
    r.push_scope(false);
    try {
      unpack_into(r, target, list[i]);
      r.assign("loop", loop_value);
      r.render_body(body);
    } catch (...) {
      r.pop_scope();
      throw;
    }
    r.pop_scope();
    if (r.control == Renderer::Control::kBreak) {
      r.control = Renderer::Control::kNone;
      break;
    }
    r.control = Renderer::Control::kNone;
  }
}

void SetStmt::render(Renderer& r) const { assign_target(r, target, value->eval(r)); }

void SetBlockStmt::render(Renderer& r) const {
  Value v(r.capture(body));
  for (const auto& f : filters) v = f->apply(r, v);
  assign_target(r, target, std::move(v));
}

void MacroStmt::render(Renderer& r) const {
  r.assign(def->name, Value::object(std::make_shared<MacroObject>(def)));
}

void CallBlockStmt::render(Renderer& r) const {
  Value callee = call->callee->eval(r);
  auto macro = callee.object_as<MacroObject>();
  if (!macro) r.fail("TypeError: {% call %} needs a macro");
  auto with_caller = std::make_shared<MacroObject>(
      macro->def, Value::object(std::make_shared<MacroObject>(caller)));
  CallArgs a = eval_args(r, call->args);
  Value result = with_caller->call(r, a);
  append_output(r.out, result);
  r.check_output();
}

void FilterBlockStmt::render(Renderer& r) const {
  Value v(r.capture(body));
  for (const auto& f : filters) v = f->apply(r, v);
  append_output(r.out, v);
  r.check_output();
}

void GenerationStmt::render(Renderer& r) const {
  const size_t start = r.out.size();
  r.render_body(body);
  r.generation_spans.emplace_back(start, r.out.size());
}

void LoopControlStmt::render(Renderer& r) const {
  r.control = is_break ? Renderer::Control::kBreak : Renderer::Control::kContinue;
}

}  // namespace instill::jinja
