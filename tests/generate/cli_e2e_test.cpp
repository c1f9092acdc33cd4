// The generation verbs end to end, through the `instill` binary: `chat --raw` continues a
// prompt exactly as the PyTorch oracle's greedy decoding does; convert_to_hf of a Hugging
// Face model and of an instill checkpoint gives a directory that generates the same text;
// generate_text loads settings.model_path (Q16) and prints "max tokens reached" only when
// the limit ended generation (Q17); and bad input is a clear error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/python_json.hpp"
#include "test_support.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "train/model/gpt2.hpp"
#include "train/tensor_io.hpp"

namespace instill::testing {
namespace {

const std::string kPython = "/usr/bin/python3 ";

std::string oracle() { return std::string(INSTILL_SOURCE_DIR) + "/tests/train/hf_reference.py"; }
fs::path gpt2_tokenizer() { return gpt2_tokenizer_dir(); }

CommandResult instill(const std::string& args) {
  return run_command("'" + instill_binary() + "' " + args);
}

void copy_tokenizer(const fs::path& to) {
  for (const auto& e : fs::directory_iterator(gpt2_tokenizer()))
    fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
}

// A random Llama with GPT-2's vocabulary and tokenizer files, made by the PyTorch oracle.
fs::path make_llama(const TempDir& tmp) {
  const fs::path dir = tmp / "llama";
  auto r = run_command(kPython + oracle() +
                       " make --arch llama --seed 3 --vocab_size 50257 --out " + dir.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  copy_tokenizer(dir);
  return dir;
}

#define REQUIRE_ORACLE_AND_TOKENIZER()                     \
  do {                                                     \
    INSTILL_REQUIRE_PATH(gpt2_tokenizer() / "merges.txt"); \
    INSTILL_REQUIRE_PYTHON_MODULE("torch");                \
  } while (0)

TEST(ChatCli, RawContinuationMatchesPyTorchGreedyDecoding) {
  REQUIRE_ORACLE_AND_TOKENIZER();
  TempDir tmp;
  const fs::path model = make_llama(tmp);
  const std::string prompt = "Hello, my name is";
  auto tok = tokenizer::HfTokenizer::from_pretrained(gpt2_tokenizer());
  std::string ids;
  for (int32_t id : tok.encode(prompt, {})) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  auto o = run_command(kPython + oracle() + " run --model " + model.string() + " --ids " + ids +
                       " --new 12 --out " + (tmp / "o.json").string());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  std::vector<int32_t> greedy;
  const Value out = json_loads(slurp(tmp / "o.json"));
  for (const auto& v : out.as_map().at("greedy").as_list())
    greedy.push_back(static_cast<int32_t>(v.as_int()));
  const std::string expected = tok.decode(greedy, false, false) + "\n";

  auto r = instill("chat --model " + model.string() + " --prompt '" + prompt +
                   "' --raw --max_new_tokens 12 --temperature 0 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected) << "oracle ids " << ::testing::PrintToString(greedy) << " prompt "
                             << ids;
  // Without the KV cache the same tokens come out.
  auto nc = instill("chat --model " + model.string() + " --prompt '" + prompt +
                    "' --raw --max_new_tokens 12 --temperature 0 --no_cache --threads 1");
  EXPECT_EQ(nc.out, expected);

  // Sampling is reproducible with --seed.
  const std::string sample =
      "chat --model " + model.string() + " --prompt '" + prompt +
      "' --raw --max_new_tokens 12 --temperature 1.2 --top_k 50 --top_p 0.95 "
      "--repetition_penalty 1.1 --threads 1 --seed ";
  auto s1 = instill(sample + "7"), s2 = instill(sample + "7");
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_EQ(s1.out, s2.out);

  // Export and re-import: the exported directory generates the same text.
  auto c = instill("convert_to_hf --checkpoint " + model.string() + " --output " +
                   (tmp / "export").string() + " --dtype float32");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  // GPT-2's vocab.json + merges.txt travel as they are, with a config naming their class.
  for (const char* f : {"config.json", "model.safetensors", "generation_config.json", "vocab.json",
                        "merges.txt", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(tmp / "export" / f)) << f;
  EXPECT_NE(slurp(tmp / "export" / "tokenizer_config.json").find("\"GPT2Tokenizer\""),
            std::string::npos);
  auto e = instill("chat --model " + (tmp / "export").string() + " --prompt '" + prompt +
                   "' --raw --max_new_tokens 12 --temperature 0 --threads 1");
  EXPECT_EQ(e.out, expected);
  // An existing output is never overwritten silently.
  auto again = instill("convert_to_hf --checkpoint " + model.string() + " --output " +
                       (tmp / "export").string());
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
}

// An instill checkpoint of a RoPE/SwiGLU/RMSNorm gpt2 model (what training writes), with
// GPT-2's tokenizer files.
fs::path write_tiny_checkpoint(const TempDir& tmp) {
  train::Gpt2Config g;
  g.vocab_size = 50304;
  g.sequence_length = 64;
  g.n_layer = 2;
  g.n_embd = 32;
  g.n_head_q = 4;
  g.n_head_kv = 2;
  g.ffn_hidden = 64;
  g.rope = true;
  g.rope_head_dim = 8;
  g.activation = train::Gpt2Config::Activation::kSwiglu;
  g.bias = false;
  g.seed = 1;
  g.use_weight_tying = true;
  train::NormConfig rms{train::NormConfig::Type::kRmsNorm, 1e-5, false};
  g.attention_norm = g.ffn_norm = g.lm_head_norm = rms;
  train::Gpt2CausalLM model(g);
  const fs::path ckpt = tmp / "eid_x-seen_steps_1-seen_tokens_1-target_steps_1-target_tokens_1";
  fs::create_directories(ckpt / "tokenizer");
  std::map<std::string, torch::Tensor> params;
  for (auto& [name, p] : model.named_parameters()) params[name] = p;
  train::save_tensors(ckpt / "model.safetensors", params);
  spit(ckpt / "model.json", json_dumps(model.describe()));
  copy_tokenizer(ckpt / "tokenizer");
  return ckpt;
}

// model.json is a file from anywhere: its values get the YAML keys' checks, with the file and
// key named (a zero SwiGLU multiple once divided by zero, a negative epsilon went through).
TEST(ChatCli, OutOfRangeModelJsonValuesNameFileAndKey) {
  INSTILL_REQUIRE_PATH(gpt2_tokenizer() / "merges.txt");
  TempDir tmp;
  const fs::path ckpt = write_tiny_checkpoint(tmp);
  const std::string good = slurp(ckpt / "model.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"swiglu_hidden_multiple\": 256", "\"swiglu_hidden_multiple\": 0"},
      {"\"n_head_q\": 4", "\"n_head_q\": 0"},
      {"\"eps\": 1e-05", "\"eps\": -1e-05"},
  };
  for (const auto& [from, to] : cases) {
    std::string bad = good;
    ASSERT_NE(bad.find(from), std::string::npos) << from << " in " << good;
    bad.replace(bad.find(from), from.size(), to);
    spit(ckpt / "model.json", bad);
    for (const std::string& verb :
         {"chat --model " + ckpt.string() + " --prompt hi --raw",
          "convert_to_hf --checkpoint " + ckpt.string() + " --output " + (tmp / "hf").string()}) {
      auto r = instill(verb);
      EXPECT_EQ(r.exit_code, 1) << to << ": " << r.err;
      EXPECT_NE(r.err.find("model.json"), std::string::npos) << to << ": " << r.err;
      const std::string key = to.substr(1, to.find('"', 1) - 1);
      EXPECT_NE(r.err.find(key), std::string::npos) << to << ": " << r.err;
    }
  }
}

TEST(ChatCli, CheckpointFolderChatsAndExportsAsLlama) {
  INSTILL_REQUIRE_PATH(gpt2_tokenizer() / "merges.txt");
  TempDir tmp;
  const fs::path ckpt = write_tiny_checkpoint(tmp);

  const std::string ask =
      " --prompt 'The cat' --raw --max_new_tokens 10 --temperature 0 --threads 1";
  auto a = instill("chat --model " + ckpt.string() + ask);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_FALSE(a.out.empty());
  auto c =
      instill("convert_to_hf --checkpoint " + ckpt.string() + " --output " + (tmp / "hf").string());
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(slurp(tmp / "hf" / "config.json").find("LlamaForCausalLM"), std::string::npos);
  auto b = instill("chat --model " + (tmp / "hf").string() + ask);
  EXPECT_EQ(b.out, a.out);

  // generate_text with settings.model_path = the checkpoint (reference quirk Q16 fixed).
  const std::string cfg = R"(settings:
  referencing_keys: {sample_key: input_ids, prediction_key: logits}
  model_path: )" + ckpt.string() +
                          R"(
  device: cpu
  sequence_length: 12
text_inference_component:
  component_key: inference_component
  variant_key: text
  config:
    device: ${settings.device}
    model: {instance_key: model_raw, pass_type: BY_REFERENCE}
    tokenizer: {instance_key: tokenizer, pass_type: BY_REFERENCE}
    sequence_length: ${settings.sequence_length}
    eod_token: <|endoftext|>
    prompt_template: "{prompt_input}"
    temperature: 0
tokenizer:
  component_key: tokenizer
  variant_key: pretrained_hf_tokenizer
  config:
    pretrained_model_name_or_path: )" +
                          gpt2_tokenizer().string() + R"(
    padding: false
    truncation: false
)";
  spit(tmp / "gen.yaml", cfg);
  auto t =
      run_command("printf 'The cat\\n' | '" + instill_binary() +
                  "' generate_text --threads 1 --config_file_path " + (tmp / "gen.yaml").string());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("prompt_input: "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("--------------------OUTPUT--------------------\n"), std::string::npos);
  // 2 prompt tokens, sequence_length 12: the same 10 greedy tokens as chat, then the limit.
  const std::string body = a.out.substr(0, a.out.size() - 1);
  EXPECT_NE(t.out.find("--------------------OUTPUT--------------------\n" + body +
                       "\n max tokens reached"),
            std::string::npos)
      << t.out << "\nchat said: " << a.out;
}

// transformers' precedence: the tokenizer folder's chat_template.jinja wins over the
// config's chat_template.
TEST(ChatCli, TheJinjaFileWinsOverTheConfigsTemplate) {
  INSTILL_REQUIRE_PATH(gpt2_tokenizer() / "merges.txt");
  TempDir tmp;
  const fs::path ckpt = write_tiny_checkpoint(tmp);
  spit(
      ckpt / "tokenizer" / "tokenizer_config.json",
      R"({"chat_template": "CONFIG TEMPLATE {% for m in messages %}{{ m.content }}{% endfor %}"})");
  spit(ckpt / "tokenizer" / "chat_template.jinja",
       "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
       "{% if add_generation_prompt %}[assistant] {% endif %}");
  auto r = instill("chat --model " + ckpt.string() +
                   " --prompt hi --max_new_tokens 1 --temperature 0 --stats --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tok = tokenizer::HfTokenizer::from_pretrained(gpt2_tokenizer());
  const size_t prompt_tokens = tok.encode("[user] hi\n[assistant] ", {}).size();
  EXPECT_NE(r.err.find("[" + std::to_string(prompt_tokens) + " prompt tokens"), std::string::npos)
      << r.err;
}

TEST(ChatCli, MissingModelsAndTokenizersAreClearErrors) {
  TempDir tmp;
  auto r = instill("chat --model Some-Org/not-downloaded --prompt hi --raw");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("huggingface-cli download Some-Org/not-downloaded"), std::string::npos)
      << r.err;
  fs::create_directories(tmp / "empty");
  auto e = instill("chat --model " + (tmp / "empty").string() + " --prompt hi --raw");
  EXPECT_NE(e.exit_code, 0);
  EXPECT_NE(e.err.find("neither an instill checkpoint"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace instill::testing
