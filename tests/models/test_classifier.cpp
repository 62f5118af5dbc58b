// TextClassifier: shapes, gradients through the whole model, padding, training, pretrained init.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/sparse_grad.hpp"
#include "core/tape.hpp"
#include "models/classifier.hpp"
#include "nn/dropout.hpp"
#include "nn/losses.hpp"
#include "nn/pooling.hpp"
#include "optim/adam.hpp"
#include "optim/lazy_adam.hpp"

using namespace tg;
using namespace tg::models;

namespace {

ClassifierConfig tiny_config(Encoder encoder, int64_t classes) {
  return {.vocab_size = 12, .num_classes = classes, .dim = 4, .encoder = encoder, .hidden = 3};
}

// Two sentences of lengths 3 and 1, padded with 0.
Tensor tiny_tokens() { return indices({5, 3, 9, 7, 0, 0}, {2, 3}); }
Tensor tiny_lengths() { return indices({3, 1}); }

std::vector<std::string> parameter_names(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("classifier: two classes give one logit per sentence, more classes one logit per class") {
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    manual_seed(1);
    TextClassifier binary(tiny_config(encoder, 2));
    TextClassifier four(tiny_config(encoder, 4));
    CHECK(binary.forward(tiny_tokens(), tiny_lengths()).shape() == Shape{2, 1});
    CHECK(four.forward(tiny_tokens(), tiny_lengths()).shape() == Shape{2, 4});
    CHECK(binary.predict_proba(tiny_tokens(), tiny_lengths()).shape() == Shape{2, 2});
    CHECK(four.predict_proba(tiny_tokens(), tiny_lengths()).shape() == Shape{2, 4});
  }
}

TEST_CASE("classifier: parameters carry PyTorch's state_dict names and shapes") {
  TextClassifier bag(tiny_config(Encoder::bag, 3));
  CHECK(parameter_names(bag) == std::vector<std::string>{"embedding.weight", "fc.weight", "fc.bias"});
  CHECK(bag.fc.weight.shape() == Shape{3, 4});
  TextClassifier lstm(tiny_config(Encoder::lstm, 2));
  CHECK(parameter_names(lstm) == std::vector<std::string>{"embedding.weight", "lstm.weight_ih_l0",
                                                          "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                                          "lstm.bias_hh_l0", "fc.weight", "fc.bias"});
  CHECK(lstm.fc.weight.shape() == Shape{1, 3});
  CHECK(lstm.embedding.weight.at({0, 2}) == 0.0);  // the padding row starts at zero
}

TEST_CASE("classifier: the bag encoder is the mean of the valid tokens' embeddings, then fc") {
  TextClassifier model(tiny_config(Encoder::bag, 3));
  Tensor logits = model.forward(tiny_tokens(), tiny_lengths());
  // Sentence 0 by hand: mean of rows 5, 3, 9, then W x + b.
  for (int64_t c = 0; c < 3; ++c) {
    double want = model.fc.bias.at({c});
    for (int64_t d = 0; d < 4; ++d) {
      double mean = (model.embedding.weight.at({5, d}) + model.embedding.weight.at({3, d}) +
                     model.embedding.weight.at({9, d})) / 3;
      want += model.fc.weight.at({c, d}) * mean;
    }
    CHECK(logits.at({0, c}) == doctest::Approx(want).epsilon(1e-5));
  }
}

TEST_CASE("classifier: gradients through the whole model match central differences") {
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    for (int64_t classes : {2, 3}) {
      manual_seed(7);
      TextClassifier model(tiny_config(encoder, classes));
      Tensor labels = indices({1, classes - 1});
      auto loss = [&](const std::vector<Tensor>&) {
        return model.loss(model.forward(tiny_tokens(), tiny_lengths()), labels);
      };
      GradcheckResult result = gradcheck(loss, model.parameters(), 1e-2, 2e-3, 2e-2);
      CHECK_MESSAGE(result.ok, encoder_name(encoder), " classes=", classes, "\n", result.report);
    }
  }
}

TEST_CASE("classifier: extra padding, whatever ids it holds, changes neither logits nor gradients") {
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    manual_seed(3);
    TextClassifier model(tiny_config(encoder, 3));
    Tensor labels = indices({2, 0});
    auto run = [&](const Tensor& tokens) {
      model.zero_grad();
      Tensor logits = model.forward(tokens, tiny_lengths());
      model.loss(logits, labels).backward();
      return std::pair{logits.to_vector(), model.embedding.weight.grad().to_vector()};
    };
    auto [logits, grad] = run(tiny_tokens());
    // The same two sentences padded to 6 steps with ids that are real words (and 0).
    Tensor wide = indices({5, 3, 9, 4, 11, 2, 7, 6, 0, 8, 1, 10}, {2, 6});
    auto [wide_logits, wide_grad] = run(wide);
    CHECK(logits == wide_logits);
    CHECK(grad == wide_grad);
  }
}

TEST_CASE("classifier: binary loss is the BCE of sigmoid(logit) against the label, multi-class is cross entropy") {
  TextClassifier binary(tiny_config(Encoder::bag, 2));
  Tensor logits = tensor({0.5f, -2.0f}, {2, 1});
  double want = -(std::log(1 / (1 + std::exp(-0.5))) + std::log(1 - 1 / (1 + std::exp(2.0)))) / 2;
  CHECK(binary.loss(logits, indices({1, 0})).item() == doctest::Approx(want).epsilon(1e-6));

  TextClassifier three(tiny_config(Encoder::bag, 3));
  Tensor logits3 = tensor({1, 2, 3, 0, 0, 0}, {2, 3});
  double norm = std::log(std::exp(1) + std::exp(2) + std::exp(3));
  double want3 = ((norm - 3) + std::log(3.0)) / 2;
  CHECK(three.loss(logits3, indices({2, 1})).item() == doctest::Approx(want3).epsilon(1e-6));
}

TEST_CASE("classifier: probabilities sum to one and agree with the predicted class") {
  for (int64_t classes : {2, 5}) {
    manual_seed(11);
    TextClassifier model(tiny_config(Encoder::bag, classes));
    Tensor tokens = randint(12, {6, 4});
    Tensor lengths = indices({4, 3, 2, 1, 4, 2});
    Tensor logits = model.forward(tokens, lengths);
    Tensor probs = model.probabilities(logits);
    std::vector<int64_t> predicted = model.predicted_classes(logits);
    for (int64_t b = 0; b < 6; ++b) {
      double total = 0;
      int64_t best = 0;
      for (int64_t c = 0; c < classes; ++c) {
        total += probs.at({b, c});
        if (probs.at({b, c}) > probs.at({b, best})) best = c;
      }
      CHECK(total == doctest::Approx(1.0).epsilon(1e-6));
      CHECK(predicted[b] == best);
    }
  }
}

TEST_CASE("classifier: the loss falls when training on a tiny separable set") {
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    manual_seed(5);
    TextClassifier model(tiny_config(encoder, 2));
    // Words 2..6 mean class 0, words 7..11 mean class 1.
    Tensor tokens = indices({2, 3, 4, 7, 8, 9, 5, 6, 0, 10, 11, 0}, {4, 3});
    Tensor lengths = indices({3, 3, 2, 2});
    Tensor labels = indices({0, 1, 0, 1});
    optim::Adam optimizer(model.trainable_parameters(), 0.05);
    double first = 0, last = 0;
    for (int step = 0; step < 60; ++step) {
      optimizer.zero_grad();
      Tensor loss = model.loss(model.forward(tokens, lengths), labels);
      loss.backward();
      optimizer.step();
      (step == 0 ? first : last) = loss.item();
    }
    CHECK(last < first * 0.2);
    std::vector<int64_t> predicted = model.predicted_classes(model.forward(tokens, lengths));
    CHECK(predicted == std::vector<int64_t>{0, 1, 0, 1});
  }
}

// The bag encoder before nn::embedding_bag: the [B, T, dim] lookup, then masked_mean.
static Tensor lookup_then_mean(TextClassifier& model, const Tensor& tokens, const Tensor& lengths) {
  Tensor sentence = nn::masked_mean(model.embedding.forward(tokens), lengths);
  return model.fc.forward(nn::dropout(sentence, model.config().dropout, model.is_training()));
}

TEST_CASE("classifier: the bag encoder trains to the same bits as embedding + masked_mean") {
  // Batches as models/batching.cpp makes them: real words (ids >= 2) then padding 0; one empty row.
  const int64_t vocab = 40, B = 6, T = 7;
  for (bool sparse : {false, true}) {
    std::vector<std::vector<float>> trained[2];
    for (int way = 0; way < 2; ++way) {
      manual_seed(17);
      TextClassifier model({.vocab_size = vocab, .num_classes = 3, .dim = 16, .dropout = 0.3,
                            .embedding_init = EmbeddingInit::fasttext}, sparse);
      std::unique_ptr<optim::Optimizer> optimizer;
      if (sparse) optimizer = std::make_unique<optim::LazyAdam>(model.trainable_parameters(), 0.05);
      else optimizer = std::make_unique<optim::Adam>(model.trainable_parameters(), 0.05);
      Generator data(99);
      for (int step = 0; step < 8; ++step) {
        std::vector<int64_t> tokens(static_cast<size_t>(B * T), 0), lengths(static_cast<size_t>(B)), labels(static_cast<size_t>(B));
        for (int64_t b = 0; b < B; ++b) {
          lengths[size_t(b)] = b == 2 ? 0 : 1 + int64_t(data.next_u64() % T);
          labels[size_t(b)] = int64_t(data.next_u64() % 3);
          for (int64_t t = 0; t < lengths[size_t(b)]; ++t)  // words repeat within and across rows
            tokens[size_t(b * T + t)] = 2 + int64_t(data.next_u64() % 12);
        }
        Tensor token_ids = indices(tokens, {B, T}), length_ids = indices(lengths), label_ids = indices(labels);
        optimizer->zero_grad();
        Tensor logits = way == 0 ? model.forward(token_ids, length_ids) : lookup_then_mean(model, token_ids, length_ids);
        model.loss(logits, label_ids).backward();
        optimizer->step();
      }
      for (const auto& [name, p] : model.named_parameters()) trained[way].push_back(p.to_vector());
    }
    CHECK_MESSAGE(trained[0] == trained[1], "sparse=", sparse);
  }
}

TEST_CASE("classifier: the padding row never receives a gradient") {
  TextClassifier model(tiny_config(Encoder::bag, 2));
  model.loss(model.forward(tiny_tokens(), tiny_lengths()), indices({1, 0})).backward();
  Tensor grad = model.embedding.weight.grad();
  for (int64_t d = 0; d < 4; ++d) CHECK(grad.at({0, d}) == 0.0);
  CHECK(grad.at({5, 0}) != 0.0);
}

TEST_CASE("classifier: a sparse embedding gives a row-sparse gradient of the used rows only") {
  TextClassifier model(tiny_config(Encoder::bag, 2), /*sparse_embedding=*/true);
  model.loss(model.forward(tiny_tokens(), tiny_lengths()), indices({1, 0})).backward();
  REQUIRE(model.embedding.weight.sparse_grad() != nullptr);
  CHECK(model.embedding.weight.sparse_grad()->rows.to_indices() == std::vector<int64_t>{3, 5, 7, 9});
  CHECK_FALSE(model.embedding.weight.grad().defined());
}

TEST_CASE("classifier: sharing_parameters gives a replica on the same storage with gradients of its own") {
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    CAPTURE(encoder_name(encoder));
    manual_seed(5);
    TextClassifier model(tiny_config(encoder, 3), /*sparse_embedding=*/true);
    model.fc.bias.requires_grad_(false);  // a frozen parameter stays frozen in the replica
    TextClassifier replica = TextClassifier::sharing_parameters(model);
    CHECK(replica.config().to_json() == model.config().to_json());
    CHECK(replica.embedding.options().sparse);
    std::vector<Tensor> mine = replica.parameters(), theirs = model.parameters();
    REQUIRE(mine.size() == theirs.size());
    for (size_t p = 0; p < mine.size(); ++p) {
      CAPTURE(p);
      CHECK(mine[p].f32() == theirs[p].f32());  // the same storage, not a copy
      CHECK(mine[p].impl() != theirs[p].impl());
      CHECK(mine[p].requires_grad() == theirs[p].requires_grad());
    }
    CHECK(replica.forward(tiny_tokens(), tiny_lengths()).to_vector() ==
          model.forward(tiny_tokens(), tiny_lengths()).to_vector());

    // A step through the replica: its gradients, not the model's; the values change for both.
    replica.loss(replica.forward(tiny_tokens(), tiny_lengths()), indices({2, 0})).backward();
    CHECK(replica.fc.weight.grad().defined());
    CHECK_FALSE(replica.fc.bias.grad().defined());
    for (const Tensor& p : theirs) CHECK_FALSE(p.has_dense_grad());
    CHECK(model.embedding.weight.sparse_grad() == nullptr);
    const float before = model.fc.weight.f32()[0];
    optim::Adam adam(replica.trainable_parameters(), 0.1);
    adam.step();
    CHECK(model.fc.weight.f32()[0] != before);
  }
}

TEST_CASE("classifier: pretrained vectors fill the embedding, and freeze stops its training") {
  WordVectors vectors;
  vectors.dim = 4;
  vectors.words = {"good", "bad"};
  vectors.values = {1, 2, 3, 4, -1, -2, -3, -4};
  vectors.index = {{"good", 0}, {"bad", 1}};
  std::vector<std::string> vocab = {"<pad>", "<unk>", "good", "bad", "meh", "a", "b", "c", "d", "e", "f", "g"};

  TextClassifier model(tiny_config(Encoder::bag, 2));
  Coverage coverage = model.init_pretrained(vocab, vectors, /*freeze=*/true);
  CHECK(coverage.found == 2);
  CHECK(model.embedding.weight.at({2, 3}) == 4.0);
  CHECK(model.embedding.weight.at({3, 0}) == -1.0);
  CHECK(model.trainable_parameters().size() == 2);  // fc.weight, fc.bias

  model.loss(model.forward(indices({2, 3, 4}, {1, 3}), indices({3})), indices({1})).backward();
  CHECK_FALSE(model.embedding.weight.grad().defined());
  CHECK(model.fc.weight.grad().defined());

  vectors.dim = 3;
  CHECK_THROWS_WITH_AS(model.init_pretrained(vocab, vectors, false),
                       "pretrained vectors have dimension 3, the model's embedding dimension is 4", Error);
}

TEST_CASE("classifier config: JSON round trip, and bad configs are refused with the field named") {
  ClassifierConfig config{.vocab_size = 100, .num_classes = 6, .dim = 32, .encoder = Encoder::lstm,
                          .hidden = 16, .layers = 2, .padding_idx = 0, .dropout = 0.25};
  ClassifierConfig back = ClassifierConfig::from_json(config.to_json());
  CHECK(back.to_json() == config.to_json());
  CHECK(back.encoder == Encoder::lstm);

  nlohmann::json json = config.to_json();
  json.erase("hidden");
  CHECK_THROWS_WITH_AS(ClassifierConfig::from_json(json, "m.safetensors"),
                       "m.safetensors: classifier config has no 'hidden'", Error);
  json = config.to_json();
  json["encoder"] = "cnn";
  CHECK_THROWS_WITH_AS(ClassifierConfig::from_json(json), "unknown encoder 'cnn', expected one of: bag, lstm", Error);
  CHECK_THROWS_WITH_AS(TextClassifier({.vocab_size = 10, .num_classes = 1}),
                       "classifier config: num_classes must be >= 2, found 1", Error);
  // A file written before embedding_init existed reads as PyTorch's default; an unknown name is refused.
  json = config.to_json();
  json.erase("embedding_init");
  CHECK(ClassifierConfig::from_json(json).embedding_init == EmbeddingInit::normal);
  json["embedding_init"] = "zeros";
  CHECK_THROWS_WITH_AS(ClassifierConfig::from_json(json), "unknown embedding init 'zeros', expected one of: normal, fasttext",
                       Error);
}

TEST_CASE("classifier: embedding_init is PyTorch's N(0, 1) by default, or fastText's U(-1/dim, 1/dim)") {
  ClassifierConfig config{.vocab_size = 400, .num_classes = 2, .dim = 8};
  manual_seed(3);
  TextClassifier normal_init(config);
  config.embedding_init = EmbeddingInit::fasttext;
  CHECK(config.to_json()["embedding_init"] == "fasttext");
  manual_seed(3);
  TextClassifier fasttext_init(config);
  const float* normal_rows = normal_init.embedding.weight.f32();
  const float* fasttext_rows = fasttext_init.embedding.weight.f32();
  float normal_max = 0, fasttext_max = 0;
  for (int64_t i = 8; i < 400 * 8; ++i) {  // row 0 is the padding row
    normal_max = std::max(normal_max, std::fabs(normal_rows[i]));
    fasttext_max = std::max(fasttext_max, std::fabs(fasttext_rows[i]));
  }
  CHECK(normal_max > 2.0f);  // 3192 draws of N(0, 1)
  CHECK(fasttext_max <= 1.0f / 8);
  CHECK(fasttext_max > 0.9f / 8);
  for (int64_t d = 0; d < 8; ++d) CHECK(fasttext_rows[d] == 0.0f);  // the padding row
  // fc is drawn before the embedding's new values, so it is the same in both models.
  CHECK(normal_init.fc.weight.to_vector() == fasttext_init.fc.weight.to_vector());
}

TEST_CASE("classifier: a token id outside the vocabulary is an error, not a crash") {
  TextClassifier model(tiny_config(Encoder::bag, 2));
  CHECK_THROWS_AS(model.forward(indices({3, 12}, {1, 2}), indices({2})), Error);
}
