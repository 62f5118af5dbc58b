// Slide 7: seeing embeddings. A word vector has 50 or 300 numbers; to look at a few of them, map them to
// 2-D and draw a labelled scatter. Two ways:
//   PCA    keeps the two directions along which the vectors vary most (a rotation, then a cut); the
//          axes mean something and the share of the variance they keep is printed.
//   t-SNE  places the points so that near neighbours stay near; the axes mean nothing, only who sits
//          next to whom. It is random: seeded here, so every run draws the same picture.
//   07-visualize [VECTORS_FILE [OUTPUT_PREFIX]]   e.g. ../shared/data/glove-6B-50d-subset/glove.6B.50d.top2445.txt
// With GloVe vectors it draws countries, their capitals and royalty; without a file, five made-up words
// whose vectors are built in two families (fruit and royalty) plus noise.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "models/pca.hpp"
#include "models/scatter.hpp"
#include "models/tsne.hpp"
#include "models/vectors.hpp"

namespace {

struct Words {
  std::vector<std::string> words;
  std::vector<int> groups;  // the family of each word, for its colour
  std::vector<std::string> group_names;
  tg::Tensor vectors;       // [N, D]
};

// Five words, D = 50: each family shares a random direction; each word adds its own small noise.
Words made_up_words() {
  Words w{{"apple", "banana", "cherry", "king", "queen"}, {0, 0, 0, 1, 1}, {"fruit", "royalty"}, {}};
  tg::Tensor family = tg::randn({2, 50});
  std::vector<float> rows;
  for (size_t i = 0; i < w.words.size(); ++i) {
    tg::Tensor noise = tg::randn({50}) * 0.3;
    std::vector<float> row = (tg::select(family, 0, w.groups[i]) + noise).to_vector();
    rows.insert(rows.end(), row.begin(), row.end());
  }
  w.vectors = tg::tensor(rows, {5, 50});
  return w;
}

Words glove_words(const std::string& path) {
  tg::models::WordVectors glove = tg::models::read_vectors(path);
  fmt::print("read {}: {} words of dimension {}\n", path, glove.size(), glove.dim);
  const std::vector<std::vector<std::string>> families = {
      {"france", "britain", "china", "japan", "russia"}, {"paris", "london", "beijing", "tokyo", "moscow"},
      {"king", "queen", "prince", "royal", "lord"}};  // all in the GloVe subset's 2445 words
  Words w{{}, {}, {"countries", "capitals", "royalty"}, {}};
  std::vector<float> rows;
  for (size_t g = 0; g < families.size(); ++g)
    for (const std::string& word : families[g]) {
      const float* row = glove.find(word);
      if (!row) {
        fmt::print("'{}' is not in the file: left out\n", word);
        continue;
      }
      w.words.push_back(word);
      w.groups.push_back(int(g));
      rows.insert(rows.end(), row, row + glove.dim);
    }
  if (w.words.size() < 3) tg::fail("{}: only {} of the words are in the file, expected at least 3", path, w.words.size());
  w.vectors = tg::tensor(rows, {int64_t(w.words.size()), glove.dim});
  return w;
}

void save(const tg::models::Canvas& picture, const std::string& name) {
  for (std::string extension : {".svg", ".png"}) {
    if (extension == ".png" && !tg::models::png_supported()) continue;
    picture.save(name + extension);
    fmt::print("  written to {}\n", name + extension);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tg::manual_seed(0);
    Words w = argc > 1 ? glove_words(argv[1]) : made_up_words();
    if (argc <= 1) fmt::print("no vectors file given: five made-up words in two families (fruit, royalty)\n");
    std::string prefix = argc > 2 ? argv[2] : "07-visualize";
    fmt::print("{} words, vectors {}\n", w.words.size(), w.vectors.shape());

    // PCA: the two directions of largest variance.
    tg::models::PCAResult p = tg::models::pca(w.vectors, 2);
    std::vector<float> ratio = p.explained_variance_ratio.to_vector();
    fmt::print("PCA: the first two components keep {:.1f}% + {:.1f}% of the variance\n", 100 * ratio[0], 100 * ratio[1]);
    std::vector<tg::models::Point> pca_points = tg::models::points_of(p.projected);
    for (size_t i = 0; i < w.words.size(); ++i)
      fmt::print("  {:<10} ({:7.3f}, {:7.3f})\n", w.words[i], pca_points[i].x, pca_points[i].y);
    save(tg::models::draw_scatter(pca_points, w.words,
                                  {.title = fmt::format("PCA of {} word vectors", w.words.size()),
                                   .x_label = fmt::format("component 1 ({:.0f}% of the variance)", 100 * ratio[0]),
                                   .y_label = fmt::format("component 2 ({:.0f}%)", 100 * ratio[1]),
                                   .groups = w.groups, .group_names = w.group_names}),
         prefix + "-pca");

    // t-SNE, seeded, on cosine distances (the usual choice for word vectors).
    tg::models::TSNEResult t = tg::models::tsne(w.vectors, {.metric = tg::models::TSNEMetric::cosine, .seed = 0});
    if (!t.note.empty()) fmt::print("t-SNE: {}\n", t.note);
    fmt::print("t-SNE (seed 0, perplexity {:.3g}, cosine): KL divergence {:.4f}\n", t.perplexity, t.kl_divergence);
    std::vector<tg::models::Point> tsne_points = tg::models::points_of(t.embedding);
    for (size_t i = 0; i < w.words.size(); ++i)
      fmt::print("  {:<10} ({:8.2f}, {:8.2f})\n", w.words[i], tsne_points[i].x, tsne_points[i].y);
    save(tg::models::draw_scatter(tsne_points, w.words,
                                  {.title = fmt::format("t-SNE of {} word vectors (seed 0)", w.words.size()),
                                   .x_label = "t-SNE 1", .y_label = "t-SNE 2",
                                   .groups = w.groups, .group_names = w.group_names}),
         prefix + "-tsne");
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
