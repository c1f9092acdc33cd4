// `instill tokenize_chat`: conversations (JSONL, {"messages": [...]}) rendered with the
// tokenizer's chat template and tokenized, each token marked trainable or not
// (data/chat_tokenization.hpp). The primitive to check assistant masks with.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "data/chat_jsonl.hpp"

namespace instill::cli {
namespace {

struct TokenizeChatArgs {
  std::string tokenizer;
  std::string chat_template;
  std::string loss_on = "assistant";
  bool add_generation_prompt = false;
  long long max_length = -1;
  bool truncation = false;
  unsigned threads = 0;
  std::string input;
  bool stats = false;
};

data::ChatEncodeOptions encode_options(const TokenizeChatArgs& a,
                                       const data::ChatTokenizer& tokenizer) {
  data::ChatEncodeOptions o;
  const auto loss_on = data::parse_loss_on(a.loss_on);
  if (!loss_on) throw UsageError("--loss_on must be assistant, last_assistant or all");
  o.loss_on = *loss_on;
  o.add_generation_prompt = a.add_generation_prompt;
  if (a.max_length >= 0 && !a.truncation)
    throw UsageError("--max_length needs --truncation (tokenize_chat never pads)");
  if (a.truncation) {
    if (a.max_length >= 0) {
      o.truncate_to = static_cast<std::size_t>(a.max_length);
    } else if (auto limit = tokenizer.tokenizer().model_max_length()) {
      o.truncate_to = static_cast<std::size_t>(*limit);
    }
  }
  return o;
}

void run_tokenize_chat(const TokenizeChatArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::filesystem::path> template_file;
  if (!a.chat_template.empty()) template_file = a.chat_template;
  const auto tokenizer = data::ChatTokenizer::from_folder(a.tokenizer, template_file);
  const auto options = encode_options(a, tokenizer);
  std::ifstream file;
  if (!a.input.empty()) {
    file.open(a.input, std::ios::binary);
    if (!file) throw Error("cannot open input file " + a.input);
  }
  std::istream& in = a.input.empty() ? std::cin : file;
  const auto stats = data::tokenize_chat_jsonl(tokenizer, in, a.input.empty() ? "stdin" : a.input,
                                               options, a.threads, stdout);
  std::fflush(stdout);
  if (std::ferror(stdout)) throw Error("cannot write the output to stdout");
  if (a.stats) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "tokenize_chat stats: seconds %.3f conversations %zu bytes %zu tokens %zu "
                 "trainable %zu threads %u\n",
                 s, stats.conversations, stats.input_bytes, stats.tokens, stats.trainable_tokens,
                 resolve_threads(a.threads));
  }
}

void setup_tokenize_chat(CLI::App& root) {
  auto args = std::make_shared<TokenizeChatArgs>();
  auto* cmd = root.add_subcommand(
      "tokenize_chat",
      "Render JSONL conversations with a chat template and tokenize them: {\"ids\", "
      "\"trainable\"} per line");
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer directory")->required();
  cmd->add_option("--template", args->chat_template,
                  "a .jinja chat template (default: the tokenizer's own)");
  cmd->add_option("--loss_on", args->loss_on,
                  "assistant (default), last_assistant or all: which tokens are trainable");
  cmd->add_flag("--add_generation_prompt", args->add_generation_prompt,
                "end with the template's generation prompt");
  cmd->add_option("--max_length", args->max_length, "with --truncation: keep this many tokens");
  cmd->add_flag("--truncation", args->truncation,
                "cut to --max_length (or the tokenizer's model_max_length)");
  cmd->add_option("--threads", args->threads, "encoding threads (default 0 = all cores)");
  cmd->add_option("--input", args->input, "input JSONL file (default stdin)");
  cmd->add_flag("--stats", args->stats, "print one line of throughput figures on stderr");
  cmd->callback([args] { run_tokenize_chat(*args); });
}

}  // namespace

INSTILL_COMMAND("tokenize_chat", setup_tokenize_chat);

}  // namespace instill::cli
