// instill convert_to_hf --checkpoint DIR --output DIR [--dtype D] [--max_shard_size BYTES]
//                       [--tokenizer DIR] [--template FILE.jinja] [--overwrite]
// Writes a Hugging Face model directory (config.json, model.safetensors or shards with an
// index, generation_config.json, tokenizer files with the chat template) from an instill
// checkpoint, so transformers, vLLM or llama.cpp's converter can load the tuned model.
#include <torch/torch.h>
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"
#include "generate/inference_model.hpp"
#include "tokenizer/tokenizer_files.hpp"
#include "train/model/hf_pretrained.hpp"

namespace {

using namespace instill;
namespace fs = std::filesystem;

struct ConvertOptions {
  std::string checkpoint, output, dtype = "float32", tokenizer, template_file;
  uint64_t max_shard_size = 5'000'000'000;
  bool overwrite = false;
};

JsonDumpOptions pretty() {
  JsonDumpOptions p;
  p.indent = "  ";
  return p;
}

// Writes the tokenizer of `from` as Hugging Face loads it (save_tokenizer_files); sets the chat
// template if one is given.
void copy_tokenizer(const fs::path& from, const fs::path& to, const std::string& template_file) {
  tokenizer::save_tokenizer_files(tokenizer::HfTokenizer::from_pretrained(from), to);
  if (template_file.empty()) return;
  Value config = json_loads(read_file(to / "tokenizer_config.json"));
  config.as_map().set("chat_template", read_file(template_file));
  write_file_atomic(to / "tokenizer_config.json", json_dumps(config, pretty()) + "\n");
  fs::remove(to / "chat_template.jinja");  // the config's template is the one now
}

void convert(const ConvertOptions& o) {
  if (!o.template_file.empty() && fs::path(o.template_file).extension() != ".jinja")
    throw Error("--template: expected a Hugging Face chat template file (.jinja)",
                ErrorKind::kUsage);
  const fs::path out = o.output;
  if (fs::exists(out) && !fs::is_empty(out) && !o.overwrite)
    throw Error(out.string() + " exists and is not empty (pass --overwrite to replace it)",
                ErrorKind::kUsage);
  const torch::ScalarType dtype = train::torch_dtype_from_name(o.dtype);
  generate::InferenceModel m = generate::load_inference_model(o.checkpoint, torch::kCPU);
  train::HfExport e = train::export_hf(*m.model);

  const fs::path tmp =
      out.parent_path() / (".tmp-" + out.filename().string() + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  try {
    train::write_hf_model(tmp, e, dtype, o.max_shard_size);
    std::optional<fs::path> tok_dir;
    if (!o.tokenizer.empty())
      tok_dir = o.tokenizer;
    else
      tok_dir = m.tokenizer_dir;
    ValueMap generation;
    const ValueMap& cfg = e.config.as_map();
    for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"})
      if (const Value* v = cfg.find(key); v && !v->is_null()) generation.set(key, *v);
    if (tok_dir) {
      copy_tokenizer(*tok_dir, tmp, o.template_file);
    } else {
      std::cerr << "warning: no tokenizer found with " << m.dir.string()
                << "; the export has none (pass --tokenizer DIR)\n";
    }
    write_file_atomic(tmp / "generation_config.json",
                      json_dumps(Value(std::move(generation)), pretty()) + "\n");
    if (fs::exists(out)) fs::remove_all(out);
    fs::rename(tmp, out);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  std::cout << "wrote " << out.string() << " ("
            << e.config.as_map().at("architectures").as_list()[0].as_string() << ", "
            << m.model->num_parameters() << " parameters, " << o.dtype << ")\n";
}

void setup(CLI::App& root) {
  auto* cmd =
      root.add_subcommand("convert_to_hf", "Export a checkpoint as a Hugging Face model directory");
  auto o = std::make_shared<ConvertOptions>();
  cmd->add_option("--checkpoint", o->checkpoint,
                  "Checkpoint folder (or checkpoint root, or a Hugging Face model dir)")
      ->required();
  cmd->add_option("--output", o->output, "Output directory")->required();
  cmd->add_option("--dtype", o->dtype, "float32, bfloat16 or float16")->default_val("float32");
  cmd->add_option("--max_shard_size", o->max_shard_size,
                  "Largest weight file in bytes; larger models are sharded")
      ->default_val(5'000'000'000ull);
  cmd->add_option("--tokenizer", o->tokenizer,
                  "Tokenizer directory to include (default: the one saved with the model)");
  cmd->add_option("--template", o->template_file,
                  "Chat template (.jinja) to store in tokenizer_config.json");
  cmd->add_flag("--overwrite", o->overwrite, "Replace a non-empty output directory");
  cmd->callback([o] { convert(*o); });
}

INSTILL_COMMAND("convert_to_hf", setup);

}  // namespace
