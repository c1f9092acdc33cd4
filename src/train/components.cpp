#include "train/components.hpp"

#include <iostream>

#include "core/error.hpp"
#include "core/hf_hub.hpp"
#include "data/tokenizer_component.hpp"
#include "data/training_dataset.hpp"
#include "train/checkpointing.hpp"
#include "train/collators.hpp"
#include "train/data_loader.hpp"
#include "train/gradient_clipper.hpp"
#include "train/loss.hpp"
#include "train/lr_scheduler.hpp"
#include "train/model/gpt2_component.hpp"
#include "train/model/hf_pretrained.hpp"
#include "train/model/initialization.hpp"
#include "train/optimizer.hpp"
#include "train/samplers.hpp"
#include "train/subscribers.hpp"

namespace instill::train {

using config::ComponentConfig;
using config::Field;
using config::FieldKind;
using config::Schema;

namespace {

void register_data_path(config::Registry& r) {
  r.add("collate_fn", "gpt_2_llm_collator",
        Schema{Field::string("sample_key"), Field::string("target_key")},
        [](const ComponentConfig& c) {
          return std::make_shared<Gpt2LlmCollator>(c.get_string("sample_key"),
                                                   c.get_string("target_key"));
        });
  r.add("collate_fn", "mask_loss_collator_wrapper",
        Schema{Field::component("wrapped_collate_fn", "collate_fn"),
               Field::list("target_keys_to_mask").of(FieldKind::kString),
               Field::integer("loss_ignore_index").defaults(-100),
               Field::map("mask_tokens", Schema{Field::string("b_include_to_loss_token"),
                                                Field::string("e_include_to_loss_token")}),
               Field::component("tokenizer", "tokenizer")},
        [](const ComponentConfig& c) {
          const ValueMap& m = c.get("mask_tokens").as_map();
          const Value& b = m.at("b_include_to_loss_token");
          const Value& e = m.at("e_include_to_loss_token");
          auto tok = c.get_component<data::TokenizerComponent>("tokenizer");
          // Through the unk fallback a marker that is not one vocabulary entry would match
          // unknown text, or nothing, and the run would blame a dataset sample.
          for (const char* key : {"b_include_to_loss_token", "e_include_to_loss_token"}) {
            const std::string& marker = m.at(key).as_string();
            if (marker.empty() || !tok->hf().core().token_to_id(marker))
              throw c.error(std::string("mask_tokens.") + key,
                            "\"" + marker +
                                "\" is not a token of the tokenizer; a loss marker must be "
                                "exactly one token (the one the prepared data was marked with)");
          }
          std::vector<std::string> keys;
          for (const auto& k : c.get("target_keys_to_mask").as_list())
            keys.push_back(k.as_string());
          if (c.get_int("loss_ignore_index") != -100)
            std::cerr << "warning: " << c.key_path()
                      << ".loss_ignore_index is not -100; the loss ignores only -100, so the "
                         "masked positions would be trained on\n";
          try {
            auto wrapper = std::make_shared<MaskLossCollatorWrapper>(
                c.get_component<Collator>("wrapped_collate_fn"), keys, tok->token_id(b.as_string()),
                tok->token_id(e.as_string()), c.get_int("loss_ignore_index"));
            wrapper->tokenizer = std::shared_ptr<const tokenizer::HfTokenizer>(tok, &tok->hf());
            wrapper->marker_tokens = {b.as_string(), e.as_string()};
            return wrapper;
          } catch (const Error& err) {
            throw c.error("mask_tokens", err);
          }
        });

  r.add("sampler", "resumable_distributed_sampler",
        Schema{Field::component("dataset", "dataset"), Field::integer("rank").at_least(0),
               Field::integer("num_replicas").at_least(1).defaults(1),
               Field::boolean("shuffle").defaults(false), Field::integer("seed").defaults(0),
               Field::boolean("drop_last").defaults(false),
               Field::integer("skip_num_global_samples").at_least(0).defaults(0)},
        [](const ComponentConfig& c) {
          ResumableDistributedSamplerOptions o;
          o.dataset_size =
              static_cast<int64_t>(c.get_component<data::TrainingDataset>("dataset")->size());
          o.rank = c.get_int("rank");
          o.num_replicas = c.get_int("num_replicas");
          o.shuffle = c.get_bool("shuffle");
          o.seed = static_cast<uint64_t>(c.get_int("seed"));
          o.drop_last = c.get_bool("drop_last");
          o.skip_num_global_samples = c.get_int("skip_num_global_samples");
          return std::make_shared<ResumableDistributedSampler>(o);
        });
  r.add("sampler", "distributed_sampler",
        Schema{Field::component("dataset", "dataset"), Field::integer("rank").at_least(0),
               Field::integer("num_replicas").at_least(1).defaults(1),
               Field::boolean("shuffle").defaults(true), Field::integer("seed").defaults(0),
               Field::boolean("drop_last").defaults(false)},
        [](const ComponentConfig& c) {
          return std::make_shared<DistributedSampler>(
              static_cast<int64_t>(c.get_component<data::TrainingDataset>("dataset")->size()),
              c.get_int("rank"), c.get_int("num_replicas"), c.get_bool("shuffle"),
              static_cast<uint64_t>(c.get_int("seed")), c.get_bool("drop_last"));
        });
  r.add("batch_sampler", "default",
        Schema{Field::component("sampler", "sampler"), Field::integer("batch_size").at_least(1),
               Field::boolean("drop_last").defaults(false)},
        [](const ComponentConfig& c) {
          return std::make_shared<BatchSampler>(c.get_component<Sampler>("sampler"),
                                                c.get_int("batch_size"), c.get_bool("drop_last"));
        });
  r.add("data_loader", "default",
        Schema{Field::string("dataloader_tag"), Field::component("dataset", "dataset"),
               Field::component("batch_sampler", "batch_sampler"),
               Field::component("collate_fn", "collate_fn"),
               Field::integer("num_workers").at_least(0).defaults(0),
               Field::boolean("pin_memory").defaults(false),
               Field::boolean("shuffle").defaults(false)},
        [](const ComponentConfig& c) {
          if (c.get_bool("shuffle"))
            throw c.error("shuffle", "must be false; the batch sampler decides the order");
          return std::make_shared<DataLoader>(
              c.get_string("dataloader_tag"), c.get_component<data::TrainingDataset>("dataset"),
              c.get_component<BatchSampler>("batch_sampler"),
              c.get_component<Collator>("collate_fn"), c.get_int("num_workers"));
        });
}

void register_model(config::Registry& r) {
  register_gpt2_model(r);
  r.add("model", "huggingface_pretrained_model",
        Schema{Field::one_of("model_type", {"AutoModelForCausalLM", "AutoModelForMaskedLM"}),
               Field::string("model_name"), Field::string("prediction_key"),
               Field::string("huggingface_prediction_subscription_key"),
               Field::string("sample_key"), Field::list("model_args").defaults(Value(ValueList{})),
               Field::map("kwargs").defaults(Value(ValueMap{}))},
        [](const ComponentConfig& c) {
          if (c.get_string("model_type") != "AutoModelForCausalLM")
            throw c.error("model_type",
                          "only AutoModelForCausalLM is supported (instruction tuning trains "
                          "decoder-only models)");
          if (c.get_string("huggingface_prediction_subscription_key") != "logits")
            throw c.error("huggingface_prediction_subscription_key",
                          "only \"logits\" is supported");
          if (!c.get("model_args").as_list().empty())
            throw c.error("model_args",
                          "positional from_pretrained arguments are not supported; leave the "
                          "list empty");
          for (const auto& [key, _] : c.get("kwargs").as_map())
            std::cerr << "warning: " << c.key_path() << ".kwargs." << key
                      << " is ignored by instill (weights load in float32, as the reference's "
                         "default)\n";
          const std::string name = c.get_string("model_name");
          try {
            return load_hf_model(resolve_hf_model_dir(name), c.get_string("sample_key"),
                                 c.get_string("prediction_key"));
          } catch (const Error& e) {
            throw c.error("model_name", e);
          }
        });

  r.add("model_initialization", "composed",
        Schema{Field::one_of("model_type", {"gpt2"}),
               Field::one_of("weight_init_type", {"plain", "scaled", "scaled_embed"}),
               Field::number("mean").defaults(0.0), Field::any("std"),
               Field::integer("hidden_dim").optional(), Field::integer("num_layers").optional()},
        [](const ComponentConfig& c) {
          InitConfig ic;
          const std::string& t = c.get_string("weight_init_type");
          ic.type = t == "plain"    ? InitConfig::Type::kPlain
                    : t == "scaled" ? InitConfig::Type::kScaled
                                    : InitConfig::Type::kScaledEmbed;
          ic.mean = c.get_float("mean");
          const Value& std_v = c.get("std");
          if (std_v.is_string() && std_v.as_string() == "auto") {
            if (c.is_null("hidden_dim"))
              throw c.error("hidden_dim", "required when std is \"auto\"");
            ic.std = std::sqrt(2.0 / (5.0 * static_cast<double>(c.get_int("hidden_dim"))));
          } else if (std_v.is_int() || std_v.is_float()) {
            ic.std = std_v.to_double();
          } else {
            throw c.error("std",
                          "expected a number or \"auto\", got " + config::describe_value(std_v));
          }
          if (!c.is_null("num_layers")) ic.num_layers = c.get_int("num_layers");
          if (ic.type == InitConfig::Type::kPlain && ic.num_layers)
            throw c.error("num_layers", "must not be set for weight_init_type plain");
          if (ic.type != InitConfig::Type::kPlain && !ic.num_layers)
            throw c.error("num_layers", "required for weight_init_type " + t);
          return std::make_shared<config::ValueComponent<InitConfig>>(ic);
        });
  r.add("model", "model_initialized",
        Schema{Field::component("model", "model"),
               Field::component("model_initializer", "model_initialization")},
        [](const ComponentConfig& c) {
          auto model = c.get_component<CausalLM>("model");
          auto init = c.get_component<config::ValueComponent<InitConfig>>("model_initializer");
          initialize_gpt2_weights(*model, init->value);
          return model;
        });
  r.add("model", "fsdp2_wrapped",
        Schema{Field::component("model", "model"), Field::component("device_mesh", "device_mesh"),
               Field::map("mixed_precision_settings",
                          Schema{Field::one_of("param_dtype", {"BF_16", "FP_16", "FP_32"})}.open()),
               Field::list("block_names"), Field::boolean("reshard_after_forward").defaults(true),
               Field::integer("layers_per_fsdp_unit").at_least(1).defaults(1)},
        [](const ComponentConfig& c) {
          auto model = c.get_component<CausalLM>("model");
          static const std::map<std::string, torch::ScalarType> kTypes = {
              {"BF_16", torch::kBFloat16}, {"FP_16", torch::kFloat16}, {"FP_32", torch::kFloat32}};
          model->compute_dtype =
              kTypes.at(c.get("mixed_precision_settings").as_map().at("param_dtype").as_string());
          return model;
        });
}

void register_optimizer(config::Registry& r) {
  r.add("optimizer", "adam_w",
        Schema{Field::number("lr").greater_than(0), Field::list("betas"),
               Field::number("eps").greater_than(0), Field::number("weight_decay").at_least(0),
               Field::list("weight_decay_groups_excluded").of(FieldKind::kString),
               Field::component("wrapped_model", "model")},
        [](const ComponentConfig& c) {
          AdamWOptions o;
          o.lr = c.get_float("lr");
          // As torch.optim.AdamW checks them: each beta a number in [0, 1).
          const auto& betas = c.get("betas").as_list();
          const auto in_range = [](const Value& b) {
            return (b.is_int() || b.is_float()) && b.to_double() >= 0.0 && b.to_double() < 1.0;
          };
          if (betas.size() != 2 || !in_range(betas[0]) || !in_range(betas[1]))
            throw c.error("betas", "expected two numbers [beta1, beta2], each in [0, 1)");
          o.beta1 = betas[0].to_double();
          o.beta2 = betas[1].to_double();
          o.eps = c.get_float("eps");
          o.weight_decay = c.get_float("weight_decay");
          for (const auto& g : c.get("weight_decay_groups_excluded").as_list())
            o.weight_decay_groups_excluded.push_back(g.as_string());
          try {
            return std::make_shared<AdamW>(*c.get_component<CausalLM>("wrapped_model"), o);
          } catch (const Error& e) {
            throw c.error("", e);
          }
        });
}

void register_schedulers(config::Registry& r) {
  auto start = [](std::shared_ptr<LrScheduler> s) {
    s->start();
    return s;
  };
  r.add("scheduler", "onecycle_lr",
        Schema{Field::component("optimizer", "optimizer"), Field::number("max_lr").greater_than(0),
               Field::integer("total_steps").at_least(1).optional(),
               Field::integer("epochs").optional(), Field::integer("steps_per_epoch").optional(),
               Field::number("pct_start").defaults(0.3),
               Field::one_of("anneal_strategy", {"cos", "linear"}).defaults("cos"),
               Field::boolean("cycle_momentum").defaults(false),
               Field::number("base_momentum").defaults(0.85),
               Field::number("max_momentum").defaults(0.95),
               Field::number("div_factor").defaults(25.0),
               Field::number("final_div_factor").defaults(1e4),
               Field::boolean("three_phase").defaults(false),
               Field::integer("last_epoch").at_least(-1).defaults(-1)},
        [start](const ComponentConfig& c) {
          OneCycleOptions o;
          o.max_lr = c.get_float("max_lr");
          if (!c.is_null("total_steps")) {
            o.total_steps = c.get_int("total_steps");
          } else if (!c.is_null("epochs") && !c.is_null("steps_per_epoch")) {
            o.total_steps = c.get_int("epochs") * c.get_int("steps_per_epoch");
          } else {
            throw c.error("total_steps", "required (or epochs and steps_per_epoch)");
          }
          if (c.get_bool("cycle_momentum"))
            throw c.error("cycle_momentum",
                          "momentum cycling is not supported by AdamW here (set it to false, the "
                          "Modalities default)");
          o.pct_start = c.get_float("pct_start");
          o.cosine = c.get_string("anneal_strategy") == "cos";
          o.div_factor = c.get_float("div_factor");
          o.final_div_factor = c.get_float("final_div_factor");
          o.three_phase = c.get_bool("three_phase");
          return start(std::make_shared<OneCycleLr>(c.get_component<AdamW>("optimizer"), o,
                                                    c.get_int("last_epoch")));
        });
  r.add(
      "scheduler", "dummy_lr", Schema{Field::component("optimizer", "optimizer")},
      [start](const ComponentConfig& c) {
        return start(std::make_shared<ConstantLr>(c.get_component<AdamW>("optimizer"), 1.0, 0, -1));
      });
  r.add(
      "scheduler", "constant_lr",
      Schema{Field::component("optimizer", "optimizer"), Field::number("factor").defaults(1.0 / 3),
             Field::integer("total_iters").at_least(0).defaults(5),
             Field::integer("last_epoch").at_least(-1).defaults(-1)},
      [start](const ComponentConfig& c) {
        return start(std::make_shared<ConstantLr>(c.get_component<AdamW>("optimizer"),
                                                  c.get_float("factor"), c.get_int("total_iters"),
                                                  c.get_int("last_epoch")));
      });
  r.add(
      "scheduler", "linear_warmup_cosine_annealing_lr",
      Schema{Field::component("optimizer", "optimizer"), Field::integer("warmup_steps").at_least(0),
             Field::integer("total_steps").at_least(1),
             Field::number("final_lr_factor").at_least(0).defaults(0.0),
             Field::integer("last_epoch").at_least(-1).defaults(-1)},
      [start](const ComponentConfig& c) {
        return start(std::make_shared<LinearWarmupCosineLr>(
            c.get_component<AdamW>("optimizer"), c.get_int("warmup_steps"),
            c.get_int("total_steps"), c.get_float("final_lr_factor"), c.get_int("last_epoch")));
      });
}

void register_clipping_and_loss(config::Registry& r) {
  auto norm_of = [](const ComponentConfig& c) {
    const Value& v = c.get("norm_type");
    if (v.is_string()) {
      if (v.as_string() == "P1_NORM" || v.as_string() == "1") return GradientClipper::Norm::kP1;
      if (v.as_string() == "P2_NORM" || v.as_string() == "2") return GradientClipper::Norm::kP2;
      if (v.as_string() == "MAX_NORM" || v.as_string() == "inf") return GradientClipper::Norm::kMax;
    }
    if (v.is_int() && v.as_int() == 1) return GradientClipper::Norm::kP1;
    if (v.is_int() && v.as_int() == 2) return GradientClipper::Norm::kP2;
    throw c.error("norm_type",
                  "expected P1_NORM, P2_NORM or MAX_NORM, got " + config::describe_value(v));
  };
  r.add("gradient_clipper", "default",
        Schema{Field::component("wrapped_model", "model"), Field::any("norm_type"),
               Field::number("max_norm").greater_than(0).strict(),
               Field::component("device_mesh", "device_mesh").optional()},
        [norm_of](const ComponentConfig& c) {
          return std::make_shared<GradientClipper>(norm_of(c), c.get_float("max_norm"));
        });
  r.alias("gradient_clipper", "fsdp1", "default");
  r.alias("gradient_clipper", "fsdp2", "default");
  r.add("gradient_clipper", "logging_only",
        Schema{Field::component("wrapped_model", "model"), Field::any("norm_type"),
               Field::component("device_mesh", "device_mesh").optional()},
        [norm_of](const ComponentConfig& c) {
          return std::make_shared<GradientClipper>(norm_of(c), 0.0);
        });
  r.alias("gradient_clipper", "fsdp1_logging_only", "logging_only");
  r.alias("gradient_clipper", "fsdp2_logging_only", "logging_only");
  r.add("gradient_clipper", "dummy", Schema{}, [](const ComponentConfig&) {
    return std::make_shared<GradientClipper>(GradientClipper::Norm::kP2, 0.0);
  });

  r.add("loss", "clm_cross_entropy_loss",
        Schema{Field::string("target_key"), Field::string("prediction_key"),
               Field::integer("chunk_rows")
                   .at_least(-1)
                   .defaults(0)
                   .doc("rows of logits formed at once (0 automatic, -1 full logits)"),
               Field::one_of("normalization", {"micro_batch_mean", "step_token_mean"})
                   .defaults("micro_batch_mean")
                   .doc("mean per micro-batch (the reference) or over the optimizer step's "
                        "trainable tokens")},
        [](const ComponentConfig& c) {
          ClmLossOptions o;
          o.target_key = c.get_string("target_key");
          o.prediction_key = c.get_string("prediction_key");
          o.chunk_rows = c.get_int("chunk_rows");
          if (c.get_string("normalization") == "step_token_mean")
            o.normalization = ClmLossOptions::Normalization::kStepTokenMean;
          return std::make_shared<ClmCrossEntropyLoss>(o);
        });
}

void register_run_infrastructure(config::Registry& r) {
  r.add("device_mesh", "default",
        Schema{Field::one_of("device_type", {"cuda", "cpu"}).defaults("cuda"),
               Field::integer("data_parallel_replicate_degree").at_least(-1).defaults(1),
               Field::integer("data_parallel_shard_degree").at_least(-1),
               Field::integer("tensor_parallel_degree").at_least(1).defaults(1),
               Field::integer("pipeline_parallel_degree").at_least(1).defaults(1),
               Field::integer("context_parallel_degree").at_least(1).defaults(1),
               Field::boolean("enable_loss_parallel").defaults(false),
               Field::integer("world_size").greater_than(0)},
        [](const ComponentConfig& c) {
          auto m = std::make_shared<DeviceMesh>();
          m->device_type = c.get_string("device_type");
          m->world_size = c.get_int("world_size");
          m->dp_replicate = c.get_int("data_parallel_replicate_degree");
          m->dp_shard = c.get_int("data_parallel_shard_degree");
          m->tp = c.get_int("tensor_parallel_degree");
          m->pp = c.get_int("pipeline_parallel_degree");
          m->cp = c.get_int("context_parallel_degree");
          if (m->tp != 1 || m->pp != 1 || m->cp != 1)
            throw c.error("",
                          "tensor, pipeline and context parallelism are not supported (their "
                          "degrees must be 1)");
          if (m->dp_replicate == -1 && m->dp_shard == -1)
            throw c.error("",
                          "at most one of data_parallel_replicate_degree and "
                          "data_parallel_shard_degree may be -1");
          if (m->dp_replicate == 0 || m->dp_shard == 0)
            throw c.error("", "parallel degrees must be >= 1 or -1");
          if (m->dp_shard == -1) m->dp_shard = m->world_size / m->dp_replicate;
          if (m->dp_replicate == -1) m->dp_replicate = m->world_size / m->dp_shard;
          if (m->dp_shard * m->dp_replicate != m->world_size)
            throw c.error("", "the product of the parallel degrees (" +
                                  std::to_string(m->dp_shard * m->dp_replicate) +
                                  ") must equal world_size (" + std::to_string(m->world_size) +
                                  ")");
          return m;
        });
  r.add("number_conversion", "parallel_degree",
        Schema{Field::component("device_mesh", "device_mesh"),
               Field::list("parallelism_methods").of(FieldKind::kString)},
        [](const ComponentConfig& c) {
          std::vector<std::string> methods;
          for (const auto& m : c.get("parallelism_methods").as_list()) {
            const std::string& s = m.as_string();
            if (s != "dp_shard" && s != "dp_replicate" && s != "tp" && s != "pp" && s != "cp")
              throw c.error("parallelism_methods", "unknown method \"" + s +
                                                       "\" (expected dp_shard, dp_replicate, tp, "
                                                       "pp, cp)");
            methods.push_back(s);
          }
          return std::make_shared<config::ValueComponent<int64_t>>(
              c.get_component<DeviceMesh>("device_mesh")->degree(methods));
        });

  r.add("checkpoint_saving_strategy", "save_k_most_recent_checkpoints_strategy",
        Schema{Field::integer("k").at_least(-1).defaults(-1)}, [](const ComponentConfig& c) {
          return std::make_shared<CheckpointStrategy>(c.get_int("k"));
        });
  r.add("checkpoint_saving_execution", "default",
        Schema{Field::path("checkpoint_path"), Field::integer("global_rank").at_least(0),
               Field::string("experiment_id")},
        [](const ComponentConfig& c) {
          return std::make_shared<CheckpointExecution>(c.get_string("checkpoint_path"),
                                                       c.get_string("experiment_id"));
        });
  r.alias("checkpoint_saving_execution", "dcp", "default");
  r.alias("checkpoint_saving_execution", "torch", "default");
  r.add("checkpoint_saving", "default",
        Schema{Field::component("checkpoint_saving_strategy", "checkpoint_saving_strategy"),
               Field::component("checkpoint_saving_execution", "checkpoint_saving_execution")},
        [](const ComponentConfig& c) {
          return std::make_shared<CheckpointSaving>(
              c.get_component<CheckpointStrategy>("checkpoint_saving_strategy"),
              c.get_component<CheckpointExecution>("checkpoint_saving_execution"));
        });
  r.add("app_state", "raw",
        Schema{Field::component("model", "model"), Field::component("optimizer", "optimizer"),
               Field::component("lr_scheduler", "scheduler").optional()},
        [](const ComponentConfig& c) {
          std::shared_ptr<LrScheduler> sched;
          if (!c.is_null("lr_scheduler")) sched = c.get_component<LrScheduler>("lr_scheduler");
          return std::make_shared<AppState>(c.get_component<CausalLM>("model"),
                                            c.get_component<AdamW>("optimizer"), sched);
        });
}

void register_reporting(config::Registry& r) {
  r.add("progress_subscriber", "rich",
        Schema{Field::integer("global_rank").at_least(0),
               Field::integer("num_seen_steps").at_least(0),
               Field::integer("num_target_steps").at_least(0),
               Field::string("train_dataloader_tag"), Field::any("eval_dataloaders")},
        [](const ComponentConfig& c) {
          return std::make_shared<ProgressSubscriber>(c.get_int("global_rank") == 0);
        });
  r.add("progress_subscriber", "dummy", Schema{},
        [](const ComponentConfig&) { return std::make_shared<ProgressSubscriber>(false); });
  r.add("results_subscriber", "wandb",
        Schema{Field::integer("global_rank").at_least(0), Field::string("project"),
               Field::string("experiment_id"),
               Field::one_of("mode", {"ONLINE", "OFFLINE", "DISABLED"}).defaults("ONLINE"),
               Field::path("directory").optional(), Field::path("config_file_path").optional(),
               Field::string("entity").optional()},
        [](const ComponentConfig& c) {
          const std::string& mode = c.get_string("mode");
          return std::make_shared<ResultsSubscriber>(
              "wandb", c.get_int("global_rank") == 0 && mode != "DISABLED");
        });
  r.add("results_subscriber", "dummy", Schema{},
        [](const ComponentConfig&) { return std::make_shared<ResultsSubscriber>("dummy", true); });
  r.add("mfu_calculator", "gpt2",
        Schema{Field::integer("n_layer").at_least(1), Field::integer("sequence_length").at_least(1),
               Field::integer("n_embd").at_least(1), Field::integer("world_size").at_least(1),
               Field::component("wrapped_model", "model"),
               Field::component("device_mesh", "device_mesh").optional()},
        [](const ComponentConfig& c) {
          auto m =
              std::make_shared<MfuCalculator>(c.get_int("n_layer"), c.get_int("sequence_length"),
                                              c.get_int("n_embd"), c.get_int("world_size"));
          m->set_num_parameters(c.get_component<CausalLM>("wrapped_model")->num_parameters());
          return m;
        });
}

}  // namespace

int64_t DeviceMesh::degree(const std::vector<std::string>& methods) const {
  int64_t d = 1;
  for (const auto& m : methods) {
    // A dimension exists only when its degree > 1, except dp_shard (always present).
    if (m == "dp_shard")
      d *= dp_shard;
    else if (m == "dp_replicate" && dp_replicate > 1)
      d *= dp_replicate;
    else if (m == "tp" && tp > 1)
      d *= tp;
    else if (m == "pp" && pp > 1)
      d *= pp;
    else if (m == "cp" && cp > 1)
      d *= cp;
  }
  return d;
}

void register_train_components(config::Registry& registry) {
  register_data_path(registry);
  register_model(registry);
  register_optimizer(registry);
  register_schedulers(registry);
  register_clipping_and_loss(registry);
  register_run_infrastructure(registry);
  register_reporting(registry);
}

}  // namespace instill::train
