#pragma once
// The JSONL stream behind `instill tokenize_chat`: one conversation per input line, one
// {"ids": [...], "trainable": [...]} line per conversation, in input order at any thread count.
// Lines are read in batches and encoded in parallel; the first bad line is reported, naming the
// input and the line, after the output of every line before it.
#include <cstdio>
#include <istream>
#include <string>

#include "data/chat_tokenization.hpp"

namespace instill::data {

struct ChatJsonlStats {
  std::size_t conversations = 0;
  std::size_t input_bytes = 0;
  std::size_t tokens = 0;
  std::size_t trainable_tokens = 0;
};

ChatJsonlStats tokenize_chat_jsonl(const ChatTokenizer& tokenizer, std::istream& in,
                                   const std::string& input_name, const ChatEncodeOptions& options,
                                   unsigned threads, std::FILE* out);

// {"ids": [...], "trainable": [...]} without a newline.
std::string chat_encoding_json(const ChatEncoding& encoding);

}  // namespace instill::data
