#pragma once
// Which tokens of a .pbin train, and an audit of them (`instill data audit`): per split the
// trainable share of the documents, documents that train nothing or everything, and assistant
// turns (maximal runs of trainable tokens) that do not end in a trained special token, i.e.
// whose reply was cut by truncation or whose template never trains the end of the turn.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/value.hpp"
#include "data/pbin.hpp"
#include "data/token_mask_file.hpp"

namespace instill::tokenizer {
class HfTokenizer;
}

namespace instill::data {

// The loss markers of marker-mode data (b_include_to_loss_token, e_include_to_loss_token).
struct LossMarkers {
  uint32_t begin = 0, end = 0;
};

// The same markers as token strings (--b_token/--e_token, or a chat template config's).
struct MarkerTokens {
  std::string begin, end;
};

// One flag per token of a document under the loss-masking collator's rule: a token trains when
// it comes strictly after a begin marker and before the next end marker; token 0 never trains
// (it is no target). An end before its begin, or two begins, stops the rule there: the token's
// position goes to *unbalanced_at when given, else an Error is thrown.
std::vector<uint8_t> marker_flags(std::span<const uint32_t> ids, LossMarkers markers,
                                  std::optional<size_t>* unbalanced_at = nullptr);

// The flags training uses for each document of a pbin: its stored .mask when there is one
// (markers are then ignored), else the loss markers.
class TrainableFlags {
 public:
  TrainableFlags(const PbinReader& pbin, std::optional<LossMarkers> markers);
  bool from_mask() const { return mask_.has_value(); }
  bool available() const { return mask_ || markers_; }
  // Flags of document i (its tokens `ids`), token 0 always 0. A UsageError when !available().
  std::vector<uint8_t> document(size_t i, std::span<const uint32_t> ids,
                                std::optional<size_t>* unbalanced_at = nullptr) const;

 private:
  const PbinReader& pbin_;
  std::optional<TokenMaskReader> mask_;
  std::optional<LossMarkers> markers_;
};

// What the audit needs of the tokenizer.
struct AuditTokens {
  std::unordered_set<uint32_t> special;  // added tokens marked special (end-of-turn, EOS, ...)
  std::optional<uint32_t> pad, eos;
  std::optional<uint32_t> eod;  // none: a document's last token is taken as its end
};

AuditTokens audit_tokens(const tokenizer::HfTokenizer& tok, std::optional<uint32_t> eod);

// A count with the first few document indices.
struct DocumentSample {
  uint64_t count = 0;
  std::vector<uint64_t> first;
  void add(uint64_t index);
};

struct SplitAudit {
  std::string path, split;
  bool from_mask = false;
  uint64_t documents = 0, tokens = 0, trainable = 0;
  // Per document: trainable tokens / tokens before the padding and the end-of-document token.
  std::vector<double> shares;
  DocumentSample zero_trainable, all_trainable, unbalanced_markers;
  // Turns: closed by a trained special token, cut by truncation (reaching the document's last
  // real token) or never closed; the documents of the last two.
  uint64_t turns = 0, closed_turns = 0, truncated_turns = 0, unclosed_turns = 0;
  DocumentSample truncated, unclosed;
  std::optional<uint32_t> pad, eos;
  uint64_t trained_pad = 0;  // trained tokens that are the pad token
};

SplitAudit audit_pbin(const PbinReader& pbin, const TrainableFlags& flags,
                      const AuditTokens& tokens);

struct AuditOptions {
  std::optional<std::filesystem::path> tokenizer;  // else each pbin config's
  std::optional<MarkerTokens> markers;             // else each chat template config's
};

// Every *.pbin of a prepared folder (in name order), or the one .pbin given.
std::vector<SplitAudit> audit_prepared(const std::filesystem::path& input,
                                       const AuditOptions& options);

// One sentence per problem found.
std::vector<std::string> audit_warnings(const SplitAudit& audit);

// {"splits": [...], "problems": N} with stable keys.
Value audit_json(const std::vector<SplitAudit>& audits);
// A short summary per split, WARNING lines, and "no problems found" or "N problems".
std::string audit_text(const std::vector<SplitAudit>& audits);

}  // namespace instill::data
