// instill data audit PREPARED_DIR_OR_PBIN [--json] [--tokenizer DIR] [--b_token T --e_token T]
// Reports, per split, which tokens training keeps as targets (from each pbin's .mask, else the
// loss markers) and the problems of those masks (data/mask_audit.hpp). A report: problems
// found still exit 0.
#include <iostream>

#include "cli/command.hpp"
#include "core/python_json.hpp"
#include "data/mask_audit.hpp"
#include "data/pbin_context.hpp"

namespace {

struct AuditArgs {
  std::string input, tokenizer, b_token, e_token;
  bool json = false;
};

void run_audit(const AuditArgs& a) {
  using namespace instill;
  data::AuditOptions options;
  if (!a.tokenizer.empty()) options.tokenizer = a.tokenizer;
  options.markers = data::marker_options(a.b_token, a.e_token);
  const auto audits = data::audit_prepared(a.input, options);
  if (a.json) {
    JsonDumpOptions pretty;
    pretty.indent = "  ";
    std::cout << json_dumps(data::audit_json(audits), pretty) << "\n";
  } else {
    std::cout << data::audit_text(audits);
  }
}

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "audit",
      "Report the trainable tokens of prepared data per split, and the problems of its loss masks");
  auto a = std::make_shared<AuditArgs>();
  cmd->add_option("input", a->input, "Prepared folder (every *.pbin in it) or one .pbin")
      ->required();
  cmd->add_option("--tokenizer", a->tokenizer,
                  "Hugging Face tokenizer folder (default: the one of each "
                  "pbin_config_<split>.<hash>.yaml beside the pbin)");
  cmd->add_option("--b_token", a->b_token,
                  "Begin-of-loss marker for pbins without a .mask (default: the prepared "
                  "folder's instruction_chat_template_config)");
  cmd->add_option("--e_token", a->e_token, "End-of-loss marker for pbins without a .mask");
  cmd->add_flag("--json", a->json, "One JSON object instead of the summary");
  cmd->callback([a] { run_audit(*a); });
}

INSTILL_COMMAND("audit", setup);

}  // namespace
