#include "test_support.hpp"

#include <unistd.h>

#include <iterator>
#include <stdexcept>

namespace instill::testing {
namespace {

// Lorem-ipsum-like text from a fixed word list and a fixed linear congruential sequence, so the
// documents (and their tokens) are the same on every machine.
std::string lorem_document(int index, uint32_t& state) {
  static const char* const kWords[] = {
      "lorem", "ipsum",   "dolor",     "sit",      "amet",    "consetetur", "sadipscing", "elitr",
      "sed",   "diam",    "nonumy",    "eirmod",   "tempor",  "invidunt",   "ut",         "labore",
      "et",    "dolore",  "magna",     "aliquyam", "erat",    "voluptua",   "at",         "vero",
      "eos",   "accusam", "justo",     "duo",      "dolores", "ea",         "rebum",      "stet",
      "clita", "kasd",    "gubergren", "no",       "sea",     "takimata",   "sanctus",    "est"};
  auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  std::string text = std::to_string(index);
  bool capital = true;
  for (int word = 0; word < 260; ++word) {
    std::string w = kWords[(next() >> 8) % std::size(kWords)];
    if (capital) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    text += " " + w;
    const uint32_t r = (next() >> 8) % 16;
    capital = r == 0;
    if (r == 0) text += ".";
    if (r == 1) text += ",";
  }
  return text + ".";
}

// 13 documents: 7811 GPT-2 tokens with their end-of-document tokens, so the tiny training
// configs of the tests (512 tokens a step) get their 15 steps.
void write_lorem_jsonl(const fs::path& path) {
  std::string jsonl;
  uint32_t state = 12345;
  for (int i = 0; i < 13; ++i) jsonl += "{\"text\": \"" + lorem_document(i, state) + "\"}\n";
  spit(path, jsonl);
}

void write_pack_config(const fs::path& dir) {
  spit(dir / "pack.yaml",
       "settings:\n  src_path: " + (dir / "lorem.jsonl").string() + "\n  dst_path: " +
           (dir / "lorem.pbin").string() + "\n  index_path: " + (dir / "lorem.idx").string() +
           "\n  jq_pattern: .text\n  num_cpus: 1\n"
           "  eod_token: <|endoftext|>\n  processing_batch_size: 10\n"
           "  raw_samples_queue_size: 20\n  processed_samples_queue_size: 20\n"
           "tokenizer:\n  component_key: tokenizer\n"
           "  variant_key: pretrained_hf_tokenizer\n  config:\n"
           "    pretrained_model_name_or_path: " +
           gpt2_tokenizer_dir().string() + "\n    padding: false\n    truncation: false\n");
}

}  // namespace

fs::path lorem_pbin() {
  const fs::path dir = fs::path(instill_binary()).parent_path() / "test-data";
  const fs::path pbin = dir / "lorem.pbin";
  if (fs::exists(pbin)) return pbin;
  if (!fs::exists(gpt2_tokenizer_dir() / "merges.txt")) return {};
  // Suites run in parallel: each makes its own copy and renames it into place.
  const fs::path work = dir / ("tmp-" + std::to_string(getpid()));
  fs::create_directories(work);
  write_lorem_jsonl(work / "lorem.jsonl");
  write_pack_config(work);
  const std::string bin = shell_quote(instill_binary());
  const CommandResult index = run_command(bin + " data create_raw_index --index_path " +
                                          shell_quote((work / "lorem.idx").string()) + " " +
                                          shell_quote((work / "lorem.jsonl").string()));
  const CommandResult pack =
      run_command(bin + " data pack_encoded_data " + shell_quote((work / "pack.yaml").string()));
  if (index.exit_code != 0 || pack.exit_code != 0)
    throw std::runtime_error("making the test corpus failed: " + index.err + pack.err);
  fs::rename(work / "lorem.pbin", pbin);
  fs::remove_all(work);
  return pbin;
}

}  // namespace instill::testing
