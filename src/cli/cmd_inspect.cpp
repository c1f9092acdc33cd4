// instill data inspect PBIN --tokenizer DIR [--index N] [--b_token T --e_token T]
// Prints one packed document decoded, with the tokens that count for the loss (strictly
// between a begin and the next end marker, as the loss-masking collator keeps them)
// highlighted: coloured on a terminal, in [[double brackets]] otherwise.
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "data/pbin.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "inspect",
      "Show one document of a .pbin decoded, with the loss-masked (trained) tokens highlighted");
  struct Opts {
    std::string pbin, tokenizer, b_token, e_token;
    int64_t index = 0;
    bool no_color = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("pbin", o->pbin, "Packed data file")->required();
  cmd->add_option("--tokenizer", o->tokenizer, "Hugging Face tokenizer folder or tokenizer.json")
      ->required();
  cmd->add_option("--index", o->index, "Document index (negative counts from the end)")
      ->capture_default_str();
  cmd->add_option("--b_token", o->b_token, "Begin-of-loss marker (e.g. ^ or <|im_start|>)");
  cmd->add_option("--e_token", o->e_token, "End-of-loss marker (e.g. $ or <|im_end|>)");
  cmd->add_flag("--no_color", o->no_color, "Brackets instead of colours even on a terminal");
  cmd->callback([o] {
    using namespace instill;
    data::PbinReader reader(o->pbin);
    auto tok = tokenizer::HfTokenizer::from_pretrained(o->tokenizer);
    const auto n = static_cast<int64_t>(reader.num_documents());
    const int64_t i = o->index < 0 ? o->index + n : o->index;
    if (i < 0 || i >= n)
      throw UsageError("--index " + std::to_string(o->index) + " is out of range: " + o->pbin +
                       " has " + std::to_string(n) + " documents");
    const auto doc = reader.document(static_cast<size_t>(i));
    std::vector<int32_t> ids(doc.begin(), doc.end());
    if (o->b_token.empty() != o->e_token.empty())
      throw UsageError("give both --b_token and --e_token, or neither");
    std::vector<bool> trained(ids.size(), false);
    if (!o->b_token.empty()) {
      std::string warning;
      const int32_t b = tok.get_token_id(o->b_token, &warning),
                    e = tok.get_token_id(o->e_token, &warning);
      if (!warning.empty()) std::cerr << "instill: warning: " << warning << "\n";
      bool inside = false;
      for (size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] == e) inside = false;
        trained[k] = inside && ids[k] != b;
        if (ids[k] == b) inside = true;
      }
    }
    const bool color = !o->no_color && ::isatty(STDOUT_FILENO);
    size_t count = 0;
    for (bool t : trained) count += t;
    std::cout << o->pbin << ": document " << i << " of " << n << ", " << ids.size() << " tokens, "
              << count << " trained\n";
    // A long tail of one repeated token (padding) is summarised instead of printed.
    size_t tail = 0;
    while (tail < ids.size() && ids[ids.size() - 1 - tail] == ids.back()) ++tail;
    const size_t shown = tail > 3 ? ids.size() - tail + 1 : ids.size();
    for (size_t k = 0; k < shown;) {
      size_t end = k;
      while (end < shown && trained[end] == trained[k]) ++end;
      const std::string text =
          tok.decode(std::span<const int32_t>(ids.data() + k, end - k), false, false);
      if (trained[k]) {
        std::cout << (color ? "\033[1;32m" : "[[") << text << (color ? "\033[0m" : "]]");
      } else {
        std::cout << text;
      }
      k = end;
    }
    if (shown < ids.size()) std::cout << " ... (the last token repeated " << tail << " times)";
    std::cout << "\n";
  });
}

INSTILL_COMMAND("inspect", setup);

}  // namespace
