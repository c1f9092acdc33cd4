#include "generate/inference_model.hpp"

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hf_hub.hpp"
#include "core/python_json.hpp"
#include "train/model/hf_pretrained.hpp"
#include "train/tensor_io.hpp"

namespace instill::generate {

namespace fs = std::filesystem;

void load_checkpoint_weights(const fs::path& checkpoint, train::CausalLM& model) {
  const fs::path file = checkpoint / "model.safetensors";
  auto weights = train::load_tensors(file);
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : model.named_parameters()) {
    auto it = weights.find(name);
    if (it == weights.end()) throw Error(file.string() + ": missing tensor \"" + name + "\"");
    if (it->second.sizes() != param.sizes())
      throw Error(file.string() + ": tensor \"" + name + "\" has shape " +
                  c10::str(it->second.sizes()) + ", model.json implies " + c10::str(param.sizes()));
    param.copy_(it->second.to(param.scalar_type()));
  }
}

InferenceModel load_inference_model(const std::string& path_or_id, torch::Device device) {
  InferenceModel out;
  std::error_code ec;
  fs::path dir = path_or_id;
  // A checkpoint root: follow last_checkpoint_info.json to the newest checkpoint.
  if (fs::exists(dir / "last_checkpoint_info.json", ec) && !fs::exists(dir / "model.json", ec)) {
    const fs::path info = dir / "last_checkpoint_info.json";
    Value v = json_loads(read_file(info));
    const Value* folder = v.is_map() ? v.as_map().find("checkpoint_folder_path") : nullptr;
    if (!folder || !folder->is_string())
      throw Error(info.string() + ": expected {\"checkpoint_folder_path\": ...}");
    dir = folder->as_string();
  }
  if (fs::exists(dir / "model.json", ec)) {
    const fs::path desc = dir / "model.json";
    Value d;
    try {
      d = json_loads(read_file(desc));
    } catch (const Error& e) {
      throw Error(desc.string() + ": " + e.what());
    }
    out.model = train::build_model(d, desc.string());
    load_checkpoint_weights(dir, *out.model);
  } else {
    if (!fs::is_directory(dir, ec) || !fs::exists(dir / "config.json", ec)) {
      if (fs::is_directory(dir, ec))
        throw Error(dir.string() +
                    ": neither an instill checkpoint (model.json) nor a Hugging Face model "
                    "(config.json)");
      dir = resolve_hf_model_dir(path_or_id);
    }
    out.model = train::load_hf_model(dir);
  }
  out.dir = dir;
  for (const fs::path& candidate : {dir / "tokenizer", dir})
    if (fs::exists(candidate / "tokenizer.json", ec) || fs::exists(candidate / "vocab.json", ec)) {
      out.tokenizer_dir = candidate;
      break;
    }
  out.model->to(device);
  out.model->module().eval();
  return out;
}

}  // namespace instill::generate
