// Module: parameter names and order, freezing, counting, state_dict round trips and strict loading,
// train/eval propagation.
#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/dropout.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/sequential.hpp"

using namespace tg;

namespace {

// A module with its own parameter and two sub-modules, one of which has sub-modules itself.
struct Encoder : nn::Module {
  nn::Linear first{4, 3};
  nn::Dropout drop{0.5};
  nn::Linear second{3, 2, /*with_bias=*/false};
  Encoder() {
    register_module("first", first);
    register_module("drop", drop);
    register_module("second", second);
  }
};

struct Classifier : nn::Module {
  Tensor scale = ones({2});
  nn::Embedding embedding{10, 4};
  Encoder encoder;
  Classifier() {
    register_parameter("scale", scale);
    register_module("embedding", embedding);
    register_module("encoder", encoder);
  }
  // ids [B, T] -> [B, T, 2]
  Tensor forward(const Tensor& ids) {
    Tensor h = encoder.first.forward(embedding.forward(ids)).tanh();
    return encoder.second.forward(encoder.drop.forward(h)) * scale;
  }
};

std::vector<std::string> names_of(const nn::Module& m) {
  std::vector<std::string> names;
  for (auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}

bool contains(const std::vector<Tensor>& params, const Tensor& t) {
  for (const Tensor& p : params)
    if (p.impl() == t.impl()) return true;
  return false;
}

}  // namespace

TEST_CASE("named_parameters lists own parameters first, then each sub-module's with its prefix, in order") {
  Classifier model;
  CHECK(names_of(model) == std::vector<std::string>{"scale", "embedding.weight", "encoder.first.weight",
                                                     "encoder.first.bias", "encoder.second.weight"});
  auto params = model.parameters();
  REQUIRE(params.size() == 5);
  CHECK(params[1].impl() == model.embedding.weight.impl());  // handles to the parameters, not copies
  CHECK(params[4].impl() == model.encoder.second.weight.impl());
}

TEST_CASE("num_parameters counts all elements, or only the trainable ones") {
  Classifier model;
  const int64_t total = 2 + 10 * 4 + (4 * 3 + 3) + 3 * 2;
  CHECK(model.num_parameters() == total);
  CHECK(model.num_parameters(/*trainable_only=*/true) == total);
  model.embedding.requires_grad_(false);
  CHECK(model.num_parameters() == total);
  CHECK(model.num_parameters(/*trainable_only=*/true) == total - 40);
}

TEST_CASE("a frozen sub-module leaves trainable_parameters and gets no gradient") {
  manual_seed(51);
  Classifier model;
  model.encoder.first.requires_grad_(false);
  auto trainable = model.trainable_parameters();
  CHECK(trainable.size() == 3);
  CHECK_FALSE(contains(trainable, model.encoder.first.weight));
  CHECK_FALSE(contains(trainable, model.encoder.first.bias));
  CHECK(contains(trainable, model.embedding.weight));

  model.forward(indices({1, 2, 3, 4}, {2, 2})).sum().backward();
  CHECK_FALSE(model.encoder.first.weight.grad().defined());
  CHECK_FALSE(model.encoder.first.bias.grad().defined());
  CHECK(model.embedding.weight.grad().defined());  // the gradient still flows through the frozen layer
  CHECK(model.encoder.second.weight.grad().defined());
  CHECK(model.scale.grad().defined());

  model.zero_grad();
  CHECK_FALSE(model.embedding.weight.grad().defined());
  model.encoder.first.requires_grad_(true);
  CHECK(model.trainable_parameters().size() == 5);
}

TEST_CASE("load_state_dict copies a state_dict into another model") {
  manual_seed(52);
  Classifier a;
  manual_seed(53);
  Classifier b;
  Tensor ids = indices({1, 5, 9}, {1, 3});
  a.eval();
  b.eval();
  CHECK(a.forward(ids).to_vector() != b.forward(ids).to_vector());
  b.load_state_dict(a.state_dict());
  CHECK(a.forward(ids).to_vector() == b.forward(ids).to_vector());
  CHECK(b.embedding.weight.requires_grad());  // loading keeps requires_grad
  CHECK(b.embedding.weight.impl() != a.embedding.weight.impl());  // values copied, not the handles
  b.load_state_dict(b.state_dict());  // loading a model's own state onto itself is a no-op
  CHECK(a.forward(ids).to_vector() == b.forward(ids).to_vector());
  CHECK(a.state_dict().size() == 5);
  CHECK(a.state_dict().count("encoder.first.bias") == 1);
}

TEST_CASE("strict load_state_dict names the missing, unexpected or mis-shaped parameter and changes nothing") {
  manual_seed(54);
  Classifier model;
  const auto before = model.embedding.weight.to_vector();
  auto state = model.state_dict();
  for (auto& [name, t] : state) state[name] = zeros(t.shape());

  auto missing = state;
  missing.erase("encoder.first.bias");
  CHECK_THROWS_WITH_AS(model.load_state_dict(missing), "load_state_dict: parameter 'encoder.first.bias' is missing from the state",
                       Error);
  auto unexpected = state;
  unexpected["encoder.third.weight"] = zeros({1});
  CHECK_THROWS_WITH_AS(model.load_state_dict(unexpected),
                       "load_state_dict: unexpected key 'encoder.third.weight' in the state (the model has no such parameter)",
                       Error);
  auto wrong_shape = state;
  wrong_shape["embedding.weight"] = zeros({10, 5});
  CHECK_THROWS_WITH_AS(model.load_state_dict(wrong_shape),
                       "load_state_dict: parameter 'embedding.weight' has shape [10, 4] in the model but [10, 5] in the state",
                       Error);
  auto wrong_dtype = state;
  wrong_dtype["scale"] = zeros({2}, DType::i64);
  CHECK_THROWS_WITH_AS(model.load_state_dict(wrong_dtype), "load_state_dict: parameter 'scale' is int64 in the state, expected float32",
                       Error);
  CHECK(model.embedding.weight.to_vector() == before);  // every failed load left the model untouched

  model.load_state_dict(missing, /*strict=*/false);  // non-strict: loads what is there
  model.load_state_dict(unexpected, /*strict=*/false);
  CHECK(model.embedding.weight.at({3, 2}) == 0.0);
  CHECK_THROWS_AS(model.load_state_dict(wrong_shape, /*strict=*/false), Error);  // shapes must match anyway
}

TEST_CASE("train and eval propagate to every sub-module") {
  Classifier model;
  CHECK(model.is_training());
  CHECK(model.encoder.drop.is_training());
  model.eval();
  CHECK_FALSE(model.is_training());
  CHECK_FALSE(model.encoder.is_training());
  CHECK_FALSE(model.encoder.drop.is_training());
  CHECK_FALSE(model.embedding.is_training());
  Tensor h = ones({3, 4});
  CHECK(model.encoder.drop.forward(h).impl() == h.impl());  // dropout is the identity in eval mode
  model.train();
  CHECK(model.encoder.first.is_training());
  CHECK(model.encoder.drop.is_training());
}

TEST_CASE("registering two parameters or sub-modules under one name is an error") {
  struct Twice : nn::Module {
    Tensor a = zeros({1}), b = zeros({1});
    nn::Linear fc{1, 1};
    void add_twice() {
      register_parameter("a", a);
      register_parameter("a", b);
    }
    void add_module_twice() {
      register_module("fc", fc);
      register_module("fc", fc);
    }
  };
  Twice m;
  CHECK_THROWS_WITH_AS(m.add_twice(), "register_parameter: a parameter named 'a' is already registered", Error);
  CHECK_THROWS_WITH_AS(m.add_module_twice(), "register_module: a module named 'fc' is already registered", Error);
}

TEST_CASE("a moved module keeps its parameter names, values and gradients; moved-into modules swap") {
  manual_seed(1);
  Classifier a;
  const auto names = names_of(a);
  const Tensor weight = a.embedding.weight;
  Classifier b = std::move(a);  // the sub-modules moved with it: their registry entries must follow
  CHECK(names_of(b) == names);
  CHECK(b.named_parameters()[1].second.impl() == weight.impl());  // "embedding.weight": the same tensor
  b.forward(indices({1, 2}, {1, 2})).sum().backward();
  CHECK(b.encoder.first.weight.grad().defined());
  CHECK(contains(b.trainable_parameters(), b.encoder.second.weight));

  manual_seed(2);
  Classifier c;
  const Tensor c_weight = c.embedding.weight;
  std::swap(b, c);
  CHECK(b.state_dict()["embedding.weight"].impl() == c_weight.impl());
  CHECK(c.state_dict()["embedding.weight"].impl() == weight.impl());
  b.eval();  // reaches the sub-modules of the swapped object, not of the old place
  CHECK_FALSE(b.encoder.drop.is_training());
  CHECK(c.encoder.drop.is_training());
}

TEST_CASE("a module returned by value from a function works as the one built there") {
  auto make = [] {
    nn::Linear fc(3, 2);
    fc.weight.requires_grad_(false);
    return fc;
  };
  nn::Linear fc = make();
  CHECK(names_of(fc) == std::vector<std::string>{"weight", "bias"});
  CHECK(fc.trainable_parameters().size() == 1);
}

TEST_CASE("modules compose without a subclass: register_module takes a shared_ptr") {
  nn::Module model;
  auto& fc = model.register_module("fc", std::make_shared<nn::Linear>(4, 2));
  CHECK(names_of(model) == std::vector<std::string>{"fc.weight", "fc.bias"});
  CHECK(model.named_parameters()[0].second.impl() == fc.weight.impl());
  CHECK_THROWS_WITH_AS(model.register_module("a.b", std::make_shared<nn::Linear>(1, 1)),
                       "register_module: module name 'a.b' must be non-empty and contain no '.'", Error);
}

TEST_CASE("Sequential runs its steps in order and names parameters by position, as torch.nn.Sequential") {
  manual_seed(3);
  nn::Linear first(4, 3), second(3, 2);
  const Tensor x = randn({5, 4});
  const Tensor want = second.forward(relu(first.forward(x)));
  nn::Sequential mlp;
  mlp.push_back(std::move(first)).push_back(tg::relu).push_back(std::move(second));
  CHECK(mlp.size() == 3);
  CHECK(names_of(mlp) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(mlp.forward(x).to_vector() == want.to_vector());
  mlp.forward(x).sum().backward();
  for (auto& [name, p] : mlp.named_parameters()) {
    CAPTURE(name);
    CHECK(p.grad().defined());
  }
  mlp.push_back([](const Tensor& h) { return h * 2.0; });
  CHECK(mlp.forward(x).to_vector() == (want * 2.0).to_vector());
}

TEST_CASE("ModuleDict keeps modules by name in insertion order and finds them typed") {
  nn::ModuleDict heads;
  heads.insert("sentiment", nn::Linear(8, 2));
  heads.insert("topic", nn::Linear(8, 4));
  CHECK(heads.keys() == std::vector<std::string>{"sentiment", "topic"});
  CHECK(names_of(heads) == std::vector<std::string>{"sentiment.weight", "sentiment.bias", "topic.weight", "topic.bias"});
  CHECK(heads.contains("topic"));
  CHECK_FALSE(heads.contains("fc"));
  CHECK(heads.at<nn::Linear>("topic").out_features() == 4);
  CHECK_THROWS_WITH_AS(heads.at("fc"), "ModuleDict: no module named 'fc'", Error);
  CHECK_THROWS_WITH_AS(heads.at<nn::Embedding>("topic"), "ModuleDict: module 'topic' is not of the requested type", Error);
  CHECK_THROWS_WITH_AS(heads.insert("topic", nn::Linear(1, 1)), "register_module: a module named 'topic' is already registered", Error);
}
