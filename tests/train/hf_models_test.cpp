// Hugging Face architectures against an independent PyTorch implementation written from
// transformers' definitions (tests/train/hf_reference.py): for a random small model of each
// architecture, the logits of a prompt agree to 1e-4 relative and greedy generation (with
// and without the KV cache) picks the same tokens. Also: bf16 and sharded files, import ->
// export -> import exactness, the gpt2 -> Hugging Face mapping, and malformed inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.hpp"
#include "core/python_json.hpp"
#include "generate/generator.hpp"
#include "test_support.hpp"
#include "torch_oracle.hpp"
#include "train/model/gpt2.hpp"
#include "train/model/hf_pretrained.hpp"
#include "train/model/llama_family.hpp"

namespace instill::train {
namespace {

using testing::run_command;
using testing::TempDir;

const std::string kPrompt = "5,17,42,8,99,3,250,61,7,130,11,64";
constexpr int kNew = 10;

std::string oracle() { return std::string(INSTILL_SOURCE_DIR) + "/tests/train/hf_reference.py"; }

void make_model(const std::filesystem::path& dir, const std::string& args) {
  auto r = run_command("/usr/bin/python3 " + oracle() + " make --out " + dir.string() + " " + args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

struct OracleRun {
  torch::Tensor logits;  // [L, V]
  std::vector<int64_t> greedy;
};

OracleRun run_oracle(const std::filesystem::path& dir, const TempDir& tmp) {
  const std::string out = (tmp / "oracle.json").string();
  auto r = run_command("/usr/bin/python3 " + oracle() + " run --model " + dir.string() + " --ids " +
                       kPrompt + " --new " + std::to_string(kNew) + " --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Value v = json_loads(testing::slurp(out));
  OracleRun o;
  std::vector<float> flat;
  int64_t rows = 0, cols = 0;
  for (const auto& row : v.as_map().at("logits").as_list()) {
    cols = static_cast<int64_t>(row.as_list().size());
    for (const auto& x : row.as_list()) flat.push_back(static_cast<float>(x.to_double()));
    ++rows;
  }
  o.logits = torch::tensor(flat).view({rows, cols});
  for (const auto& id : v.as_map().at("greedy").as_list()) o.greedy.push_back(id.as_int());
  return o;
}

std::vector<int64_t> prompt_ids() {
  std::vector<int64_t> ids;
  std::stringstream ss(kPrompt);
  for (std::string t; std::getline(ss, t, ',');) ids.push_back(std::stoll(t));
  return ids;
}

std::vector<int64_t> greedy(CausalLM& model, bool cache) {
  generate::Generator g(model, torch::kCPU);
  generate::SamplingOptions s;
  s.temperature = 0;
  generate::Sampler sampler(s);
  generate::GenerateOptions o;
  o.max_new_tokens = kNew;
  o.use_cache = cache;
  return g.generate(prompt_ids(), o, sampler).tokens;
}

void expect_matches_oracle(const std::string& make_args) {
  TempDir tmp;
  const auto dir = tmp / "model";
  make_model(dir, make_args);
  const OracleRun ref = run_oracle(dir, tmp);
  auto model = load_hf_model(dir);
  model->module().eval();
  torch::NoGradGuard no_grad;
  torch::Tensor ids = torch::tensor(prompt_ids(), torch::kInt64).unsqueeze(0);
  torch::Tensor logits = model->logits(ids).squeeze(0);
  ASSERT_EQ(logits.sizes(), ref.logits.sizes());
  const double scale = ref.logits.abs().max().item<double>();
  const double err = (logits - ref.logits).abs().max().item<double>();
  EXPECT_LE(err, 1e-4 * scale) << make_args << ": max |diff| " << err << " vs max |logit| "
                               << scale;
  EXPECT_EQ(greedy(*model, /*cache=*/true), ref.greedy) << make_args << " (KV cache)";
  EXPECT_EQ(greedy(*model, /*cache=*/false), ref.greedy) << make_args << " (no cache)";
}

class HfArchitecture : public ::testing::TestWithParam<std::string> {};

TEST_P(HfArchitecture, LogitsAndGreedyTokensMatchPyTorchReference) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  expect_matches_oracle(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Oracle, HfArchitecture,
                         ::testing::Values("--arch qwen2 --seed 1", "--arch qwen3 --seed 2",
                                           "--arch llama --seed 3", "--arch llama3 --seed 4",
                                           "--arch mistral --seed 5 --sliding_window 4",
                                           "--arch gpt2 --seed 6",
                                           "--arch llama --seed 7 --attention_bias --mlp_bias",
                                           "--arch qwen2 --seed 8 --dtype bfloat16 --shards 3",
                                           "--arch gpt2 --seed 9 --dtype float16 --shards 2"));

// Parameters of two models, by name, must be bitwise equal.
void expect_same_parameters(CausalLM& a, CausalLM& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
  }
}

TEST(HfRoundTrip, ImportExportImportIsExact) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  for (const char* arch : {"qwen3", "gpt2", "llama3"}) {
    TempDir tmp;
    make_model(tmp / "in", std::string("--arch ") + arch + " --seed 11");
    auto first = load_hf_model(tmp / "in");
    write_hf_model(tmp / "out", export_hf(*first), torch::kFloat32, 1ull << 40);
    auto second = load_hf_model(tmp / "out");
    expect_same_parameters(*first, *second);
    // Sharded export (tiny shard limit) reads back the same.
    write_hf_model(tmp / "sharded", export_hf(*first), torch::kFloat32, 20000);
    EXPECT_TRUE(std::filesystem::exists(tmp / "sharded" / "model.safetensors.index.json"));
    auto third = load_hf_model(tmp / "sharded");
    expect_same_parameters(*first, *third);
  }
}

Gpt2Config reference_gpt2(bool llama_like) {
  Gpt2Config g;
  g.vocab_size = 96;
  g.sequence_length = 32;
  g.n_layer = 2;
  g.n_embd = 32;
  g.n_head_q = 4;
  g.n_head_kv = llama_like ? 2 : 4;
  g.ffn_hidden = 64;
  g.seed = 5;
  if (llama_like) {
    g.rope = true;
    g.rope_head_dim = 8;
    g.activation = Gpt2Config::Activation::kSwiglu;
    g.swiglu_hidden_multiple = 16;
    g.bias = false;
    NormConfig rms{NormConfig::Type::kRmsNorm, 1e-5, false};
    g.attention_norm = g.ffn_norm = g.lm_head_norm = rms;
  } else {
    g.positions = Gpt2Config::Positions::kAbsolute;
    g.use_weight_tying = true;
  }
  return g;
}

TEST(HfExportOfReferenceGpt2, ExportedModelComputesTheSameLogits) {
  for (bool llama_like : {false, true}) {
    TempDir tmp;
    Gpt2CausalLM model(reference_gpt2(llama_like));
    model.module().eval();
    HfExport e = export_hf(model);
    EXPECT_EQ(e.config.as_map().at("architectures").as_list()[0].as_string(),
              llama_like ? "LlamaForCausalLM" : "GPT2LMHeadModel");
    write_hf_model(tmp / "hf", e, torch::kFloat32, 1ull << 40);
    auto loaded = load_hf_model(tmp / "hf");
    loaded->module().eval();
    torch::NoGradGuard no_grad;
    torch::Tensor ids = torch::randint(0, 96, {2, 20}, torch::kInt64);
    // The reference's manual attention has dropout 0 here, so outputs are deterministic.
    EXPECT_TRUE(torch::allclose(model.logits(ids), loaded->logits(ids), 1e-5, 1e-5))
        << (llama_like ? "llama" : "gpt2");
  }
}

TEST(HfExportOfReferenceGpt2, NoFittingArchitectureIsAClearError) {
  Gpt2Config g = reference_gpt2(false);
  g.positions = Gpt2Config::Positions::kNone;  // NOPE without RoPE: no HF model does that
  Gpt2CausalLM model(g);
  try {
    export_hf(model);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no Hugging Face architecture fits"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("poe_type ABSOLUTE"), std::string::npos) << e.what();
  }
}

TEST(KvCache, CachedDecodingEqualsFullRecomputeForReferenceGpt2) {
  for (bool llama_like : {false, true}) {
    Gpt2CausalLM model(reference_gpt2(llama_like));
    model.module().eval();
    torch::NoGradGuard no_grad;
    torch::Tensor ids = torch::randint(0, 96, {1, 12}, torch::kInt64);
    torch::Tensor full = model.hidden_states(ids);
    KvCache cache;
    // Prefill 5 positions, then one at a time.
    std::vector<torch::Tensor> parts = {model.hidden_states_cached(ids.narrow(1, 0, 5), cache)};
    for (int64_t t = 5; t < 12; ++t)
      parts.push_back(model.hidden_states_cached(ids.narrow(1, t, 1), cache));
    EXPECT_EQ(cache.length(), 12);
    EXPECT_TRUE(torch::allclose(torch::cat(parts, 1), full, 1e-5, 1e-5));
  }
}

TEST(HfImport, MalformedDirectoriesAreClearErrors) {
  TempDir tmp;
  auto expect_error = [&](const std::string& what, const std::string& needle) {
    try {
      load_hf_model(tmp / "m");
      ADD_FAILURE() << what << ": expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << what << ": " << e.what();
    }
  };
  std::filesystem::create_directories(tmp / "m");
  testing::spit(tmp / "m" / "config.json",
                R"({"architectures": ["BertForMaskedLM"], "vocab_size": 10})");
  expect_error("unsupported architecture", "Qwen2ForCausalLM");
  testing::spit(tmp / "m" / "config.json",
                R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8,
                    "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2})");
  expect_error("no weights", "no model.safetensors");
  testing::spit(tmp / "m" / "model.safetensors", std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  expect_error("empty weights", "missing tensor \"model.embed_tokens.weight\"");
}

}  // namespace
}  // namespace instill::train
