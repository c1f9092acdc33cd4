// The audit's two outputs: readable lines and one JSON object (data/mask_audit.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/mask_audit.hpp"

namespace instill::data {

namespace {

// Linear interpolation between the closest ranks (numpy's default percentile).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

struct Shares {
  double min, p10, median, p90, max;
};

Shares shares_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {quantile(v, 0.0), quantile(v, 0.1), quantile(v, 0.5), quantile(v, 0.9), quantile(v, 1.0)};
}

std::string indices(const DocumentSample& s) {
  std::string out;
  for (uint64_t i : s.first) out += (out.empty() ? "" : ", ") + std::to_string(i);
  return out + (s.count > s.first.size() ? ", ..." : "");
}

std::string count_of(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::vector<std::string> audit_warnings(const SplitAudit& a) {
  std::vector<std::string> w;
  const auto& u = a.unbalanced_markers;
  if (u.count)
    w.push_back(count_of(u.count, "document has", "documents have") +
                " unbalanced loss markers, on which training stops (documents " + indices(u) + ")");
  if (a.zero_trainable.count)
    w.push_back(count_of(a.zero_trainable.count, "document has", "documents have") +
                " no trainable tokens (documents " + indices(a.zero_trainable) + ")");
  if (a.all_trainable.count)
    w.push_back(count_of(a.all_trainable.count, "document trains", "documents train") +
                " every token, the prompt included (documents " + indices(a.all_trainable) + ")");
  if (a.truncated_turns)
    w.push_back(count_of(a.truncated_turns, "assistant turn was", "assistant turns were") +
                " cut by truncation and train no end of turn (documents " + indices(a.truncated) +
                ")");
  if (a.unclosed_turns)
    w.push_back(count_of(a.unclosed_turns, "assistant turn ends", "assistant turns end") +
                " without a trained special token: the template never trains the end of the "
                "turn, so the model may not learn to stop (documents " +
                indices(a.unclosed) + ")");
  if (a.pad && a.pad == a.eos && a.trained_pad)
    w.push_back("the pad token (id " + std::to_string(*a.pad) +
                ") is also the EOS token and is "
                "trained " +
                count_of(a.trained_pad, "time", "times") +
                ": removing padding can drop it, and the reference's marker-mode collator masks "
                "it");
  return w;
}

namespace {

Value sample_json(const DocumentSample& s) {
  ValueList first;
  for (uint64_t i : s.first) first.emplace_back(static_cast<int64_t>(i));
  return Value(ValueMap{{"count", Value(static_cast<int64_t>(s.count))},
                        {"first", Value(std::move(first))}});
}

Value optional_id(std::optional<uint32_t> id) {
  return id ? Value(static_cast<int64_t>(*id)) : Value();
}

Value split_json(const SplitAudit& a) {
  const Shares s = shares_of(a.shares);
  const auto n = [](uint64_t v) { return Value(static_cast<int64_t>(v)); };
  ValueList warnings;
  for (const std::string& w : audit_warnings(a)) warnings.emplace_back(w);
  return Value(ValueMap{
      {"path", Value(a.path)},
      {"split", Value(a.split)},
      {"flags", Value(a.from_mask ? "mask" : "markers")},
      {"documents", n(a.documents)},
      {"tokens", n(a.tokens)},
      {"trainable_tokens", n(a.trainable)},
      {"trainable_share", Value(ValueMap{{"min", Value(s.min)},
                                         {"p10", Value(s.p10)},
                                         {"median", Value(s.median)},
                                         {"p90", Value(s.p90)},
                                         {"max", Value(s.max)}})},
      {"zero_trainable_documents", sample_json(a.zero_trainable)},
      {"all_trainable_documents", sample_json(a.all_trainable)},
      {"unbalanced_marker_documents", sample_json(a.unbalanced_markers)},
      {"turns", Value(ValueMap{{"total", n(a.turns)},
                               {"closed", n(a.closed_turns)},
                               {"truncated", n(a.truncated_turns)},
                               {"unclosed", n(a.unclosed_turns)}})},
      {"truncated_turn_documents", sample_json(a.truncated)},
      {"unclosed_turn_documents", sample_json(a.unclosed)},
      {"pad_token_id", optional_id(a.pad)},
      {"eos_token_id", optional_id(a.eos)},
      {"pad_is_eos", Value(a.pad.has_value() && a.pad == a.eos)},
      {"trained_pad_tokens", n(a.trained_pad)},
      {"warnings", Value(std::move(warnings))},
  });
}

size_t problems(const std::vector<SplitAudit>& audits) {
  size_t n = 0;
  for (const SplitAudit& a : audits) n += audit_warnings(a).size();
  return n;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string split_text(const SplitAudit& a) {
  const Shares s = shares_of(a.shares);
  const double share = a.tokens ? 100.0 * static_cast<double>(a.trainable) / a.tokens : 0.0;
  std::string out = a.split + ": " + a.path + " (flags from " +
                    (a.from_mask ? "its .mask" : "loss markers") + ")\n";
  out += "  " + std::to_string(a.documents) + " documents, " + std::to_string(a.tokens) +
         " tokens, " + std::to_string(a.trainable) + " trainable (" + fixed(share, 1) + "%)\n";
  out += "  trainable share per document: min " + fixed(s.min, 3) + ", p10 " + fixed(s.p10, 3) +
         ", median " + fixed(s.median, 3) + ", p90 " + fixed(s.p90, 3) + ", max " +
         fixed(s.max, 3) + "\n";
  out += "  assistant turns: " + std::to_string(a.turns) + " (" + std::to_string(a.closed_turns) +
         " closed by a trained special token, " + std::to_string(a.truncated_turns) +
         " cut by truncation, " + std::to_string(a.unclosed_turns) + " never closed)\n";
  for (const std::string& w : audit_warnings(a)) out += "  WARNING: " + w + "\n";
  return out;
}

}  // namespace

Value audit_json(const std::vector<SplitAudit>& audits) {
  ValueList splits;
  for (const SplitAudit& a : audits) splits.push_back(split_json(a));
  return Value(ValueMap{{"splits", Value(std::move(splits))},
                        {"problems", Value(static_cast<int64_t>(problems(audits)))}});
}

std::string audit_text(const std::vector<SplitAudit>& audits) {
  std::string out;
  for (const SplitAudit& a : audits) out += split_text(a);
  const size_t n = problems(audits);
  return out + (n == 0 ? "no problems found\n" : count_of(n, "problem", "problems") + "\n");
}

}  // namespace instill::data
