// instill data inspect PBIN [--tokenizer DIR] [--index N] [--b_token T --e_token T] [--json]
// Prints one packed document decoded, with the tokens training keeps as targets highlighted
// (coloured on a terminal, in [[double brackets]] otherwise), or as JSON ids and 0/1 flags.
// The flags come from the .mask beside the pbin when there is one, else from the loss markers
// (data/mask_audit.hpp).
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "data/document_view.hpp"
#include "data/pbin_context.hpp"

namespace {

struct InspectOptions {
  std::string pbin, tokenizer, b_token, e_token;
  int64_t index = 0;
  bool no_color = false, json = false;
};

void run_inspect(const InspectOptions& o) {
  using namespace instill;
  const data::PbinReader reader(o.pbin);
  const data::PbinContext context = data::pbin_context(o.pbin);
  const auto given = data::marker_options(o.b_token, o.e_token);
  const bool masked = std::filesystem::exists(data::token_mask_path(o.pbin));
  std::optional<data::PbinTokenizer> tok;
  // JSON from a stored mask needs no tokenizer; text and markers do.
  if (!o.json || !masked) {
    std::optional<std::filesystem::path> dir;
    if (!o.tokenizer.empty()) dir = o.tokenizer;
    tok = data::load_pbin_tokenizer(context, dir);
  }
  std::optional<data::LossMarkers> markers;
  if (!masked) markers = data::load_loss_markers(context, *tok->tokenizer, given);
  const data::TrainableFlags flags(reader, markers);
  if (o.json && !flags.available())
    throw UsageError(o.pbin + ": no " + data::token_mask_path(o.pbin).filename().string() +
                     " beside it, so --json needs the loss markers: give --b_token and --e_token");
  const data::DocumentView view = data::view_document(reader, o.index, flags);
  // Decoding drops ids the tokenizer does not know: say so instead of showing a shorter text.
  if (tok) {
    const size_t bound = tok->tokenizer->id_bound();
    const std::string warning = data::out_of_vocabulary_warning(
        data::out_of_vocabulary(view.ids, bound), view.index, bound);
    if (!warning.empty()) std::cerr << "instill: warning: " << o.pbin << ": " << warning << "\n";
  }
  if (o.json) {
    std::cout << data::document_json(view) << "\n";
    return;
  }
  size_t trained = 0;
  for (uint8_t f : view.trainable) trained += f;
  std::cout << o.pbin << ": document " << view.index << " of " << view.documents << ", "
            << view.ids.size() << " tokens, " << trained << " trained\n"
            << data::highlighted_text(view, *tok->tokenizer, !o.no_color && ::isatty(STDOUT_FILENO))
            << "\n";
}

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "inspect",
      "Show one document of a .pbin decoded, with the loss-masked (trained) tokens highlighted");
  auto o = std::make_shared<InspectOptions>();
  cmd->add_option("pbin", o->pbin, "Packed data file")->required();
  cmd->add_option("--tokenizer", o->tokenizer,
                  "Hugging Face tokenizer folder or tokenizer.json (default: the one of the "
                  "pbin_config_<split>.<hash>.yaml beside the pbin)");
  cmd->add_option("--index", o->index, "Document index (negative counts from the end)")
      ->capture_default_str();
  cmd->add_option("--b_token", o->b_token,
                  "Begin-of-loss marker (e.g. ^); default: the prepared folder's; unused when a "
                  ".mask lies beside the pbin");
  cmd->add_option("--e_token", o->e_token, "End-of-loss marker (e.g. $)");
  cmd->add_flag("--no_color", o->no_color, "Brackets instead of colours even on a terminal");
  cmd->add_flag("--json", o->json,
                "Print {\"ids\": [...], \"trainable\": [0/1, ...]} as training uses them");
  cmd->callback([o] { run_inspect(*o); });
}

INSTILL_COMMAND("inspect", setup);

}  // namespace
