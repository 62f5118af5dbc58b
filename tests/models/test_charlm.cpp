#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "models/charlm.hpp"
#include "models/checkpoint.hpp"
#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "tests/scratch.hpp"

namespace {

const char* kText =
    "the cat sat on the mat.\n"
    "the rat sat on the hat.\n"
    "a cat and a rat sat on a mat and a hat.\n";

tg::models::CharLMConfig tiny_config(int64_t vocab_size) {
  return {.vocab_size = vocab_size, .emb = 6, .hidden = 8, .layers = 1};
}

// All parameters as one flat list of values, to compare two models.
std::vector<float> flat_parameters(const tg::nn::Module& model) {
  std::vector<float> values;
  for (const tg::Tensor& p : model.parameters()) {
    std::vector<float> v = p.to_vector();
    values.insert(values.end(), v.begin(), v.end());
  }
  return values;
}

// The most likely id other than <unk> in one row of logits, first on ties (computed here on its own).
int64_t argmax_without_unk(const float* logits, int64_t vocab_size) {
  int64_t best = 1;
  for (int64_t id = 2; id < vocab_size; ++id)
    if (logits[id] > logits[best]) best = id;
  return best;
}

// Adam steps with clipping on random windows drawn from the default generator, as tg-charlm trains.
void train_steps(tg::models::CharLM& model, tg::optim::Adam& adam, const std::vector<int64_t>& stream, int steps) {
  for (int s = 0; s < steps; ++s) {
    tg::models::LmBatch batch = tg::models::random_windows(stream, 4, 8, tg::default_generator());
    adam.zero_grad();
    model.loss(batch).backward();
    tg::optim::clip_grad_norm(model.parameters(), 5.0);
    adam.step();
  }
}

}  // namespace

TEST_CASE("CharVocab puts <unk> at 0, then the text's characters in code point order") {
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text("bab\xC3\xA9 a\n");  // "babé a\n"
  CHECK(vocab.tokens() == std::vector<std::string>{"<unk>", "\n", " ", "a", "b", "\xC3\xA9"});
  CHECK(vocab.id("a") == 3);
  CHECK(vocab.id("z") == tg::models::CharVocab::kUnk);
  CHECK(vocab.id("<unk>") == tg::models::CharVocab::kUnk);
  CHECK(vocab.encode("ab\xC3\xA9z") == std::vector<int64_t>{3, 4, 5, 0});
  std::vector<int64_t> ids = vocab.encode("ab a\n");
  CHECK(vocab.decode(ids) == "ab a\n");
  CHECK(vocab.decode(std::vector<int64_t>{0}) == "\xEF\xBF\xBD");
  CHECK(vocab.unknown_chars("zaz\xC3\xBC") == std::vector<std::string>{"z", "\xC3\xBC"});
}

TEST_CASE("CharVocab refuses empty or non-UTF-8 text, naming the line") {
  CHECK_THROWS_WITH_AS(tg::models::CharVocab::from_text("", "empty.txt"),
                       doctest::Contains("empty.txt: the text is empty"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::CharVocab::from_text("ok\nok\nbad \xFF here\n", "t.txt"),
                       "t.txt:3: byte 0xff is not valid UTF-8, expected a UTF-8 text", tg::Error);
}

TEST_CASE("CharVocab survives its token list and rejects a list it could not have written") {
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text(kText);
  tg::models::CharVocab back = tg::models::CharVocab::from_tokens(vocab.tokens());
  CHECK(back.tokens() == vocab.tokens());
  CHECK(back.encode(kText) == vocab.encode(kText));
  CHECK_THROWS_WITH_AS(tg::models::CharVocab::from_tokens({"a", "b"}), doctest::Contains("expected \"<unk>\""),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::CharVocab::from_tokens({"<unk>", "b", "a"}), doctest::Contains("sorted order"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::CharVocab::from_tokens({"<unk>", "ab"}), doctest::Contains("single UTF-8 character"),
                       tg::Error);
}

TEST_CASE("CharLMConfig round-trips through JSON and rejects missing or bad fields") {
  tg::models::CharLMConfig config{.vocab_size = 40, .emb = 16, .hidden = 32, .layers = 2};
  tg::models::CharLMConfig back = tg::models::CharLMConfig::from_json(config.to_json());
  CHECK(back.vocab_size == 40);
  CHECK(back.emb == 16);
  CHECK(back.hidden == 32);
  CHECK(back.layers == 2);
  nlohmann::json missing = config.to_json();
  missing.erase("hidden");
  CHECK_THROWS_WITH_AS(tg::models::CharLMConfig::from_json(missing, "m.safetensors"),
                       "m.safetensors: charlm config has no 'hidden'", tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::CharLM({.vocab_size = 10, .hidden = 0}), doctest::Contains("hidden must be >= 1"),
                       tg::Error);
}

TEST_CASE("CharLM has PyTorch's parameter names and shapes and gives logits for every position") {
  tg::manual_seed(1);
  tg::models::CharLM model({.vocab_size = 11, .emb = 5, .hidden = 7, .layers = 2});
  auto state = model.state_dict();
  CHECK(state.size() == 1 + 8 + 2);
  CHECK(state.at("embedding.weight").shape() == tg::Shape{11, 5});
  CHECK(state.at("lstm.weight_ih_l0").shape() == tg::Shape{28, 5});
  CHECK(state.at("lstm.weight_hh_l0").shape() == tg::Shape{28, 7});
  CHECK(state.at("lstm.bias_ih_l1").shape() == tg::Shape{28});
  CHECK(state.at("lstm.weight_ih_l1").shape() == tg::Shape{28, 7});
  CHECK(state.at("fc.weight").shape() == tg::Shape{11, 7});
  CHECK(state.at("fc.bias").shape() == tg::Shape{11});
  std::vector<float> unk_row = tg::narrow(state.at("embedding.weight"), 0, 0, 1).to_vector();
  CHECK(std::all_of(unk_row.begin(), unk_row.end(), [](float v) { return v == 0.0f; }));

  tg::Tensor logits = model.forward(tg::randint(11, {3, 4}));
  CHECK(logits.shape() == tg::Shape{3, 4, 11});
  CHECK_THROWS_WITH_AS(model.forward(tg::indices({1, 2, 11}, {1, 3})), doctest::Contains("out of range"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(model.forward(tg::indices({1, 2, 3})), doctest::Contains("expected [batch, time]"),
                       tg::Error);
}

TEST_CASE("CharLM: gradcheck of the loss for every parameter through two layers") {
  tg::manual_seed(2);
  tg::models::CharLM model({.vocab_size = 6, .emb = 3, .hidden = 4, .layers = 2});
  tg::models::LmBatch batch{tg::indices({1, 2, 3, 4, 5, 1}, {2, 3}), tg::indices({2, 3, 4, 5, 1, 2}, {2, 3})};
  tg::GradcheckResult result =
      tg::gradcheck([&](const std::vector<tg::Tensor>&) { return model.loss(batch); }, model.parameters());
  INFO(result.report);
  CHECK(result.ok);
}

TEST_CASE("CharLM: running a sequence in two parts carrying (h, c) gives the logits of one pass") {
  tg::manual_seed(3);
  tg::models::CharLM model({.vocab_size = 9, .emb = 4, .hidden = 6, .layers = 2});
  tg::Tensor whole = model.forward(tg::indices({1, 5, 2, 8, 3, 3, 7}, {1, 7}));
  tg::models::LstmState state;
  tg::Tensor first = model.forward(tg::indices({1, 5, 2, 8}, {1, 4}), state);
  tg::Tensor second = model.forward(tg::indices({3, 3, 7}, {1, 3}), state);
  std::vector<float> joined = tg::concat({first, second}, 1).to_vector(), want = whole.to_vector();
  REQUIRE(joined.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(joined[i] == doctest::Approx(want[i]).epsilon(1e-5));
}

TEST_CASE("CharLM: the training loss falls over a few Adam steps on a tiny text") {
  tg::manual_seed(4);
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text(kText);
  std::vector<int64_t> stream = vocab.encode(kText);
  tg::models::CharLM model(tiny_config(vocab.size()));
  tg::optim::Adam adam(model.trainable_parameters(), 1e-2);
  double before = tg::models::evaluate_loss(model, stream, 8, 4);
  train_steps(model, adam, stream, 60);
  double after = tg::models::evaluate_loss(model, stream, 8, 4);
  CHECK(before > std::log(double(vocab.size())) - 0.5);  // about uniform at the start
  CHECK(after < before - 0.5);
  CHECK(tg::tape_size() == 0);  // backward released the graphs; evaluation recorded nothing
}

TEST_CASE("evaluate_loss is the mean loss over consecutive windows, counting every window equally") {
  tg::manual_seed(5);
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text(kText);
  std::vector<int64_t> stream = vocab.encode(kText);
  tg::models::CharLM model(tiny_config(vocab.size()));
  const int64_t seq = 10, windows = (int64_t(stream.size()) - 1) / seq;
  double sum = 0;
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int64_t> in(stream.begin() + w * seq, stream.begin() + w * seq + seq);
    std::vector<int64_t> out(stream.begin() + w * seq + 1, stream.begin() + w * seq + seq + 1);
    tg::NoGradGuard no_grad;
    sum += model.loss({tg::indices(in, {1, seq}), tg::indices(out, {1, seq})}).item();
  }
  CHECK(tg::models::evaluate_loss(model, stream, seq, 3) == doctest::Approx(sum / double(windows)).epsilon(1e-5));
  CHECK(tg::models::nats_to_bits(std::log(2.0)) == doctest::Approx(1.0));
}

TEST_CASE("generate: greedy follows the argmax of a full forward pass and never emits <unk>") {
  tg::manual_seed(6);
  tg::models::CharLM model({.vocab_size = 12, .emb = 5, .hidden = 9, .layers = 2});
  std::vector<int64_t> prompt = {3, 1, 4};
  tg::Generator gen(0);
  std::vector<int64_t> greedy = tg::models::generate(model, prompt, {.length = 15, .greedy = true}, gen);
  REQUIRE(greedy.size() == 15);
  std::vector<int64_t> text = prompt;
  for (int64_t next : greedy) {
    tg::NoGradGuard no_grad;
    tg::Tensor logits = model.forward(tg::indices(text, {1, int64_t(text.size())}));
    CHECK(next == argmax_without_unk(logits.f32() + (int64_t(text.size()) - 1) * 12, 12));
    text.push_back(next);
  }
  tg::Generator other(99);
  CHECK(tg::models::generate(model, prompt, {.length = 15, .top_k = 1}, other) == greedy);
  CHECK(tg::models::generate(model, {}, {.length = 5, .greedy = true}, gen).size() == 5);
  CHECK(tg::models::generate(model, prompt, {.length = 0}, gen).empty());
}

TEST_CASE("generate: sampling depends only on the generator's seed and respects top-k") {
  tg::manual_seed(7);
  tg::models::CharLM model({.vocab_size = 12, .emb = 5, .hidden = 9});
  std::vector<int64_t> prompt = {2, 7};
  tg::Generator a(11), b(11), c(12);
  auto sample_a = tg::models::generate(model, prompt, {.length = 40, .temperature = 1.5}, a);
  auto sample_b = tg::models::generate(model, prompt, {.length = 40, .temperature = 1.5}, b);
  auto sample_c = tg::models::generate(model, prompt, {.length = 40, .temperature = 1.5}, c);
  CHECK(sample_a == sample_b);
  CHECK(sample_a != sample_c);
  CHECK(std::find(sample_a.begin(), sample_a.end(), tg::models::CharVocab::kUnk) == sample_a.end());
  CHECK(tg::tape_size() == 0);

  // top-k = 2: after the prompt only the two most likely first characters can come out.
  tg::Tensor logits = model.forward(tg::indices(prompt, {1, 2}));
  std::vector<float> last(logits.f32() + 12, logits.f32() + 24);
  int64_t best = argmax_without_unk(last.data(), 12);
  last[size_t(best)] = -1e30f;
  int64_t second = argmax_without_unk(last.data(), 12);
  for (uint64_t seed = 0; seed < 30; ++seed) {
    tg::Generator gen(seed);
    int64_t first = tg::models::generate(model, prompt, {.length = 1, .temperature = 5.0, .top_k = 2}, gen)[0];
    CHECK((first == best || first == second));
  }
}

TEST_CASE("generate: a temperature <= 0, a negative top-k or length is an error") {
  tg::manual_seed(8);
  tg::models::CharLM model(tiny_config(5));
  tg::Generator gen(0);
  std::vector<int64_t> prompt = {1};
  CHECK_THROWS_WITH_AS(tg::models::generate(model, prompt, {.temperature = 0}, gen),
                       "generate: temperature must be > 0, got 0", tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::generate(model, prompt, {.temperature = -1}, gen),
                       doctest::Contains("temperature must be > 0"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::generate(model, prompt, {.top_k = -1}, gen), doctest::Contains("top-k must be >= 0"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::generate(model, prompt, {.length = -3}, gen),
                       doctest::Contains("length must be >= 0"), tg::Error);
}

TEST_CASE("CharLM checkpoint: saved and loaded, the model gives the same logits and vocabulary") {
  tg::manual_seed(9);
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text(kText);
  tg::models::CharLM model(tiny_config(vocab.size()));
  tg::test::TempDir dir;
  std::string path = dir.file("roundtrip.safetensors");
  tg::models::save_model(path, model, {.kind = "charlm", .config = model.config().to_json(), .vocab = vocab.tokens(), .labels = {}});

  tg::models::ModelFile file = tg::models::read_model_file(path, "charlm");
  tg::models::CharVocab loaded_vocab = tg::models::CharVocab::from_tokens(file.info.vocab, path);
  tg::manual_seed(10);  // another init, overwritten by the file
  tg::models::CharLM loaded(tg::models::CharLMConfig::from_json(file.info.config, path));
  tg::models::load_parameters(loaded, file);

  CHECK(loaded_vocab.tokens() == vocab.tokens());
  tg::Tensor tokens = tg::indices(vocab.encode("the cat"), {1, 7});
  CHECK(loaded.forward(tokens).to_vector() == model.forward(tokens).to_vector());
}

TEST_CASE("CharLM: training resumed from a saved state ends bit-identical to an uninterrupted run") {
  tg::models::CharVocab vocab = tg::models::CharVocab::from_text(kText);
  std::vector<int64_t> stream = vocab.encode(kText);
  tg::models::ModelInfo info{.kind = "charlm", .config = tiny_config(vocab.size()).to_json(), .vocab = vocab.tokens(), .labels = {}};

  tg::manual_seed(11);
  tg::models::CharLM straight(tiny_config(vocab.size()));
  tg::optim::Adam straight_adam(straight.trainable_parameters(), 1e-2);
  train_steps(straight, straight_adam, stream, 20);

  tg::test::TempDir dir;
  std::string path = dir.file("resume.state.safetensors");
  {
    tg::manual_seed(11);
    tg::models::CharLM first(tg::models::CharLMConfig::from_json(info.config));
    tg::optim::Adam adam(first.trainable_parameters(), 1e-2);
    train_steps(first, adam, stream, 8);
    tg::models::save_train_state(path, first, adam, info,
                                 {.step = 8, .rng = tg::default_generator().state(), .extra = {}});
  }
  tg::manual_seed(123);  // a fresh process: another init and another random stream
  tg::models::CharLM resumed(tg::models::CharLMConfig::from_json(info.config));
  tg::optim::Adam adam(resumed.trainable_parameters(), 1e-2);
  tg::models::TrainState state = tg::models::load_train_state(path, resumed, adam, info);
  tg::default_generator().set_state(state.rng);
  CHECK(state.step == 8);
  train_steps(resumed, adam, stream, 12);

  CHECK(flat_parameters(resumed) == flat_parameters(straight));
}
