#include "train/data_loader.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/error.hpp"

namespace instill::train {

DataLoader::DataLoader(std::string tag, std::shared_ptr<data::TrainingDataset> dataset,
                       std::shared_ptr<BatchSampler> batch_sampler,
                       std::shared_ptr<Collator> collator, int64_t num_workers)
    : tag_(std::move(tag)),
      dataset_(std::move(dataset)),
      batch_sampler_(std::move(batch_sampler)),
      collator_(std::move(collator)),
      num_workers_(num_workers),
      batches_(batch_sampler_->batches()) {
  if (dataset_->has_stored_masks() &&
      dynamic_cast<const MaskLossCollatorWrapper*>(collator_.get()) != nullptr)
    throw Error("data loader \"" + tag_ +
                "\": its dataset carries stored loss masks (data prepared with "
                "tokenizer_chat_template), so it needs no marker tokens; use "
                "collate_fn gpt_2_llm_collator without mask_loss_collator_wrapper");
  for (const auto& b : batches_)
    for (int64_t i : b)
      if (i < 0 || i >= static_cast<int64_t>(dataset_->size()))
        throw Error("data loader \"" + tag_ + "\": the sampler produced index " +
                    std::to_string(i) + " for a dataset of " + std::to_string(dataset_->size()) +
                    " samples; its sampler must use the same dataset");
}

Batch DataLoader::make_batch(size_t i) const {
  const auto& idx = batches_.at(i);
  std::vector<data::TokenRow> rows(idx.size());
  size_t width = 0;
  bool packed = false;
  for (size_t r = 0; r < idx.size(); ++r) {
    dataset_->read_row(idx[r], rows[r]);
    width = std::max(width, rows[r].tokens.size());
    packed = packed || !rows[r].documents.empty();
  }
  // Packed rows differ in length: the block is as wide as the longest, the rest zeros that
  // no document covers.
  const auto shape =
      std::vector<int64_t>{static_cast<int64_t>(idx.size()), static_cast<int64_t>(width)};
  torch::Tensor tokens = torch::zeros(shape, torch::kInt64);
  int64_t* out = tokens.data_ptr<int64_t>();
  const bool masked = dataset_->has_stored_masks();
  torch::Tensor trainable = masked ? torch::zeros(shape, torch::kUInt8) : torch::Tensor();
  RowDocuments documents;
  for (size_t r = 0; r < idx.size(); ++r) {
    int64_t* dst = out + static_cast<int64_t>(r * width);
    for (size_t j = 0; j < rows[r].tokens.size(); ++j) dst[j] = rows[r].tokens[j];
    if (masked)
      std::copy(rows[r].trainable.begin(), rows[r].trainable.end(),
                trainable.data_ptr<uint8_t>() + static_cast<int64_t>(r * width));
    if (packed) documents.push_back(std::move(rows[r].documents));
  }
  Batch batch = collator_->collate(tokens, idx, documents);
  if (masked) apply_stored_masks(batch, trainable, documents);
  return batch;
}

namespace {

class SyncIterator : public DataLoader::Iterator {
 public:
  explicit SyncIterator(const DataLoader& dl) : dl_(dl) {}
  bool next(Batch& out) override {
    if (i_ >= dl_.num_batches()) return false;
    out = dl_.make_batch(i_++);
    return true;
  }

 private:
  const DataLoader& dl_;
  size_t i_ = 0;
};

// One producer thread keeps up to `depth` batches ready.
class PrefetchIterator : public DataLoader::Iterator {
 public:
  PrefetchIterator(const DataLoader& dl, size_t depth) : dl_(dl), depth_(depth) {
    worker_ = std::thread([this] { produce(); });
  }
  ~PrefetchIterator() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  bool next(Batch& out) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || done_ || error_; });
    if (!queue_.empty()) {
      out = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
      return true;
    }
    if (error_) std::rethrow_exception(error_);
    return false;
  }

 private:
  void produce() {
    try {
      for (size_t i = 0; i < dl_.num_batches(); ++i) {
        Batch b = dl_.make_batch(i);
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return queue_.size() < depth_ || stop_; });
        if (stop_) return;
        queue_.push_back(std::move(b));
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  const DataLoader& dl_;
  size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool done_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<DataLoader::Iterator> DataLoader::iterate() const {
  if (num_workers_ <= 0) return std::make_unique<SyncIterator>(*this);
  return std::make_unique<PrefetchIterator>(*this, static_cast<size_t>(2 * num_workers_));
}

}  // namespace instill::train
