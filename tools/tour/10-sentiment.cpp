// Slide 10: a sentiment classifier trained end to end.
// Three reviews, a vocabulary, padding, then embedding -> masked mean -> linear -> sigmoid, trained
// with binary cross-entropy and Adam for 100 epochs. The embedding learns along with the rest:
// backward() sends each review's gradient to the rows of its own words only.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "models/tokenize.hpp"
#include "models/vocab.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/padding.hpp"
#include "nn/pooling.hpp"
#include "optim/adam.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const std::vector<std::string> reviews = {"great movie", "terrible film", "loved it"};
    tg::Tensor labels = tg::tensor({1, 0, 1});  // 1 = positive

    std::vector<std::vector<std::string>> tokens;
    for (const std::string& review : reviews) tokens.push_back(tg::models::tokenize_whitespace(review));
    tg::models::Vocab vocab = tg::models::Vocab::build(tokens);  // <pad>, <unk>, then the six words
    std::vector<tg::Tensor> sequences;
    for (const auto& t : tokens) sequences.push_back(tg::indices(vocab.encode(t)));
    tg::Tensor ids = tg::nn::pad_sequence(sequences, /*batch_first=*/true, tg::models::Vocab::kPad);  // [3, 2]
    tg::Tensor lengths = tg::indices({2, 2, 2});

    tg::nn::Module model;  // holds both layers, so model.parameters() lists all of them
    auto& embedding = model.register_module(
        "embedding", std::make_shared<tg::nn::Embedding>(vocab.size(), 10, tg::nn::EmbeddingOptions{.padding_idx = tg::models::Vocab::kPad}));
    auto& fc = model.register_module("fc", std::make_shared<tg::nn::Linear>(10, 1));
    tg::optim::Adam adam(model.parameters(), 0.01);

    auto probabilities = [&] {  // [3]: P(positive) of each review
      tg::Tensor sentence = tg::nn::masked_mean(embedding.forward(ids), lengths);  // [3, 10]
      return tg::sigmoid(fc.forward(sentence)).reshape({-1});
    };
    double loss_value = 0;
    for (int epoch = 1; epoch <= 100; ++epoch) {
      adam.zero_grad();
      tg::Tensor loss = tg::nn::bce(probabilities(), labels);
      loss.backward();
      adam.step();
      loss_value = loss.item();
      if (epoch == 1 || epoch % 25 == 0) fmt::print("epoch {:3}  loss {:.4f}\n", epoch, loss_value);
    }
    fmt::print("final loss {:.4f}\n", loss_value);

    tg::NoGradGuard no_grad;
    tg::Tensor p = probabilities();
    for (size_t i = 0; i < reviews.size(); ++i)
      fmt::print("  {:<14} P(positive) = {:.3f}\n", '"' + reviews[i] + '"', p.at({int64_t(i)}));
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
