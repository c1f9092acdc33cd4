#include "generate/file_evaluation.hpp"

#include <chrono>

#include "core/error.hpp"
#include "data/packed_sft_dataset.hpp"
#include "generate/inference_model.hpp"
#include "train/checkpointing.hpp"
#include "train/collators.hpp"
#include "train/data_loader.hpp"
#include "train/loss.hpp"
#include "train/samplers.hpp"

namespace instill::generate {

namespace {

std::shared_ptr<const tokenizer::HfTokenizer> model_tokenizer(const InferenceModel& m) {
  if (!m.tokenizer_dir) return nullptr;
  return std::make_shared<tokenizer::HfTokenizer>(
      tokenizer::HfTokenizer::from_pretrained(*m.tokenizer_dir));
}

std::shared_ptr<train::Collator> make_collator(const FileEvaluationOptions& o,
                                               const InferenceModel& m,
                                               const tokenizer::HfTokenizer* tok) {
  auto shift = std::make_shared<train::Gpt2LlmCollator>(m.model->sample_key(), "target_ids");
  auto markers = o.loss_markers ? o.loss_markers : train::read_loss_markers(m.dir);
  if (!markers) return shift;
  if (!tok)
    throw Error("loss markers \"" + markers->first + "\" / \"" + markers->second +
                "\" need the model's tokenizer, and " + m.dir.string() + " has none");
  auto id = [&](const std::string& token) {
    std::string warning;
    const int32_t i = tok->get_token_id(token, &warning);
    if (!warning.empty())
      throw Error("loss marker \"" + token + "\" is not a token of the model's tokenizer");
    return static_cast<int64_t>(i);
  };
  return std::make_shared<train::MaskLossCollatorWrapper>(
      shift, std::vector<std::string>{"target_ids"}, id(markers->first), id(markers->second),
      train::kIgnoredTarget);
}

std::shared_ptr<data::PackedSftDataset> open_dataset(const FileEvaluationOptions& o,
                                                     train::CausalLM& model,
                                                     const tokenizer::HfTokenizer* tok) {
  data::PackedSftOptions d;
  const int64_t limit = model.max_sequence_length();
  d.sequence_length = o.sequence_length > 0 ? o.sequence_length : (limit > 0 ? limit : 2048);
  if (limit > 0 && d.sequence_length > limit)
    throw Error("--sequence_length " + std::to_string(d.sequence_length) +
                " is above the model's maximum of " + std::to_string(limit) + " positions");
  if (tok) {
    if (auto pad = tok->special_token_id("pad_token")) d.pad_token_id = static_cast<uint32_t>(*pad);
    if (auto eos = tok->special_token_id("eos_token")) d.eod_token_id = static_cast<uint32_t>(*eos);
  }
  if (o.pad_token_id) d.pad_token_id = static_cast<uint32_t>(*o.pad_token_id);
  d.packing = o.packed ? data::PackedSftOptions::Packing::kBestFitDecreasing
                       : data::PackedSftOptions::Packing::kNone;
  return std::make_shared<data::PackedSftDataset>(o.data, d);
}

}  // namespace

Value FileEvaluation::to_json() const {
  ValueMap m;
  m.set("loss", loss);
  m.set("trainable_tokens", trainable_tokens);
  m.set("documents", documents);
  m.set("rows", rows);
  m.set("tokens_per_s", tokens_per_s);
  return Value(std::move(m));
}

FileEvaluation evaluate_file(const FileEvaluationOptions& o) {
  const torch::Device device(o.device);
  InferenceModel m = load_inference_model(o.model, device);
  const auto tok = model_tokenizer(m);
  auto dataset = open_dataset(o, *m.model, tok.get());
  // Unpacked: one document per forward pass, exactly its length (the plain causal path).
  const int64_t batch = o.packed ? std::max<int64_t>(o.micro_batch_size, 1) : 1;
  auto sampler = std::make_shared<train::DistributedSampler>(static_cast<int64_t>(dataset->size()),
                                                             0, 1, false, 0, false);
  train::DataLoader loader("evaluate", dataset,
                           std::make_shared<train::BatchSampler>(sampler, batch, false),
                           make_collator(o, m, tok.get()), 1);
  train::ClmCrossEntropyLoss loss_fn(train::ClmLossOptions{});
  m.model->module().eval();
  torch::NoGradGuard no_grad;
  FileEvaluation r;
  double sum = 0;
  const auto start = std::chrono::steady_clock::now();
  auto it = loader.iterate();
  train::Batch b;
  while (it->next(b)) {
    if (!o.packed) b.layout = {};
    const torch::Tensor targets = b.target("target_ids");
    const int64_t n = (targets != train::kIgnoredTarget).sum().item<int64_t>();
    if (n == 0) continue;
    torch::Tensor ids = b.sample(m.model->sample_key()).to(device);
    torch::Tensor hidden = m.model->hidden_states(ids, b.layout);
    sum += loss_fn(hidden, m.model->lm_head_weight(), targets.to(device)).item<double>() *
           static_cast<double>(n);
    r.trainable_tokens += n;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.loss = r.trainable_tokens > 0 ? sum / static_cast<double>(r.trainable_tokens) : std::nan("");
  r.documents = dataset->documents();
  r.rows = static_cast<int64_t>(dataset->size());
  r.tokens_per_s = static_cast<double>(r.trainable_tokens) / seconds;
  return r;
}

}  // namespace instill::generate
