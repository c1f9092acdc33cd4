// instill generate_text --config_file_path G [--template DATA_CONFIG.yaml] [--threads N]
// The reference's text generation entry point (spec §9) with its quirks fixed:
//  - Q16: the tuned model named by settings.model_path is what generates (a checkpoint
//    folder, a file inside one, or a Hugging Face model directory), not model_raw;
//  - Q18: with --template (the instruction-tuning data config) the prompt is rendered in the
//    format the model was tuned on; without it, prompt_template is used and a note says so;
//  - Q17: "max tokens reached" is printed only when the limit ended generation.
// Generation uses the KV cache; placeholder values are read from stdin as in the reference.
#include <torch/torch.h>

#include <iostream>
#include <regex>

#include "cli/command.hpp"
#include "config/app_config.hpp"
#include "config/registry.hpp"
#include "core/error.hpp"
#include "data/components.hpp"
#include "data/tokenizer_component.hpp"
#include "generate/chat_format.hpp"
#include "generate/generator.hpp"
#include "generate/inference_model.hpp"
#include "generate/text_stream.hpp"
#include "train/components.hpp"

namespace {

using namespace instill;
using namespace instill::generate;
namespace fs = std::filesystem;

struct GenerateTextOptions {
  std::string config_file_path, template_file;
  int threads = 0;
};

const Value& need(const ValueMap& m, const std::string& key, const std::string& path,
                  const config::ConfigDocument& doc) {
  const Value* v = m.find(key);
  if (!v) throw Error(doc.where(path) + path + "." + key + ": required");
  return *v;
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

void generate_text(const GenerateTextOptions& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  config::ResolverContext ctx;
  ctx.config_file_path = o.config_file_path;
  const config::ConfigDocument doc = config::load_app_config(o.config_file_path, ctx);
  if (!doc.root.is_map()) throw Error(o.config_file_path + ": expected a mapping");
  const ValueMap& root = doc.root.as_map();
  const Value& settings_v = need(root, "settings", "", doc);
  const Value& tic_v = need(root, "text_inference_component", "", doc);
  if (!settings_v.is_map() || !tic_v.is_map())
    throw Error(o.config_file_path + ": settings and text_inference_component must be mappings");
  const ValueMap& settings = settings_v.as_map();
  const Value& model_path_v = need(settings, "model_path", "settings", doc);
  if (!model_path_v.is_string() || !fs::exists(model_path_v.as_string()))
    throw Error(doc.where("settings.model_path") +
                "settings.model_path: expected an existing checkpoint folder, model file or "
                "Hugging Face model directory");
  const Value& tcfg_v = need(tic_v.as_map(), "config", "text_inference_component", doc);
  const ValueMap& tcfg = tcfg_v.as_map();
  const std::string cp = "text_inference_component.config";
  const Value& device_v = need(tcfg, "device", cp, doc);
  std::string device = "cpu";
  if (device_v.is_int()) {
    device = "cuda:" + std::to_string(device_v.as_int());
  } else if (!device_v.is_string() || device_v.as_string() != "cpu") {
    throw Error(doc.where(cp + ".device") + cp + ".device: Invalid device_id: " +
                config::describe_value(device_v) + " (expected an integer GPU index or \"cpu\")");
  }
  const int64_t sequence_length = need(tcfg, "sequence_length", cp, doc).as_int();
  const Value* eod_v = tcfg.find("eod_token");
  const std::string eod = eod_v && eod_v->is_string() ? eod_v->as_string() : "<eod>";
  const std::string prompt_template = need(tcfg, "prompt_template", cp, doc).as_string();
  const Value* temp_v = tcfg.find("temperature");
  SamplingOptions sampling;
  sampling.temperature = temp_v ? temp_v->to_double() : 1.0;
  sampling.top_p = 1.0;

  // The tokenizer component of the config.
  const Value& tok_ref = need(tcfg, "tokenizer", cp, doc);
  const Value* tok_key = tok_ref.is_map() ? tok_ref.as_map().find("instance_key") : nullptr;
  if (!tok_key || !tok_key->is_string())
    throw Error(doc.where(cp + ".tokenizer") + cp + ".tokenizer: expected {instance_key: ...}");
  config::Registry registry;
  data::register_data_components(registry);
  train::register_train_components(registry);
  config::ComponentBuilder builder(registry, doc);
  auto tokenizer = builder.build_component<data::TokenizerComponent>(tok_key->as_string());

  // Q16: the tuned model, not the base model of model_raw.
  fs::path model_dir = model_path_v.as_string();
  if (fs::is_regular_file(model_dir)) model_dir = model_dir.parent_path();
  std::cerr << "loading the model from settings.model_path " << model_dir.string() << "\n";
  InferenceModel m = load_inference_model(model_dir.string(), torch::Device(device));

  // Placeholders, asked in order (duplicates asked again), as the reference does.
  std::map<std::string, std::string> values;
  std::vector<std::string> order;
  static const std::regex kField(R"(\{(.*?)\})");
  std::string stripped = prompt_template;
  for (const char* lit : {"{{", "}}"})
    for (size_t p = stripped.find(lit); p != std::string::npos; p = stripped.find(lit))
      stripped.replace(p, 2, "  ");
  for (auto it = std::sregex_iterator(stripped.begin(), stripped.end(), kField);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    std::cout << name << ": " << std::flush;
    std::string line;
    std::getline(std::cin, line);
    values[name] = line;
    order.push_back(name);
  }

  std::vector<int64_t> ids;
  std::vector<int64_t> stop_ids;
  if (!o.template_file.empty()) {
    ChatFormat format = ChatFormat::from_instruction_config(o.template_file);
    std::string user;
    for (const auto& name : order) user += (user.empty() ? "" : "\n") + values[name];
    if (user.empty()) throw Error("Prompt is empty");
    ids = format.encode(format.prompt({{"user", user}}));
    stop_ids = format.stop_ids();
  } else {
    std::cerr << "note: the prompt follows prompt_template; if the model was tuned with a chat "
                 "template, pass --template <instruction-tuning data config> so the prompt "
                 "matches training (reference quirk Q18)\n";
    const std::string prompt = format_prompt(prompt_template, values);
    if (prompt.empty()) throw Error("Prompt is empty");
    std::vector<int32_t> ids32 = tokenizer->tokenize(prompt);
    ids.assign(ids32.begin(), ids32.end());
  }
  const int32_t eod_id = tokenizer->token_id(eod);
  stop_ids.push_back(eod_id);

  std::vector<int32_t> ids32(ids.begin(), ids.end());
  std::cout << "--------------------PROMPT--------------------\nPrompt: "
            << tokenizer->hf().decode(ids32)
            << "\n\n--------------------OUTPUT--------------------\n";
  GenerateOptions gen;
  gen.max_new_tokens = sequence_length - static_cast<int64_t>(ids.size());
  gen.stop_ids = stop_ids;
  if (gen.max_new_tokens <= 0) {
    std::cout << "\n max tokens reached\n";
    return;
  }
  Sampler sampler(sampling);
  Generator generator(*m.model, torch::Device(device));
  TextStream stream(tokenizer->hf());
  GenerateResult r = generator.generate(ids, gen, sampler, [&](int64_t id) {
    std::cout << stream.push(id) << std::flush;
    return true;
  });
  std::cout << stream.flush();
  if (r.stop_id >= 0)
    std::cout << "\n<reached end of document token>\n";
  else
    std::cout << "\n max tokens reached\n";
}

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("generate_text",
                                  "Generate text with a Modalities-style text generation config");
  auto o = std::make_shared<GenerateTextOptions>();
  cmd->add_option("--config_file_path", o->config_file_path, "Text generation config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--template", o->template_file,
                  "Instruction-tuning data config: prompt in the format the model was tuned on");
  cmd->add_option("--threads", o->threads, "CPU threads (default: all cores)");
  cmd->callback([o] { generate_text(*o); });
}

INSTILL_COMMAND("generate_text", setup);

}  // namespace
