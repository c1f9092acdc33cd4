#include "data/components.hpp"

#include <map>

#include "core/error.hpp"
#include "data/packed_dataset.hpp"
#include "data/packed_sft_dataset.hpp"
#include "data/tokenizer_component.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::data {

using config::ComponentConfig;
using config::Field;
using config::Schema;
using config::ValueComponent;

namespace {

int64_t steps_from_tokens(int64_t tokens, int64_t seq, int64_t dp, int64_t mbs, int64_t gas) {
  return tokens / seq / dp / mbs / gas;
}

// Token counts from configs size buffers (padding, rows), so a typo like 1e12 must be an error
// naming the key rather than an allocation failure; 2^24 tokens is far beyond real contexts.
constexpr double kMaxSequenceLength = 1 << 24;

// padding: false/"do_not_pad" -> none, true/"longest" -> longest, "max_length".
tokenizer::PaddingMode padding_mode(const Value& v, const std::string& key_path) {
  if (v.is_bool())
    return v.as_bool() ? tokenizer::PaddingMode::kLongest : tokenizer::PaddingMode::kNone;
  if (v.is_string()) {
    if (v.as_string() == "max_length") return tokenizer::PaddingMode::kMaxLength;
    if (v.as_string() == "longest") return tokenizer::PaddingMode::kLongest;
    if (v.as_string() == "do_not_pad") return tokenizer::PaddingMode::kNone;
  }
  throw Error(
      key_path +
      ".padding: expected true, false, \"longest\", \"max_length\" or \"do_not_pad\", got " +
      config::describe_value(v));
}

void register_tokenizer(config::Registry& registry) {
  registry.add(
      "tokenizer", "pretrained_hf_tokenizer",
      Schema{Field::string("pretrained_model_name_or_path"),
             Field::integer("max_length").at_least(0).at_most(kMaxSequenceLength).optional(),
             Field::boolean("truncation").defaults(false), Field::any("padding").defaults(false),
             Field::map("special_tokens").optional()},
      [](const ComponentConfig& c) {
        auto tok = std::make_shared<tokenizer::HfTokenizer>(
            tokenizer::HfTokenizer::from_pretrained(c.get_string("pretrained_model_name_or_path")));
        const tokenizer::SpecialTokens special = tokenizer::parse_special_tokens(
            c.get("special_tokens"), c.key_path() + ".special_tokens");
        try {
          tok->add_special_tokens(special);
        } catch (const Error& e) {
          throw Error(c.key_path() + ".special_tokens: " + e.what());
        }
        tokenizer::EncodeOptions options;
        if (!c.is_null("max_length"))
          options.max_length = static_cast<size_t>(c.get_int("max_length"));
        options.truncation = c.get_bool("truncation");
        options.padding = padding_mode(c.get("padding"), c.key_path());
        return std::make_shared<TokenizerComponent>(std::move(tok), options);
      });
}

void register_datasets(config::Registry& registry) {
  registry.add(
      "dataset", "packed_mem_map_dataset_continuous",
      Schema{Field::path("raw_data_path"),
             Field::integer("sequence_length").greater_than(1).at_most(kMaxSequenceLength).strict(),
             Field::string("sample_key"), Field::boolean("reuse_last_target").defaults(true)},
      [](const ComponentConfig& c) {
        return std::make_shared<PackedDatasetContinuous>(
            c.get_string("raw_data_path"), c.get_int("sequence_length"), c.get_string("sample_key"),
            c.get_bool("reuse_last_target"));
      });

  registry.add("dataset", "packed_sft_dataset",
               Schema{Field::path("raw_data_path"),
                      Field::integer("sequence_length")
                          .greater_than(0)
                          .at_most(kMaxSequenceLength)
                          .strict()
                          .doc("input positions per row: the model's context length"),
                      Field::string("sample_key"),
                      Field::component("tokenizer", "tokenizer")
                          .optional()
                          .doc("pad_token_id and eod_token_id default to its pad and eos tokens"),
                      Field::integer("pad_token_id")
                          .at_least(0)
                          .optional()
                          .doc("a document's trailing run of this id is padding and is dropped"),
                      Field::integer("eod_token_id")
                          .at_least(0)
                          .optional()
                          .doc("when equal to pad_token_id, one pad is kept as the document's end"),
                      Field::one_of("packing", {"bfd", "none"})
                          .defaults("bfd")
                          .doc("bfd: best fit decreasing; none: one document per row"),
                      Field::one_of("overflow", {"error", "split", "drop"}).defaults("error"),
                      Field::integer("seed").at_least(0).defaults(0)},
               [](const ComponentConfig& c) {
                 PackedSftOptions o;
                 o.sequence_length = c.get_int("sequence_length");
                 o.sample_key = c.get_string("sample_key");
                 if (!c.is_null("tokenizer")) {
                   const auto& tok = c.get_component<TokenizerComponent>("tokenizer")->hf();
                   o.tokenizer = std::make_shared<const tokenizer::HfTokenizer>(tok);
                   if (auto pad = tok.special_token_id("pad_token"))
                     o.pad_token_id = static_cast<uint32_t>(*pad);
                   if (auto eos = tok.special_token_id("eos_token"))
                     o.eod_token_id = static_cast<uint32_t>(*eos);
                 }
                 if (!c.is_null("pad_token_id"))
                   o.pad_token_id = static_cast<uint32_t>(c.get_int("pad_token_id"));
                 if (!c.is_null("eod_token_id"))
                   o.eod_token_id = static_cast<uint32_t>(c.get_int("eod_token_id"));
                 o.overflow = overflow_policy_from_string(c.get_string("overflow"));
                 if (c.get_string("packing") == "none")
                   o.packing = PackedSftOptions::Packing::kNone;
                 o.seed = static_cast<uint64_t>(c.get_int("seed"));
                 try {
                   return std::make_shared<PackedSftDataset>(c.get_string("raw_data_path"), o);
                 } catch (const Error& e) {
                   throw c.error("raw_data_path", e);
                 }
               });
}

void register_number_conversions(config::Registry& registry) {
  // tokens = rows * sequence_length, rounded down to whole optimizer steps: the same count
  // of optimizer steps as one epoch over the packed rows.
  registry.add(
      "number_conversion", "num_tokens_from_packed_sft_dataset",
      Schema{Field::component("dataset", "dataset"), Field::integer("dp_degree").greater_than(0),
             Field::integer("local_micro_batch_size").greater_than(0),
             Field::integer("gradient_accumulation_steps").greater_than(0)},
      [](const ComponentConfig& c) {
        auto ds = c.get_component<PackedSftDataset>("dataset");
        const int64_t seq = ds->options().sequence_length, dp = c.get_int("dp_degree"),
                      mbs = c.get_int("local_micro_batch_size"),
                      gas = c.get_int("gradient_accumulation_steps");
        const int64_t steps =
            steps_from_tokens(static_cast<int64_t>(ds->size()) * seq, seq, dp, mbs, gas);
        return std::make_shared<ValueComponent<int64_t>>(steps * dp * mbs * seq * gas);
      });

  // tokens = len(dataset) * seq, rounded down to whole optimizer steps (spec §8.3).
  registry.add(
      "number_conversion", "num_tokens_from_packed_mem_map_dataset_continuous",
      Schema{Field::path("dataset_path"), Field::integer("sequence_length").greater_than(0),
             Field::integer("dp_degree").greater_than(0),
             Field::integer("local_micro_batch_size").greater_than(0),
             Field::integer("gradient_accumulation_steps").greater_than(0),
             Field::string("sample_key").defaults("text"),
             Field::boolean("reuse_last_target").defaults(true)},
      [](const ComponentConfig& c) {
        PackedDatasetContinuous ds(c.get_string("dataset_path"), c.get_int("sequence_length"),
                                   c.get_string("sample_key"), c.get_bool("reuse_last_target"));
        const int64_t seq = c.get_int("sequence_length"), dp = c.get_int("dp_degree"),
                      mbs = c.get_int("local_micro_batch_size"),
                      gas = c.get_int("gradient_accumulation_steps");
        const int64_t steps =
            steps_from_tokens(static_cast<int64_t>(ds.size()) * seq, seq, dp, mbs, gas);
        return std::make_shared<ValueComponent<int64_t>>(steps * dp * mbs * seq * gas);
      });

  registry.add(
      "number_conversion", "num_steps_from_num_tokens",
      Schema{Field::integer("dp_degree").greater_than(0),
             Field::integer("local_micro_batch_size").greater_than(0),
             Field::integer("global_num_tokens").at_least(0),
             Field::integer("sequence_length").greater_than(0),
             Field::integer("gradient_accumulation_steps").greater_than(0)},
      [](const ComponentConfig& c) {
        return std::make_shared<ValueComponent<int64_t>>(steps_from_tokens(
            c.get_int("global_num_tokens"), c.get_int("sequence_length"), c.get_int("dp_degree"),
            c.get_int("local_micro_batch_size"), c.get_int("gradient_accumulation_steps")));
      });
}

}  // namespace

void register_data_components(config::Registry& registry) {
  register_tokenizer(registry);
  register_datasets(registry);
  register_number_conversions(registry);
}

}  // namespace instill::data
