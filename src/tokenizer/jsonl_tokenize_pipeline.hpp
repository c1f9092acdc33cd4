#pragma once
// The streaming JSONL tokenize pipeline behind `instill tokenize`: {"text": ...} lines in,
// {"ids": [...]} lines out (or {"ids"} to {"text"} with `decode`). The input is read in
// large chunks of whole lines; parsing, encoding and formatting run on worker threads; the
// output is written in input order, and the first bad line is reported after the output of
// every line before it. The output is the same at any thread count.
#include <cstddef>
#include <cstdio>
#include <string>

#include "tokenizer/hf_tokenizer.hpp"

namespace instill::tokenizer {

struct JsonlTokenizeOptions {
  EncodeOptions encode;              // used when encoding
  bool decode = false;               // {"ids"} lines to {"text"} lines
  bool skip_special_tokens = false;  // with decode
  bool with_tokens = false;          // also write each id's token string ("tokens")
  bool count_tokens = false;         // fill JsonlTokenizeStats::tokens (costs a little)
  unsigned threads = 0;              // 0 = every core
};

struct JsonlTokenizeStats {
  std::size_t lines = 0;        // non-empty input lines
  std::size_t input_bytes = 0;  // bytes read
  std::size_t tokens = 0;       // ids written, when counted
};

// Tokenizes the JSONL read from `fd` (named `input_name` in errors; not closed) and writes
// the result to `out`. Throws instill::Error "input line N: ..." on the first bad line.
JsonlTokenizeStats tokenize_jsonl(const HfTokenizer& tokenizer, int fd,
                                  const std::string& input_name,
                                  const JsonlTokenizeOptions& options, std::FILE* out);

}  // namespace instill::tokenizer
