#include "data/chat_jsonl.hpp"

#include <charconv>
#include <exception>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "core/python_json.hpp"

namespace instill::data {

namespace {

constexpr std::size_t kBatchLines = 2048;

template <class T>
void append_int_list(std::string& out, const std::vector<T>& values) {
  out.push_back('[');
  char digits[16];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.append(", ");
    const auto end = std::to_chars(digits, digits + sizeof digits, values[i]).ptr;
    out.append(digits, end);
  }
  out.push_back(']');
}

struct Line {
  std::string text;
  std::size_t number = 0;
  std::string output;
  std::optional<std::string> error;
  ChatEncoding encoding;
};

void encode_line(const ChatTokenizer& tokenizer, const ChatEncodeOptions& options, Line& line) {
  try {
    const Value record = json_loads(line.text);
    if (!record.is_map()) throw Error("a conversation must be a JSON object");
    line.encoding = tokenizer.encode(record.as_map(), options);
    line.output = chat_encoding_json(line.encoding);
    line.output.push_back('\n');
  } catch (const std::exception& e) {
    line.error = e.what();
  }
}

}  // namespace

std::string chat_encoding_json(const ChatEncoding& encoding) {
  std::string out = "{\"ids\": ";
  append_int_list(out, encoding.ids);
  out.append(", \"trainable\": ");
  append_int_list(out, encoding.trainable);
  out.push_back('}');
  return out;
}

ChatJsonlStats tokenize_chat_jsonl(const ChatTokenizer& tokenizer, std::istream& in,
                                   const std::string& input_name, const ChatEncodeOptions& options,
                                   unsigned threads, std::FILE* out) {
  ChatJsonlStats stats;
  std::vector<Line> batch;
  std::size_t line_number = 0;
  std::string text;
  auto flush = [&] {
    parallel_for(
        batch.size(), threads, [&](std::size_t i) { encode_line(tokenizer, options, batch[i]); },
        1);
    for (Line& line : batch) {
      if (line.error)
        throw Error(input_name + " line " + std::to_string(line.number) + ": " + *line.error);
      std::fwrite(line.output.data(), 1, line.output.size(), out);
      ++stats.conversations;
      stats.tokens += line.encoding.ids.size();
      for (uint8_t t : line.encoding.trainable) stats.trainable_tokens += t;
    }
    batch.clear();
  };
  while (std::getline(in, text)) {
    ++line_number;
    stats.input_bytes += text.size() + 1;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    batch.push_back(Line{std::move(text), line_number, {}, {}, {}});
    if (batch.size() == kBatchLines) flush();
  }
  flush();
  return stats;
}

}  // namespace instill::data
