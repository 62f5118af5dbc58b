#pragma once
// A line chart (a training run's curves) on a tg::models::Canvas: axes with ticks, one polyline with dots per
// series, a legend on its own band above the curves (so it never covers them), optionally a marked x
// (the epoch whose model was kept). Two y axes: series on the left axis (e.g. loss) and on the right one
// (e.g. accuracy), which have different scales.
//
//   tg::models::PlotSeries loss{"train loss", epochs, losses};
//   tg::models::PlotSeries acc{"valid accuracy", epochs, accs, tg::models::Axis::right};
//   tg::models::save_line_plot("curve.svg", {loss, acc}, {.title = "curve.svg", .x_label = "epoch",
//                      .y_label = "loss", .y2_label = "accuracy", .integer_x = true, .marked_x = 3});
#include <optional>
#include <string>
#include <vector>

#include "models/canvas.hpp"

namespace tg::models {

enum class Axis { left, right };

struct PlotSeries {
  std::string name{};
  std::vector<double> x{};
  std::vector<double> y{};  // same length as x; non-finite points are skipped
  Axis axis = Axis::left;
};

struct PlotOptions {
  std::string title{};     // shortened with "..." when wider than the picture
  std::string x_label{};
  std::string y_label{};   // left axis
  std::string y2_label{};  // right axis (drawn only when a series uses it)
  bool integer_x = false;          // x ticks on whole numbers only (epochs)
  std::optional<double> marked_x{};  // a dashed vertical line here, labelled with marked_label
  std::string marked_label = "kept";
  double width = 720;
  double height = 440;
};

// The picture. Series with no finite point are left out; an empty chart still has its axes.
Canvas draw_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& options = {});

// draw_line_plot(...).save(path): .svg, or .png where Cairo is built; atomic; tg::Error if it cannot.
void save_line_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options = {});

}  // namespace tg::models
