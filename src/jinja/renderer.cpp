// The Renderer's state: scopes, limits, and Jinja2's sandboxed attribute/item/call rules.
#include <limits>

#include "jinja/builtins.hpp"
#include "jinja/runtime.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

// Variable names differ in their first byte far more often than not; checking it first
// keeps lookups from calling memcmp for every scope entry.
inline bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

}  // namespace

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  return get_keyword(name);
}

const Value* CallArgs::get_keyword(std::string_view name) const {
  for (const auto& [k, v] : keyword)
    if (k == name) return &v;
  return nullptr;
}

Renderer::Renderer(const ValueMap& context, const ValueMap& globals, const RenderLimits& limits,
                   std::string_view template_name)
    : context_(context), globals_(globals), limits_(limits), template_name_(template_name) {
  scopes_.push_back({{}, SIZE_MAX});
  active_ = 1;
  stack_base_ = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  const auto budget = std::chrono::duration<double>(limits.max_render_seconds);
  deadline_ = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(budget);
}

const Value* Renderer::lookup_ref(const std::string& name) const {
  for (size_t s = active_ - 1; s != SIZE_MAX; s = scopes_[s].parent) {
    const auto& vars = scopes_[s].vars;
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (same_name(it->first, name)) return &it->second;
  }
  if (const Value* v = context_.find(name)) return v;
  return globals_.find(name);
}

Value Renderer::lookup(const std::string& name) const {
  for (size_t s = active_ - 1; s != SIZE_MAX; s = scopes_[s].parent) {
    const auto& vars = scopes_[s].vars;
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (same_name(it->first, name)) return it->second;
  }
  if (const Value* v = context_.find(name)) return *v;
  if (const Value* v = globals_.find(name)) return *v;
  return make_undefined("'" + name + "' is undefined");
}

void Renderer::assign(const std::string& name, Value value) {
  auto& vars = scopes_[active_ - 1].vars;
  for (auto& [k, v] : vars) {
    if (same_name(k, name)) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(name, std::move(value));
}

// Scopes are reused between loop iterations and calls to save allocations.
void Renderer::push_scope(bool isolated) {
  const size_t parent = isolated ? 0 : active_ - 1;
  if (active_ == scopes_.size()) scopes_.push_back({{}, parent});
  scopes_[active_].parent = parent;
  ++active_;
}

void Renderer::pop_scope() { scopes_[--active_].vars.clear(); }

void Renderer::render_body(const Body& body) {
  for (const auto& stmt : body) {
    current_line = stmt->line;
    stmt->render(*this);
    if (control != Control::kNone) return;
  }
}

std::string Renderer::capture(const Body& body) {
  std::string saved;
  saved.swap(out);
  const auto spans = generation_spans.size();
  try {
    render_body(body);
  } catch (...) {
    saved.swap(out);
    throw;
  }
  saved.swap(out);
  // Spans recorded inside captured text would point into a discarded buffer.
  generation_spans.resize(spans);
  return saved;
}

void Renderer::count_iteration() {
  if (++iterations_ > limits_.max_loop_iterations)
    fail("loop iteration limit exceeded (" + std::to_string(limits_.max_loop_iterations) +
         " iterations)");
  if ((iterations_ & 1023) == 0 && std::chrono::steady_clock::now() > deadline_)
    fail("render time limit exceeded (" + std::to_string(limits_.max_render_seconds) + " s)");
}

void Renderer::enter_call(int line) {
  (void)line;
  if (++depth_ > limits_.max_recursion_depth)
    fail("recursion depth limit exceeded (" + std::to_string(limits_.max_recursion_depth) + ")");
  const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (stack_base_ > here && stack_base_ - here > limits_.max_stack_bytes)
    fail("recursion depth limit exceeded (" + std::to_string(limits_.max_stack_bytes) +
         " bytes of stack)");
  if (std::chrono::steady_clock::now() > deadline_)
    fail("render time limit exceeded (" + std::to_string(limits_.max_render_seconds) + " s)");
}

void Renderer::fail(const std::string& message) const { throw TemplateRuntimeError(message); }

void Renderer::output_limit_exceeded() const {
  fail("output size limit exceeded (" + std::to_string(limits_.max_output_bytes) + " bytes)");
}

namespace {

Value unsafe_attribute(const Value& object, const std::string& name) {
  return Value::object(std::make_shared<UndefinedObject>(
      "access to attribute '" + name + "' of '" + object.python_type_name() + "' object is unsafe.",
      true));
}

Value no_attribute(const Value& object, const std::string& name) {
  return make_undefined("'" + object.python_type_name() + " object' has no attribute '" + name +
                        "'");
}

Value loop_attribute(Renderer& r, const Value& loop_value, const LoopObject& loop,
                     const std::string& name) {
  const int64_t i = loop.index0, n = loop.length;
  if (name == "index") return Value(i + 1);
  if (name == "index0") return Value(i);
  if (name == "revindex") return Value(n - i);
  if (name == "revindex0") return Value(n - i - 1);
  if (name == "first") return Value(i == 0);
  if (name == "last") return Value(i == n - 1);
  if (name == "length") return Value(n);
  if (name == "depth") return Value(int64_t{loop.depth0} + 1);
  if (name == "depth0") return Value(int64_t{loop.depth0});
  if (name == "previtem") {
    if (i == 0) return make_undefined("there is no previous item");
    return loop.items.as_list()[static_cast<size_t>(i - 1)];
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return make_undefined("there is no next item");
    return loop.items.as_list()[static_cast<size_t>(i + 1)];
  }
  if (name == "cycle") {
    return Value::object(std::make_shared<BoundMethod>(
        loop_value, [](Renderer& rr, const Value& self, CallArgs& args) -> Value {
          if (args.positional.empty()) rr.fail("TypeError: no items for cycling given");
          auto l = self.object_as<LoopObject>();
          return args.positional[static_cast<size_t>(l->index0) % args.positional.size()];
        }));
  }
  if (name == "changed") {
    return Value::object(std::make_shared<BoundMethod>(
        loop_value, [](Renderer&, const Value& self, CallArgs& args) -> Value {
          auto l = self.object_as<LoopObject>();
          Value now = Value::tuple(args.positional);
          if (!l->has_changed || !values_equal(l->last_changed, now)) {
            l->has_changed = true;
            l->last_changed = now;
            return Value(true);
          }
          return Value(false);
        }));
  }
  (void)r;
  return make_undefined("'LoopContext object' has no attribute '" + name + "'");
}

}  // namespace

Value Renderer::getattr(const Value& object, const std::string& name) {
  if (is_undefined(object)) {
    auto u = object.object_as<UndefinedObject>();
    fail((u->unsafe ? "SecurityError: " : "UndefinedError: ") + u->hint);
  }
  if (!name.empty() && name[0] == '_') return unsafe_attribute(object, name);
  if (object.is_map()) {
    if (!is_dict_attribute_name(name)) {
      if (const Value* v = object.as_map().find(name)) return *v;
      return no_attribute(object, name);
    }
    bool unsafe = false;
    Value m = find_method(object, name, unsafe);
    if (unsafe) return unsafe_attribute(object, name);
    if (!m.is_null()) return m;
    if (const Value* v = object.as_map().find(name)) return *v;
    return no_attribute(object, name);
  }
  if (object.is_object()) {
    if (auto ns = object.object_as<NamespaceObject>()) {
      if (const Value* v = ns->attrs.find(name)) return *v;
      return make_undefined("'Namespace object' has no attribute '" + name + "'");
    }
    if (auto loop = object.object_as<LoopObject>())
      return loop_attribute(*this, object, *loop, name);
    return no_attribute(object, name);
  }
  bool unsafe = false;
  Value m = find_method(object, name, unsafe);
  if (unsafe) return unsafe_attribute(object, name);
  if (!m.is_null()) return m;
  return no_attribute(object, name);
}

Value Renderer::getitem(const Value& object, const Value& key) {
  if (is_undefined(object)) {
    auto u = object.object_as<UndefinedObject>();
    fail((u->unsafe ? "SecurityError: " : "UndefinedError: ") + u->hint);
  }
  if (object.is_map()) {
    if (key.is_string()) {
      if (const Value* v = object.as_map().find(key.as_string())) return *v;
      if (!key.as_string().empty() && key.as_string()[0] == '_')
        return make_undefined("'dict object' has no attribute '" + key.as_string() + "'");
      bool unsafe = false;
      Value m = find_method(object, key.as_string(), unsafe);
      if (unsafe) return unsafe_attribute(object, key.as_string());
      if (!m.is_null()) return m;
      return no_attribute(object, key.as_string());
    }
    return make_undefined("'dict object' has no attribute " + to_str(key));
  }
  if ((object.is_sequence() || object.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.is_bool() ? int64_t{key.as_bool()} : key.as_int();
    if (object.is_string()) {
      const std::string& s = object.as_string();
      if (text::is_ascii(s)) {
        const auto n = static_cast<int64_t>(s.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n)
          return make_undefined("'str object' has no element " +
                                std::to_string(key.is_int() ? key.as_int() : i));
        return Value(s.substr(static_cast<size_t>(i), 1));
      }
      const auto cps = text::to_code_points(s);
      const auto n = static_cast<int64_t>(cps.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return make_undefined("'str object' has no element");
      return Value(text::from_code_points(cps, static_cast<size_t>(i), static_cast<size_t>(i) + 1));
    }
    const auto& items = object.as_list();
    const auto n = static_cast<int64_t>(items.size());
    const int64_t original = i;
    if (i < 0) i += n;
    if (i < 0 || i >= n)
      return make_undefined("'" + object.python_type_name() + " object' has no element " +
                            std::to_string(original));
    return items[static_cast<size_t>(i)];
  }
  if (key.is_string()) return getattr(object, key.as_string());
  return make_undefined("'" + object.python_type_name() + " object' has no element " + to_str(key));
}

Value Renderer::call(const Value& callee, CallArgs& args) {
  if (auto c = callee.object_as<Callable>()) return c->call(*this, args);
  if (is_undefined(callee)) {
    auto u = callee.object_as<UndefinedObject>();
    fail((u->unsafe ? "SecurityError: " : "UndefinedError: ") + u->hint);
  }
  fail("TypeError: '" + callee.python_type_name() + "' object is not callable");
}

Value MacroObject::call(Renderer& r, CallArgs& args) {
  r.enter_call(r.current_line);
  r.push_scope(true);
  struct Cleanup {
    Renderer& r;
    ~Cleanup() {
      r.pop_scope();
      r.exit_call();
    }
  } cleanup{r};
  const auto& params = def->params;
  const size_t first_default = params.size() - def->defaults.size();
  ValueList varargs;
  for (size_t i = args.positional.size(); i-- > params.size();) (void)i;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < params.size())
      r.assign(params[i], args.positional[i]);
    else
      varargs.push_back(args.positional[i]);
  }
  ValueMap kwargs;
  for (auto& [k, v] : args.keyword) {
    bool is_param = false;
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i] == k) {
        if (i < args.positional.size())
          r.fail("TypeError: macro '" + def->name + "' got multiple values for argument '" + k +
                 "'");
        is_param = true;
      }
    }
    if (is_param)
      r.assign(k, v);
    else
      kwargs.set(k, v);
  }
  for (size_t i = args.positional.size(); i < params.size(); ++i) {
    if (args.get_keyword(params[i])) continue;
    if (i >= first_default)
      r.assign(params[i], def->defaults[i - first_default]->eval(r));
    else
      r.assign(params[i], make_undefined("parameter '" + params[i] + "' was not provided"));
  }
  r.assign("varargs", Value::tuple(std::move(varargs)));
  r.assign("kwargs", Value(std::move(kwargs)));
  if (!caller.is_null()) r.assign("caller", caller);
  const int saved_line = r.current_line;
  const auto saved_control = r.control;
  std::string text = r.capture(def->body);
  r.control = saved_control;
  r.current_line = saved_line;
  return Value(std::move(text));
}

}  // namespace instill::jinja
