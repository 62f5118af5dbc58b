#pragma once
// A character language model: Embedding -> LSTM -> Linear at every position, trained to predict the
// next character (as karpathy's char-rnn). Parameter names are PyTorch's, so a checkpoint loads into
//
//   class CharLM(torch.nn.Module):
//       def __init__(s, V, emb, hidden, layers):
//           super().__init__()
//           s.embedding = torch.nn.Embedding(V, emb)
//           s.lstm = torch.nn.LSTM(emb, hidden, layers, batch_first=True)
//           s.fc = torch.nn.Linear(hidden, V)
//
// Usage:
//   CharVocab vocab = CharVocab::from_text(text);
//   CharLM model({.vocab_size = vocab.size()});
//   Tensor loss = model.loss(random_windows(vocab.encode(text), 32, 64, gen));   // nats per char
//   std::string more = vocab.decode(generate(model, vocab.encode("ROMEO:"), {.length = 200}, gen));
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/random.hpp"
#include "core/tensor.hpp"
#include "models/batching.hpp"
#include "models/vocab.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/lstm.hpp"
#include "nn/module.hpp"

namespace tg::models {

// The characters (UTF-8 code points, as tokenize_chars splits them) of the training text, sorted by
// code point. Id 0 is reserved for a character the text did not contain ("<unk>"): a prompt may hold
// one, it then reads as a zero vector (the embedding's padding row), and generation never emits it.
// Ids 1..size()-1 are the characters themselves.
class CharVocab {
 public:
  static constexpr int64_t kUnk = 0;
  static constexpr std::string_view kUnkToken = "<unk>";

  // Every distinct character of `text`, which must be non-empty valid UTF-8: an invalid byte throws
  // "<source>:<line>: byte 0xff is not valid UTF-8, expected a UTF-8 text".
  static CharVocab from_text(std::string_view text, std::string_view source = "text");

  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  int64_t id(std::string_view character) const;  // kUnk when not in the vocabulary
  const std::string& character(int64_t id) const;  // throws unless 0 <= id < size()

  std::vector<int64_t> encode(std::string_view text) const;  // one id per character
  std::string decode(std::span<const int64_t> ids) const;    // kUnk decodes to U+FFFD
  // The distinct characters of `text` that are not in the vocabulary, in order of first appearance.
  std::vector<std::string> unknown_chars(std::string_view text) const;

  // The tokens in id order ("<unk>" first) for the checkpoint's "vocab" metadata, and back.
  // from_tokens checks "<unk>" comes first and the rest are distinct single characters in sorted order.
  const std::vector<std::string>& tokens() const { return chars_; }
  static CharVocab from_tokens(std::vector<std::string> tokens, std::string_view source = "vocab");

 private:
  explicit CharVocab(std::vector<std::string> tokens);
  std::vector<std::string> chars_;
  StringMap<int64_t> ids_;
};

struct CharLMConfig {
  int64_t vocab_size = 0;  // the CharVocab's size, <unk> included
  int64_t emb = 64;        // embedding dimension
  int64_t hidden = 256;    // LSTM hidden size
  int64_t layers = 1;      // stacked LSTM layers

  // Throws "charlm config: hidden must be >= 1, found 0" and the like.
  void validate() const;
  // {"vocab_size": 66, "emb": 64, "hidden": 256, "layers": 1}, the checkpoint's "config".
  nlohmann::json to_json() const;
  // Reads what to_json() wrote (every field required), then validates; `source` names the file.
  static CharLMConfig from_json(const nlohmann::json& json, std::string_view source = "config");
};

// The LSTM's state between calls: h and c, each [layers, B, hidden]. Undefined tensors mean zeros.
struct LstmState {
  Tensor h, c;
};

class CharLM : public nn::Module {
  CharLMConfig config_;  // first: validated before the layers below are built from it

 public:
  explicit CharLM(const CharLMConfig& config);

  // tokens: i64 [B, T] -> logits [B, T, V], starting from a zero state.
  Tensor forward(const Tensor& tokens);
  // The same from `state`, which becomes the state after the last position (for generation).
  Tensor forward(const Tensor& tokens, LstmState& state);
  // Mean cross entropy of predicting batch.targets from batch.inputs, over every position (nats/char).
  Tensor loss(const LmBatch& batch);

  const CharLMConfig& config() const { return config_; }

  nn::Embedding embedding;  // "embedding.weight" [V, emb]; row kUnk is zero and never trained
  nn::LSTM lstm;            // "lstm.weight_ih_l0" [4 hidden, emb], ...
  nn::Linear fc;            // "fc.weight" [V, hidden], "fc.bias" [V]
};

struct GenerateOptions {
  int64_t length = 200;      // characters to add after the prompt
  double temperature = 1.0;  // > 0; logits are divided by it before the softmax
  int64_t top_k = 0;         // > 0: sample among the k most likely characters only; 0: all
  bool greedy = false;       // always take the most likely character (no randomness)
};

// The `length` ids that follow `prompt` (the prompt itself is not returned). Runs under NoGradGuard:
// the prompt goes through the LSTM once, then one step per new character, carrying (h, c).
// An empty prompt starts from a single kUnk (a zero input). kUnk is never generated. Sampling draws
// from `gen` only, so the same generator state gives the same text; greedy and top_k = 1 both take
// the argmax (the first one on ties). Throws on temperature <= 0, top_k < 0, length < 0.
std::vector<int64_t> generate(CharLM& model, std::span<const int64_t> prompt, const GenerateOptions& options,
                              Generator& gen);

// Mean cross entropy in nats per predicted character over the stream cut into consecutive windows of
// seq_len + 1 (models/batching.hpp sequential_windows), under NoGradGuard. Needs seq_len + 1 ids.
double evaluate_loss(CharLM& model, std::span<const int64_t> stream, int64_t seq_len, int64_t batch_size);

// nats -> bits: loss / ln 2.
double nats_to_bits(double nats);

}  // namespace tg::models
