// instill chat --model DIR_OR_CHECKPOINT [--template FILE] [--tokenizer DIR] [--prompt TEXT]
//              [--raw] [--system TEXT] [--max_new_tokens N] [--temperature T] [--top_k K]
//              [--top_p P] [--repetition_penalty R] [--seed S] [--device D] [--threads N]
// Multi-turn chat with a tuned model (KV-cached, streamed), or one answer with --prompt.
#include <torch/torch.h>

#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "generate/chat_format.hpp"
#include "generate/generator.hpp"
#include "generate/inference_model.hpp"
#include "generate/text_stream.hpp"
#include "tokenizer/tokenizer_folder.hpp"
#include "train/checkpointing.hpp"

namespace {

using namespace instill;
using namespace instill::generate;
namespace fs = std::filesystem;

struct ChatOptions {
  std::string model, template_file, tokenizer, prompt, system, device = "cpu";
  bool raw = false, no_cache = false, stats = false;
  int64_t max_new_tokens = 256;
  int threads = 0;
  SamplingOptions sampling;
  uint64_t seed = 0;
  bool seed_set = false;
};

bool is_yaml(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::shared_ptr<tokenizer::HfTokenizer> find_tokenizer(const ChatOptions& o,
                                                       const InferenceModel& m) {
  fs::path dir;
  if (!o.tokenizer.empty())
    dir = o.tokenizer;
  else if (m.tokenizer_dir)
    dir = *m.tokenizer_dir;
  else
    throw Error("no tokenizer found with the model in " + m.dir.string() +
                    ": pass --tokenizer DIR, or --template with the instruction-tuning data config "
                    "(its packing config names the tokenizer)",
                ErrorKind::kUsage);
  return std::make_shared<tokenizer::HfTokenizer>(tokenizer::HfTokenizer::from_pretrained(dir));
}

void run_chat(const ChatOptions& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  SamplingOptions sampling = o.sampling;
  if (o.seed_set) sampling.seed = o.seed;
  Sampler sampler(sampling);
  const torch::Device device(o.device);
  InferenceModel m = load_inference_model(o.model, device);
  Generator generator(*m.model, device);
  GenerateOptions gen;
  gen.max_new_tokens = o.max_new_tokens;
  gen.use_cache = !o.no_cache;

  auto report = [&](const GenerateResult& r, size_t prompt_tokens) {
    if (!o.stats) return;
    const double tps = r.decode_seconds > 0 && r.tokens.size() > 1
                           ? static_cast<double>(r.tokens.size() - 1) / r.decode_seconds
                           : 0.0;
    std::cerr << "[" << prompt_tokens << " prompt tokens, " << r.tokens.size()
              << " new tokens, first token after " << r.prefill_seconds * 1000 << " ms, " << tps
              << " tokens/s]\n";
  };

  if (o.raw) {
    if (o.prompt.empty()) throw Error("--raw needs --prompt TEXT", ErrorKind::kUsage);
    auto tok = find_tokenizer(o, m);
    std::vector<int32_t> ids32 = tok->encode(o.prompt, {});
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    if (auto eos = tok->special_token_id("eos_token")) gen.stop_ids.push_back(*eos);
    TextStream stream(*tok);
    GenerateResult r = generator.generate(ids, gen, sampler, [&](int64_t id) {
      std::cout << stream.push(id) << std::flush;
      return true;
    });
    std::cout << stream.flush() << "\n";
    report(r, ids.size());
    return;
  }

  std::unique_ptr<ChatFormat> format;
  if (!o.template_file.empty() && is_yaml(o.template_file)) {
    format = std::make_unique<ChatFormat>(ChatFormat::from_instruction_config(o.template_file));
  } else {
    auto tok = find_tokenizer(o, m);
    std::string source;
    std::string name;
    if (!o.template_file.empty()) {
      source = read_file(o.template_file);
      name = o.template_file;
    } else {
      const fs::path dir = !o.tokenizer.empty() ? fs::path(o.tokenizer) : *m.tokenizer_dir;
      try {
        source = tokenizer::folder_chat_template(dir);
      } catch (const Error& e) {
        throw Error(std::string(e.what()) +
                        "; pass --template (a .jinja chat template, or the instruction-tuning "
                        "data config the model was tuned with), or --raw",
                    ErrorKind::kUsage);
      }
      name = dir.string() + " chat template";
    }
    // A checkpoint tuned on this template's renders is prompted exactly as it was trained.
    const bool as_trained = o.template_file.empty() && o.tokenizer.empty() &&
                            fs::exists(m.dir / train::kTrainedChatFormatFile);
    format =
        std::make_unique<ChatFormat>(ChatFormat::from_hf_template(source, name, tok, as_trained));
  }
  gen.stop_ids = format->stop_ids();

  std::vector<ChatMessage> history;
  if (!o.system.empty()) history.push_back({"system", o.system});
  auto answer = [&](const std::string& user) {
    history.push_back({"user", user});
    const std::vector<int64_t> ids = format->encode(format->prompt(history));
    TextStream stream(format->tokenizer());
    GenerateResult r = generator.generate(ids, gen, sampler, [&](int64_t id) {
      std::cout << stream.push(id) << std::flush;
      return true;
    });
    std::cout << stream.flush();
    const std::string& text = stream.text();
    std::cout << (text.empty() || text.back() != '\n' ? "\n" : "") << std::flush;
    history.push_back({"assistant", format->reply_content(stream.text())});
    if (r.stop_id < 0) std::cerr << "[stopped after --max_new_tokens " << o.max_new_tokens << "]\n";
    report(r, ids.size());
  };
  if (!o.prompt.empty()) {
    answer(o.prompt);
    return;
  }
  std::cerr << "Chatting with " << m.dir.string()
            << " (/reset clears the conversation, /quit or Ctrl-D ends)\n";
  std::string line;
  while (true) {
    std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line) || line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      history.clear();
      if (!o.system.empty()) history.push_back({"system", o.system});
      continue;
    }
    if (line.empty()) continue;
    answer(line);
  }
}

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("chat", "Chat with a model (instill checkpoint or Hugging Face)");
  auto o = std::make_shared<ChatOptions>();
  cmd->add_option("--model", o->model,
                  "Checkpoint folder, checkpoint root, Hugging Face model dir or cached hub id")
      ->required();
  cmd->add_option("--template", o->template_file,
                  "Instruction-tuning data config (YAML: the format the model was tuned on) "
                  "or a .jinja chat template (default: the tokenizer's chat template)");
  cmd->add_option("--tokenizer", o->tokenizer, "Tokenizer directory (default: the model's)");
  cmd->add_option("--prompt", o->prompt, "Answer this one message and exit");
  cmd->add_flag("--raw", o->raw, "Continue --prompt as plain text (no chat template)");
  cmd->add_option("--system", o->system, "System message that opens the conversation");
  cmd->add_option("--max_new_tokens", o->max_new_tokens, "Longest reply in tokens")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", o->sampling.temperature, "0 = greedy")->default_val(0.7);
  cmd->add_option("--top_k", o->sampling.top_k, "Sample from the k most likely (0 = all)")
      ->default_val(0);
  cmd->add_option("--top_p", o->sampling.top_p, "Nucleus sampling mass")->default_val(0.9);
  cmd->add_option("--repetition_penalty", o->sampling.repetition_penalty, "1 = off")
      ->default_val(1.0);
  cmd->add_option("--seed", o->seed, "Seed for sampling (reproducible replies)")
      ->each([o](const std::string&) { o->seed_set = true; });
  cmd->add_option("--device", o->device, "cpu or cuda:N")->default_val("cpu");
  cmd->add_option("--threads", o->threads, "CPU threads (default: all cores)");
  cmd->add_flag("--no_cache", o->no_cache, "Re-run the whole sequence per token (benchmarks)");
  cmd->add_flag("--stats", o->stats, "Print timing (time to first token, tokens/s) to stderr");
  cmd->callback([o] { run_chat(*o); });
}

INSTILL_COMMAND("chat", setup);

}  // namespace
