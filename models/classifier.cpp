#include "models/classifier.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "nn/dropout.hpp"
#include "nn/embedding_bag.hpp"
#include "nn/losses.hpp"
#include "nn/pooling.hpp"

namespace tg::models {

const char* encoder_name(Encoder encoder) { return encoder == Encoder::bag ? "bag" : "lstm"; }

Encoder parse_encoder(std::string_view name) {
  if (name == "bag") return Encoder::bag;
  if (name == "lstm") return Encoder::lstm;
  fail("unknown encoder '{}', expected one of: bag, lstm", name);
}

const char* embedding_init_name(EmbeddingInit init) { return init == EmbeddingInit::normal ? "normal" : "fasttext"; }

EmbeddingInit parse_embedding_init(std::string_view name) {
  if (name == "normal") return EmbeddingInit::normal;
  if (name == "fasttext") return EmbeddingInit::fasttext;
  fail("unknown embedding init '{}', expected one of: normal, fasttext", name);
}

// ---- config ----

void ClassifierConfig::validate() const {
  auto at_least = [](const char* field, int64_t value, int64_t min) {
    if (value < min) fail("classifier config: {} must be >= {}, found {}", field, min, value);
  };
  at_least("vocab_size", vocab_size, 1);
  at_least("num_classes", num_classes, 2);
  at_least("dim", dim, 1);
  at_least("hidden", hidden, 1);
  at_least("layers", layers, 1);
  if (padding_idx < 0 || padding_idx >= vocab_size)
    fail("classifier config: padding_idx must be in [0, {}), found {}", vocab_size, padding_idx);
  if (!(dropout >= 0 && dropout < 1)) fail("classifier config: dropout must be in [0, 1), found {}", dropout);
}

nlohmann::json ClassifierConfig::to_json() const {
  return {{"vocab_size", vocab_size}, {"num_classes", num_classes}, {"dim", dim},
          {"encoder", encoder_name(encoder)}, {"hidden", hidden}, {"layers", layers},
          {"padding_idx", padding_idx}, {"dropout", dropout}, {"embedding_init", embedding_init_name(embedding_init)}};
}

ClassifierConfig ClassifierConfig::from_json(const nlohmann::json& json, std::string_view source) {
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!json.is_object() || !json.contains(name)) fail("{}: classifier config has no '{}'", source, name);
    return json.at(name);
  };
  auto integer = [&](const char* name) {
    const nlohmann::json& value = field(name);
    if (!value.is_number_integer()) fail("{}: classifier config '{}' is {}, expected an integer", source, name, value.dump());
    return value.get<int64_t>();
  };
  ClassifierConfig config;
  config.vocab_size = integer("vocab_size");
  config.num_classes = integer("num_classes");
  config.dim = integer("dim");
  config.hidden = integer("hidden");
  config.layers = integer("layers");
  config.padding_idx = integer("padding_idx");
  const nlohmann::json& encoder = field("encoder");
  if (!encoder.is_string()) fail("{}: classifier config 'encoder' is {}, expected a string", source, encoder.dump());
  config.encoder = parse_encoder(encoder.get<std::string>());
  const nlohmann::json& dropout = field("dropout");
  if (!dropout.is_number()) fail("{}: classifier config 'dropout' is {}, expected a number", source, dropout.dump());
  config.dropout = dropout.get<double>();
  if (json.contains("embedding_init")) {
    const nlohmann::json& init = json.at("embedding_init");
    if (!init.is_string())
      fail("{}: classifier config 'embedding_init' is {}, expected a string", source, init.dump());
    config.embedding_init = parse_embedding_init(init.get<std::string>());
  }
  config.validate();
  return config;
}

// ---- model ----

namespace {

const ClassifierConfig& validated(const ClassifierConfig& config) {
  config.validate();
  return config;
}

int64_t sentence_size(const ClassifierConfig& c) { return c.encoder == Encoder::bag ? c.dim : c.hidden; }

// The first lengths[b] tokens of each row, one row after another, and where each row starts: the 1-D
// input and offsets of nn::embedding_bag, so that what the padding positions hold is never read.
// tokens i64 [B, T], lengths i64 [B]  ->  valid i64 [sum of lengths], offsets i64 [B]
struct Bags {
  Tensor valid, offsets;
};

Bags bags_of_valid_tokens(const Tensor& tokens, const Tensor& lengths) {
  check_dtype("TextClassifier", tokens, DType::i64);
  check_dtype("TextClassifier", lengths, DType::i64);
  if (tokens.dim() != 2) fail("TextClassifier: tokens must be [B, T], got {}", tokens.shape());
  const int64_t B = tokens.size(0), T = tokens.size(1);
  if (!(lengths.shape() == Shape{B}))
    fail("TextClassifier: lengths has shape {}, expected [{}] (one per row of tokens {})", lengths.shape(), B,
         tokens.shape());
  const int64_t* length = lengths.i64();
  int64_t total = 0;
  for (int64_t b = 0; b < B; ++b) {
    if (length[b] < 0 || length[b] > T)
      fail("TextClassifier: length {} at position [{}] is outside [0, T={}] of tokens {}", length[b], b, T,
           tokens.shape());
    total += length[b];
  }
  Bags bags{empty({total}, DType::i64), empty({B}, DType::i64)};
  int64_t* valid = bags.valid.i64();
  int64_t* offsets = bags.offsets.i64();
  for (int64_t b = 0, at = 0; b < B; ++b) {
    offsets[b] = at;
    std::copy(tokens.i64() + b * T, tokens.i64() + b * T + length[b], valid + at);
    at += length[b];
  }
  return bags;
}

}  // namespace

TextClassifier::TextClassifier(const ClassifierConfig& config, bool sparse_embedding)
    : config_(validated(config)),
      embedding(config.vocab_size, config.dim, {.padding_idx = config.padding_idx, .sparse = sparse_embedding}),
      fc(sentence_size(config), config.outputs()) {
  register_module("embedding", embedding);
  if (config.encoder == Encoder::lstm) {
    lstm = std::make_shared<nn::LSTM>(config.dim, config.hidden,
                                      nn::LSTMOptions{.num_layers = static_cast<int>(config.layers), .batch_first = true});
    register_module("lstm", lstm);
  }
  register_module("fc", fc);
  if (config.embedding_init == EmbeddingInit::fasttext) {  // drawn last, after every PyTorch-default init
    Tensor& table = embedding.weight;                        // [V, dim]
    double bound = 1.0 / static_cast<double>(config.dim);
    uniform_(table, -bound, bound);
    float* padding_row = table.f32() + config.padding_idx * config.dim;
    std::fill(padding_row, padding_row + config.dim, 0.0f);
  }
}

TextClassifier TextClassifier::sharing_parameters(const TextClassifier& of) {
  // The table comes from of's (Embedding::from_pretrained holds a detached handle: the same storage, a
  // gradient of its own); the rest is built as usual, which draws little, then given of's storage.
  ClassifierConfig config = of.config_;
  config.vocab_size = 1;  // a placeholder table, replaced below
  config.padding_idx = 0;
  TextClassifier replica(config, of.embedding.options().sparse);
  replica.config_ = of.config_;
  const Tensor& table = of.embedding.weight;
  replica.embedding = nn::Embedding::from_pretrained(table, !table.requires_grad(), of.embedding.options());
  std::vector<Tensor> mine = replica.parameters(), theirs = of.parameters();
  for (size_t p = 0; p < mine.size(); ++p) {
    mine[p].set_data(theirs[p]);
    mine[p].requires_grad_(theirs[p].requires_grad());
  }
  return replica;
}

Tensor TextClassifier::forward(const Tensor& tokens, const Tensor& lengths) {
  Tensor sentence;  // [B, dim] (bag) or [B, hidden] (lstm)
  if (config_.encoder == Encoder::bag && !embedding.is_quantized()) {
    // The mean of each sentence's valid rows in one op, never a [B, T, dim] tensor: the same bits as
    // masked_mean(embedding(tokens), lengths) (tests/models/test_classifier.cpp).
    Bags bags = bags_of_valid_tokens(tokens, lengths);
    sentence = nn::embedding_bag(bags.valid, embedding.weight, bags.offsets,
                                 {.mode = "mean", .padding_idx = config_.padding_idx, .sparse = embedding.options().sparse});
  } else if (config_.encoder == Encoder::bag) {  // an int8 table (inference only): look up, then average
    sentence = nn::masked_mean(embedding.forward(tokens), lengths);
  } else {
    Tensor vectors = embedding.forward(tokens);        // [B, T, dim]
    Tensor h_n = lstm->forward(vectors, lengths).h_n;  // [layers, B, hidden]
    sentence = narrow(h_n, 0, config_.layers - 1, 1).squeeze(0);
  }
  sentence = nn::dropout(sentence, config_.dropout, is_training());
  return fc.forward(sentence);  // [B, outputs]
}

Tensor TextClassifier::loss(const Tensor& logits, const Tensor& labels) const {
  if (config_.num_classes > 2) return nn::cross_entropy(logits, labels);
  // One logit per row: the target is the label as a float, 1 for class 1.
  Tensor targets = empty({labels.numel()});
  const int64_t* label = labels.i64();
  for (int64_t b = 0; b < labels.numel(); ++b) targets.f32()[b] = static_cast<float>(label[b]);
  return nn::bce_with_logits(logits.reshape({-1}), targets);
}

Tensor TextClassifier::probabilities(const Tensor& logits) const {
  NoGradGuard no_grad;
  if (config_.num_classes > 2) return softmax(logits.detach(), 1);
  Tensor p1 = sigmoid(logits.detach());  // [B, 1]
  return concat({rsub(1.0, p1), p1}, 1);  // [B, 2]
}

Tensor TextClassifier::predict_proba(const Tensor& tokens, const Tensor& lengths) {
  NoGradGuard no_grad;
  return probabilities(forward(tokens, lengths));
}

std::vector<int64_t> TextClassifier::predicted_classes(const Tensor& logits) const {
  int64_t rows = logits.size(0), columns = logits.size(1);
  const float* values = logits.f32();
  std::vector<int64_t> classes(rows);
  for (int64_t b = 0; b < rows; ++b) {
    const float* row = values + b * columns;
    if (columns == 1) {
      classes[b] = row[0] > 0 ? 1 : 0;
      continue;
    }
    int64_t best = 0;
    for (int64_t c = 1; c < columns; ++c)
      if (row[c] > row[best]) best = c;
    classes[b] = best;
  }
  return classes;
}

Coverage TextClassifier::init_pretrained(const std::vector<std::string>& vocab, const WordVectors& vectors,
                                         bool freeze) {
  if (vectors.dim != config_.dim)
    fail("pretrained vectors have dimension {}, the model's embedding dimension is {}", vectors.dim, config_.dim);
  if (static_cast<int64_t>(vocab.size()) != config_.vocab_size)
    fail("pretrained init: vocabulary of {} words, the embedding has {} rows", vocab.size(), config_.vocab_size);
  Coverage coverage = fill_embedding(embedding.weight, vocab, vectors,
                                     {.lowercase_fallback = true, .padding_id = config_.padding_idx});
  if (freeze) embedding.weight.requires_grad_(false);
  return coverage;
}

}  // namespace tg::models
