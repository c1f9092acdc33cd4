#include "train/run.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "config/interpolation.hpp"
#include "config/registry.hpp"
#include "config/resolvers.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_yaml_dump.hpp"
#include "core/sha256.hpp"
#include "data/components.hpp"
#include "train/collators.hpp"
#include "train/components.hpp"
#include "train/distributed/data_parallel.hpp"
#include "train/distributed/launch_environment.hpp"
#include "train/vocabulary_fit.hpp"

namespace instill::train {

namespace fs = std::filesystem;

std::string default_experiment_id(const std::string& config_file_path) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d__%H-%M-%S", &tm);
  return std::string(buf) + "_" + sha256_hex(config_file_path).substr(0, 16);
}

namespace {

constexpr uint64_t kDefaultSeed = 67280421310721;

void patch_training_progress(config::ConfigDocument& doc, const CheckpointInfo& info) {
  Value* settings = doc.root.is_map() ? doc.root.as_map().find("settings") : nullptr;
  if (!settings || !settings->is_map())
    throw Error(doc.where("settings") + "settings: missing; cannot resume without it");
  ValueMap progress;
  progress.set("global_num_seen_tokens", info.progress.num_seen_tokens_previous);
  progress.set("num_seen_steps", info.progress.num_seen_steps_previous);
  progress.set("num_seen_samples", info.progress.num_seen_samples_previous);
  progress.set("last_step", info.scheduler_last_epoch - 1);
  settings->as_map().set("training_progress", Value(std::move(progress)));
}

const char* const kRequiredKeys[] = {"settings",
                                     "app_state",
                                     "loss_fn",
                                     "train_dataset",
                                     "train_dataloader",
                                     "eval_dataloaders",
                                     "progress_subscriber",
                                     "evaluation_subscriber",
                                     "checkpoint_saving",
                                     "gradient_clipper"};

torch::Device choose_device(const RunOptions& o, const config::ConfigDocument& doc,
                            const Settings& s) {
  std::string want = o.device;
  std::string from = "--device";
  if (want.empty()) {
    want = "cpu";
    const Value* mesh = doc.root.as_map().find("device_mesh");
    if (mesh && mesh->is_map()) {
      const Value* cfg = mesh->as_map().find("config");
      const Value* dt = cfg && cfg->is_map() ? cfg->as_map().find("device_type") : nullptr;
      if (!dt || (dt->is_string() && dt->as_string() == "cuda")) {
        want = "cuda:" + std::to_string(s.local_rank);
        from = doc.where("device_mesh.config.device_type") + "device_mesh.config.device_type";
      }
    }
  }
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(want);
  } catch (const std::exception&) {
    throw UsageError("--device: expected cpu or cuda[:N], got \"" + want + "\"");
  }
  if (device.is_cuda() && !torch::cuda::is_available())
    throw Error(
        from + " asks for CUDA (" + want +
        "), but this instill has no CUDA device available (libtorch built " +
        (torch::cuda::device_count() == 0 ? "without CUDA or no GPU present" : "with CUDA") +
        "); run with --device cpu");
  return device;
}

}  // namespace

TrainResult run_training(const RunOptions& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  // libtorch seeds its default generator from the operating system's entropy, so a config
  // without a seed would initialise (and drop out) differently on every run. A fixed start
  // (c10's default seed value) makes every run of a config repeat; a model's `seed` re-seeds.
  torch::manual_seed(kDefaultSeed);
  RunOptions opts = o;
  // Several processes (torchrun, SLURM, mpirun, `instill launch`) meet at MASTER_ADDR:PORT
  // first, so that they share rank 0's experiment id (spec §8.12).
  const distributed::LaunchEnvironment launch = distributed::read_launch_environment();
  std::shared_ptr<distributed::DataParallelGroup> group;
  if (launch.distributed())
    group =
        std::make_shared<distributed::DataParallelGroup>(launch, distributed::collective_timeout());
  if (opts.experiment_id.empty()) opts.experiment_id = default_experiment_id(opts.config_file_path);
  if (group) opts.experiment_id = group->share_from_rank0("experiment_id", opts.experiment_id);

  config::ConfigDocument doc = config::load_yaml_file(opts.config_file_path);
  std::optional<CheckpointInfo> resume;
  std::string resume_folder = opts.resume_from;
  if (!resume_folder.empty()) {
    resume = read_checkpoint_info(resume_folder);
    patch_training_progress(doc, *resume);
  }
  config::ResolverContext ctx;
  ctx.config_file_path = opts.config_file_path;
  ctx.experiments_root_path = opts.experiments_root_path;
  ctx.experiment_id = opts.experiment_id;
  ctx.getenv = [&launch](const std::string& name) {
    return distributed::cuda_env_value(launch, name);
  };
  config::resolve_interpolations(doc, config::modalities_resolvers(ctx));

  for (const char* key : kRequiredKeys)
    if (!doc.root.as_map().contains(key))
      throw Error(doc.source + ": the training config has no top-level \"" + key +
                  "\" (required: settings, app_state, loss_fn, train_dataset, train_dataloader, "
                  "eval_dataloaders, progress_subscriber, evaluation_subscriber, "
                  "checkpoint_saving, gradient_clipper)");

  config::Registry registry;
  data::register_data_components(registry);
  register_train_components(registry);
  config::ComponentBuilder builder(registry, doc);

  TrainerParts parts;
  parts.settings = parse_settings(builder.build("settings"), doc);
  Settings& s = parts.settings;
  if (s.world_size != launch.world_size || s.global_rank != launch.rank)
    throw Error(doc.where("settings.cuda_env") + "settings.cuda_env: world_size " +
                std::to_string(s.world_size) + " / global_rank " + std::to_string(s.global_rank) +
                " disagree with the launch environment (" + launch.launcher + ": world size " +
                std::to_string(launch.world_size) + ", rank " + std::to_string(launch.rank) +
                "); use ${cuda_env:WORLD_SIZE} and ${cuda_env:RANK}");
  if (s.dp_degree != s.world_size)
    throw Error(doc.where("settings.step_profile.dp_degree") +
                "settings.step_profile.dp_degree: " + std::to_string(s.dp_degree) +
                ", but instill parallelises over data only, so it must equal the world size (" +
                std::to_string(s.world_size) + "); check device_mesh");
  if (resume && (resume->progress.num_target_steps != s.num_target_steps ||
                 resume->progress.num_target_tokens != s.num_target_tokens))
    std::cerr << "warning: the checkpoint was written for " << resume->progress.num_target_steps
              << " steps / " << resume->progress.num_target_tokens
              << " tokens, this config targets " << s.num_target_steps << " / "
              << s.num_target_tokens << "; the schedule and data order continue from the config\n";
  if (!resume_folder.empty() && s.warmstart_checkpoint_folder)
    throw UsageError("give either --resume_from or settings.warmstart_checkpoint_paths, not both");
  if (resume_folder.empty() && s.warmstart_checkpoint_folder)
    resume_folder = *s.warmstart_checkpoint_folder;  // the reference's way: progress from settings
  check_step_consistency(s);

  parts.device = choose_device(opts, doc, s);
  parts.app_state = builder.build_component<AppState>("app_state");
  // The training tokenizer (the masking collator's): the model must cover its ids, and
  // checkpoints carry it so chat and export use the same special tokens.
  if (doc.root.as_map().contains("collate_fn")) {
    auto collator = builder.build_component<Collator>("collate_fn");
    if (auto* masking = dynamic_cast<MaskLossCollatorWrapper*>(collator.get());
        masking && masking->tokenizer) {
      fit_vocabulary_to_tokenizer(*parts.app_state->model, *masking->tokenizer,
                                  doc.where("app_state") + "app_state.model");
      parts.app_state->tokenizer = masking->tokenizer;
    }
  }
  parts.loss = builder.build_component<ClmCrossEntropyLoss>("loss_fn");
  auto train_dataset = builder.build_component<data::PackedDatasetContinuous>("train_dataset");
  parts.train_loader = builder.build_component<DataLoader>("train_dataloader");
  Value evals = builder.build("eval_dataloaders");
  if (!evals.is_sequence())
    throw Error(doc.where("eval_dataloaders") +
                "eval_dataloaders: expected a list of data loaders");
  for (size_t i = 0; i < evals.as_list().size(); ++i) {
    auto cv = evals.as_list()[i].object_as<config::ComponentValue>();
    auto dl = cv ? std::dynamic_pointer_cast<DataLoader>(cv->component()) : nullptr;
    if (!dl)
      throw Error(doc.where("eval_dataloaders") + "eval_dataloaders[" + std::to_string(i) +
                  "]: expected a data loader");
    parts.eval_loaders.push_back(dl);
  }
  parts.progress = builder.build_component<ProgressSubscriber>("progress_subscriber");
  parts.results = builder.build_component<ResultsSubscriber>("evaluation_subscriber");
  parts.checkpointing = builder.build_component<CheckpointSaving>("checkpoint_saving");
  parts.clipper = builder.build_component<GradientClipper>("gradient_clipper");
  if (doc.root.as_map().contains("mfu_calculator"))
    parts.mfu = builder.build_component<MfuCalculator>("mfu_calculator");
  check_enough_tokens(s, static_cast<int64_t>(train_dataset->size()));

  CausalLM& model = *parts.app_state->model;
  if (parts.train_loader->dataset().block_size() - 1 > model.max_sequence_length() &&
      model.max_sequence_length() > 0)
    throw Error(doc.where("train_dataset") + "train_dataset: samples of " +
                std::to_string(parts.train_loader->dataset().block_size() - 1) +
                " input tokens exceed the model's sequence_length (" +
                std::to_string(model.max_sequence_length()) + ")");
  model.to(parts.device);
  CheckpointRanks ranks;
  if (group) {
    group->open_collectives(parts.device);
    parts.data_parallel =
        std::make_shared<distributed::DataParallel>(group, *parts.app_state->optimizer);
    ranks = parts.data_parallel->checkpoint_ranks();
  }
  if (!resume_folder.empty()) {
    load_checkpoint(resume_folder, *parts.app_state, ranks);
    if (s.global_rank == 0)
      std::cout << "resumed from " << resume_folder << " at step " << s.seen_steps << std::endl;
  }

  // Experiment folder: config copy and its resolved form (rank 0).
  const fs::path folder = s.experiment_folder();
  if (s.global_rank == 0) {
    if (fs::exists(folder) && !fs::is_empty(folder))
      std::cerr << "warning: experiment folder " << folder.string() << " is not empty\n";
    fs::create_directories(folder);
    const fs::path cfg(opts.config_file_path);
    write_file_atomic(folder / cfg.filename(), read_file(cfg));
    write_file_atomic(folder / (cfg.filename().string() + ".resolved"), pyyaml_dump(doc.root));
    parts.results->open(folder.string());
  }
  if (group) group->barrier("experiment folder creation");
  if (parts.mfu) {
    parts.mfu->set_num_parameters(model.num_parameters());
    if (const char* peak = std::getenv("INSTILL_PEAK_FLOPS"))
      parts.mfu->set_peak_flops(std::atof(peak));
  }

  if (s.global_rank == 0) {
    std::cout << "instill run: experiment " << opts.experiment_id << " | device "
              << parts.device.str() << " | world size " << s.world_size << " | parameters "
              << model.num_parameters() << " | steps " << s.seen_steps << " -> "
              << s.num_target_steps << " | tokens/step " << s.tokens_per_step() << " | folder "
              << folder.string() << std::endl;
    if (parts.data_parallel)
      std::cout << "data parallel: " << s.world_size << " ranks over " << group->backend() << " ("
                << launch.launcher << ", " << launch.master_addr << ":" << launch.master_port
                << "), gradients averaged in " << parts.data_parallel->num_gradient_buckets()
                << " bucket(s), optimizer state sharded (rank 0 updates "
                << parts.data_parallel->sharding().owned_numel(0) << " of "
                << model.num_parameters() << " parameters), collective timeout "
                << group->timeout().count() / 1000.0 << " s" << std::endl;
  }
  Trainer trainer(std::move(parts));
  return trainer.run();
}

}  // namespace instill::train
