// `instill tokenize`: encode JSONL {"text": ...} lines to {"ids": [...]} (or decode with
// --decode) using an HF tokenizer directory / tokenizer.json, transformers semantics.
#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/jsonl_lines.hpp"
#include "tokenizer/parallel_for.hpp"

namespace instill::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer;
  std::string special_tokens;
  long long max_length = -1;
  bool truncation = false;
  std::string padding;
  bool no_add_special_tokens = false;
  unsigned threads = 1;
  bool tokens = false;
  std::string input;
  bool decode = false;
  bool skip_special_tokens = false;
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

void run_tokenize(const TokenizeArgs& a) {
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

  std::ifstream file;
  if (!a.input.empty()) {
    file.open(a.input, std::ios::binary);
    if (!file) throw Error("cannot open input file " + a.input);
  }
  std::istream& in = a.input.empty() ? std::cin : file;
  std::ios::sync_with_stdio(false);
  tokenizer::JsonlLineParser reader;
  std::string line, out;
  std::size_t line_no = 0;
  // Batches bound memory while letting the thread pool work on many lines at once; with
  // padding "longest" the whole input is one batch (HF pads to the longest of the batch).
  const std::size_t batch_size =
      options.padding == tokenizer::PaddingMode::kLongest ? SIZE_MAX : 8192;
  std::vector<std::string> texts;
  auto flush = [&] {
    if (texts.empty()) return;
    const auto all = tok.encode_batch(texts, options, a.threads);
    // Formatting is a tenth of the work: done in blocks on the same threads, written in order.
    constexpr std::size_t kBlock = 256;
    std::vector<std::string> blocks((all.size() + kBlock - 1) / kBlock);
    tokenizer::parallel_for(blocks.size(), static_cast<unsigned>(a.threads), [&](std::size_t b) {
      std::string& o = blocks[b];
      char num[16];
      for (std::size_t i = b * kBlock; i < std::min(all.size(), (b + 1) * kBlock); ++i) {
        const auto& ids = all[i];
        o += "{\"ids\": [";
        for (std::size_t k = 0; k < ids.size(); ++k) {
          if (k) o += ", ";
          o.append(num, std::to_chars(num, num + sizeof num, ids[k]).ptr);
        }
        o += "]";
        if (a.tokens) {
          o += ", \"tokens\": [";
          for (std::size_t k = 0; k < ids.size(); ++k) {
            if (k) o += ", ";
            tokenizer::append_json_string(o, tok.core().id_to_token(ids[k]).value_or(""));
          }
          o += "]";
        }
        o += "}\n";
      }
    });
    out.clear();
    for (const auto& block : blocks) out += block;
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    texts.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (a.decode) {
      const auto ids = reader.ids(line, line_no);
      out = "{\"text\": ";
      tokenizer::append_json_string(out, tok.decode(ids, a.skip_special_tokens));
      out += "}\n";
      std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
      continue;
    }
    texts.push_back(reader.text(line, line_no));
    if (texts.size() >= batch_size) flush();
  }
  flush();
  std::cout.flush();
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
  cmd->add_option("--threads", args->threads, "encoding threads (0 = all cores)");
  cmd->add_flag("--tokens", args->tokens, "also output the token strings");
  cmd->add_option("--input", args->input, "input JSONL file (default stdin)");
  cmd->add_flag("--decode", args->decode, "decode {\"ids\"} lines to {\"text\"}");
  cmd->add_flag("--skip_special_tokens", args->skip_special_tokens,
                "with --decode: drop special tokens");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace

INSTILL_COMMAND("tokenize", setup_tokenize);

}  // namespace instill::cli
