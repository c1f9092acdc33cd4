#include "train/run.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "config/interpolation.hpp"
#include "config/registry.hpp"
#include "config/resolvers.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_yaml_dump.hpp"
#include "core/sha256.hpp"
#include "data/components.hpp"
#include "data/packed_sft_dataset.hpp"
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

// What the setup steps of `instill run` share, in the order they fill it.
struct RunSetup {
  RunOptions options;  // experiment_id filled in by join_launch
  distributed::LaunchEnvironment launch;
  std::shared_ptr<distributed::DataParallelGroup> group;  // null for one process
  config::ConfigDocument doc;                             // resolved
  std::optional<CheckpointInfo> resume;                   // --resume_from's
  std::string resume_folder;  // --resume_from, else settings' warm-start folder
  TrainerParts parts;
  std::shared_ptr<data::PackedSftDataset> packed_train_dataset;  // null unless packed
};

// Several processes (torchrun, SLURM, mpirun, `instill launch`) meet at MASTER_ADDR:PORT
// first, so that they share rank 0's experiment id (spec §8.12).
void join_launch(RunSetup& run) {
  run.launch = distributed::read_launch_environment();
  if (run.launch.distributed())
    run.group = std::make_shared<distributed::DataParallelGroup>(run.launch,
                                                                 distributed::collective_timeout());
  RunOptions& o = run.options;
  if (o.experiment_id.empty()) o.experiment_id = default_experiment_id(o.config_file_path);
  if (run.group) o.experiment_id = run.group->share_from_rank0("experiment_id", o.experiment_id);
}

// Loads the config, puts the resumed checkpoint's progress into its settings, resolves its
// interpolations and checks that the top-level components are there.
void load_resolved_config(RunSetup& run) {
  const RunOptions& o = run.options;
  run.doc = config::load_yaml_file(o.config_file_path);
  run.resume_folder = o.resume_from;
  if (!run.resume_folder.empty()) {
    run.resume = read_checkpoint_info(run.resume_folder);
    patch_training_progress(run.doc, *run.resume);
  }
  config::ResolverContext ctx;
  ctx.config_file_path = o.config_file_path;
  ctx.experiments_root_path = o.experiments_root_path;
  ctx.experiment_id = o.experiment_id;
  ctx.getenv = [&launch = run.launch](const std::string& name) {
    return distributed::cuda_env_value(launch, name);
  };
  config::resolve_interpolations(run.doc, config::modalities_resolvers(ctx));

  for (const char* key : kRequiredKeys)
    if (!run.doc.root.as_map().contains(key))
      throw Error(run.doc.source + ": the training config has no top-level \"" + key +
                  "\" (required: settings, app_state, loss_fn, train_dataset, train_dataloader, "
                  "eval_dataloaders, progress_subscriber, evaluation_subscriber, "
                  "checkpoint_saving, gradient_clipper)");
}

// Builds the settings and checks them against the launch and the resumed checkpoint; picks
// the folder to resume from.
void build_settings(RunSetup& run, config::ComponentBuilder& builder) {
  const config::ConfigDocument& doc = run.doc;
  run.parts.settings = parse_settings(builder.build("settings"), doc);
  const Settings& s = run.parts.settings;
  const distributed::LaunchEnvironment& launch = run.launch;
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
  const std::optional<CheckpointInfo>& resume = run.resume;
  if (resume && (resume->progress.num_target_steps != s.num_target_steps ||
                 resume->progress.num_target_tokens != s.num_target_tokens))
    std::cerr << "warning: the checkpoint was written for " << resume->progress.num_target_steps
              << " steps / " << resume->progress.num_target_tokens
              << " tokens, this config targets " << s.num_target_steps << " / "
              << s.num_target_tokens << "; the schedule and data order continue from the config\n";
  if (!run.resume_folder.empty() && s.warmstart_checkpoint_folder)
    throw UsageError("give either --resume_from or settings.warmstart_checkpoint_paths, not both");
  if (run.resume_folder.empty() && s.warmstart_checkpoint_folder)
    run.resume_folder =
        *s.warmstart_checkpoint_folder;  // the reference's way: progress from settings
  check_step_consistency(s);
}

// The training tokenizer is the one the collator's loss-mask markers come from, or else the
// training dataset's (data prepared in the tokenizer's chat format): the model must cover its
// ids, and checkpoints carry it, with the data's chat template, so that chat and export use the
// same special tokens and format.
void set_training_tokenizer(RunSetup& run, config::ComponentBuilder& builder) {
  if (!run.doc.root.as_map().contains("collate_fn")) return;
  const auto collator = builder.build_component<Collator>("collate_fn");
  auto tokenizer = collator->training_tokenizer();
  AppState& app_state = *run.parts.app_state;
  if (!tokenizer) {
    const auto dataset = builder.build_component<data::TrainingDataset>("train_dataset");
    tokenizer = dataset->tokenizer();
    app_state.chat_template = dataset->stored_chat_template();
  }
  if (!tokenizer) return;
  fit_vocabulary_to_tokenizer(*app_state.model, *tokenizer,
                              run.doc.where("app_state") + "app_state.model");
  app_state.tokenizer = std::move(tokenizer);
  if (auto masking = std::dynamic_pointer_cast<const MaskLossCollatorWrapper>(collator))
    app_state.loss_markers = masking->marker_tokens;
}

std::vector<std::shared_ptr<DataLoader>> build_eval_loaders(const config::ConfigDocument& doc,
                                                            config::ComponentBuilder& builder) {
  Value evals = builder.build("eval_dataloaders");
  if (!evals.is_sequence())
    throw Error(doc.where("eval_dataloaders") +
                "eval_dataloaders: expected a list of data loaders");
  std::vector<std::shared_ptr<DataLoader>> loaders;
  for (size_t i = 0; i < evals.as_list().size(); ++i) {
    auto cv = evals.as_list()[i].object_as<config::ComponentValue>();
    auto dl = cv ? std::dynamic_pointer_cast<DataLoader>(cv->component()) : nullptr;
    if (!dl)
      throw Error(doc.where("eval_dataloaders") + "eval_dataloaders[" + std::to_string(i) +
                  "]: expected a data loader");
    loaders.push_back(dl);
  }
  return loaders;
}

// Loss, data, subscribers, checkpointing, clipping and MFU, in the config's terms.
void build_training_components(RunSetup& run, config::ComponentBuilder& builder) {
  TrainerParts& parts = run.parts;
  parts.loss = builder.build_component<ClmCrossEntropyLoss>("loss_fn");
  auto train_dataset = builder.build_component<data::TrainingDataset>("train_dataset");
  run.packed_train_dataset = std::dynamic_pointer_cast<data::PackedSftDataset>(train_dataset);
  if (run.packed_train_dataset && run.parts.settings.global_rank == 0)
    std::cout << "packing: " << run.packed_train_dataset->summary() << std::endl;
  parts.train_loader = builder.build_component<DataLoader>("train_dataloader");
  parts.eval_loaders = build_eval_loaders(run.doc, builder);
  parts.progress = builder.build_component<ProgressSubscriber>("progress_subscriber");
  parts.results = builder.build_component<ResultsSubscriber>("evaluation_subscriber");
  parts.checkpointing = builder.build_component<CheckpointSaving>("checkpoint_saving");
  parts.clipper = builder.build_component<GradientClipper>("gradient_clipper");
  if (run.doc.root.as_map().contains("mfu_calculator"))
    parts.mfu = builder.build_component<MfuCalculator>("mfu_calculator");
  const CausalLM& model = *parts.app_state->model;
  const int64_t input_tokens = train_dataset->max_input_positions();
  if (input_tokens > model.max_sequence_length() && model.max_sequence_length() > 0)
    throw Error(run.doc.where("train_dataset") + "train_dataset: rows of up to " +
                std::to_string(input_tokens) +
                " input positions exceed the model's sequence_length (" +
                std::to_string(model.max_sequence_length()) + ")");
  check_enough_tokens(parts.settings, static_cast<int64_t>(train_dataset->size()));
}

// Moves the model to its device and, for several processes, sets up data parallelism
// (gradient averaging, optimizer sharding); returns who writes which checkpoint files.
CheckpointRanks place_model(RunSetup& run) {
  TrainerParts& parts = run.parts;
  CausalLM& model = *parts.app_state->model;
  model.to(parts.device);
  CheckpointRanks ranks;
  if (run.group) {
    run.group->open_collectives(parts.device);
    parts.data_parallel =
        std::make_shared<distributed::DataParallel>(run.group, *parts.app_state->optimizer);
    ranks = parts.data_parallel->checkpoint_ranks();
  }
  return ranks;
}

void resume_from_checkpoint(RunSetup& run, const CheckpointRanks& ranks) {
  if (run.resume_folder.empty()) return;
  load_checkpoint(run.resume_folder, *run.parts.app_state, ranks);
  const Settings& s = run.parts.settings;
  if (s.global_rank == 0)
    std::cout << "resumed from " << run.resume_folder << " at step " << s.seen_steps << std::endl;
}

// The experiment folder with a copy of the config and its resolved form (rank 0 writes, the
// others wait for it).
fs::path create_experiment_folder(RunSetup& run) {
  const fs::path folder = run.parts.settings.experiment_folder();
  if (run.parts.settings.global_rank == 0) {
    if (fs::exists(folder) && !fs::is_empty(folder))
      std::cerr << "warning: experiment folder " << folder.string() << " is not empty\n";
    fs::create_directories(folder);
    const fs::path cfg(run.options.config_file_path);
    write_file_atomic(folder / cfg.filename(), read_file(cfg));
    write_file_atomic(folder / (cfg.filename().string() + ".resolved"), pyyaml_dump(run.doc.root));
    run.parts.results->open(folder.string());
  }
  if (run.group) run.group->barrier("experiment folder creation");
  return folder;
}

void configure_mfu(TrainerParts& parts) {
  if (!parts.mfu) return;
  parts.mfu->set_num_parameters(parts.app_state->model->num_parameters());
  if (const char* peak = std::getenv("INSTILL_PEAK_FLOPS"))
    parts.mfu->set_peak_flops(std::atof(peak));
}

// A "data" event in metrics.jsonl with the packed training set's plan (dropped documents are
// never silent).
void publish_packing_plan(const RunSetup& run) {
  if (!run.packed_train_dataset || run.parts.settings.global_rank != 0) return;
  const data::PackingPlan& plan = run.packed_train_dataset->plan();
  ValueMap m;
  m.set("train documents", run.packed_train_dataset->documents());
  m.set("train packed rows", static_cast<int64_t>(plan.rows.size()));
  m.set("train dropped documents", plan.dropped_documents);
  m.set("train split documents", plan.split_documents);
  run.parts.results->publish(run.parts.settings.seen_steps, "data", m);
}

void print_run_summary(const RunSetup& run, const fs::path& folder) {
  const TrainerParts& parts = run.parts;
  const Settings& s = parts.settings;
  if (s.global_rank != 0) return;
  const int64_t num_parameters = parts.app_state->model->num_parameters();
  std::cout << "instill run: experiment " << run.options.experiment_id << " | device "
            << parts.device.str() << " | world size " << s.world_size << " | parameters "
            << num_parameters << " | steps " << s.seen_steps << " -> " << s.num_target_steps
            << " | tokens/step " << s.tokens_per_step() << " | folder " << folder.string()
            << std::endl;
  if (!parts.data_parallel) return;
  const distributed::LaunchEnvironment& launch = run.launch;
  std::cout << "data parallel: " << s.world_size << " ranks over " << run.group->backend() << " ("
            << launch.launcher << ", " << launch.master_addr << ":" << launch.master_port
            << "), gradients averaged in " << parts.data_parallel->num_gradient_buckets()
            << " bucket(s), optimizer state sharded (rank 0 updates "
            << parts.data_parallel->sharding().owned_numel(0) << " of " << num_parameters
            << " parameters), collective timeout " << run.group->timeout().count() / 1000.0 << " s"
            << std::endl;
}

}  // namespace

TrainResult run_training(const RunOptions& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  // libtorch seeds its default generator from the operating system's entropy, so a config
  // without a seed would initialise (and drop out) differently on every run. A fixed start
  // (c10's default seed value) makes every run of a config repeat; a model's `seed` re-seeds.
  torch::manual_seed(kDefaultSeed);
  RunSetup run;
  run.options = o;
  join_launch(run);
  load_resolved_config(run);

  config::Registry registry;
  data::register_data_components(registry);
  register_train_components(registry);
  config::ComponentBuilder builder(registry, run.doc);
  build_settings(run, builder);
  run.parts.device = choose_device(run.options, run.doc, run.parts.settings);
  run.parts.app_state = builder.build_component<AppState>("app_state");
  set_training_tokenizer(run, builder);
  build_training_components(run, builder);

  const CheckpointRanks ranks = place_model(run);
  resume_from_checkpoint(run, ranks);
  const fs::path folder = create_experiment_folder(run);
  configure_mfu(run.parts);
  print_run_summary(run, folder);
  publish_packing_plan(run);
  Trainer trainer(std::move(run.parts));
  return trainer.run();
}

}  // namespace instill::train
