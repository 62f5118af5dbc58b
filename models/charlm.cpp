#include "models/charlm.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/error.hpp"
#include "core/tape.hpp"
#include "models/tokenize.hpp"
#include "nn/losses.hpp"

namespace tg::models {

// ---- vocabulary ----

namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Throws "<source>:<line>: byte 0xff is not valid UTF-8, expected a UTF-8 text" at the first bad byte.
void check_utf8(std::string_view text, std::string_view source) {
  int64_t line = 1;
  for (size_t at = 0; at < text.size();) {
    int length = utf8_sequence_length(text, at);
    if (length == 0)
      fail("{}:{}: byte 0x{:02x} is not valid UTF-8, expected a UTF-8 text", source, line,
           static_cast<unsigned char>(text[at]));
    if (text[at] == '\n') ++line;
    at += static_cast<size_t>(length);
  }
}

bool is_one_character(std::string_view token) {
  return !token.empty() && utf8_sequence_length(token, 0) == static_cast<int>(token.size());
}

}  // namespace

CharVocab::CharVocab(std::vector<std::string> tokens) : chars_(std::move(tokens)) {
  for (size_t id = 0; id < chars_.size(); ++id) ids_.emplace(chars_[id], static_cast<int64_t>(id));
}

CharVocab CharVocab::from_text(std::string_view text, std::string_view source) {
  if (text.empty()) fail("{}: the text is empty, expected at least one character", source);
  check_utf8(text, source);
  std::set<std::string> distinct;  // byte order of UTF-8 strings is code point order
  for (std::string& c : tokenize_chars(text)) distinct.insert(std::move(c));
  std::vector<std::string> tokens{std::string(kUnkToken)};
  tokens.insert(tokens.end(), distinct.begin(), distinct.end());
  return CharVocab(std::move(tokens));
}

CharVocab CharVocab::from_tokens(std::vector<std::string> tokens, std::string_view source) {
  if (tokens.size() < 2 || tokens[0] != kUnkToken)
    fail("{}: expected \"{}\" followed by at least one character, found {} tokens starting with \"{}\"", source,
         kUnkToken, tokens.size(), tokens.empty() ? "" : tokens[0]);
  for (size_t id = 1; id < tokens.size(); ++id) {
    if (!is_one_character(tokens[id]))
      fail("{}: token {} is \"{}\", expected a single UTF-8 character", source, id, tokens[id]);
    if (id > 1 && !(tokens[id - 1] < tokens[id]))
      fail("{}: token {} (\"{}\") is not after token {} (\"{}\"), expected distinct characters in sorted order",
           source, id, tokens[id], id - 1, tokens[id - 1]);
  }
  return CharVocab(std::move(tokens));
}

int64_t CharVocab::id(std::string_view character) const {
  auto it = ids_.find(character);
  return it == ids_.end() || it->second == kUnk ? kUnk : it->second;
}

const std::string& CharVocab::character(int64_t id) const {
  if (id < 0 || id >= size()) fail("charlm vocab: id {} is out of range for a vocabulary of {}", id, size());
  return chars_[static_cast<size_t>(id)];
}

std::vector<int64_t> CharVocab::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (const std::string& c : tokenize_chars(text)) ids.push_back(id(c));
  return ids;
}

std::string CharVocab::decode(std::span<const int64_t> ids) const {
  std::string text;
  for (int64_t i : ids) text += i == kUnk ? std::string(kReplacementChar) : character(i);
  return text;
}

std::vector<std::string> CharVocab::unknown_chars(std::string_view text) const {
  std::vector<std::string> unknown;
  for (std::string& c : tokenize_chars(text))
    if (id(c) == kUnk && std::find(unknown.begin(), unknown.end(), c) == unknown.end())
      unknown.push_back(std::move(c));
  return unknown;
}

// ---- config ----

void CharLMConfig::validate() const {
  auto at_least = [](const char* name, int64_t value, int64_t least) {
    if (value < least) fail("charlm config: {} must be >= {}, found {}", name, least, value);
  };
  at_least("vocab_size", vocab_size, 2);  // <unk> and one character
  at_least("emb", emb, 1);
  at_least("hidden", hidden, 1);
  at_least("layers", layers, 1);
}

nlohmann::json CharLMConfig::to_json() const {
  return {{"vocab_size", vocab_size}, {"emb", emb}, {"hidden", hidden}, {"layers", layers}};
}

CharLMConfig CharLMConfig::from_json(const nlohmann::json& json, std::string_view source) {
  auto integer = [&](const char* name) {
    if (!json.is_object() || !json.contains(name)) fail("{}: charlm config has no '{}'", source, name);
    const nlohmann::json& value = json.at(name);
    if (!value.is_number_integer()) fail("{}: charlm config '{}' is {}, expected an integer", source, name, value.dump());
    return value.get<int64_t>();
  };
  CharLMConfig config{.vocab_size = integer("vocab_size"), .emb = integer("emb"), .hidden = integer("hidden"),
                      .layers = integer("layers")};
  config.validate();
  return config;
}

// ---- model ----

namespace {

const CharLMConfig& validated(const CharLMConfig& config) {
  config.validate();
  return config;
}

}  // namespace

CharLM::CharLM(const CharLMConfig& config)
    : config_(validated(config)),
      embedding(config.vocab_size, config.emb, {.padding_idx = CharVocab::kUnk}),
      lstm(config.emb, config.hidden, {.num_layers = static_cast<int>(config.layers), .batch_first = true}),
      fc(config.hidden, config.vocab_size) {
  register_module("embedding", embedding);
  register_module("lstm", lstm);
  register_module("fc", fc);
}

Tensor CharLM::forward(const Tensor& tokens) {
  LstmState state;
  return forward(tokens, state);
}

// tokens: i64 [B, T]  ->  x: [B, T, emb]  ->  h: [B, T, hidden]  ->  logits: [B, T, V]
Tensor CharLM::forward(const Tensor& tokens, LstmState& state) {
  check_dtype("charlm", tokens, DType::i64);
  if (tokens.dim() != 2) fail("charlm: tokens have shape {}, expected [batch, time]", tokens.shape());
  // lstm.forward(embedding.forward(tokens), ...), with layer 0's input products looked up by character
  // when the batch has more positions than the vocabulary has characters (nn/lstm.hpp)
  nn::LSTMOutput out = lstm.forward_embedded(embedding, tokens, {}, state.h, state.c);
  state = {out.h_n, out.c_n};
  return fc.forward(out.output);
}

namespace {

// Cross-entropy over every position: logits [B, T, V] and targets [B, T] become the [B*T, V] rows and
// [B*T] targets that cross_entropy takes (views, no copy).
Tensor per_position_cross_entropy(const Tensor& logits, const Tensor& targets,
                                  const nn::CrossEntropyOptions& options = {}) {
  return nn::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}), options);
}

}  // namespace

Tensor CharLM::loss(const LmBatch& batch) { return per_position_cross_entropy(forward(batch.inputs), batch.targets); }

// ---- generation ----

namespace {

void check_options(const GenerateOptions& options) {
  if (!(options.temperature > 0) || !std::isfinite(options.temperature))
    fail("generate: temperature must be > 0, got {}", options.temperature);
  if (options.top_k < 0) fail("generate: top-k must be >= 0 (0 = all characters), got {}", options.top_k);
  if (options.length < 0) fail("generate: length must be >= 0, got {}", options.length);
}

// The candidate ids (every id but kUnk), most likely first; ties keep the lower id first.
std::vector<int64_t> ranked_candidates(const float* logits, int64_t vocab_size, int64_t keep) {
  std::vector<int64_t> ids(static_cast<size_t>(vocab_size - 1));
  std::iota(ids.begin(), ids.end(), CharVocab::kUnk + 1);
  auto more_likely = [&](int64_t a, int64_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  auto kept = ids.begin() + std::min<int64_t>(keep, static_cast<int64_t>(ids.size()));
  std::partial_sort(ids.begin(), kept, ids.end(), more_likely);
  ids.erase(kept, ids.end());
  return ids;
}

// Draws from softmax(logits / temperature) restricted to the top_k candidates (all when 0).
int64_t sample_next(const float* logits, int64_t vocab_size, const GenerateOptions& options, Generator& gen) {
  int64_t keep = options.top_k > 0 ? options.top_k : vocab_size;
  std::vector<int64_t> ids = ranked_candidates(logits, vocab_size, keep);
  std::vector<double> weights;
  double total = 0, top = logits[ids[0]];
  for (int64_t id : ids) total += weights.emplace_back(std::exp((logits[id] - top) / options.temperature));
  double r = gen.uniform() * total;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (r < weights[k]) return ids[k];
    r -= weights[k];
  }
  return ids.back();  // r landed on the rounding error at the end
}

}  // namespace

std::vector<int64_t> generate(CharLM& model, std::span<const int64_t> prompt, const GenerateOptions& options,
                              Generator& gen) {
  check_options(options);
  NoGradGuard no_grad;
  const int64_t V = model.config().vocab_size;
  std::vector<int64_t> start(prompt.begin(), prompt.end());
  if (start.empty()) start.push_back(CharVocab::kUnk);

  LstmState state;
  const auto T = static_cast<int64_t>(start.size());
  Tensor logits = model.forward(indices(start, {1, T}), state);  // [1, T, V]
  const float* last = logits.f32() + (T - 1) * V;                // the prediction after the prompt
  std::vector<int64_t> generated;
  for (int64_t i = 0; i < options.length; ++i) {
    int64_t next = options.greedy ? ranked_candidates(last, V, 1)[0] : sample_next(last, V, options, gen);
    generated.push_back(next);
    if (i + 1 == options.length) break;
    logits = model.forward(indices({next}, {1, 1}), state);  // one step from the carried (h, c)
    last = logits.f32();
  }
  return generated;
}

// ---- evaluation ----

double evaluate_loss(CharLM& model, std::span<const int64_t> stream, int64_t seq_len, int64_t batch_size) {
  NoGradGuard no_grad;
  double total = 0;
  int64_t count = 0;
  for (const LmBatch& batch : sequential_windows(stream, batch_size, seq_len)) {
    Tensor logits = model.forward(batch.inputs);
    total += per_position_cross_entropy(logits, batch.targets, {.reduction = nn::Reduction::sum}).item();
    count += batch.targets.numel();
  }
  return total / static_cast<double>(count);
}

double nats_to_bits(double nats) { return nats / std::log(2.0); }

}  // namespace tg::models
