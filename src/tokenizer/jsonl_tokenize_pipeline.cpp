#include "tokenizer/jsonl_tokenize_pipeline.hpp"

#include <atomic>
#include <charconv>
#include <exception>
#include <functional>
#include <span>
#include <vector>

#include "core/line_chunk_reader.hpp"
#include "core/parallel_for.hpp"
#include "tokenizer/jsonl_lines.hpp"

namespace instill::tokenizer {
namespace {

// Appends {"ids": [...]} (and "tokens" when asked) and a newline, the output of one line.
void append_encoding(std::string& out, std::span<const int32_t> ids,
                     const HfTokenizer* with_tokens) {
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
      append_json_string(out, with_tokens->core().id_to_token(ids[k]).value_or(""));
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

using LineFn = std::function<void(const NumberedLine&, std::string&)>;

// Runs fn(line, task.output) over every task's lines on `threads` threads, then writes the
// outputs to `out` in input order; the first error (in input order) is rethrown after the
// output of the lines before it.
void process_chunk(const std::vector<NumberedLine>& lines, unsigned threads, std::FILE* out,
                   const LineFn& fn) {
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
    std::fwrite(task.output.data(), 1, task.output.size(), out);
    if (task.error) std::rethrow_exception(task.error);
  }
}

// Streaming: encodes (or decodes) every line of a chunk and writes the results.
void tokenize_chunk(const HfTokenizer& tokenizer, const JsonlTokenizeOptions& options,
                    const std::vector<NumberedLine>& lines, std::atomic<std::size_t>& tokens,
                    std::FILE* out) {
  const HfTokenizer* with_tokens = options.with_tokens ? &tokenizer : nullptr;
  process_chunk(lines, options.threads, out, [&](const NumberedLine& line, std::string& text) {
    thread_local JsonlLineParser parser;
    if (options.decode) {
      const auto ids = parser.ids(line.text, line.number);
      text += "{\"text\": ";
      append_json_string(text, tokenizer.decode(ids, options.skip_special_tokens));
      text += "}\n";
    } else {
      const auto ids = tokenizer.encode(parser.text(line.text, line.number), options.encode);
      if (options.count_tokens) tokens.fetch_add(ids.size(), std::memory_order_relaxed);
      append_encoding(text, ids, with_tokens);
    }
  });
}

// Padding "longest" pads to the longest text of the whole input (HF's batch): a chunk's
// texts are only parsed (and appended to `texts`) until everything has been read.
void collect_texts(const std::vector<NumberedLine>& lines, unsigned threads, std::FILE* out,
                   std::vector<std::string>& texts) {
  std::vector<std::string> chunk_texts(lines.size());
  process_chunk(lines, threads, out, [&](const NumberedLine& line, std::string&) {
    thread_local JsonlLineParser parser;
    chunk_texts[static_cast<std::size_t>(&line - lines.data())] =
        parser.text(line.text, line.number);
  });
  for (auto& t : chunk_texts) texts.push_back(std::move(t));
}

// Encodes the collected texts as one batch and writes the results; returns the id count.
std::size_t encode_collected(const HfTokenizer& tokenizer, const JsonlTokenizeOptions& options,
                             const std::vector<std::string>& texts, std::FILE* out) {
  const auto all = tokenizer.encode_batch(texts, options.encode, options.threads);
  const HfTokenizer* with_tokens = options.with_tokens ? &tokenizer : nullptr;
  std::vector<NumberedLine> items(all.size());  // only the count matters for the tasks
  for (std::size_t i = 0; i < items.size(); ++i) items[i].number = i;
  process_chunk(items, options.threads, out, [&](const NumberedLine& item, std::string& text) {
    append_encoding(text, all[item.number], with_tokens);
  });
  std::size_t tokens = 0;
  for (const auto& ids : all) tokens += ids.size();
  return tokens;
}

}  // namespace

JsonlTokenizeStats tokenize_jsonl(const HfTokenizer& tokenizer, int fd,
                                  const std::string& input_name,
                                  const JsonlTokenizeOptions& options, std::FILE* out) {
  JsonlTokenizeStats stats;
  std::atomic<std::size_t> tokens{0};
  LineChunkReader reader(fd, input_name);
  // Reading a chunk, finding its lines and writing the output are serial (a few ms per 4 MB).
  const bool whole_input = !options.decode && options.encode.padding == PaddingMode::kLongest;
  std::vector<std::string> texts;  // whole_input only
  std::string_view chunk;
  while (reader.next(chunk)) {
    const auto lines = reader.lines(chunk, /*skip_empty=*/true);
    stats.input_bytes += chunk.size();
    stats.lines += lines.size();
    if (whole_input) {
      collect_texts(lines, options.threads, out, texts);
    } else {
      tokenize_chunk(tokenizer, options, lines, tokens, out);
    }
  }
  if (whole_input) tokens += encode_collected(tokenizer, options, texts, out);
  stats.tokens = tokens.load();
  return stats;
}

}  // namespace instill::tokenizer
