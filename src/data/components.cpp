#include "data/components.hpp"

#include "data/packed_dataset.hpp"

namespace instill::data {

using config::ComponentConfig;
using config::Field;
using config::Schema;
using config::ValueComponent;

namespace {

int64_t steps_from_tokens(int64_t tokens, int64_t seq, int64_t dp, int64_t mbs, int64_t gas) {
  return tokens / seq / dp / mbs / gas;
}

}  // namespace

void register_data_components(config::Registry& registry) {
  registry.add("dataset", "packed_mem_map_dataset_continuous",
               Schema{Field::path("raw_data_path"),
                      Field::integer("sequence_length").greater_than(1).strict(),
                      Field::string("sample_key"),
                      Field::boolean("reuse_last_target").defaults(true)},
               [](const ComponentConfig& c) {
                 return std::make_shared<PackedDatasetContinuous>(
                     c.get_string("raw_data_path"), c.get_int("sequence_length"),
                     c.get_string("sample_key"), c.get_bool("reuse_last_target"));
               });

  // tokens = len(dataset) * seq, rounded down to whole optimizer steps (spec §8.3).
  registry.add("number_conversion", "num_tokens_from_packed_mem_map_dataset_continuous",
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
                 const int64_t steps = steps_from_tokens(static_cast<int64_t>(ds.size()) * seq, seq, dp, mbs, gas);
                 return std::make_shared<ValueComponent<int64_t>>(steps * dp * mbs * seq * gas);
               });

  registry.add("number_conversion", "num_steps_from_num_tokens",
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

}  // namespace instill::data
