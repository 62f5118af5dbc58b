// tg-classify: train, evaluate and use text classifiers (bag of embeddings or LSTM).
//   tg-classify train   --train FILE [--valid FILE] --out MODEL [options]
//   tg-classify test    --model MODEL --data FILE
//   tg-classify predict --model MODEL [--text "..."] [FILE|-] [--k 1] [--probs]
//   tg-classify quantize --model MODEL --out SMALLER [--dtype int8|f16]
#include <CLI/CLI.hpp>

#include "models/limits.hpp"
#include "tools/classify/commands.hpp"
#include "tools/common/cli.hpp"

namespace {

// A size flag's check: an integer in the range models/limits.hpp allows (the same one a model file's config
// is checked against), "--dim: Value 4611686018427387904 not in range [1 - 1048576]".
CLI::Range in_range(const tg::models::limits::Range& range) { return CLI::Range(range.min, range.max); }

using tg::classify::PredictOptions;
using tg::classify::TestOptions;
using tg::classify::TrainOptions;

const std::vector<std::string> kFormats = {"auto", "fasttext", "tsv", "classfiles", "trec", "csv"};

CLI::App* add_train(CLI::App& app, TrainOptions& o) {
  auto* cmd = app.add_subcommand("train", "train a classifier; keeps the epoch with the best validation accuracy (the latest of ties)");
  cmd->add_option("--train", o.train_path, "labelled training file")->required();
  cmd->add_option("--valid", o.valid_path, "labelled validation file (default: split --valid-frac off --train)");
  cmd->add_option("--out", o.out_path, "the model file to write (safetensors)")->required();
  cmd->add_option("--format", o.format, "data format")->check(CLI::IsMember(kFormats))->capture_default_str();
  cmd->add_option("--encoder", o.encoder, "bag (mean of embeddings) or lstm")
      ->check(CLI::IsMember({"bag", "lstm"}))->capture_default_str();
  cmd->add_option_function<int64_t>("--dim", [&o](int64_t d) { o.dim = d; o.dim_given = true; },
                                    "embedding size (default 64, or the --pretrained vectors' size)")
      ->check(in_range(tg::models::limits::kDim));
  cmd->add_option("--hidden", o.hidden, "LSTM hidden size")->check(in_range(tg::models::limits::kHidden))->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "passes over the training data")->check(tg::at_least(1))->capture_default_str();
  cmd->add_option("--batch", o.batch_size, "examples per step")->check(in_range(tg::models::limits::kBatch))->capture_default_str();
  cmd->add_option("--lr", o.lr, "learning rate (default: adam family 3e-3 bag / 2e-3 lstm, sgd 1.0 bag / 0.1 lstm)")
      ->check(CLI::Range(1e-9, 1e3));
  cmd->add_option("--optimizer", o.optimizer, "adam, adamw, sgd or lazy-adam (sparse embedding gradients)")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "lazy-adam"}))->capture_default_str();
  cmd->add_option("--min-count", o.min_count, "keep words seen at least this often")
      ->check(tg::at_least(1))->capture_default_str();
  auto* pretrained = cmd->add_option("--pretrained", o.pretrained_path, "word vectors to start the embedding from");
  cmd->add_flag("--freeze", o.freeze, "do not train the pretrained embedding")->needs(pretrained);
  cmd->add_option("--seed", o.seed, "seed of every random draw")->capture_default_str();
  cmd->add_option("--threads", o.threads,
                  "training threads; more than 1 share the batches Hogwild, as fastText's -thread (a run is then "
                  "not reproducible bit for bit)")
      ->check(tg::at_least(1))->capture_default_str();
  cmd->add_flag("--resume", o.resume,
                "continue from <out>.state.safetensors; the architecture and --seed must match, --lr, --epochs and "
                "--threads are taken from this command line");
  cmd->add_flag("--save-state", o.save_state,
                "also write <out>.state.safetensors (the optimizer's moments, ~3x the model) after each epoch, "
                "for --resume");
  cmd->add_flag("--skip-nonfinite", o.skip_nonfinite,
                "skip a step whose loss or gradient is nan or inf (counted) instead of stopping with an error");
  cmd->add_option("--log", o.log_path, "write a CSV of per-epoch metrics");
  cmd->add_option("--plot", o.plot_path, "draw the loss and accuracy curves to FILE.svg (or .png where built with Cairo)");
  cmd->add_option("--valid-frac", o.valid_fraction, "fraction of --train held out when there is no --valid")
      ->check(CLI::Range(0.0, 0.9))->capture_default_str();
  cmd->add_option("--tokenizer", o.tokenizer, "basic (lowercase, split punctuation) or whitespace")
      ->check(CLI::IsMember({"basic", "whitespace"}))->capture_default_str();
  cmd->add_option("--max-len", o.max_len, "keep the first N words of each text (0: all); how many were cut is reported")
      ->check(in_range(tg::models::limits::kMaxLen))->capture_default_str();
  cmd->add_option("--ngrams", o.ngrams, "also use word n-grams up to this length as tokens (fastText's -wordNgrams)")
      ->check(CLI::Range(1, 5))->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "no progress and no per-epoch lines: only warnings, errors and the result");
  cmd->add_option("--dropout", o.dropout, "dropout on the sentence vector before fc (training only)")->check(CLI::Range(0.0, 0.95))->capture_default_str();
  return cmd;
}

CLI::App* add_test(CLI::App& app, TestOptions& o) {
  auto* cmd = app.add_subcommand("test", "N, accuracy, macro-F1 and the confusion matrix on a labelled file");
  cmd->add_option("--model", o.model_path, "model file written by train")->required();
  cmd->add_option("--data", o.data_path, "labelled file")->required();
  cmd->add_option("--format", o.format, "data format")->check(CLI::IsMember(kFormats))->capture_default_str();
  cmd->add_option("--threads", o.threads, "threads for OpenMP and OpenBLAS")->check(tg::at_least(1))->capture_default_str();
  return cmd;
}

CLI::App* add_predict(CLI::App& app, PredictOptions& o) {
  auto* cmd = app.add_subcommand("predict", "the top-k labels of each text, one line per input");
  cmd->add_option("--model", o.model_path, "model file written by train")->required();
  cmd->add_option("--text", o.texts, "a text to classify (may be repeated)")->allow_extra_args(false);
  cmd->add_option("input", o.input_path, "a file with one text per line, - for stdin");
  cmd->add_option("--k", o.k, "how many labels per line")->check(tg::at_least(1))->capture_default_str();
  cmd->add_flag("--probs", o.probs, "add each label's probability, as fastText's predict-prob: '__label__pos 0.93'");
  cmd->add_flag("--logits", o.logits, "print the raw logits instead (for tools/check_torch_load.py)")
      ->group("");  // hidden: a debugging aid
  cmd->add_option("--threads", o.threads, "threads for OpenMP and OpenBLAS")->check(tg::at_least(1))->capture_default_str();
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tg-classify: train, test and use text classifiers (bag of embeddings or LSTM)"};
  app.require_subcommand(1);
  TrainOptions train_options;
  TestOptions test_options;
  PredictOptions predict_options;
  CLI::App* train = add_train(app, train_options);
  CLI::App* test = add_test(app, test_options);
  add_predict(app, predict_options);
  tg::classify::QuantizeOptions quantize_options;
  CLI::App* quantize = app.add_subcommand("quantize", "a smaller model file (int8 or float16 embedding) that test and predict read as they are");
  quantize->add_option("--model", quantize_options.model_path, "model file written by train")->required();
  quantize->add_option("--out", quantize_options.out_path, "the smaller model file to write")->required();
  quantize->add_option("--dtype", quantize_options.dtype, "int8 (per-row scales) or f16")
      ->check(CLI::IsMember({"int8", "f16"}))->capture_default_str();
  return tg::run_tool(app, argc, argv, [&] {
    if (train->parsed()) return tg::classify::run_train(train_options);
    if (test->parsed()) return tg::classify::run_test(test_options);
    if (quantize->parsed()) return tg::classify::run_quantize(quantize_options);
    return tg::classify::run_predict(predict_options);  // the only other one: predict
  });
}
