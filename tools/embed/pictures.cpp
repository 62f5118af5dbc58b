// tg-embed heatmap, plot: pictures of the vectors (models/heatmap.hpp, models/scatter.hpp), as SVG, or PNG
// where tapegrad was built with Cairo; the file's extension says which.
//   tg-embed heatmap --vectors FILE [--rows 100] [--cols N] --out table.svg
//   tg-embed plot --vectors FILE --method tsne --top 100 --out words.svg
//   tg-embed plot --model sst2.safetensors --method pca --words good,bad,great,awful --out words.png
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "models/heatmap.hpp"
#include "models/pca.hpp"
#include "models/scatter.hpp"
#include "models/tsne.hpp"
#include "tools/embed/commands.hpp"
#include "tools/embed/input.hpp"

namespace tg::embed {

namespace {

struct HeatmapCommand {
  InputOptions input;
  int64_t rows = 100;
  int64_t cols = 0;  // 0: every dimension
  std::string out;
};

struct PlotCommand {
  InputOptions input;
  std::string method = "pca";
  std::string words;  // "a,b,c"
  int64_t top = 0;
  std::string metric = "cosine";
  uint64_t seed = 0;
  double perplexity = 30;
  std::string out;
};

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string source_name(const InputOptions& input) {
  return file_name(input.vectors_path.empty() ? input.model_path : input.vectors_path);
}

int run_heatmap(const HeatmapCommand& o) {
  models::check_picture_path(o.out);
  if (o.rows < 1) fail("--rows: expected a number of rows >= 1, found {}", o.rows);
  if (o.cols < 0) fail("--cols: expected a number of columns >= 1 (or 0 for all), found {}", o.cols);
  models::VectorSet vectors = load_input(o.input);
  const int64_t rows = std::min(o.rows, vectors.size()), cols = o.cols == 0 ? vectors.dim : std::min(o.cols, vectors.dim);
  if (rows < o.rows) fmt::print(stderr, "note: --rows {}: the vectors have {} words, drawing all of them\n", o.rows, rows);
  std::vector<float> table(rows * cols);  // [rows, cols]: the first rows and columns
  for (int64_t r = 0; r < rows; ++r) std::copy_n(vectors.row(r), cols, table.begin() + r * cols);
  models::Canvas picture =
      models::draw_heatmap(tensor(table, {rows, cols}),
                           {.title = fmt::format("{}: the first {} of {} words, {} of {} dimensions",
                                                 source_name(o.input), rows, vectors.size(), cols, vectors.dim)});
  picture.save(o.out);
  fmt::print("wrote {}: a heatmap of {} words x {} dimensions\n", o.out, rows, cols);
  return 0;
}

// The rows to draw: the --words that have a vector (unknown ones are warned about), or the first --top N
// (default 50).
std::vector<int64_t> chosen_rows(const PlotCommand& o, const models::VectorSet& vectors) {
  std::vector<int64_t> rows;
  if (!o.words.empty()) {
    std::stringstream list(o.words);
    std::vector<std::string> unknown;
    for (std::string word; std::getline(list, word, ',');) {
      word.erase(0, word.find_first_not_of(' '));  // "king, queen" reads as king and queen
      word.erase(word.find_last_not_of(' ') + 1);
      if (word.empty()) continue;
      int64_t id = vectors.id(word);
      if (id < 0) unknown.push_back(word);
      else if (std::find(rows.begin(), rows.end(), id) == rows.end()) rows.push_back(id);
    }
    if (rows.empty())
      fail("--words: none of the {} words has a vector in {}", unknown.size(), source_name(o.input));
    if (!unknown.empty())
      fmt::print(stderr, "warning: {} of the words have no vector, left out: {}\n", unknown.size(),
                 fmt::format("{}", fmt::join(unknown, ", ")));
  } else {
    // A checkpoint's <pad> and <unk> rows are not words: --top skips them.
    const size_t top = static_cast<size_t>(o.top > 0 ? o.top : 50);
    for (int64_t i = 0; i < vectors.size() && rows.size() < top; ++i)
      if (vectors.words[i] != "<pad>" && vectors.words[i] != "<unk>") rows.push_back(i);
  }
  if (rows.size() < 2) fail("plot: expected at least 2 words with vectors to draw, found {}", rows.size());
  return rows;
}

int run_plot(const PlotCommand& o) {
  models::check_picture_path(o.out);
  if (o.method != "pca" && o.method != "tsne") fail("--method: expected pca or tsne, found '{}'", o.method);
  const models::TSNEMetric metric = models::parse_tsne_metric(o.metric);
  if (!o.words.empty() && o.top > 0) fail("--words and --top: give one of them, not both");
  if (o.top < 0) fail("--top: expected a number of words >= 2, found {}", o.top);
  if (!(o.perplexity > 0)) fail("--perplexity: expected a positive number, found {}", o.perplexity);
  models::VectorSet vectors = load_input(o.input);
  std::vector<int64_t> rows = chosen_rows(o, vectors);

  // The chosen rows [N, D]; for cosine, each scaled to unit length (PCA then reads angles, not lengths).
  const int64_t n = static_cast<int64_t>(rows.size()), d = vectors.dim;
  std::vector<float> table(n * d);
  std::vector<std::string> labels;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = vectors.row(rows[i]);
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) norm += double(row[j]) * row[j];
    double scale = metric == models::TSNEMetric::cosine && o.method == "pca" && norm > 0 ? 1 / std::sqrt(norm) : 1;
    for (int64_t j = 0; j < d; ++j) table[i * d + j] = float(row[j] * scale);
    labels.push_back(vectors.words[rows[i]]);
  }
  Tensor data = tensor(table, {n, d});

  Tensor xy;  // [N, 2]
  models::ScatterOptions style;
  if (o.method == "pca") {
    if (d < 2) fail("plot --method pca: the vectors have {} dimension, expected at least 2", d);
    models::PCAResult p = models::pca(data, 2);
    std::vector<float> ratio = p.explained_variance_ratio.to_vector();
    xy = p.projected;
    style = {.title = fmt::format("PCA of {} words from {}", n, source_name(o.input)),
             .x_label = fmt::format("component 1 ({:.0f}% of the variance)", 100 * ratio[0]),
             .y_label = fmt::format("component 2 ({:.0f}%)", 100 * ratio[1])};
    fmt::print("PCA: the two components keep {:.1f}% + {:.1f}% of the variance\n", 100 * ratio[0], 100 * ratio[1]);
  } else {
    models::TSNEResult t = models::tsne(data, {.perplexity = o.perplexity, .metric = metric, .seed = o.seed});
    if (!t.note.empty()) fmt::print(stderr, "note: t-SNE: {}\n", t.note);
    xy = t.embedding;
    style = {.title = fmt::format("t-SNE of {} words from {}", n, source_name(o.input)),
             .x_label = fmt::format("t-SNE 1 ({} distance, perplexity {:.3g}, seed {})", o.metric, t.perplexity, o.seed),
             .y_label = "t-SNE 2"};
    fmt::print("t-SNE: perplexity {:.3g}, {} distance, learning rate {:g}, seed {}: KL divergence {:.4f}\n",
               t.perplexity, o.metric, t.learning_rate, o.seed, t.kl_divergence);
  }
  models::draw_scatter(models::points_of(xy), labels, style).save(o.out);
  fmt::print("wrote {}: {} labelled words\n", o.out, n);
  return 0;
}

}  // namespace

void add_picture_commands(CLI::App& app, std::vector<Command>& commands) {
  {
    auto options = std::make_shared<HeatmapCommand>();
    CLI::App* cmd = app.add_subcommand("heatmap", "the table's first rows as a heatmap (viridis, with a colour bar)");
    add_input_options(cmd, options->input);
    cmd->add_option("--rows", options->rows, "how many words (rows), from the first")->capture_default_str();
    cmd->add_option("--cols", options->cols, "how many dimensions (columns), from the first; 0: all")
        ->capture_default_str();
    cmd->add_option("--out", options->out, "the picture: FILE.svg, or FILE.png where built with Cairo")->required();
    commands.push_back({cmd, [options] { return run_heatmap(*options); }});
  }
  {
    auto options = std::make_shared<PlotCommand>();
    CLI::App* cmd = app.add_subcommand("plot", "words in 2-D (PCA or t-SNE) as a labelled scatter");
    add_input_options(cmd, options->input);
    cmd->add_option("--method", options->method, "pca or tsne")->capture_default_str();
    cmd->add_option("--words", options->words, "the words to draw, comma-separated: king,queen,man,woman");
    cmd->add_option("--top", options->top, "draw the first N words of the file (default 50 without --words)");
    cmd->add_option("--metric", options->metric, "cosine or euclidean (t-SNE's distance; cosine PCA normalises rows)")
        ->capture_default_str();
    cmd->add_option("--seed", options->seed, "t-SNE's random start")->capture_default_str();
    cmd->add_option("--perplexity", options->perplexity, "t-SNE's perplexity (lowered, with a note, for few words)")
        ->capture_default_str();
    cmd->add_option("--out", options->out, "the picture: FILE.svg, or FILE.png where built with Cairo")->required();
    commands.push_back({cmd, [options] { return run_plot(*options); }});
  }
}

}  // namespace tg::embed
