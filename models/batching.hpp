#pragma once
// From examples to tensors: encoding, a seeded train/valid split, padded batches for the
// classifier and random windows for the char language model.
//
//   auto encoded = tg::models::encode_examples(train, vocab, labels, {.tokenizer = tg::models::Tokenizer::basic}, "train.txt");
//   tg::Generator gen(seed);
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     for (const tg::models::Batch& batch : tg::models::shuffled_batches(encoded, 32, gen)) { ... }
//
// Everything random takes a tg::Generator (or a seed), so the same seed gives the same batches.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/tensor.hpp"
#include "models/dataset.hpp"
#include "models/preprocess.hpp"
#include "models/vocab.hpp"

namespace tg::models {

struct EncodedExample {
  std::vector<int64_t> ids;  // token ids; may be empty (an example with no text)
  int64_t label;             // class index
};

// Turns each text into ids as `preprocessing` says (models/preprocess.hpp) and each label into its
// class index. A label not in `labels` is an error naming `source` and where the labels come from
// (`labels_from`): "test.tsv: label 'maybe' is not one of the model's labels: neg, pos".
std::vector<EncodedExample> encode_examples(const std::vector<Example>& examples, const Vocab& vocab,
                                            const LabelSet& labels, const Preprocessing& preprocessing,
                                            const std::string& source = "examples",
                                            const std::string& labels_from = "the labels");

// Shuffles with `seed`, then puts round(valid_fraction * n) examples (at least one when the fraction
// is > 0) in valid and the rest in train. valid_fraction must be in [0, 1) and leave train non-empty.
struct TrainValid {
  std::vector<Example> train;
  std::vector<Example> valid;
};
TrainValid split_train_valid(const std::vector<Example>& examples, double valid_fraction, uint64_t seed);

struct Batch {
  Tensor tokens;   // i64 [B, T], padded with Vocab::kPad = 0; T = the longest length (at least 1)
  Tensor lengths;  // i64 [B], tokens before the padding (0 for an example with no text)
  Tensor labels;   // i64 [B], class indices
  std::vector<int64_t> example_ids;  // [B]: row b is examples[example_ids[b]]
};

// The batch of examples[rows[0]], examples[rows[1]], ...
Batch make_batch(const std::vector<EncodedExample>& examples, std::span<const int64_t> rows);

// Training batches: the examples are shuffled, cut into chunks of bucket_batches * batch_size,
// sorted by length inside each chunk (so a batch holds examples of similar length and little
// padding), cut into batches, and the batch order is shuffled. The last batch may be smaller.
std::vector<Batch> shuffled_batches(const std::vector<EncodedExample>& examples, int64_t batch_size,
                                    Generator& gen, int64_t bucket_batches = 100);

// Evaluation batches: every example once, sorted by length (ties in input order) for little
// padding; Batch::example_ids maps the rows back to the input order. No randomness.
std::vector<Batch> eval_batches(const std::vector<EncodedExample>& examples, int64_t batch_size);

// ---- char language model ----

struct LmBatch {
  Tensor inputs;   // i64 [B, T]: stream[s .. s+T-1] for a start s per row
  Tensor targets;  // i64 [B, T]: stream[s+1 .. s+T], the next token at every position
};

// batch_size windows of seq_len + 1 tokens at random starts in the stream (needs at least
// seq_len + 1 tokens).
LmBatch random_windows(std::span<const int64_t> stream, int64_t batch_size, int64_t seq_len, Generator& gen);

// The stream cut into consecutive windows (start 0, seq_len, 2 seq_len, ...; the tail that does not fill a
// window is left out), batch_size windows per batch, the last batch may be smaller. For a validation
// loss that is the same on every call.
std::vector<LmBatch> sequential_windows(std::span<const int64_t> stream, int64_t batch_size, int64_t seq_len);

}  // namespace tg::models
