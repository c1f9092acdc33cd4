// `instill tokenize`: encode JSONL {"text": ...} lines to {"ids": [...]} (or decode with
// --decode) using an HF tokenizer directory / tokenizer.json, transformers semantics.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/line_chunk_reader.hpp"
#include "core/parallel_for.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/jsonl_lines.hpp"

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

std::map<std::string, std::vector<std::string>> parse_special_tokens(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(std::string("--special_tokens: invalid JSON: ") + e.what());
  }
  if (!j.is_object()) throw UsageError("--special_tokens: expected a JSON object");
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [key, value] : j.items()) {
    if (value.is_string()) {
      out[key] = {value.get<std::string>()};
    } else if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) throw UsageError("--special_tokens." + key + ": expected strings");
        out[key].push_back(v.get<std::string>());
      }
    } else {
      throw UsageError("--special_tokens." + key + ": expected a string or a list of strings");
    }
  }
  return out;
}

// Appends {"ids": [...]} (and "tokens" when asked) and a newline, the output of one line.
void append_encoding(std::string& out, std::span<const int32_t> ids,
                     const tokenizer::HfTokenizer* with_tokens) {
  out += "{\"ids\": [";
  // Written through a pointer into reserved room: per-id string appends cost more than the
  // number formatting itself. An int32 takes at most 11 characters, plus ", ".
  const std::size_t old = out.size();
  out.resize(old + ids.size() * 13);
  char* p = out.data() + old;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (k) {
      *p++ = ',';
      *p++ = ' ';
    }
    p = std::to_chars(p, p + 11, ids[k]).ptr;
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  out += "]";
  if (with_tokens) {
    out += ", \"tokens\": [";
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (k) out += ", ";
      tokenizer::append_json_string(out, with_tokens->core().id_to_token(ids[k]).value_or(""));
    }
    out += "]";
  }
  out += "}\n";
}

// Lines of one chunk are cut into tasks of about this many bytes: small enough to balance
// the threads, large enough that handing them out costs nothing. A line also counts a fixed
// cost, so that items without text (formatting after padding "longest") are still shared.
constexpr std::size_t kTaskBytes = 64 * 1024;
constexpr std::size_t kLineCost = 256;

// One task: a run of consecutive lines, its output, and the error that stopped it (if any).
// The output then holds the lines before the failing one, so that everything before the
// first bad line of the input is written before the error is reported.
struct LineTask {
  std::size_t first = 0, last = 0;  // [first, last) into the chunk's lines
  std::string output;
  std::exception_ptr error;
};

std::vector<LineTask> cut_into_tasks(const std::vector<NumberedLine>& lines) {
  std::vector<LineTask> tasks;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (tasks.empty() || bytes >= kTaskBytes) {
      tasks.emplace_back();
      tasks.back().first = i;
      bytes = 0;
    }
    bytes += lines[i].text.size() + kLineCost;
    tasks.back().last = i + 1;
  }
  return tasks;
}

// Runs fn(line, task.output) over every task's lines on `threads` threads, then writes the
// outputs in input order; the first error (in input order) is rethrown after the output of
// the lines before it.
void process_chunk(const std::vector<NumberedLine>& lines, unsigned threads,
                   const std::function<void(const NumberedLine&, std::string&)>& fn) {
  auto tasks = cut_into_tasks(lines);
  parallel_for(
      tasks.size(), threads,
      [&](std::size_t t) {
        LineTask& task = tasks[t];
        try {
          for (std::size_t i = task.first; i < task.last; ++i) fn(lines[i], task.output);
        } catch (...) {
          task.error = std::current_exception();
        }
      },
      /*grain=*/1);
  for (const auto& task : tasks) {
    std::fwrite(task.output.data(), 1, task.output.size(), stdout);
    if (task.error) std::rethrow_exception(task.error);
  }
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void run_tokenize(const TokenizeArgs& a) {
  const auto start = Clock::now();
  auto tok = tokenizer::HfTokenizer::from_pretrained(a.tokenizer);
  if (!a.special_tokens.empty()) tok.add_special_tokens(parse_special_tokens(a.special_tokens));
  tokenizer::EncodeOptions options;
  if (a.max_length >= 0) options.max_length = static_cast<std::size_t>(a.max_length);
  options.truncation = a.truncation;
  options.add_special_tokens = !a.no_add_special_tokens;
  if (a.padding == "max_length") {
    options.padding = tokenizer::PaddingMode::kMaxLength;
  } else if (a.padding == "longest") {
    options.padding = tokenizer::PaddingMode::kLongest;
  } else if (!a.padding.empty()) {
    throw UsageError("--padding must be max_length or longest");
  }

  int fd = STDIN_FILENO;
  if (!a.input.empty()) {
    fd = ::open(a.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open input file " + a.input + ": " + std::strerror(errno));
  }
  struct CloseFd {
    int fd;
    ~CloseFd() {
      if (fd != STDIN_FILENO) ::close(fd);
    }
  } close_input{fd};
  const double load_ms = ms_since(start);
  const auto encode_start = Clock::now();
  std::size_t input_bytes = 0, line_count = 0;
  std::atomic<std::size_t> token_count{0};
  LineChunkReader reader(fd, a.input.empty() ? "stdin" : a.input);
  const tokenizer::HfTokenizer* with_tokens = a.tokens ? &tok : nullptr;
  // Parsing the JSON, encoding and formatting run on the worker threads, chunk by chunk;
  // reading a chunk, finding its lines and writing the output are serial (a few ms per 4 MB).
  // Padding "longest" needs the whole input first (HF pads to the longest of the batch).
  const bool whole_input = !a.decode && options.padding == tokenizer::PaddingMode::kLongest;
  std::vector<std::string> texts;  // whole_input only
  std::string_view chunk;
  while (reader.next(chunk)) {
    const auto lines = reader.lines(chunk, /*skip_empty=*/true);
    input_bytes += chunk.size();
    line_count += lines.size();
    if (whole_input) {
      std::vector<std::string> chunk_texts(lines.size());
      process_chunk(lines, a.threads, [&](const NumberedLine& line, std::string&) {
        thread_local tokenizer::JsonlLineParser parser;
        chunk_texts[static_cast<std::size_t>(&line - lines.data())] =
            parser.text(line.text, line.number);
      });
      for (auto& t : chunk_texts) texts.push_back(std::move(t));
      continue;
    }
    process_chunk(lines, a.threads, [&](const NumberedLine& line, std::string& out) {
      thread_local tokenizer::JsonlLineParser parser;
      if (a.decode) {
        const auto ids = parser.ids(line.text, line.number);
        out += "{\"text\": ";
        tokenizer::append_json_string(out, tok.decode(ids, a.skip_special_tokens));
        out += "}\n";
      } else {
        const auto ids = tok.encode(parser.text(line.text, line.number), options);
        if (a.stats) token_count.fetch_add(ids.size(), std::memory_order_relaxed);
        append_encoding(out, ids, with_tokens);
      }
    });
  }
  if (whole_input) {
    const auto all = tok.encode_batch(texts, options, a.threads);
    std::vector<NumberedLine> items(all.size());  // only the count matters for the tasks
    for (std::size_t i = 0; i < items.size(); ++i) items[i].number = i;
    process_chunk(items, a.threads, [&](const NumberedLine& item, std::string& out) {
      append_encoding(out, all[item.number], with_tokens);
    });
    for (const auto& ids : all) token_count += ids.size();
  }
  std::fflush(stdout);
  if (std::ferror(stdout)) throw Error("cannot write the output to stdout");
  if (a.stats) {
    // One line, stable format, so that benchmarks can read it.
    const double work_ms = ms_since(encode_start);
    std::fprintf(stderr,
                 "tokenize stats: load_ms %.1f work_ms %.1f lines %zu bytes %zu tokens %zu "
                 "threads %u MB/s %.1f\n",
                 load_ms, work_ms, line_count, input_bytes, token_count.load(),
                 resolve_threads(a.threads),
                 work_ms > 0 ? static_cast<double>(input_bytes) / 1e3 / work_ms : 0.0);
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
