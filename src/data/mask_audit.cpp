#include "data/mask_audit.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "data/pbin_context.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {

namespace fs = std::filesystem;

std::vector<uint8_t> marker_flags(std::span<const uint32_t> ids, LossMarkers markers,
                                  std::optional<size_t>* unbalanced_at) {
  std::vector<uint8_t> flags(ids.size(), 0);
  int count = 0;
  // Token k is the collator's target k - 1: the count rises after a begin marker at token
  // k - 1 (never token 0, which is no target's predecessor there) and falls at an end at k.
  for (size_t k = 1; k < ids.size(); ++k) {
    if (k >= 2 && ids[k - 1] == markers.begin) ++count;
    if (ids[k] == markers.end) --count;
    if (count < 0 || count > 1) {
      if (unbalanced_at) {
        *unbalanced_at = k;
        return flags;
      }
      throw Error("token " + std::to_string(k) + ": " +
                  (count < 0 ? "an end-of-loss marker comes before its begin marker"
                             : "two begin-of-loss markers without an end marker between them"));
    }
    flags[k] = count == 1;
  }
  return flags;
}

TrainableFlags::TrainableFlags(const PbinReader& pbin, std::optional<LossMarkers> markers)
    : pbin_(pbin), mask_(stored_mask_of(pbin)), markers_(markers) {}

std::vector<uint8_t> TrainableFlags::document(size_t i, std::span<const uint32_t> ids,
                                              std::optional<size_t>* unbalanced_at) const {
  const std::string where = pbin_.path().string() + ", document " + std::to_string(i);
  if (mask_) {
    const auto ts = static_cast<uint64_t>(pbin_.token_size());
    const auto [offset, length] = pbin_.index().at(i);
    const auto flags = mask_->flags(offset / ts, (offset + length) / ts);
    if (flags.size() != ids.size())
      throw Error(where + ": expected " + std::to_string(ids.size()) + " mask flags, got " +
                  std::to_string(flags.size()));
    std::vector<uint8_t> out(flags.begin(), flags.end());
    if (!out.empty()) out[0] = 0;  // a document's first token is never a target
    return out;
  }
  if (!markers_)
    throw UsageError(pbin_.path().string() + ": no " +
                     token_mask_path(pbin_.path()).filename().string() +
                     " beside it, so the loss markers are needed: give --b_token and --e_token");
  try {
    return marker_flags(ids, *markers_, unbalanced_at);
  } catch (const Error& e) {
    throw e.with_context(where);
  }
}

AuditTokens audit_tokens(const tokenizer::HfTokenizer& tok, std::optional<uint32_t> eod) {
  AuditTokens t;
  for (const auto& added : tok.core().added_vocabulary().tokens())
    if (added.special) t.special.insert(static_cast<uint32_t>(added.id));
  if (auto pad = tok.special_token_id("pad_token")) t.pad = static_cast<uint32_t>(*pad);
  if (auto eos = tok.special_token_id("eos_token")) t.eos = static_cast<uint32_t>(*eos);
  t.eod = eod;
  return t;
}

void DocumentSample::add(uint64_t index) {
  if (first.size() < 10) first.push_back(index);
  ++count;
}

namespace {

// One past the document's last real token: before its end-of-document token and the trailing
// pad tokens, except pads that train (an end of turn that is also the pad token), as the packed
// SFT dataset strips them.
size_t real_end(std::span<const uint32_t> ids, const std::vector<uint8_t>& flags,
                const AuditTokens& t) {
  size_t n = ids.size();
  if (n > 1 && (!t.eod || ids[n - 1] == *t.eod)) --n;
  while (n > 1 && t.pad && ids[n - 1] == *t.pad && !flags[n - 1]) --n;
  return n;
}

// Sorts the turns (maximal trained runs) of one document.
void audit_turns(std::span<const uint32_t> ids, const std::vector<uint8_t>& flags, size_t end,
                 const AuditTokens& t, uint64_t index, SplitAudit& a) {
  bool truncated = false, unclosed = false;
  for (size_t k = 0; k < flags.size();) {
    if (!flags[k]) {
      ++k;
      continue;
    }
    size_t last = k;
    while (last + 1 < flags.size() && flags[last + 1]) ++last;
    ++a.turns;
    if (last + 1 > end || (last + 1 == end && !t.special.count(ids[last]))) {
      ++a.truncated_turns;  // reaches the last real token without a special one, or trains past it
      truncated = true;
    } else if (t.special.count(ids[last])) {
      ++a.closed_turns;
    } else {
      ++a.unclosed_turns;
      unclosed = true;
    }
    k = last + 1;
  }
  if (truncated) a.truncated.add(index);
  if (unclosed) a.unclosed.add(index);
}

void audit_document(std::span<const uint32_t> ids, const std::vector<uint8_t>& flags,
                    const AuditTokens& t, uint64_t index, SplitAudit& a) {
  const size_t end = real_end(ids, flags, t);
  const auto trained = static_cast<uint64_t>(std::count(flags.begin(), flags.end(), 1));
  const auto trained_real = std::count(flags.begin(), flags.begin() + end, 1);
  a.tokens += ids.size();
  a.trainable += trained;
  a.shares.push_back(static_cast<double>(trained_real) /
                     static_cast<double>(std::max<size_t>(end, 1)));
  if (trained == 0) a.zero_trainable.add(index);
  if (end >= 2 && trained_real == static_cast<std::ptrdiff_t>(end - 1)) a.all_trainable.add(index);
  for (size_t k = 0; k < ids.size(); ++k)
    if (flags[k] && t.pad && ids[k] == *t.pad) ++a.trained_pad;
  audit_turns(ids, flags, end, t, index, a);
}

}  // namespace

SplitAudit audit_pbin(const PbinReader& pbin, const TrainableFlags& flags,
                      const AuditTokens& tokens) {
  SplitAudit a;
  a.path = pbin.path().string();
  a.from_mask = flags.from_mask();
  a.pad = tokens.pad;
  a.eos = tokens.eos;
  a.documents = pbin.num_documents();
  for (size_t i = 0; i < pbin.num_documents(); ++i) {
    const std::vector<uint32_t> ids = pbin.document(i);
    std::optional<size_t> unbalanced;
    const std::vector<uint8_t> f = flags.document(i, ids, &unbalanced);
    if (unbalanced) a.unbalanced_markers.add(i);
    audit_document(ids, f, tokens, i, a);
  }
  return a;
}

namespace {

std::vector<fs::path> pbins_of(const fs::path& input) {
  if (fs::is_regular_file(input)) return {input};
  if (!fs::is_directory(input))
    throw Error(input.string() +
                ": no such file or folder (expected a prepared folder or a .pbin)");
  std::vector<fs::path> pbins;
  for (const auto& entry : fs::directory_iterator(input))
    if (entry.is_regular_file() && entry.path().extension() == ".pbin")
      pbins.push_back(entry.path());
  std::sort(pbins.begin(), pbins.end());
  if (pbins.empty())
    throw Error(input.string() + ": expected .pbin files in this folder, found none");
  return pbins;
}

SplitAudit audit_file(const fs::path& path, const AuditOptions& options) {
  const PbinReader reader(path);
  const PbinContext context = pbin_context(path);
  const PbinTokenizer tok = load_pbin_tokenizer(context, options.tokenizer);
  std::optional<LossMarkers> markers;
  if (!fs::exists(token_mask_path(path)))
    markers = load_loss_markers(context, *tok.tokenizer, options.markers);
  const TrainableFlags flags(reader, markers);
  if (!flags.available())
    throw UsageError(path.string() + ": expected " + token_mask_path(path).filename().string() +
                     " beside it or loss markers (--b_token and --e_token)");
  SplitAudit a = audit_pbin(reader, flags, audit_tokens(*tok.tokenizer, tok.eod));
  a.split = context.split;
  return a;
}

}  // namespace

std::vector<SplitAudit> audit_prepared(const fs::path& input, const AuditOptions& options) {
  std::vector<SplitAudit> audits;
  for (const fs::path& pbin : pbins_of(input)) audits.push_back(audit_file(pbin, options));
  return audits;
}

}  // namespace instill::data
