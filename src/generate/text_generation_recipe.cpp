#include "generate/text_generation_recipe.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <regex>

#include "config/app_config.hpp"
#include "config/key_error.hpp"
#include "config/registry.hpp"
#include "config/schema.hpp"
#include "core/error.hpp"
#include "data/components.hpp"
#include "data/tokenizer_component.hpp"
#include "generate/chat_format.hpp"
#include "generate/generator.hpp"
#include "generate/inference_model.hpp"
#include "generate/text_stream.hpp"
#include "train/components.hpp"

namespace instill::generate {

namespace fs = std::filesystem;
using config::Field;
using config::Schema;

namespace {

// Keys instill does not read (model, referencing_keys, ...) are let through.
const Schema& config_schema() {
  static const Schema kSchema =
      Schema{
          Field::map("settings", Schema{Field::path("model_path")}.open()),
          Field::map(
              "text_inference_component",
              Schema{Field::map("config",
                                Schema{Field::any("device").doc("an integer GPU index or \"cpu\""),
                                       Field::map("tokenizer",
                                                  Schema{Field::string("instance_key")}.open()),
                                       Field::integer("sequence_length").at_least(1),
                                       Field::string("eod_token").defaults("<eod>"),
                                       Field::string("prompt_template"),
                                       Field::number("temperature").at_least(0).defaults(1.0)}
                                    .open())}
                  .open())}
          .open();
  return kSchema;
}

std::string device_of(const Value& v, const config::ConfigDocument& doc) {
  if (v.is_int()) return "cuda:" + std::to_string(v.as_int());
  if (v.is_string() && v.as_string() == "cpu") return "cpu";
  throw config::key_error("text_inference_component.config.device",
                          "Invalid device_id: " + config::describe_value(v) +
                              " (expected an integer GPU index or \"cpu\")",
                          &doc);
}

// Python str.format with named fields only ({{ and }} are literal braces).
std::string format_prompt(const std::string& tmpl,
                          const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{{") == 0 || tmpl.compare(i, 2, "}}") == 0) {
      out += tmpl[i++];
      continue;
    }
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    const size_t end = tmpl.find('}', i);
    if (end == std::string::npos) throw Error("prompt_template: unmatched '{'");
    const std::string name = tmpl.substr(i + 1, end - i - 1);
    if (name.find_first_of(":!") != std::string::npos)
      throw Error("prompt_template: format specs and conversions ({" + name +
                  "}) are not supported");
    out += values.at(name);
    i = end;
  }
  return out;
}

// The prompt's placeholder values, asked in order (duplicates asked again), as the
// reference does.
struct Answers {
  std::map<std::string, std::string> values;
  std::vector<std::string> order;
};

Answers ask_placeholders(const std::string& prompt_template, std::istream& in, std::ostream& out) {
  Answers a;
  static const std::regex kField(R"(\{(.*?)\})");
  std::string stripped = prompt_template;
  for (const char* lit : {"{{", "}}"})
    for (size_t p = stripped.find(lit); p != std::string::npos; p = stripped.find(lit))
      stripped.replace(p, 2, "  ");
  for (auto it = std::sregex_iterator(stripped.begin(), stripped.end(), kField);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    out << name << ": " << std::flush;
    std::string line;
    std::getline(in, line);
    a.values[name] = line;
    a.order.push_back(name);
  }
  return a;
}

struct EncodedPrompt {
  std::vector<int64_t> ids, stop_ids;
};

// Q18: in the tuned chat format with a template, else through prompt_template.
EncodedPrompt encode_prompt(const TextGenerationOptions& o, const TextGenerationConfig& c,
                            const Answers& answers, data::TokenizerComponent& tokenizer) {
  EncodedPrompt e;
  if (!o.template_file.empty()) {
    ChatFormat format = ChatFormat::from_instruction_config(o.template_file);
    std::string user;
    for (const auto& name : answers.order)
      user += (user.empty() ? "" : "\n") + answers.values.at(name);
    if (user.empty()) throw Error("Prompt is empty");
    e.ids = format.encode(format.prompt({{"user", user}}));
    e.stop_ids = format.stop_ids();
  } else {
    std::cerr << "note: the prompt follows prompt_template; if the model was tuned with a chat "
                 "template, pass --template <instruction-tuning data config> so the prompt "
                 "matches training (reference quirk Q18)\n";
    const std::string prompt = format_prompt(c.prompt_template, answers.values);
    if (prompt.empty()) throw Error("Prompt is empty");
    std::vector<int32_t> ids32 = tokenizer.tokenize(prompt);
    e.ids.assign(ids32.begin(), ids32.end());
  }
  e.stop_ids.push_back(tokenizer.token_id(c.eod_token));
  return e;
}

std::shared_ptr<data::TokenizerComponent> build_tokenizer(const config::ConfigDocument& doc,
                                                          const std::string& key) {
  config::Registry registry;
  data::register_data_components(registry);
  train::register_train_components(registry);
  config::ComponentBuilder builder(registry, doc);
  return builder.build_component<data::TokenizerComponent>(key);
}

}  // namespace

TextGenerationConfig read_text_generation_config(const config::ConfigDocument& doc) {
  const Value v = config_schema().validate(doc.root, "", "the text generation config", &doc);
  const ValueMap& settings = v.as_map().at("settings").as_map();
  const ValueMap& tc = v.as_map().at("text_inference_component").as_map().at("config").as_map();
  TextGenerationConfig c;
  c.model_path = settings.at("model_path").as_string();
  if (!fs::exists(c.model_path))
    throw config::key_error("settings.model_path",
                            "expected an existing checkpoint folder, model file or Hugging Face "
                            "model directory, got " +
                                config::describe_value(settings.at("model_path")),
                            &doc);
  c.device = device_of(tc.at("device"), doc);
  c.sequence_length = tc.at("sequence_length").as_int();
  c.eod_token = tc.at("eod_token").as_string();
  c.prompt_template = tc.at("prompt_template").as_string();
  c.temperature = tc.at("temperature").to_double();
  c.tokenizer_key = tc.at("tokenizer").as_map().at("instance_key").as_string();
  return c;
}

void run_text_generation(const TextGenerationOptions& o, std::istream& in, std::ostream& out) {
  config::ResolverContext ctx;
  ctx.config_file_path = o.config_file_path;
  const config::ConfigDocument doc = config::load_app_config(o.config_file_path, ctx);
  const TextGenerationConfig c = read_text_generation_config(doc);
  auto tokenizer = build_tokenizer(doc, c.tokenizer_key);

  // Q16: the tuned model, not the base model of model_raw.
  fs::path model_dir = c.model_path;
  if (fs::is_regular_file(model_dir)) model_dir = model_dir.parent_path();
  std::cerr << "loading the model from settings.model_path " << model_dir.string() << "\n";
  InferenceModel m = load_inference_model(model_dir.string(), torch::Device(c.device));

  const EncodedPrompt prompt =
      encode_prompt(o, c, ask_placeholders(c.prompt_template, in, out), *tokenizer);
  std::vector<int32_t> ids32(prompt.ids.begin(), prompt.ids.end());
  out << "--------------------PROMPT--------------------\nPrompt: " << tokenizer->hf().decode(ids32)
      << "\n\n--------------------OUTPUT--------------------\n";
  GenerateOptions gen;
  gen.max_new_tokens = c.sequence_length - static_cast<int64_t>(prompt.ids.size());
  gen.stop_ids = prompt.stop_ids;
  if (gen.max_new_tokens <= 0) {
    out << "\n max tokens reached\n";
    return;
  }
  SamplingOptions sampling;
  sampling.temperature = c.temperature;
  sampling.top_p = 1.0;
  Sampler sampler(sampling);
  Generator generator(*m.model, torch::Device(c.device));
  TextStream stream(tokenizer->hf());
  GenerateResult r = generator.generate(prompt.ids, gen, sampler, [&](int64_t id) {
    out << stream.push(id) << std::flush;
    return true;
  });
  out << stream.flush();
  out << (r.stop_id >= 0 ? "\n<reached end of document token>\n" : "\n max tokens reached\n");
}

}  // namespace instill::generate
