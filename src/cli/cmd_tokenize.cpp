// `instill tokenize`: encode JSONL {"text": ...} lines to {"ids": [...]} (or decode with
// --decode) using an HF tokenizer directory / tokenizer.json, transformers semantics.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "core/python_json.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/jsonl_tokenize_pipeline.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer;
  std::string special_tokens;
  long long max_length = -1;
  bool truncation = false;
  std::string padding;
  bool no_add_special_tokens = false;
  unsigned threads = 0;  // all cores: the output does not depend on it
  bool tokens = false;
  std::string input;
  bool decode = false;
  bool skip_special_tokens = false;
  bool stats = false;
};

// --special_tokens '{"pad_token": "°", "additional_special_tokens": ["^"]}', checked by the
// parser the config component uses.
tokenizer::SpecialTokens parse_special_tokens(const std::string& text) {
  Value mapping;
  try {
    mapping = json_loads(text);
  } catch (const Error& e) {
    throw UsageError(std::string("--special_tokens: invalid JSON: ") + e.what());
  }
  return tokenizer::parse_special_tokens(mapping, "--special_tokens", ErrorKind::kUsage);
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

tokenizer::JsonlTokenizeOptions pipeline_options(const TokenizeArgs& a) {
  tokenizer::JsonlTokenizeOptions o;
  if (a.max_length >= 0) o.encode.max_length = static_cast<std::size_t>(a.max_length);
  o.encode.truncation = a.truncation;
  o.encode.add_special_tokens = !a.no_add_special_tokens;
  if (a.padding == "max_length") {
    o.encode.padding = tokenizer::PaddingMode::kMaxLength;
  } else if (a.padding == "longest") {
    o.encode.padding = tokenizer::PaddingMode::kLongest;
  } else if (!a.padding.empty()) {
    throw UsageError("--padding must be max_length or longest");
  }
  o.decode = a.decode;
  o.skip_special_tokens = a.skip_special_tokens;
  o.with_tokens = a.tokens;
  o.count_tokens = a.stats;
  o.threads = a.threads;
  return o;
}

// The --input file opened for reading (closed with this), or stdin.
class InputFd {
 public:
  explicit InputFd(const std::string& path) {
    if (path.empty()) return;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot open input file " + path + ": " + std::strerror(errno));
  }
  ~InputFd() {
    if (fd_ != STDIN_FILENO) ::close(fd_);
  }
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_ = STDIN_FILENO;
};

void run_tokenize(const TokenizeArgs& a) {
  const auto start = Clock::now();
  auto tok = tokenizer::HfTokenizer::from_pretrained(a.tokenizer);
  if (!a.special_tokens.empty()) tok.add_special_tokens(parse_special_tokens(a.special_tokens));
  const auto options = pipeline_options(a);
  const InputFd input(a.input);
  const double load_ms = ms_since(start);
  const auto work_start = Clock::now();
  const auto stats = tokenizer::tokenize_jsonl(
      tok, input.get(), a.input.empty() ? "stdin" : a.input, options, stdout);
  std::fflush(stdout);
  if (std::ferror(stdout)) throw Error("cannot write the output to stdout");
  if (a.stats) {
    // One line, stable format, so that benchmarks can read it.
    const double work_ms = ms_since(work_start);
    std::fprintf(stderr,
                 "tokenize stats: load_ms %.1f work_ms %.1f lines %zu bytes %zu tokens %zu "
                 "threads %u MB/s %.1f\n",
                 load_ms, work_ms, stats.lines, stats.input_bytes, stats.tokens,
                 resolve_threads(a.threads),
                 work_ms > 0 ? static_cast<double>(stats.input_bytes) / 1e3 / work_ms : 0.0);
  }
}

void setup_tokenize(CLI::App& root) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = root.add_subcommand(
      "tokenize", "Encode JSONL {\"text\"} lines to {\"ids\"} (or --decode) with an HF tokenizer");
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer directory or tokenizer.json")
      ->required();
  cmd->add_option(
      "--special_tokens", args->special_tokens,
      "JSON object, e.g. {\"pad_token\": \"°\", \"additional_special_tokens\": [\"^\"]}");
  cmd->add_option("--max_length", args->max_length, "maximum length (truncation / padding)");
  cmd->add_flag("--truncation", args->truncation, "truncate to max_length (or model_max_length)");
  cmd->add_option("--padding", args->padding, "max_length or longest");
  cmd->add_flag("--no_add_special_tokens", args->no_add_special_tokens,
                "do not add the post-processor's special tokens");
  cmd->add_option("--threads", args->threads, "encoding threads (default 0 = all cores)");
  cmd->add_flag("--tokens", args->tokens, "also output the token strings");
  cmd->add_option("--input", args->input, "input JSONL file (default stdin)");
  cmd->add_flag("--decode", args->decode, "decode {\"ids\"} lines to {\"text\"}");
  cmd->add_flag("--skip_special_tokens", args->skip_special_tokens,
                "with --decode: drop special tokens");
  cmd->add_flag("--stats", args->stats,
                "print load time, work time and throughput (input MB/s) to stderr");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace

INSTILL_COMMAND("tokenize", setup_tokenize);

}  // namespace instill::cli
