#pragma once
// A line chart as a plain hand-written SVG file: axes with ticks, one polyline (and dots) per
// series, a legend. Two y axes: series on the left axis (e.g. loss) and on the right one
// (e.g. accuracy), which have different scales. No dependencies; any browser shows the file.
//
//   tg::PlotSeries loss{"train loss", epochs, losses};
//   tg::PlotSeries acc{"valid acc", epochs, accs, tg::Axis::right};
//   tg::write_svg_plot("curve.svg", {loss, acc}, {.title = "sst2", .x_label = "epoch",
//                      .y_label = "loss", .y2_label = "accuracy"});
#include <string>
#include <vector>

namespace tg {

enum class Axis { left, right };

struct PlotSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;  // same length as x; non-finite points are skipped
  Axis axis = Axis::left;
};

struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;   // left axis
  std::string y2_label;  // right axis (drawn only when a series uses it)
  int width = 720;
  int height = 420;
};

// The SVG document. Series with no finite point are left out; an empty chart still has its axes.
std::string svg_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& options = {});

// Writes svg_line_plot(...) to `path` atomically (tg::Error if it cannot).
void write_svg_plot(const std::string& path, const std::vector<PlotSeries>& series,
                    const PlotOptions& options = {});

// Tick positions for an axis from lo to hi: about `target` round values (1, 2 or 5 times a power of
// ten) inside [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace tg
