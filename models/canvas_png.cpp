// The PNG backend of tg::models::Canvas: the same shapes drawn with Cairo (built when Meson finds cairo, which
// defines TG_HAVE_CAIRO). Without Cairo, to_png() says so instead.
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "models/canvas.hpp"

#if TG_HAVE_CAIRO
#include <cairo.h>
#endif

namespace tg::models {

#if TG_HAVE_CAIRO

bool png_supported() { return true; }

namespace {

void set_color(cairo_t* cr, Color c, double opacity) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, opacity);
}

// Fills, then strokes, the current path as `paint` says.
void finish(cairo_t* cr, const Paint& paint) {
  if (paint.fill) {
    set_color(cr, *paint.fill, paint.opacity);
    paint.stroke ? cairo_fill_preserve(cr) : cairo_fill(cr);
  }
  if (paint.stroke) {
    set_color(cr, *paint.stroke, paint.opacity);
    cairo_set_line_width(cr, paint.stroke_width);
    const double dash[] = {6, 3};
    cairo_set_dash(cr, dash, paint.dashed ? 2 : 0, 0);
    cairo_stroke(cr);
  }
  cairo_new_path(cr);
}

struct CairoShape {
  cairo_t* cr;
  void operator()(const Canvas::Rect& s) const {
    cairo_rectangle(cr, s.box.x, s.box.y, s.box.width, s.box.height);
    // A filled rectangle without an outline (a heatmap cell) is drawn without anti-aliasing: no seams.
    cairo_set_antialias(cr, s.paint.stroke ? CAIRO_ANTIALIAS_DEFAULT : CAIRO_ANTIALIAS_NONE);
    finish(cr, s.paint);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
  }
  void operator()(const Canvas::Line& s) const {
    cairo_move_to(cr, s.from.x, s.from.y);
    cairo_line_to(cr, s.to.x, s.to.y);
    finish(cr, s.paint);
  }
  void operator()(const Canvas::Polyline& s) const {
    for (size_t i = 0; i < s.points.size(); ++i)
      (i == 0 ? cairo_move_to : cairo_line_to)(cr, s.points[i].x, s.points[i].y);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    finish(cr, s.paint);
  }
  void operator()(const Canvas::Circle& s) const {
    cairo_arc(cr, s.centre.x, s.centre.y, s.radius, 0, 2 * std::numbers::pi);
    finish(cr, s.paint);
  }
  void operator()(const Canvas::Text& s) const {
    cairo_save(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           s.style.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, s.style.size);
    cairo_text_extents_t extents;
    cairo_text_extents(cr, s.text.c_str(), &extents);
    double shift = s.style.anchor == Anchor::start ? 0 : s.style.anchor == Anchor::middle ? extents.x_advance / 2
                                                                                          : extents.x_advance;
    cairo_translate(cr, s.at.x, s.at.y);
    cairo_rotate(cr, s.style.rotate * std::numbers::pi / 180);
    cairo_move_to(cr, -shift, 0);
    set_color(cr, s.style.color, 1);
    cairo_show_text(cr, s.text.c_str());
    cairo_restore(cr);
  }
};

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::string Canvas::to_png() const {
  int w = static_cast<int>(std::ceil(width_)), h = static_cast<int>(std::ceil(height_));
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(surface);
  set_color(cr, background_, 1);
  cairo_paint(cr);
  for (const Shape& shape : shapes_) std::visit(CairoShape{cr}, shape);
  cairo_status_t drawn = cairo_status(cr);  // Cairo stops at its first error and remembers it
  cairo_destroy(cr);
  if (drawn != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    fail("PNG: Cairo could not draw the picture: {}", cairo_status_to_string(drawn));
  }
  std::string bytes;
  cairo_status_t status = cairo_surface_write_to_png_stream(surface, append_bytes, &bytes);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) fail("PNG: Cairo could not encode the picture: {}", cairo_status_to_string(status));
  return bytes;
}

#else

bool png_supported() { return false; }

std::string Canvas::to_png() const {
  fail("PNG: this build has no Cairo (install libcairo2-dev and reconfigure); write .svg instead");
}

#endif

}  // namespace tg::models
