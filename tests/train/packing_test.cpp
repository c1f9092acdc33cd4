// Packed rows must compute exactly what their documents compute one at a time: the same
// hidden states, per-document losses and parameter gradients (fp32, relative 1e-5), for the
// gpt2 model (RoPE, learned absolute positions, grouped-query attention, both attention
// implementations) and the Llama family (GQA, q/k norms, sliding window). Nothing may leak
// between documents: changing one leaves every other one bit for bit the same.
#include <gtest/gtest.h>

#include "train/collators.hpp"
#include "train/loss.hpp"
#include "train/model/gpt2.hpp"
#include "train/model/llama_family.hpp"

namespace instill::train {
namespace {

constexpr int64_t kVocab = 61;

std::shared_ptr<CausalLM> gpt2_model(const std::string& variant) {
  Gpt2Config c;
  c.vocab_size = kVocab;
  c.sequence_length = 64;
  c.n_layer = 2;
  c.n_embd = 32;
  c.n_head_q = 4;
  c.n_head_kv = variant == "gqa" ? 2 : 4;
  c.ffn_hidden = 64;
  c.seed = 7;
  if (variant == "absolute") {
    c.positions = Gpt2Config::Positions::kAbsolute;
  } else {
    c.rope = true;
    c.rope_head_dim = c.head_dim();
  }
  if (variant == "sdpa") c.attention = Gpt2Config::Attention::kSdpa;
  if (variant == "gqa") c.activation = Gpt2Config::Activation::kSwiglu;
  return std::make_shared<Gpt2CausalLM>(c);
}

std::shared_ptr<CausalLM> llama_model(const std::string& variant) {
  torch::manual_seed(11);
  HfModelConfig c;
  c.architecture = variant == "qwen3" ? "Qwen3ForCausalLM" : "MistralForCausalLM";
  c.vocab_size = kVocab;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 8;
  c.max_positions = 128;
  c.qk_norm = variant == "qwen3";
  c.sliding_window = variant == "mistral" ? 5 : 0;
  return std::make_shared<LlamaFamilyLM>(c);
}

std::shared_ptr<CausalLM> make_model(const std::string& name) {
  if (name.rfind("gpt2-", 0) == 0) return gpt2_model(name.substr(5));
  return llama_model(name);
}

std::vector<int64_t> random_document(int64_t length, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor t = torch::randint(0, kVocab, {length}, torch::kInt64);
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + length);
}

// One packed row of the documents (zero-padded to `tokens_width`), collated.
Batch packed_batch(const std::vector<std::vector<int64_t>>& docs, int64_t tokens_width) {
  torch::Tensor tokens = torch::zeros({1, tokens_width}, torch::kInt64);
  RowDocuments documents(1);
  int64_t at = 0;
  for (const auto& d : docs) {
    for (int64_t t : d) tokens[0][at++] = t;
    documents[0].push_back({static_cast<int64_t>(d.size()), {}});
  }
  return Gpt2LlmCollator("input_ids", "target_ids").collate(tokens, {0}, documents);
}

Batch single_batch(const std::vector<int64_t>& doc) {
  torch::Tensor tokens = torch::tensor(doc, torch::kInt64).unsqueeze(0);
  return Gpt2LlmCollator("input_ids", "target_ids").collate(tokens, {0}, {});
}

// Relative to the tensor's largest entry; a tensor whose exact gradient is zero (a key bias
// under learned absolute positions: softmax ignores a shift shared by all keys) holds only
// rounding noise, so its scale is at least `floor`.
double relative_difference(const torch::Tensor& a, const torch::Tensor& b, double floor) {
  const double scale = std::max(b.abs().max().item<double>(), floor);
  return (a - b).abs().max().item<double>() / scale;
}

struct Gradients {
  std::vector<double> losses;  // per document, mean over its targets
  std::vector<torch::Tensor> grads;
};

// Loss = mean over all targets of the documents; gradients of that.
Gradients packed_run(CausalLM& model, const std::vector<std::vector<int64_t>>& docs) {
  model.module().zero_grad();
  Batch b = packed_batch(docs, 64);
  torch::Tensor hidden = model.hidden_states(b.sample("input_ids"), b.layout);
  ClmCrossEntropyLoss loss(ClmLossOptions{});
  Gradients g;
  int64_t at = 0;
  for (const auto& d : docs) {
    const int64_t n = static_cast<int64_t>(d.size()) - 1;
    torch::Tensor only = torch::full_like(b.target("target_ids"), kIgnoredTarget);
    only.narrow(1, at, n).copy_(b.target("target_ids").narrow(1, at, n));
    torch::NoGradGuard no_grad;
    g.losses.push_back(loss(hidden, model.lm_head_weight(), only).item<double>());
    at += n;
  }
  loss(hidden, model.lm_head_weight(), b.target("target_ids")).backward();
  for (auto& [_, p] : model.named_parameters()) g.grads.push_back(p.grad().clone());
  return g;
}

Gradients one_at_a_time(CausalLM& model, const std::vector<std::vector<int64_t>>& docs) {
  model.module().zero_grad();
  ClmCrossEntropyLoss loss(ClmLossOptions{});
  int64_t total = 0;
  for (const auto& d : docs) total += static_cast<int64_t>(d.size()) - 1;
  Gradients g;
  for (const auto& d : docs) {
    Batch b = single_batch(d);
    torch::Tensor l = loss(model.hidden_states(b.sample("input_ids")), model.lm_head_weight(),
                           b.target("target_ids"));
    g.losses.push_back(l.item<double>());
    (l * (static_cast<double>(d.size() - 1) / static_cast<double>(total))).backward();
  }
  for (auto& [_, p] : model.named_parameters()) g.grads.push_back(p.grad().clone());
  return g;
}

class PackedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(PackedModel, LossesAndGradientsEqualTheDocumentsRunOneAtATime) {
  auto model = make_model(GetParam());
  const std::vector<std::vector<int64_t>> docs = {random_document(9, 1), random_document(17, 2),
                                                  random_document(2, 3), random_document(12, 4)};
  Gradients packed = packed_run(*model, docs);
  Gradients alone = one_at_a_time(*model, docs);
  ASSERT_EQ(packed.losses.size(), alone.losses.size());
  for (size_t d = 0; d < docs.size(); ++d)
    EXPECT_NEAR(packed.losses[d], alone.losses[d], 1e-5 * std::abs(alone.losses[d]))
        << "document " << d;
  auto names = model->named_parameters();
  double largest = 0;
  for (const auto& g : alone.grads) largest = std::max(largest, g.abs().max().item<double>());
  for (size_t i = 0; i < packed.grads.size(); ++i)
    EXPECT_LT(relative_difference(packed.grads[i], alone.grads[i], 1e-3 * largest), 1e-5)
        << names[i].first;
}

TEST_P(PackedModel, ChangingOneDocumentLeavesTheOthersBitIdentical) {
  auto model = make_model(GetParam());
  torch::NoGradGuard no_grad;
  std::vector<std::vector<int64_t>> docs = {random_document(10, 5), random_document(14, 6),
                                            random_document(8, 7)};
  Batch a = packed_batch(docs, 40);
  torch::Tensor ha = model->hidden_states(a.sample("input_ids"), a.layout);
  docs[1] = random_document(14, 99);  // same length, other tokens
  Batch b = packed_batch(docs, 40);
  torch::Tensor hb = model->hidden_states(b.sample("input_ids"), b.layout);
  // Document 0 holds positions [0, 9), document 1 [9, 22), document 2 [22, 29).
  EXPECT_TRUE(torch::equal(ha.narrow(1, 0, 9), hb.narrow(1, 0, 9))) << "before the change";
  EXPECT_TRUE(torch::equal(ha.narrow(1, 22, 7), hb.narrow(1, 22, 7))) << "after the change";
  EXPECT_FALSE(torch::equal(ha.narrow(1, 9, 13), hb.narrow(1, 9, 13)));
  // A document's first target is its own second token, never the next document's first.
  EXPECT_EQ(a.target("target_ids")[0][8].item<int64_t>(), docs[0][9]);
  EXPECT_EQ(a.target("target_ids")[0][9].item<int64_t>(),
            a.sample("input_ids")[0][10].item<int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Families, PackedModel,
                         ::testing::Values("gpt2-rope", "gpt2-absolute", "gpt2-gqa", "gpt2-sdpa",
                                           "llama", "qwen3", "mistral"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

std::vector<int64_t> values(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().view({-1});
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(PackedCollator, ShiftsEachDocumentOnItsOwnAndMarksTheFiller) {
  torch::Tensor tokens =
      torch::tensor({1, 2, 3, 4, 5, 6, 7, 0, 8, 9, 0, 0, 0, 0, 0, 0}, torch::kInt64).view({2, 8});
  RowDocuments docs = {{{3, {}}, {4, {}}}, {{2, {}}}};
  Batch b = Gpt2LlmCollator("input_ids", "target_ids").collate(tokens, {4, 5}, docs);
  EXPECT_EQ(values(b.sample("input_ids")), (std::vector<int64_t>{1, 2, 4, 5, 6, 8, 0, 0, 0, 0}));
  EXPECT_EQ(values(b.target("target_ids")),
            (std::vector<int64_t>{2, 3, 5, 6, 7, 9, -100, -100, -100, -100}));
  ASSERT_EQ(b.layout.rows.size(), 2u);
  EXPECT_EQ(b.layout.rows[0].size(), 2u);
  EXPECT_EQ(b.layout.rows[0][1].length, 3);
  EXPECT_EQ(b.padding_positions, 4);
  EXPECT_EQ(values(b.layout.position_ids(5)), (std::vector<int64_t>{0, 1, 0, 1, 2, 0, 0, 0, 0, 0}));
}

TEST(PackedCollator, LossMarkersAreAppliedWithinEachDocument) {
  // Markers: 0 begins, 1 ends. Document 1 leaves a span open at its end; document 2 must
  // not inherit it.
  auto wrapped = std::make_shared<Gpt2LlmCollator>("input_ids", "target_ids");
  MaskLossCollatorWrapper c(wrapped, {"target_ids"}, 0, 1, -100);
  torch::Tensor tokens = torch::tensor({5, 0, 6, 7, 9, 9, 0, 8, 1}, torch::kInt64).view({1, 9});
  RowDocuments docs = {{{4, {}}, {5, {}}}};
  Batch b = c.collate(tokens, {0}, docs);
  // Targets: doc 1 [0, 6, 7] -> 6, 7 kept; doc 2 [9, 0, 8, 1] -> only 8 kept.
  EXPECT_EQ(values(b.target("target_ids")),
            (std::vector<int64_t>{-100, 6, 7, -100, -100, 8, -100}));
}

TEST(PackedCollator, ASplitDocumentKeepsItsOpenLossSpan) {
  auto wrapped = std::make_shared<Gpt2LlmCollator>("input_ids", "target_ids");
  MaskLossCollatorWrapper c(wrapped, {"target_ids"}, 0, 1, -100);
  // The whole document 5 0 6 7 8 1 5 split as [5 0 6 7] and [7 8 1 5] (overlap: 7).
  torch::Tensor tokens = torch::tensor({7, 8, 1, 5}, torch::kInt64).view({1, 4});
  RowDocuments docs = {{{4, {5, 0, 6}}}};
  Batch b = c.collate(tokens, {0}, docs);
  EXPECT_EQ(values(b.target("target_ids")), (std::vector<int64_t>{8, -100, -100}));
  // Unsplit, the same tokens trained: 6 7 8 of 5 0 6 7 8 1 5.
  Batch whole =
      c.collate(torch::tensor({5, 0, 6, 7, 8, 1, 5}, torch::kInt64).view({1, 7}), {0}, {});
  EXPECT_EQ(values(whole.target("target_ids")), (std::vector<int64_t>{-100, 6, 7, 8, -100, -100}));
}

}  // namespace
}  // namespace instill::train
