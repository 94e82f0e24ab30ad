#include "labelqa/report/semantic_report.hpp"

#include "shared.hpp"

#include <algorithm>

namespace labelqa::report {
namespace {

using nlohmann::json;

void put_scores(json& j, const metrics::PixelScores& s) {
  j["pixels"] = s.pixels;
  j["agreeing_pixels"] = s.agreeing;
  j["classes_present"] = s.classes_present;
  j["pixel_accuracy"] = estimate_json(s.pixel_accuracy);
  j["mean_iou"] = estimate_json(s.mean_iou);
  j["mean_dice"] = estimate_json(s.mean_dice);
}

}  // namespace

metrics::MetricMap semantic_gate_metrics(const metrics::SemanticResult& r) {
  return {{"pixel_accuracy", r.overall.pixel_accuracy}, {"mean_iou", r.overall.mean_iou}, {"mean_dice", r.overall.mean_dice}};
}

std::string render_semantic_json(const SemanticReport& r) {
  const auto& mc = r.masks;
  const auto& res = r.result;
  json out = agree_report_header("masks");
  out["summary"] = {{"images", res.images},
                    {"images_compared", res.images_compared},
                    {"annotators", mc.annotators.size()},
                    {"annotator_names", mc.annotators},
                    {"classes", res.classes.size()},
                    {"ignore", mc.ignore},
                    {"ignored_pixels", res.ignored},
                    {"confidence", r.options.confidence},
                    {"bootstrap", r.options.bootstrap},
                    {"seed", r.options.seed}};
  json files = json::array();
  for (std::size_t a = 0; a < mc.annotators.size(); ++a) {
    long long n = 0;
    for (auto h : mc.has_image[a]) n += h != 0;
    files.push_back({{"annotator", mc.annotators[a]}, {"dir", mc.dirs[a]}, {"images", n}});
  }
  out["input"] = {{"dirs", files}, {"warnings", input_warnings_json(mc.warnings)}};
  json overall = json::object();
  put_scores(overall, res.overall);
  out["overall"] = overall;
  json per_class = json::array();
  for (const auto& c : res.classes) {
    per_class.push_back({{"class", c.name},
                         {"value", c.value},
                         {"pixels_a", c.pixels_a},
                         {"pixels_b", c.pixels_b},
                         {"intersection", c.intersection},
                         {"iou", estimate_json(c.iou)},
                         {"dice", estimate_json(c.dice)}});
  }
  out["per_class"] = per_class;
  json per_pair = json::array();
  for (const auto& p : res.pairs) {
    json row = {{"annotator_a", mc.annotators[static_cast<std::size_t>(p.annotator_a)]},
                {"annotator_b", mc.annotators[static_cast<std::size_t>(p.annotator_b)]},
                {"images", p.images},
                {"images_only_a", p.images_only_a},
                {"images_only_b", p.images_only_b},
                {"ignored_pixels", p.ignored}};
    put_scores(row, p.scores);
    per_pair.push_back(row);
  }
  out["per_pair"] = per_pair;
  if (r.per_image) {
    json per_image = json::array();
    for (const auto& im : res.per_image) {
      json row = {{"image", mc.images[im.image]}, {"pairs", im.pairs}};
      put_scores(row, im.scores);
      per_image.push_back(row);
    }
    out["per_image"] = per_image;
  }
  return finish_agree_report(out, res.warnings, r.gates);
}

std::string render_semantic_csv(const SemanticReport& r) {
  const auto& mc = r.masks;
  const auto& res = r.result;
  CsvRows w;
  auto scores = [&](std::string_view scope, std::string_view a, std::string_view b, std::string_view image,
                    const metrics::PixelScores& s) {
    w.count(scope, "", a, b, image, "pixels", static_cast<long long>(s.pixels));
    w.estimate(scope, "", a, b, image, "pixel_accuracy", s.pixel_accuracy);
    w.estimate(scope, "", a, b, image, "mean_iou", s.mean_iou);
    w.estimate(scope, "", a, b, image, "mean_dice", s.mean_dice);
  };
  scores("overall", "", "", "", res.overall);
  for (const auto& c : res.classes) {
    w.estimate("class", c.name, "", "", "", "iou", c.iou);
    w.estimate("class", c.name, "", "", "", "dice", c.dice);
  }
  for (const auto& p : res.pairs) {
    scores("pair", mc.annotators[static_cast<std::size_t>(p.annotator_a)], mc.annotators[static_cast<std::size_t>(p.annotator_b)], "",
           p.scores);
  }
  if (r.per_image) {
    for (const auto& im : res.per_image) scores("image", "", "", mc.images[im.image], im.scores);
  }
  return w.out;
}

std::string render_semantic_text(const SemanticReport& r, bool color) {
  const Style st{color};
  const auto& mc = r.masks;
  const auto& res = r.result;
  const int pct = static_cast<int>(r.options.confidence * 100 + 0.5);
  const std::string ci_head = fmt::format("{}% CI", pct);
  std::string out;
  out += st.bold("labelqa agree (semantic masks)") + "\n";
  out += fmt::format("images {} ({} compared) · annotators {} · classes {} · ignore value {} ({} pixels left out)\n\n",
                     res.images, res.images_compared, mc.annotators.size(), res.classes.size(), mc.ignore, res.ignored);
  auto header = [&](std::string_view first) {
    return st.bold(fmt::format("{:<28}{:>10}  {:<22}{:>9}  {:<22}{:>9}", first, "accuracy", ci_head, "mean iou", ci_head,
                               "dice")) + "\n";
  };
  auto line = [&](std::string_view first, const metrics::PixelScores& s) {
    return fmt::format("{:<28}{:>10}  {:<22}{:>9}  {:<22}{:>9}\n", cell(first, 28), value_cell(s.pixel_accuracy),
                       ci_cell(s.pixel_accuracy), value_cell(s.mean_iou), ci_cell(s.mean_iou), value_cell(s.mean_dice));
  };
  out += header("overall");
  out += line("all pairs", res.overall);
  if (res.pairs.size() > 1) {
    out += "\n";
    out += header("pair");
    for (const auto& p : res.pairs) {
      out += line(fmt::format("{} / {}", mc.annotators[static_cast<std::size_t>(p.annotator_a)],
                              mc.annotators[static_cast<std::size_t>(p.annotator_b)]),
                  p.scores);
    }
  }
  if (!res.classes.empty()) {
    out += "\n";
    out += st.bold(fmt::format("{:<28}{:>8}  {:<22}{:>8}  {:>12}{:>12}", "class", "iou", ci_head, "dice", "pixels a", "pixels b")) + "\n";
    for (const auto& c : res.classes) {
      out += fmt::format("{:<28}{:>8}  {:<22}{:>8}  {:>12}{:>12}\n", cell(fmt::format("{} ({})", c.name, c.value), 28), value_cell(c.iou),
                         ci_cell(c.iou), value_cell(c.dice), c.pixels_a, c.pixels_b);
    }
  }
  if (!res.per_image.empty()) {
    out += "\n";
    out += header("worst images");
    const std::size_t n = std::min<std::size_t>(5, res.per_image.size());
    for (std::size_t k = 0; k < n; ++k) out += line(mc.images[res.per_image[k].image], res.per_image[k].scores);
  }
  out += skipped_text(st, {}, mc.warnings);
  out += warnings_text(st, res.warnings);
  out += gates_text(st, r.gates);
  return out;
}

}  // namespace labelqa::report
