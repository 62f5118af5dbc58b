// tg-charlm: a character language model from the command line.
//
//   tg-charlm train --text input.txt --out shakespeare.safetensors [--steps 1500 --threads 1 ...]
//   tg-charlm generate --model shakespeare.safetensors --prompt "ROMEO:" [--temperature 0.8 --top-k 10]
//   tg-charlm eval --model shakespeare.safetensors --text other.txt
//
// Exit codes (tools/common/cli.hpp): 0 done, 1 an error in the input (one line "error: ..." on stderr),
// 2 a usage error.
#include <string>

#include <CLI/CLI.hpp>

#include "core/threads.hpp"
#include "models/limits.hpp"
#include "tools/charlm/commands.hpp"
#include "tools/common/cli.hpp"

namespace {

using namespace tg::charlm;

// A size flag's check: the range models/limits.hpp allows (a model file's config is checked against it too).
CLI::Range in_range(const tg::models::limits::Range& range) { return CLI::Range(range.min, range.max); }

// A number in [0, 1), for --valid-frac.
const CLI::Validator kFraction(
    [](std::string& text) -> std::string {
      double value = 0;
      if (!CLI::detail::lexical_cast(text, value) || !(value >= 0 && value < 1))
        return "must be a number in [0, 1), got " + text;
      return "";
    },
    "in [0, 1)");

void add_threads(CLI::App* command, int& threads) {
  command->add_option("--threads", threads, "threads for OpenMP and OpenBLAS (1 is fastest for this LSTM)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void add_train(CLI::App& app, TrainArgs& a, int& threads) {
  CLI::App* train = app.add_subcommand("train", "train a character language model on a text file");
  train->add_option("--text", a.text, "UTF-8 training text; its last --valid-frac is held out")->required();
  train->add_option("--out", a.out, "the model file to write (and <out>.state.safetensors for --resume)")
      ->required();
  train->add_option("--emb", a.emb, "embedding size")->check(in_range(tg::models::limits::kDim))->capture_default_str();
  train->add_option("--hidden", a.hidden, "LSTM hidden size")
      ->check(in_range(tg::models::limits::kHidden))->capture_default_str();
  train->add_option("--layers", a.layers, "LSTM layers")
      ->check(in_range(tg::models::limits::kLayers))->capture_default_str();
  train->add_option("--seq", a.seq, "characters per training window")
      ->check(in_range(tg::models::limits::kSeq))->capture_default_str();
  train->add_option("--batch", a.batch, "windows per step")
      ->check(in_range(tg::models::limits::kBatch))->capture_default_str();
  train->add_option("--steps", a.steps, "optimizer steps in all (a resumed run counts the earlier ones)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--lr", a.lr, "Adam learning rate")->check(CLI::Range(1e-9, 1e3))->capture_default_str();
  train->add_option("--clip", a.clip, "clip the gradient norm to this (0: no clipping)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--valid-frac", a.valid_frac, "fraction of the text, at its end, held out")
      ->check(kFraction)
      ->capture_default_str();
  train->add_option("--sample-every", a.sample_every, "print a generated sample every N steps (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--eval-every", a.eval_every, "held-out loss and a checkpoint every N steps (0: at the end only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--seed", a.seed, "seed of the initial parameters and the training windows")->capture_default_str();
  train->add_flag("--resume", a.resume,
                  "continue from <out>.state.safetensors; the model, --seq, --batch, --seed and the text must "
                  "match, --lr, --clip, --steps and --threads are taken from this command line");
  train->add_flag("--save-state", a.save_state,
                  "also write <out>.state.safetensors (Adam's moments, ~3x the model) at each evaluation, for "
                  "--resume");
  train->add_flag("--skip-nonfinite", a.skip_nonfinite,
                  "skip a step whose loss or gradient is nan or inf (counted) instead of stopping with an error");
  train->add_option("--log", a.log, "CSV of the losses at each evaluation");
  train->add_option("--plot", a.plot, "draw the losses at each evaluation to FILE.svg (or .png where built with Cairo)");
  train->add_flag("--quiet", a.quiet, "no progress, notes or samples: only warnings, errors and the final line");
  add_threads(train, threads);
}

void add_generate(CLI::App& app, GenerateArgs& a, int& threads) {
  CLI::App* generate = app.add_subcommand("generate", "continue a prompt with a trained model");
  generate->add_option("--model", a.model, "a model file written by tg-charlm train")->required();
  generate->add_option("--prompt", a.prompt, "text to continue (empty: start from nothing)");
  generate->add_option("--length", a.length, "characters to generate")->check(CLI::NonNegativeNumber)->capture_default_str();
  generate->add_option("--temperature", a.temperature, "> 0; below 1 sharper, above 1 more random")->capture_default_str();
  generate->add_option("--top-k", a.top_k, "sample among the k most likely characters (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  generate->add_flag("--greedy", a.greedy, "always take the most likely character");
  generate->add_option("--seed", a.seed, "seed of the sampling")->capture_default_str();
  add_threads(generate, threads);
}

void add_eval(CLI::App& app, EvalArgs& a, int& threads) {
  CLI::App* eval = app.add_subcommand("eval", "the model's loss on a text, in nats and bits per character");
  eval->add_option("--model", a.model, "a model file written by tg-charlm train")->required();
  eval->add_option("--text", a.text, "UTF-8 text to evaluate on")->required();
  eval->add_option("--seq", a.seq, "characters per window")
      ->check(in_range(tg::models::limits::kSeq))->capture_default_str();
  eval->add_option("--batch", a.batch, "windows per batch")
      ->check(in_range(tg::models::limits::kBatch))->capture_default_str();
  add_threads(eval, threads);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("tg-charlm: a character language model (Embedding -> LSTM -> Linear), trained with tapegrad");
  app.require_subcommand(1);
  TrainArgs train;
  GenerateArgs generate;
  EvalArgs eval;
  int threads = 1;
  add_train(app, train, threads);
  add_generate(app, generate, threads);
  add_eval(app, eval, threads);

  return tg::run_tool(app, argc, argv, [&] {
    tg::set_num_threads(threads);
    if (app.got_subcommand("train")) run_train(train);
    if (app.got_subcommand("generate")) run_generate(generate);
    if (app.got_subcommand("eval")) run_eval(eval);
    return 0;
  });
}
