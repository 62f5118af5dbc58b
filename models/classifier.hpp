#pragma once
// TextClassifier: token ids in, class scores out. Two encoders of a padded batch:
//
//   bag:   embedding -> mean over each sentence's valid tokens -> fc      (fastText-style; one op,
//          nn::embedding_bag, never the [B, T, dim] lookup)
//   lstm:  embedding -> LSTM over the valid tokens -> last layer's final hidden state h_n -> fc
//
//   tokens [B, T] --embedding--> [B, T, dim] --(masked mean | LSTM h_n)--> [B, dim | hidden] --fc--> logits
//
// Two classes get ONE logit per sentence and the binary cross entropy with logits (sigmoid(logit) is
// the probability of class 1), C > 2 classes get C logits and softmax cross entropy, as the
// PyTorch sentiment classifier this mirrors. The sub-modules are named `embedding`, `lstm` (lstm
// encoder only) and `fc`, so the parameters are PyTorch's state_dict:
//   embedding.weight [V, dim]; lstm.weight_ih_l0 [4H, dim], lstm.weight_hh_l0 [4H, H],
//   lstm.bias_ih_l0 [4H], lstm.bias_hh_l0 [4H]; fc.weight [outputs, dim | H], fc.bias [outputs].
//
//   TextClassifier model({.vocab_size = vocab.size(), .num_classes = 2, .encoder = Encoder::bag});
//   Tensor logits = model.forward(batch.tokens, batch.lengths);   // [B, 1]
//   Tensor loss = model.loss(logits, batch.labels);                // []
//   loss.backward();
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.hpp"
#include "models/vectors.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/lstm.hpp"
#include "nn/module.hpp"

namespace tg::models {

enum class Encoder { bag, lstm };
const char* encoder_name(Encoder encoder);       // "bag" | "lstm"
Encoder parse_encoder(std::string_view name);    // the inverse; tg::Error listing both otherwise

// How the embedding table starts: PyTorch's nn.Embedding default N(0, 1), or fastText's U(-1/dim, 1/dim)
// (the mean of a sentence's N(0, 1) rows is mostly noise that training must first undo: SST-2 dev
// accuracy of the bag model, measured: 0.79-0.80 with N(0, 1), 0.81-0.82 with fastText's). The padding
// row is zero either way.
enum class EmbeddingInit { normal, fasttext };
const char* embedding_init_name(EmbeddingInit init);    // "normal" | "fasttext"
EmbeddingInit parse_embedding_init(std::string_view name);

struct ClassifierConfig {
  int64_t vocab_size = 0;   // rows of the embedding table, <pad> and <unk> included
  int64_t num_classes = 2;  // >= 2
  int64_t dim = 64;         // embedding size
  Encoder encoder = Encoder::bag;
  int64_t hidden = 128;     // LSTM hidden size (lstm encoder)
  int64_t layers = 1;       // LSTM layers (lstm encoder)
  int64_t padding_idx = 0;  // the embedding row of padding: never read, never trained
  double dropout = 0.0;     // on the sentence vector before fc, in training only
  EmbeddingInit embedding_init = EmbeddingInit::normal;  // PyTorch's; tg-classify uses fasttext

  // One logit for two classes, else one per class.
  int64_t outputs() const { return num_classes == 2 ? 1 : num_classes; }
  // Throws "classifier config: dim must be >= 1, found 0" and the like.
  void validate() const;

  // {"vocab_size": 14000, "num_classes": 2, "dim": 64, "encoder": "bag", ...}: every field.
  nlohmann::json to_json() const;
  // Reads what to_json() wrote (every field required but embedding_init, which files written before it
  // existed lack: it only matters for a new model), then validates; `source` names the file.
  static ClassifierConfig from_json(const nlohmann::json& json, std::string_view source = "config");
};

class TextClassifier : public nn::Module {
  ClassifierConfig config_;  // first: validated before the layers below are built from it

 public:
  // sparse_embedding: the embedding's gradient is row-sparse (for optim::LazyAdam).
  explicit TextClassifier(const ClassifierConfig& config, bool sparse_embedding = false);
  // A model of the same config whose parameters hold `of`'s storage (the same values: an update through
  // either is seen by both) but have gradients of their own, and the same requires_grad: the replica of
  // Hogwild training (tools/classify/epoch.hpp). Its table is not drawn anew (drawing a [V, dim] table is
  // most of the cost of building a model).
  static TextClassifier sharing_parameters(const TextClassifier& of);

  // tokens i64 [B, T] (padded with padding_idx), lengths i64 [B]  ->  logits f32 [B, outputs()].
  // What the padding positions hold changes nothing: they are never read (bag) or never run (lstm).
  // Bag: a token equal to padding_idx before its length is left out of the mean (as in PyTorch's
  // EmbeddingBag); text never encodes to it (Vocab::encode).
  Tensor forward(const Tensor& tokens, const Tensor& lengths);

  // Mean loss over the batch: bce_with_logits for two classes, cross_entropy otherwise.
  // logits [B, outputs()], labels i64 [B] of class indices.
  Tensor loss(const Tensor& logits, const Tensor& labels) const;

  // Class probabilities f32 [B, num_classes] (two classes: [1 - sigmoid, sigmoid]). Not recorded.
  Tensor probabilities(const Tensor& logits) const;
  Tensor predict_proba(const Tensor& tokens, const Tensor& lengths);  // forward + probabilities, no grad
  // The most probable class of each row (two classes: logit > 0), length B.
  std::vector<int64_t> predicted_classes(const Tensor& logits) const;

  // Initialises embedding rows from pretrained vectors: vocab[id] is the word of row id, rows without a
  // vector get U(-0.25, 0.25), the padding row zeros. vectors.dim must equal config().dim.
  // freeze = true: the table is not trained (it no longer requires grad, so gets no gradient).
  Coverage init_pretrained(const std::vector<std::string>& vocab, const WordVectors& vectors, bool freeze);

  const ClassifierConfig& config() const { return config_; }

  nn::Embedding embedding;
  std::shared_ptr<nn::LSTM> lstm;  // null for the bag encoder
  nn::Linear fc;
};

}  // namespace tg::models
