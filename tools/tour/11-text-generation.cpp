// Slide 11: a character-level language model that writes text.
// Every window of 10 characters of one sentence is an example; the target is the character after it.
// An embedding (10 numbers a character) feeds an LSTM (20 hidden units); a linear layer scores the
// next character from the LSTM's last step. After training, greedy decoding continues "Hello, ".
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/lstm.hpp"
#include "optim/adam.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const std::string text = "Hello, how are you? I am learning to build language models.";
    const int64_t window = 10;

    std::map<char, int64_t> char_to_id;  // the distinct characters, in sorted order
    for (char c : text) char_to_id.emplace(c, 0);
    std::string id_to_char;
    for (auto& [c, id] : char_to_id) {
      id = int64_t(id_to_char.size());
      id_to_char += c;
    }
    const int64_t V = int64_t(id_to_char.size());

    // inputs [N, 10]: text[i .. i+9];  targets [N]: text[i+10]
    std::vector<int64_t> inputs, targets;
    for (size_t i = 0; i + window < text.size(); ++i) {
      for (int64_t k = 0; k < window; ++k) inputs.push_back(char_to_id[text[i + size_t(k)]]);
      targets.push_back(char_to_id[text[i + size_t(window)]]);
    }
    const int64_t N = int64_t(targets.size());
    tg::Tensor x = tg::indices(inputs, {N, window}), y = tg::indices(targets);
    fmt::print("{} characters, {} distinct, {} windows of {}\n", text.size(), V, N, window);

    tg::nn::Module model;  // holds the three layers, so model.parameters() lists all of them
    auto& embedding = model.register_module("embedding", std::make_shared<tg::nn::Embedding>(V, 10));
    auto& lstm = model.register_module("lstm", std::make_shared<tg::nn::LSTM>(10, 20, tg::nn::LSTMOptions{.batch_first = true}));
    auto& fc = model.register_module("fc", std::make_shared<tg::nn::Linear>(20, V));
    tg::optim::Adam adam(model.parameters(), 0.01);

    // ids [B, T] -> logits [B, V] for the character after each sequence
    auto next_char_logits = [&](const tg::Tensor& ids) {
      tg::Tensor h = lstm.forward(embedding.forward(ids)).output;  // [B, T, 20]
      return fc.forward(tg::select(h, 1, -1));                      // last step [B, 20] -> [B, V]
    };
    for (int epoch = 1; epoch <= 100; ++epoch) {
      adam.zero_grad();
      tg::Tensor loss = tg::nn::cross_entropy(next_char_logits(x), y);
      loss.backward();
      adam.step();
      if (epoch == 1 || epoch % 25 == 0) fmt::print("epoch {:3}  loss {:.4f}\n", epoch, loss.item());
    }

    tg::NoGradGuard no_grad;
    std::string generated = "Hello, ";
    for (int k = 0; k < 40; ++k) {
      std::vector<int64_t> context;  // the last (up to) 10 characters
      const size_t from = generated.size() > size_t(window) ? generated.size() - size_t(window) : 0;
      for (size_t i = from; i < generated.size(); ++i) context.push_back(char_to_id.at(generated[i]));
      tg::Tensor logits = next_char_logits(tg::indices(context, {1, int64_t(context.size())}));
      auto [best_value, best_id] = tg::max(logits, 1);  // greedy: the most likely next character
      generated += id_to_char[size_t(best_id.to_indices()[0])];
    }
    fmt::print("greedy continuation: \"{}\"\n", generated);
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
