#pragma once
// data_loader/default (spec §7.4): batches from a batch sampler, read from the memory-mapped
// dataset (continuous blocks, or packed rows of whole documents) and collated. With num_workers > 0
// a background thread prepares the next batches while the model computes (bounded queue, results in
// order); errors travel to the consumer.
#include <memory>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "data/training_dataset.hpp"
#include "train/batch.hpp"
#include "train/collators.hpp"
#include "train/samplers.hpp"

namespace instill::train {

class DataLoader : public config::Component {
 public:
  DataLoader(std::string tag, std::shared_ptr<data::TrainingDataset> dataset,
             std::shared_ptr<BatchSampler> batch_sampler, std::shared_ptr<Collator> collator,
             int64_t num_workers);

  const std::string& tag() const { return tag_; }
  size_t num_batches() const { return batches_.size(); }
  const data::TrainingDataset& dataset() const { return *dataset_; }
  // Builds batch i (thread-safe).
  Batch make_batch(size_t i) const;

  // Iterates the batches in order, prefetching when num_workers > 0.
  class Iterator {
   public:
    virtual ~Iterator() = default;
    // Returns false at the end.
    virtual bool next(Batch& out) = 0;
  };
  std::unique_ptr<Iterator> iterate() const;

 private:
  std::string tag_;
  std::shared_ptr<data::TrainingDataset> dataset_;
  std::shared_ptr<BatchSampler> batch_sampler_;
  std::shared_ptr<Collator> collator_;
  int64_t num_workers_;
  std::vector<std::vector<int64_t>> batches_;
};

}  // namespace instill::train
