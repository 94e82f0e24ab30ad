// Pictures drawn with cairo, as PNG or SVG bytes: a matrix heatmap (confusions, pairwise
// agreement), a bar chart with interval bars (annotators side by side), a line chart with marked
// change points (drift). Deterministic: the same data gives the same bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace labelqa::report {

enum class ImageFormat { png, svg };

// One picture, drawn both ways: `name` is its file stem (images/NAME.png and .svg).
struct Picture {
  std::string name;
  std::string title;
  std::string kind;              // confusion, comparison, drift, agreement
  std::string annotator;         // "" for group pictures
  std::string png, svg;
};


struct Heatmap {
  std::string title;
  std::string row_axis, column_axis;             // e.g. "reference class", "given class"
  std::vector<std::string> rows, columns;
  std::vector<std::vector<double>> shade;        // 0..1 colour intensity per cell; NaN = no value (grey)
  std::vector<std::vector<std::string>> text;    // what each cell says (a count, a value)
};

// Pictures stay readable, and within the 32,767 pixels a drawing surface may have: a heatmap
// shows at most k_max_heatmap_side rows and columns and a bar chart at most k_max_bars bars. The
// callers choose which (the most frequent classes, the lowest scores) and say so in the title;
// the numbers are all in the JSON and CSV reports.
inline constexpr std::size_t k_max_heatmap_side = 40, k_max_bars = 60;
// The heatmap's rows and columns at the indices `keep` (a square heatmap: the same for both).
Heatmap heatmap_subset(const Heatmap& h, const std::vector<std::size_t>& keep);

struct BarChart {
  std::string title;
  std::string axis;                              // what the bars measure
  std::vector<std::string> labels;
  std::vector<double> values;                    // NaN = undefined (no bar)
  std::vector<double> low, high;                 // interval ends; NaN = no interval
  std::vector<bool> flagged;                     // drawn in the warning colour
  std::optional<double> reference;               // a dashed horizontal line (e.g. the group value)
};

struct LineChart {
  std::string title;
  std::string x_axis, y_axis;
  std::vector<double> x, y;                      // the points, in order
  std::optional<double> x_min, x_max;            // the x range (default: the points')
  std::vector<double> marks;                     // x positions of vertical change-point marks
  std::vector<std::string> mark_labels;
};

// Time segments of a few rows (gold and an annotator) on one recording's time axis, coloured by
// label. At most k_max_timeline_bars bars are drawn (the caller says so in the title).
struct Timeline {
  std::string title;
  std::vector<std::string> rows;
  struct Bar {
    std::size_t row = 0;
    double start = 0, end = 0;  // seconds
    std::string label;
  };
  std::vector<Bar> bars;
  double end = 0;               // the axis' end in seconds
};
inline constexpr std::size_t k_max_timeline_bars = 4000;

std::string draw_heatmap(const Heatmap& h, ImageFormat format);
std::string draw_timeline(const Timeline& t, ImageFormat format);
// The cairo version the pictures are drawn with.
std::string cairo_version();
std::string draw_bars(const BarChart& b, ImageFormat format);
std::string draw_lines(const LineChart& l, ImageFormat format);

}  // namespace labelqa::report
