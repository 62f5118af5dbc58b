#pragma once
// A labelled 2-D scatter (words after PCA or t-SNE). Each label is placed where it stays readable: several
// spots around its point are tried, nearest first, and the first that covers no other label, no point and
// stays inside the frame wins; a label moved away from its point gets a thin leader line back to it.
//
//   tg::models::Canvas picture = tg::models::draw_scatter(points, words, {.title = "t-SNE of 5 words"});
//   picture.save("words.svg");
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "models/canvas.hpp"

namespace tg::models {

struct ScatterOptions {
  std::string title{};
  std::string x_label{};
  std::string y_label{};
  std::vector<int> groups{};               // empty, or one per point: the colour (0, 1, 2, ...) of each
  std::vector<std::string> group_names{};  // with groups: a legend entry per group
  double width = 720;
  double height = 560;
};

// The rows of xy [N, 2] (a PCA or t-SNE result) as N points; tg::Error for any other shape.
std::vector<Point> points_of(const Tensor& xy);

// points[i] is labelled labels[i] (same length, else tg::Error). Non-finite points are an error too.
Canvas draw_scatter(const std::vector<Point>& points, const std::vector<std::string>& labels,
                    const ScatterOptions& options = {});

// Where each label went (for tests and callers that draw their own): its box and whether it needs a leader
// line. `frame` is the area the labels must stay inside; points are in pixels.
struct PlacedLabel {
  Box box;
  Point baseline;  // where the text is drawn (left end of its baseline)
  bool leader = false;
};
std::vector<PlacedLabel> place_labels(const std::vector<Point>& points, const std::vector<std::string>& labels,
                                      double font_size, const Box& frame, double point_radius);

}  // namespace tg::models
