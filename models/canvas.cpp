#include "models/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace tg::models {

std::string Color::hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }

Canvas::Canvas(double width, double height, Color background)
    : width_(width), height_(height), background_(background) {}

void Canvas::rect(const Box& box, const Paint& paint) { shapes_.push_back(Rect{box, paint}); }
void Canvas::line(Point from, Point to, const Paint& paint) { shapes_.push_back(Line{from, to, paint}); }
void Canvas::polyline(std::vector<Point> points, const Paint& paint) {
  shapes_.push_back(Polyline{std::move(points), paint});
}
void Canvas::circle(Point centre, double radius, const Paint& paint) {
  shapes_.push_back(Circle{centre, radius, paint});
}
namespace {

// `text` as valid UTF-8 without control characters: each byte that does not start a well-formed sequence
// becomes U+FFFD, each control character is dropped. (A word from a vector file may hold anything; an SVG
// with a stray byte does not open, and Cairo stops drawing at the first bad string.)
std::string printable_utf8(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1 || c >= 0x20) out.append(text, i, n);
    i += n;
  }
  return out;
}

}  // namespace

void Canvas::text(double x, double y, std::string text, const TextStyle& style) {
  shapes_.push_back(Text{{x, y}, printable_utf8(text), style});
}

// ---- SVG ----

namespace {

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

std::string paint_attributes(const Paint& paint) {
  std::string out = fmt::format(" fill=\"{}\"", paint.fill ? paint.fill->hex() : "none");
  if (paint.stroke) out += fmt::format(" stroke=\"{}\" stroke-width=\"{:g}\"", paint.stroke->hex(), paint.stroke_width);
  if (paint.dashed) out += " stroke-dasharray=\"6 3\"";
  if (paint.opacity < 1) out += fmt::format(" opacity=\"{:g}\"", paint.opacity);
  return out;
}

struct SvgShape {
  std::string& out;
  void operator()(const Canvas::Rect& s) const {
    // A filled rectangle without an outline is a cell of a heatmap or colour bar: crisp edges, so that no
    // seam shows between neighbours.
    const char* crisp = s.paint.stroke ? "" : " shape-rendering=\"crispEdges\"";
    out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"{}{}/>\n", s.box.x, s.box.y,
                       s.box.width, s.box.height, paint_attributes(s.paint), crisp);
  }
  void operator()(const Canvas::Line& s) const {
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"{}/>\n", s.from.x, s.from.y,
                       s.to.x, s.to.y, paint_attributes(s.paint));
  }
  void operator()(const Canvas::Polyline& s) const {
    std::string points;
    for (const Point& p : s.points) points += fmt::format("{:.1f},{:.1f} ", p.x, p.y);
    out += fmt::format("<polyline points=\"{}\"{}/>\n", points, paint_attributes(s.paint));
  }
  void operator()(const Canvas::Circle& s) const {
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:g}\"{}/>\n", s.centre.x, s.centre.y, s.radius,
                       paint_attributes(s.paint));
  }
  void operator()(const Canvas::Text& s) const {
    const char* anchor = s.style.anchor == Anchor::start ? "start" : s.style.anchor == Anchor::middle ? "middle" : "end";
    std::string extra;
    if (s.style.bold) extra += " font-weight=\"bold\"";
    if (s.style.color != colors::black) extra += fmt::format(" fill=\"{}\"", s.style.color.hex());
    if (s.style.rotate != 0)
      extra += fmt::format(" transform=\"rotate({:g} {:.1f} {:.1f})\"", s.style.rotate, s.at.x, s.at.y);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{:g}\" text-anchor=\"{}\"{}>{}</text>\n", s.at.x,
                       s.at.y, s.style.size, anchor, extra, escape_xml(s.text));
  }
};

std::string extension_of(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

std::string Canvas::to_svg() const {
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:g}\" height=\"{1:g}\" viewBox=\"0 0 {0:g} {1:g}\" "
      "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"{2}\"/>\n",
      width_, height_, background_.hex());
  for (const Shape& shape : shapes_) std::visit(SvgShape{out}, shape);
  return out + "</svg>\n";
}

void check_picture_path(const std::string& path) {
  std::string ext = extension_of(path);
  if (ext == ".svg") return;
  if (ext == ".png") {
    if (!png_supported())
      fail("{}: this build cannot write PNG (tapegrad was built without Cairo: install libcairo2-dev and "
           "reconfigure); write .svg instead", path);
    return;
  }
  fail("{}: expected a picture file ending in .svg or .png, found '{}'", path, ext.empty() ? "no extension" : ext);
}

void Canvas::save(const std::string& path) const {
  check_picture_path(path);
  write_file_atomic(path, extension_of(path) == ".png" ? to_png() : to_svg());
}

// ---- layout helpers ----

namespace {

// DejaVu Sans' advance widths in em for the lowercase letters a..z (from the font's metrics, rounded).
constexpr double kLowercase[26] = {0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278,
                                   0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392,
                                   0.634, 0.592, 0.818, 0.592, 0.592, 0.525};

double char_width(unsigned char c) {
  if (c >= 'a' && c <= 'z') return kLowercase[c - 'a'];
  if (c >= '0' && c <= '9') return 0.636;
  if (c == 'I' || c == 'J') return 0.32;
  if (c == 'M' || c == 'W') return 0.92;
  if (c >= 'A' && c <= 'Z') return 0.72;
  if (std::strchr(" .,:;'!|", c)) return 0.33;
  if (std::strchr("()[]{}-/", c)) return 0.39;
  if (c == '%' || c == '@') return 0.95;
  return 0.64;  // other ASCII and each non-ASCII character
}

}  // namespace

double text_width(const std::string& text, double size, bool bold) {
  double em = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) em += char_width(c);  // a UTF-8 continuation byte is counted with its first byte
  return em * size * (bold ? 1.16 : 1.0);  // DejaVu Sans Bold is about a sixth wider
}

Box text_box(double x, double y, const std::string& text, const TextStyle& style) {
  double w = text_width(text, style.size, style.bold);
  double left = style.anchor == Anchor::start ? x : style.anchor == Anchor::middle ? x - w / 2 : x - w;
  // From the ascenders (about 0.8 em above the baseline) to the descenders (0.25 em below).
  return {left, y - 0.8 * style.size, w, 1.05 * style.size};
}

std::string fit_text(const std::string& text, double size, double max_width, bool bold) {
  if (text_width(text, size, bold) <= max_width) return text;
  std::string cut = text;
  while (!cut.empty() && text_width(cut + "...", size, bold) > max_width) {
    cut.pop_back();
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0xC0) cut.pop_back();
  }
  return cut + "...";
}

std::vector<double> nice_ticks(double lo, double hi, int target, double min_step) {
  if (!(hi > lo) || target < 1) return {lo};
  double raw = std::max((hi - lo) / target, min_step);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw * (1 - 1e-9)) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::string tick_label(double value) { return fmt::format("{:g}", std::abs(value) < 1e-12 ? 0.0 : value); }

}  // namespace tg::models
