// Model checkpoints and training state: round trips, PyTorch-style contents, load errors, and resuming
// giving exactly the parameters of an uninterrupted run.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/random.hpp"
#include "core/safetensors.hpp"
#include "models/batching.hpp"
#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "optim/adam.hpp"
#include "tests/scratch.hpp"

using namespace tg;
using namespace tg::models;
namespace fs = std::filesystem;
using tg::test::TempDir;

namespace {


ClassifierConfig small_config(Encoder encoder = Encoder::bag) {
  return {.vocab_size = 10, .num_classes = 3, .dim = 4, .encoder = encoder, .hidden = 5, .dropout = 0.3};
}

ModelInfo info_for(const ClassifierConfig& config) {
  std::vector<std::string> vocab = {"<pad>", "<unk>", "a", "b", "c", "d", "e", "f", "g", "h"};
  return {"classifier", config.to_json(), vocab, {"x", "y", "z"}};
}

std::vector<std::vector<float>> parameter_values(const nn::Module& model) {
  std::vector<std::vector<float>> values;
  for (const auto& [name, p] : model.named_parameters()) values.push_back(p.to_vector());
  return values;
}

// Words 2..4 mean class 0, 5..7 class 1, 8..9 class 2.
std::vector<EncodedExample> toy_examples() {
  return {{{2, 3}, 0}, {{5, 6, 7}, 1}, {{8, 9}, 2}, {{4}, 0}, {{6, 5}, 1}, {{9, 8, 9}, 2}, {{3, 2, 4}, 0}};
}

// One epoch as tg-classify trains: shuffled batches from the default generator, dropout on.
void train_epoch(TextClassifier& model, optim::Optimizer& optimizer, int64_t& step) {
  for (const Batch& batch : shuffled_batches(toy_examples(), 2, default_generator())) {
    optimizer.zero_grad();
    model.loss(model.forward(batch.tokens, batch.lengths), batch.labels).backward();
    optimizer.step();
    ++step;
  }
}

std::map<std::string, Tensor> tensors_of(const nn::Module& model) { return model.state_dict(); }

}  // namespace

TEST_CASE("checkpoint: a saved model loads back bit-identical and gives the same logits") {
  TempDir dir;
  for (Encoder encoder : {Encoder::bag, Encoder::lstm}) {
    manual_seed(21);
    ClassifierConfig config = small_config(encoder);
    TextClassifier model(config);
    save_model(dir.file("m.safetensors"), model, info_for(config));

    ModelFile file = read_model_file(dir.file("m.safetensors"), "classifier");
    CHECK(file.info.kind == "classifier");
    CHECK(file.info.config == config.to_json());
    CHECK(file.info.vocab == info_for(config).vocab);
    CHECK(file.info.labels == std::vector<std::string>{"x", "y", "z"});

    manual_seed(99);  // a different init, overwritten by the load
    TextClassifier loaded(ClassifierConfig::from_json(file.info.config));
    load_parameters(loaded, file);
    CHECK(parameter_values(loaded) == parameter_values(model));
    model.eval();
    loaded.eval();
    Tensor tokens = indices({2, 3, 4, 5, 0, 0}, {2, 3}), lengths = indices({3, 1});
    CHECK(loaded.forward(tokens, lengths).to_vector() == model.forward(tokens, lengths).to_vector());
  }
}

TEST_CASE("checkpoint: a model with a float16 embedding saves, and a nan in it is still refused") {
  TempDir dir;
  manual_seed(21);
  ClassifierConfig config = small_config();
  TextClassifier model(config);
  model.embedding.half();
  save_model(dir.file("m.safetensors"), model, info_for(config));  // the table is checked in float32
  ModelFile file = read_model_file(dir.file("m.safetensors"), "classifier");
  CHECK(file.tensors.at("embedding.weight").dtype() == DType::f16);

  model.embedding.weight.f16()[3] = 0x7e00;  // a float16 nan
  std::string message;
  try {
    save_model(dir.file("nan.safetensors"), model, info_for(config));
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(message.find("parameter 'embedding.weight' holds nan") != std::string::npos);
  CHECK(!fs::exists(dir.file("nan.safetensors")));
}

TEST_CASE("checkpoint: the model file holds only the parameters, under state_dict names, and tapegrad metadata") {
  TempDir dir;
  TextClassifier model(small_config(Encoder::lstm));
  save_model(dir.file("m.safetensors"), model, info_for(small_config(Encoder::lstm)));
  SafetensorsFile raw = load_safetensors(dir.file("m.safetensors"));
  std::vector<std::string> names;
  for (const auto& [name, t] : raw.tensors) names.push_back(name);
  CHECK(names == std::vector<std::string>{"embedding.weight", "fc.bias", "fc.weight", "lstm.bias_hh_l0",
                                          "lstm.bias_ih_l0", "lstm.weight_hh_l0", "lstm.weight_ih_l0"});
  CHECK(raw.metadata.at("format") == "tapegrad");
  CHECK(raw.metadata.at("tapegrad.version") == "0.1.0");
  CHECK(raw.metadata.at("kind") == "classifier");
  CHECK(nlohmann::json::parse(raw.metadata.at("labels")) == nlohmann::json{"x", "y", "z"});
  CHECK(nlohmann::json::parse(raw.metadata.at("config"))["encoder"] == "lstm");
  CHECK(nlohmann::json::parse(raw.metadata.at("vocab")).size() == 10);
}

TEST_CASE("checkpoint: each load problem is one clear error and leaves the model unchanged") {
  TempDir dir;
  ClassifierConfig config = small_config();
  TextClassifier model(config);
  std::vector<std::vector<float>> before = parameter_values(model);
  std::map<std::string, std::string> metadata = {{"format", "tapegrad"}, {"kind", "classifier"},
                                                 {"config", config.to_json().dump()}, {"vocab", "[]"}};
  auto write = [&](std::map<std::string, Tensor> tensors, std::map<std::string, std::string> meta) {
    std::vector<std::pair<std::string, Tensor>> list(tensors.begin(), tensors.end());
    save_safetensors(dir.file("bad.safetensors"), list, meta);
    return dir.file("bad.safetensors");
  };
  auto load = [&](const std::string& path) {
    ModelFile file = read_model_file(path, "classifier");
    load_parameters(model, file);
  };
  std::string prefix = dir.file("bad.safetensors") + ": ";

  SUBCASE("a missing tensor") {
    auto tensors = tensors_of(TextClassifier(config));
    tensors.erase("fc.bias");
    CHECK_THROWS_WITH_AS(load(write(tensors, metadata)), (prefix + "missing tensor 'fc.bias'").c_str(), Error);
  }
  SUBCASE("an extra tensor") {
    auto tensors = tensors_of(TextClassifier(config));
    tensors["lstm.weight_ih_l0"] = zeros({20, 4});
    CHECK_THROWS_WITH_AS(load(write(tensors, metadata)),
                         (prefix + "unexpected tensor 'lstm.weight_ih_l0' (the model has no such parameter)").c_str(),
                         Error);
  }
  SUBCASE("a tensor of the wrong shape") {
    auto tensors = tensors_of(TextClassifier(config));
    tensors["fc.weight"] = zeros({2, 4});
    CHECK_THROWS_WITH_AS(load(write(tensors, metadata)),
                         (prefix + "tensor 'fc.weight' has shape [2, 4], the model expects [3, 4]").c_str(), Error);
  }
  SUBCASE("a tensor of the wrong dtype") {
    auto tensors = tensors_of(TextClassifier(config));
    tensors["fc.bias"] = indices({1, 2, 3});
    CHECK_THROWS_WITH_AS(load(write(tensors, metadata)),
                         (prefix + "tensor 'fc.bias' has dtype int64, the model expects float32").c_str(), Error);
  }
  SUBCASE("another kind of model") {
    metadata["kind"] = "charlm";
    CHECK_THROWS_WITH_AS(load(write(tensors_of(model), metadata)),
                         (prefix + "kind is 'charlm', expected 'classifier'").c_str(), Error);
  }
  SUBCASE("a safetensors file that is not a tapegrad model") {
    CHECK_THROWS_WITH_AS(load(write(tensors_of(model), {})),
                         (prefix + "not a tapegrad model (metadata 'format' is missing, expected 'tapegrad')").c_str(),
                         Error);
  }
  SUBCASE("a config that is not JSON") {
    metadata["config"] = "{dim: 4";
    CHECK_THROWS_WITH_AS(load(write(tensors_of(model), metadata)),
                         (prefix + "metadata 'config' is not valid JSON: '{dim: 4'").c_str(), Error);
  }
  SUBCASE("a vocabulary that is not a list of strings") {
    metadata["vocab"] = "[\"a\", 3]";
    CHECK_THROWS_WITH_AS(load(write(tensors_of(model), metadata)),
                         (prefix + "metadata 'vocab' holds 3, expected only strings").c_str(), Error);
  }
  SUBCASE("a file that does not exist") {
    CHECK_THROWS_AS(load(dir.file("none.safetensors")), Error);
  }
  CHECK(parameter_values(model) == before);
}

TEST_CASE("checkpoint: a save into a missing directory throws and writes nothing") {
  TempDir dir;
  TextClassifier model(small_config());
  std::string path = dir.file("no/such/dir/m.safetensors");
  CHECK_THROWS_AS(save_model(path, model, info_for(small_config())), Error);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("training state: 2 epochs in one run == 1 epoch, save, fresh process state, resume 1 epoch") {
  TempDir dir;
  ClassifierConfig config = small_config(Encoder::lstm);  // dropout 0.3 also draws from the generator
  ModelInfo info = info_for(config);

  manual_seed(5);
  TextClassifier straight(config);
  optim::Adam straight_opt(straight.trainable_parameters(), 0.01);
  int64_t straight_step = 0;
  train_epoch(straight, straight_opt, straight_step);
  train_epoch(straight, straight_opt, straight_step);

  manual_seed(5);
  {
    TextClassifier first(config);
    optim::Adam first_opt(first.trainable_parameters(), 0.01);
    TrainState state;
    train_epoch(first, first_opt, state.step);
    state.epoch = 1;
    state.rng = default_generator().state();
    state.extra["best"] = "0.5";
    save_train_state(state_path(dir.file("m.safetensors")), first, first_opt, info, state);
  }

  manual_seed(5);  // a new process: same seed, a fresh model (then overwritten by the state)
  TextClassifier resumed(config);
  optim::Adam resumed_opt(resumed.trainable_parameters(), 0.01);
  TrainState state = load_train_state(dir.file("m.safetensors.state.safetensors"), resumed, resumed_opt, info);
  CHECK(state.epoch == 1);
  CHECK(state.extra.at("best") == "0.5");
  default_generator().set_state(state.rng);
  train_epoch(resumed, resumed_opt, state.step);

  CHECK(state.step == straight_step);
  CHECK(parameter_values(resumed) == parameter_values(straight));
  CHECK(resumed_opt.steps(0) == straight_opt.steps(0));
}

TEST_CASE("training state: another config is refused, naming the field, and nothing changes") {
  TempDir dir;
  ClassifierConfig config = small_config();
  TextClassifier model(config);
  optim::Adam optimizer(model.trainable_parameters(), 0.01);
  save_train_state(dir.file("s.safetensors"), model, optimizer, info_for(config), {});

  ClassifierConfig other = config;
  other.dim = 6;
  TextClassifier other_model(other);
  optim::Adam other_opt(other_model.trainable_parameters(), 0.02);
  std::vector<std::vector<float>> before = parameter_values(other_model);
  CHECK_THROWS_WITH_AS(load_train_state(dir.file("s.safetensors"), other_model, other_opt, info_for(other)),
                       (dir.file("s.safetensors") + ": config differs from the run being resumed: dim is 4 there, 6 here")
                           .c_str(),
                       Error);
  CHECK(parameter_values(other_model) == before);
  CHECK(other_opt.lr() == 0.02);

  // A model file is not a training state.
  save_model(dir.file("m.safetensors"), model, info_for(config));
  CHECK_THROWS_AS(load_train_state(dir.file("m.safetensors"), model, optimizer, info_for(config)), Error);
}
