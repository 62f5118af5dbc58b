#include "tools/common/plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/atomic_file.hpp"

namespace tg {

namespace {

// Left, right, top and bottom margins around the plotting area, in pixels.
constexpr double kLeft = 70, kRight = 70, kTop = 40, kBottom = 60;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void include(double v) { lo = std::min(lo, v); hi = std::max(hi, v); }
  bool empty() const { return lo > hi; }
  // A range of width zero (one point, a constant series) is widened so it can be drawn.
  Range padded() const {
    if (empty()) return {0, 1};
    if (hi - lo < 1e-12) return {lo - 0.5, hi + 0.5};
    return *this;
  }
};

bool finite_point(const PlotSeries& s, size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]); }

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string tick_label(double value) { return fmt::format("{:g}", std::abs(value) < 1e-12 ? 0.0 : value); }

// Maps data coordinates to pixels inside the plotting area.
struct Frame {
  double width, height;
  Range x, y_left, y_right;
  double px(double x_value) const { return kLeft + (x_value - x.lo) / (x.hi - x.lo) * (width - kLeft - kRight); }
  double py(double y_value, Axis axis) const {
    const Range& r = axis == Axis::left ? y_left : y_right;
    return height - kBottom - (y_value - r.lo) / (r.hi - r.lo) * (height - kTop - kBottom);
  }
};

std::string draw_axes(const Frame& f, const PlotOptions& options, bool has_right) {
  double x0 = kLeft, x1 = f.width - kRight, y0 = f.height - kBottom, y1 = kTop;
  std::string svg = fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", x0, y1, x1 - x0,
      y0 - y1);
  for (double t : nice_ticks(f.x.lo, f.x.hi)) {
    double x = f.px(t);
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#444\"/>\n", x, y0, y0 + 5);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x, y0 + 18, tick_label(t));
  }
  for (double t : nice_ticks(f.y_left.lo, f.y_left.hi)) {
    double y = f.py(t, Axis::left);
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", x0, y, x1, y);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", x0 - 6, y + 4, tick_label(t));
  }
  if (has_right) {
    for (double t : nice_ticks(f.y_right.lo, f.y_right.hi)) {
      double y = f.py(t, Axis::right);
      svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#444\"/>\n", x1, y, x1 + 5);
      svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}</text>\n", x1 + 8, y + 4, tick_label(t));
    }
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (x0 + x1) / 2, f.height - 15,
                     escape_xml(options.x_label));
  svg += fmt::format("<text transform=\"translate(18 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     (y0 + y1) / 2, escape_xml(options.y_label));
  if (has_right)
    svg += fmt::format("<text transform=\"translate({} {}) rotate(90)\" text-anchor=\"middle\">{}</text>\n",
                       f.width - 18, (y0 + y1) / 2, escape_xml(options.y2_label));
  svg += fmt::format("<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n", f.width / 2,
                     escape_xml(options.title));
  return svg;
}

std::string draw_series(const Frame& f, const PlotSeries& s, const char* color) {
  std::string points, dots;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!finite_point(s, i)) continue;
    double x = f.px(s.x[i]), y = f.py(s.y[i], s.axis);
    points += fmt::format("{:.1f},{:.1f} ", x, y);
    dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", x, y, color);
  }
  const char* dash = s.axis == Axis::right ? " stroke-dasharray=\"6 3\"" : "";
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n{}", color, dash,
                     points, dots);
}

std::string draw_legend(const std::vector<const PlotSeries*>& shown) {
  std::string svg;
  double x = kLeft + 10, y = kTop + 16;
  for (size_t i = 0; i < shown.size(); ++i, y += 18) {
    const char* color = kColors[i % std::size(kColors)];
    const char* dash = shown[i]->axis == Axis::right ? " stroke-dasharray=\"6 3\"" : "";
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", x,
                       y - 4, x + 24, y - 4, color, dash);
    std::string side = shown[i]->axis == Axis::right ? " (right)" : "";
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}{}</text>\n", x + 30, y, escape_xml(shown[i]->name), side);
  }
  return svg;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || target < 1) return {lo};
  double raw = (hi - lo) / target;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(t);
  return ticks;
}

std::string svg_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  Frame f{static_cast<double>(options.width), static_cast<double>(options.height), {}, {}, {}};
  std::vector<const PlotSeries*> shown;
  for (const PlotSeries& s : series) {
    size_t n = std::min(s.x.size(), s.y.size());
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!finite_point(s, i)) continue;
      any = true;
      f.x.include(s.x[i]);
      (s.axis == Axis::left ? f.y_left : f.y_right).include(s.y[i]);
    }
    if (any) shown.push_back(&s);
  }
  bool has_right = !f.y_right.empty();
  f.x = f.x.padded();
  f.y_left = f.y_left.padded();
  f.y_right = f.y_right.padded();

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      options.width, options.height);
  svg += draw_axes(f, options, has_right);
  for (size_t i = 0; i < shown.size(); ++i) svg += draw_series(f, *shown[i], kColors[i % std::size(kColors)]);
  svg += draw_legend(shown);
  return svg + "</svg>\n";
}

void write_svg_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options) {
  write_file_atomic(path, svg_line_plot(series, options));
}

}  // namespace tg
