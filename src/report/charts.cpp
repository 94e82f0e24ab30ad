// Heatmaps, bar charts and line charts drawn with cairo (PNG through an image surface, SVG
// through cairo's SVG surface).
#include "labelqa/report/charts.hpp"

#include <algorithm>
#include <cairo-svg.h>
#include <cairo.h>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <numbers>
#include <stdexcept>

namespace labelqa::report {
namespace {

constexpr const char* k_font = "DejaVu Sans";

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Runs `draw` on a w x h canvas with a white background; returns the encoded picture.
std::string render(ImageFormat format, double w, double h, const std::function<void(cairo_t*)>& draw) {
  std::string out;
  cairo_surface_t* surface = nullptr;
  const int iw = static_cast<int>(std::ceil(w)), ih = static_cast<int>(std::ceil(h));
  if (format == ImageFormat::svg) {
    surface = cairo_svg_surface_create_for_stream(append, &out, iw, ih);
  } else {
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, iw, ih);
  }
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, k_font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  draw(cr);
  const cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (format == ImageFormat::png) cairo_surface_write_to_png_stream(surface, append, &out);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error(fmt::format("drawing failed: {}", cairo_status_to_string(status)));
  return out;
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// Long names are cut to `max` characters (UTF-8 aware) with an ellipsis.
std::string shorten(const std::string& s, std::size_t max) {
  std::size_t chars = 0, i = 0;
  while (i < s.size()) {
    if (chars == max) return s.substr(0, i) + "\u2026";
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  return s;
}

enum class Align { left, center, right };
void text(cairo_t* cr, double x, double y, const std::string& s, Align align = Align::left) {
  const double w = text_width(cr, s);
  cairo_move_to(cr, align == Align::left ? x : align == Align::center ? x - w / 2 : x - w, y);
  cairo_show_text(cr, s.c_str());
}

void title(cairo_t* cr, double x, double y, const std::string& s) {
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_select_font_face(cr, k_font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 15);
  text(cr, x, y, s);
  cairo_select_font_face(cr, k_font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

// Ticks: 0, 0.2, ..., 1 on a [0, 1] axis, or round steps on a general one.
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return out;
}

std::string tick_text(double v) { return fmt::format("{:g}", std::round(v * 1e6) / 1e6); }

// The widest of `texts` at `size`, measured on a scratch surface (to size a canvas before drawing).
double widest(const std::vector<std::string>& texts, double size, cairo_font_weight_t weight = CAIRO_FONT_WEIGHT_NORMAL) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t* cr = cairo_create(s);
  cairo_select_font_face(cr, k_font, CAIRO_FONT_SLANT_NORMAL, weight);
  cairo_set_font_size(cr, size);
  double w = 0;
  for (const auto& t : texts) w = std::max(w, text_width(cr, t));
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  return w;
}

// An axis label written bottom to top, centred on (x, y).
void vertical_label(cairo_t* cr, double x, double y, const std::string& s) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -std::numbers::pi / 2);
  text(cr, 0, 0, s, Align::center);
  cairo_restore(cr);
}

// Horizontal grid lines from x `left` to `right` at the ticks of [lo, hi], labelled on the left.
template <class ToY>
void y_grid(cairo_t* cr, double lo, double hi, double left, double right, ToY Y) {
  for (double t : ticks(lo, hi)) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, left, Y(t));
    cairo_line_to(cr, right, Y(t));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    text(cr, left - 6, Y(t) + 4, tick_text(t), Align::right);
  }
}

}  // namespace

std::string cairo_version() { return cairo_version_string(); }

Heatmap heatmap_subset(const Heatmap& h, const std::vector<std::size_t>& keep) {
  Heatmap out;
  out.title = h.title;
  out.row_axis = h.row_axis;
  out.column_axis = h.column_axis;
  for (const std::size_t r : keep) {
    out.rows.push_back(h.rows[r]);
    out.columns.push_back(h.columns[r]);
    std::vector<double> shade;
    std::vector<std::string> text;
    for (const std::size_t c : keep) {
      shade.push_back(h.shade[r][c]);
      text.push_back(h.text[r][c]);
    }
    out.shade.push_back(std::move(shade));
    out.text.push_back(std::move(text));
  }
  return out;
}

std::string draw_heatmap(const Heatmap& h, ImageFormat format) {
  const std::size_t nr = h.rows.size(), nc = h.columns.size();
  const double cell = std::clamp(720.0 / static_cast<double>(std::max<std::size_t>({nr, nc, 1})), 30.0, 64.0);
  const double font = std::clamp(cell * 0.34, 9.0, 13.0);
  std::vector<std::string> rows, cols;
  for (const auto& r : h.rows) rows.push_back(shorten(r, 28));
  for (const auto& c : h.columns) cols.push_back(shorten(c, 28));
  const double row_w = widest(rows, font), col_h = widest(cols, font), title_w = widest({h.title}, 15, CAIRO_FONT_WEIGHT_BOLD);
  const double left = 40 + row_w + 10, top = 40 + 24 + col_h + 10;
  const double width = std::max({left + cell * static_cast<double>(nc) + 30, 360.0, title_w + 24});
  const double height = top + cell * static_cast<double>(nr) + 30;
  return render(format, width, height, [&](cairo_t* cr) {
    title(cr, 12, 22, h.title);
    cairo_set_font_size(cr, 11);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    text(cr, left, 42, fmt::format("columns: {}", h.column_axis));
    vertical_label(cr, 16, top + cell * static_cast<double>(nr) / 2, fmt::format("rows: {}", h.row_axis));
    cairo_set_font_size(cr, font);
    for (std::size_t r = 0; r < nr; ++r) {
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, left - 6, top + cell * (static_cast<double>(r) + 0.5) + font * 0.35, rows[r], Align::right);
    }
    for (std::size_t c = 0; c < nc; ++c) {
      cairo_save(cr);
      cairo_translate(cr, left + cell * (static_cast<double>(c) + 0.5) + font * 0.35, top - 6);
      cairo_rotate(cr, -std::numbers::pi / 2);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, 0, 0, cols[c]);
      cairo_restore(cr);
    }
    for (std::size_t r = 0; r < nr; ++r) {
      for (std::size_t c = 0; c < nc; ++c) {
        const double v = r < h.shade.size() && c < h.shade[r].size() ? h.shade[r][c] : NAN;
        const double x = left + cell * static_cast<double>(c), y = top + cell * static_cast<double>(r);
        double lum = 1;
        if (std::isnan(v)) {
          cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        } else {
          const double t = std::clamp(v, 0.0, 1.0);
          // White to a deep blue; diagonal cells are as any other (the reader sees the row).
          const double R = 1 - t * (1 - 0.03), G = 1 - t * (1 - 0.25), B = 1 - t * (1 - 0.58);
          lum = 0.2126 * R + 0.7152 * G + 0.0722 * B;
          cairo_set_source_rgb(cr, R, G, B);
        }
        cairo_rectangle(cr, x, y, cell, cell);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_set_line_width(cr, 0.5);
        cairo_rectangle(cr, x, y, cell, cell);
        cairo_stroke(cr);
        const std::string& s = r < h.text.size() && c < h.text[r].size() ? h.text[r][c] : std::string();
        if (s.empty()) continue;
        if (lum < 0.5) {
          cairo_set_source_rgb(cr, 1, 1, 1);
        } else {
          cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        }
        double size = font;
        cairo_set_font_size(cr, size);
        while (text_width(cr, s) > cell - 4 && size > 6) cairo_set_font_size(cr, size -= 0.5);
        text(cr, x + cell / 2, y + cell / 2 + size * 0.35, s, Align::center);
        cairo_set_font_size(cr, font);
      }
    }
  });
}

std::string draw_bars(const BarChart& b, ImageFormat format) {
  const std::size_t n = b.labels.size();
  const double slot = std::clamp(640.0 / static_cast<double>(std::max<std::size_t>(n, 1)), 26.0, 70.0);
  double lo = 0, hi = 1;
  for (std::size_t i = 0; i < n; ++i) {
    for (double v : {b.values[i], b.low[i], b.high[i]}) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  std::vector<std::string> labels;
  for (const auto& l : b.labels) labels.push_back(shorten(l, 24));
  const double label_h = widest(labels, 11);
  const double left = 64, top = 44, plot_h = 300;
  // Wide enough for the title: no text is clipped.
  const double width = std::max({left + slot * static_cast<double>(n) + 30, 420.0, widest({b.title}, 15, CAIRO_FONT_WEIGHT_BOLD) + 24});
  const double height = top + plot_h + label_h + 24;
  auto Y = [&](double v) { return top + plot_h * (1 - (v - lo) / (hi - lo)); };
  return render(format, width, height, [&](cairo_t* cr) {
    title(cr, 12, 22, b.title);
    cairo_set_font_size(cr, 11);
    y_grid(cr, lo, hi, left, left + slot * static_cast<double>(n), Y);
    vertical_label(cr, 14, top + plot_h / 2, b.axis);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = left + slot * static_cast<double>(i);
      if (std::isfinite(b.values[i])) {
        if (i < b.flagged.size() && b.flagged[i]) {
          cairo_set_source_rgb(cr, 0.84, 0.35, 0.2);
        } else {
          cairo_set_source_rgb(cr, 0.27, 0.51, 0.71);
        }
        const double y0 = Y(std::max(lo, 0.0)), y1 = Y(b.values[i]);
        cairo_rectangle(cr, x + slot * 0.2, std::min(y0, y1), slot * 0.6, std::fabs(y0 - y1));
        cairo_fill(cr);
      }
      if (std::isfinite(b.low[i]) && std::isfinite(b.high[i])) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_set_line_width(cr, 1.5);
        const double cx = x + slot / 2;
        cairo_move_to(cr, cx, Y(b.low[i]));
        cairo_line_to(cr, cx, Y(b.high[i]));
        cairo_move_to(cr, cx - slot * 0.12, Y(b.low[i]));
        cairo_line_to(cr, cx + slot * 0.12, Y(b.low[i]));
        cairo_move_to(cr, cx - slot * 0.12, Y(b.high[i]));
        cairo_line_to(cr, cx + slot * 0.12, Y(b.high[i]));
        cairo_stroke(cr);
      }
      cairo_save(cr);
      cairo_translate(cr, x + slot / 2 + 4, top + plot_h + 8);
      cairo_rotate(cr, std::numbers::pi / 2);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, 0, 0, labels[i]);
      cairo_restore(cr);
    }
    if (b.reference && std::isfinite(*b.reference)) {
      const double dash[] = {5, 4};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
      cairo_set_line_width(cr, 1.2);
      cairo_move_to(cr, left, Y(*b.reference));
      cairo_line_to(cr, left + slot * static_cast<double>(n), Y(*b.reference));
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
    }
  });
}

std::string draw_lines(const LineChart& l, ImageFormat format) {
  const double left = 64, top = 44, plot_w = 640, plot_h = 280;
  double x0 = 0, x1 = 1;
  if (!l.x.empty()) {
    x0 = *std::min_element(l.x.begin(), l.x.end());
    x1 = *std::max_element(l.x.begin(), l.x.end());
  }
  if (l.x_min) x0 = *l.x_min;
  if (l.x_max) x1 = *l.x_max;
  if (x1 <= x0) x1 = x0 + 1;
  double y0 = 0, y1 = 1;
  for (double v : l.y) {
    if (std::isfinite(v)) {
      y0 = std::min(y0, v);
      y1 = std::max(y1, v);
    }
  }
  auto X = [&](double v) { return left + plot_w * (v - x0) / (x1 - x0); };
  auto Y = [&](double v) { return top + plot_h * (1 - (v - y0) / (y1 - y0)); };
  const double width = std::max(left + plot_w + 30, widest({l.title}, 15, CAIRO_FONT_WEIGHT_BOLD) + 24);
  return render(format, width, top + plot_h + 50, [&](cairo_t* cr) {
    title(cr, 12, 22, l.title);
    cairo_set_font_size(cr, 11);
    y_grid(cr, y0, y1, left, left + plot_w, Y);
    for (double t : ticks(x0, x1)) {
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      text(cr, X(t), top + plot_h + 16, tick_text(t), Align::center);
    }
    text(cr, left + plot_w / 2, top + plot_h + 36, l.x_axis, Align::center);
    vertical_label(cr, 14, top + plot_h / 2, l.y_axis);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_rectangle(cr, left, top, plot_w, plot_h);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (std::size_t k = 0; k < l.marks.size(); ++k) {
      const double dash[] = {6, 4};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_set_source_rgb(cr, 0.84, 0.25, 0.15);
      cairo_set_line_width(cr, 1.6);
      cairo_move_to(cr, X(l.marks[k]), top);
      cairo_line_to(cr, X(l.marks[k]), top + plot_h);
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
      if (k < l.mark_labels.size()) text(cr, X(l.marks[k]) + 4, top + 14 + 14 * static_cast<double>(k % 3), l.mark_labels[k]);
    }
    cairo_set_source_rgb(cr, 0.27, 0.51, 0.71);
    cairo_set_line_width(cr, 2);
    bool started = false;
    for (std::size_t i = 0; i < l.x.size(); ++i) {
      if (!std::isfinite(l.y[i])) {
        started = false;
        continue;
      }
      if (started) {
        cairo_line_to(cr, X(l.x[i]), Y(l.y[i]));
      } else {
        cairo_move_to(cr, X(l.x[i]), Y(l.y[i]));
      }
      started = true;
    }
    cairo_stroke(cr);
    for (std::size_t i = 0; i < l.x.size(); ++i) {
      if (!std::isfinite(l.y[i])) continue;
      cairo_arc(cr, X(l.x[i]), Y(l.y[i]), 2.5, 0, 2 * std::numbers::pi);
      cairo_fill(cr);
    }
  });
}

std::string draw_timeline(const Timeline& t, ImageFormat format) {
  const double left = 16 + widest(t.rows, 12), plot_w = 860, top = 40, row_h = 34;
  const double plot_h = row_h * static_cast<double>(std::max<std::size_t>(1, t.rows.size()));
  const double x1 = t.end > 0 ? t.end : 1;
  auto X = [&](double v) { return left + plot_w * std::clamp(v, 0.0, x1) / x1; };
  std::vector<std::string> labels;
  for (const auto& b : t.bars) labels.push_back(b.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  static const double palette[][3] = {{0.27, 0.51, 0.71}, {0.89, 0.47, 0.20}, {0.36, 0.66, 0.36}, {0.75, 0.33, 0.55},
                                      {0.55, 0.45, 0.75}, {0.80, 0.70, 0.25}, {0.35, 0.70, 0.75}, {0.55, 0.55, 0.55}};
  const double width = std::max(left + plot_w + 30, widest({t.title}, 15, CAIRO_FONT_WEIGHT_BOLD) + 24);
  return render(format, width, top + plot_h + 70, [&](cairo_t* cr) {
    title(cr, 12, 22, t.title);
    cairo_set_font_size(cr, 11);
    for (double v : ticks(0, x1)) {
      cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
      cairo_move_to(cr, X(v), top);
      cairo_line_to(cr, X(v), top + plot_h);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      text(cr, X(v), top + plot_h + 16, tick_text(v), Align::center);
    }
    text(cr, left + plot_w / 2, top + plot_h + 34, "time (s)", Align::center);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, left - 8, top + row_h * (static_cast<double>(r) + 0.5) + 4, t.rows[r], Align::right);
    }
    for (std::size_t k = 0; k < t.bars.size() && k < k_max_timeline_bars; ++k) {
      const auto& b = t.bars[k];
      const auto c = static_cast<std::size_t>(std::lower_bound(labels.begin(), labels.end(), b.label) - labels.begin()) % 8;
      cairo_set_source_rgb(cr, palette[c][0], palette[c][1], palette[c][2]);
      const double x = X(b.start), w = std::max(1.0, X(b.end) - X(b.start));
      cairo_rectangle(cr, x, top + row_h * static_cast<double>(b.row) + 6, w, row_h - 12);
      cairo_fill(cr);
    }
    // The legend: one swatch per label (at most the palette's colours named).
    double lx = left;
    for (std::size_t c = 0; c < labels.size() && c < 8; ++c) {
      cairo_set_source_rgb(cr, palette[c][0], palette[c][1], palette[c][2]);
      cairo_rectangle(cr, lx, top + plot_h + 46, 10, 10);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      const std::string name = shorten(labels[c], 24);
      text(cr, lx + 14, top + plot_h + 55, name);
      lx += 24 + text_width(cr, name);
    }
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_rectangle(cr, left, top, plot_w, plot_h);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
  });
}

}  // namespace labelqa::report
