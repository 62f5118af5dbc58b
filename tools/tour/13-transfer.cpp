// Slide 13: transfer learning with a frozen embedding.
// A pretrained table (random here, standing in for GloVe) is frozen under a trainable LSTM and a
// linear head. One optimizer step changes the LSTM and the head but not the embedding; after
// unfreezing it, the next step changes the embedding too.
#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/lstm.hpp"
#include "optim/adam.hpp"

namespace {

struct Classifier : tg::nn::Module {
  tg::nn::Embedding embedding;
  tg::nn::LSTM lstm{300, 128, {.batch_first = true}};
  tg::nn::Linear fc{128, 5};
  explicit Classifier(const tg::Tensor& pretrained)
      : embedding(tg::nn::Embedding::from_pretrained(pretrained, /*freeze=*/true)) {
    register_module("embedding", embedding);
    register_module("lstm", lstm);
    register_module("fc", fc);
  }
  // ids [B, T] -> logits [B, 5], from the LSTM's final hidden state h_n [1, B, 128]
  tg::Tensor forward(const tg::Tensor& ids) {
    return fc.forward(tg::select(lstm.forward(embedding.forward(ids)).h_n, 0, 0));
  }
};

}  // namespace

int main() {
  try {
    tg::manual_seed(0);
    Classifier model(tg::randn({10000, 300}));
    tg::Tensor ids = tg::randint(10000, {32, 20}), labels = tg::randint(5, {32});
    fmt::print("ids {} -> logits {}\n", ids.shape(), model.forward(ids).shape());
    for (auto& [name, p] : model.named_parameters())
      fmt::print("  {:<22} {:<12} {}\n", name, fmt::format("{}", p.shape()), p.requires_grad() ? "trains" : "frozen");

    // Adam skips parameters that do not require grad, so one optimizer serves before and after.
    tg::optim::Adam adam(model.parameters(), 1e-3);
    auto step = [&] {
      tg::Tensor before = model.embedding.weight.clone().detach();
      tg::Tensor fc_before = model.fc.weight.clone().detach();
      adam.zero_grad();
      tg::nn::cross_entropy(model.forward(ids), labels).backward();
      adam.step();
      const bool embedding_changed = before.to_vector() != model.embedding.weight.to_vector();
      const bool fc_changed = fc_before.to_vector() != model.fc.weight.to_vector();
      fmt::print("  embedding changed: {}   fc changed: {}\n", embedding_changed ? "yes" : "no",
                 fc_changed ? "yes" : "no");
    };
    fmt::print("step 1, embedding frozen:\n");
    step();
    model.embedding.requires_grad_(true);
    fmt::print("step 2, embedding unfrozen (fine-tuning):\n");
    step();
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
