// tg-charlm generate: the prompt and its continuation on stdout.
// tg-charlm eval: the model's loss on a text, in nats and bits per character.
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/random.hpp"
#include "tools/charlm/commands.hpp"

namespace tg::charlm {

void run_generate(const GenerateArgs& args) {
  LoadedModel loaded = load_charlm(args.model);
  warn_unknown_chars(loaded.vocab, args.prompt, "the prompt");
  Generator gen(args.seed);
  models::GenerateOptions options{.length = args.length, .temperature = args.temperature, .top_k = args.top_k,
                                  .greedy = args.greedy};
  std::vector<int64_t> continuation = models::generate(*loaded.model, loaded.vocab.encode(args.prompt), options, gen);
  fmt::print("{}{}\n", args.prompt, loaded.vocab.decode(continuation));
}

void run_eval(const EvalArgs& args) {
  LoadedModel loaded = load_charlm(args.model);
  std::string text = read_text_file(args.text);
  std::vector<int64_t> stream = loaded.vocab.encode(text);
  if (static_cast<int64_t>(stream.size()) < args.seq + 1)
    fail("{}: the text has {} characters, expected at least --seq + 1 = {}", args.text, stream.size(), args.seq + 1);
  warn_unknown_chars(loaded.vocab, text, args.text.c_str());
  double nats = models::evaluate_loss(*loaded.model, stream, args.seq, args.batch);
  int64_t predicted = (static_cast<int64_t>(stream.size()) - 1) / args.seq * args.seq;
  fmt::print("loss {:.4f} nats/char, {:.4f} bits/char ({} characters predicted)\n", nats, models::nats_to_bits(nats),
             predicted);
}

}  // namespace tg::charlm
