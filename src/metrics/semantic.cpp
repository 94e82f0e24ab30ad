#include "labelqa/metrics/semantic.hpp"

#include "labelqa/metrics/bootstrap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {
namespace {

constexpr Reason k_no_pixels = Reason::no_pixels;
constexpr Reason k_class_absent = Reason::class_absent;

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

// Per-class pixel counts of a scope: intersection, pixels of a, pixels of b.
struct ClassCounts {
  std::uint32_t k;
  double tp, a, b;
};

// One image's contribution to one scope.
struct Row {
  std::uint32_t image;
  double pixels, agreeing;
  std::vector<ClassCounts> classes;
};

struct Acc {
  double pixels = 0, agreeing = 0;
  std::vector<std::array<double, 3>> cls;  // tp, a, b per class
  explicit Acc(std::size_t K) : cls(K, {0, 0, 0}) {}
  void add(const Row& r, double w) {
    pixels += w * r.pixels;
    agreeing += w * r.agreeing;
    for (const auto& c : r.classes) {
      cls[c.k][0] += w * c.tp;
      cls[c.k][1] += w * c.a;
      cls[c.k][2] += w * c.b;
    }
  }
};

struct Values {
  double accuracy, miou, mdice;
  int present;
};

Values values(const Acc& acc) {
  Values v{acc.pixels > 0 ? acc.agreeing / acc.pixels : nan(), 0, 0, 0};
  for (const auto& c : acc.cls) {
    const double uni = c[1] + c[2] - c[0];
    if (c[1] + c[2] <= 0) continue;
    ++v.present;
    v.miou += c[0] / uni;
    v.mdice += 2 * c[0] / (c[1] + c[2]);
  }
  if (v.present) {
    v.miou /= v.present;
    v.mdice /= v.present;
  } else {
    v.miou = v.mdice = nan();
  }
  return v;
}


PixelScores scores(const Acc& acc) {
  PixelScores s;
  s.pixels = static_cast<std::uint64_t>(std::llround(acc.pixels));
  s.agreeing = static_cast<std::uint64_t>(std::llround(acc.agreeing));
  const Values v = values(acc);
  s.pixel_accuracy = Estimate::ratio(v.accuracy, k_no_pixels);
  s.mean_iou = Estimate::ratio(v.miou, k_no_pixels);
  s.mean_dice = Estimate::ratio(v.mdice, k_no_pixels);
  s.classes_present = v.present;
  return s;
}

}  // namespace

SemanticResult analyze_masks(const MaskComparison& mc, const std::map<std::uint32_t, std::string>& names,
                             const SemanticOptions& opt) {
  SemanticResult out;
  const std::size_t N = mc.images.size(), P = mc.pairs();
  const int A = static_cast<int>(mc.annotators.size());
  out.images = static_cast<long long>(N);

  std::vector<std::uint32_t> vals;
  for (const auto& c : mc.cells) {
    vals.push_back(c.value_a);
    vals.push_back(c.value_b);
  }
  std::sort(vals.begin(), vals.end());
  vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
  const std::size_t K = vals.size();
  auto index = [&](std::uint32_t v) { return static_cast<std::uint32_t>(std::lower_bound(vals.begin(), vals.end(), v) - vals.begin()); };

  // Scopes: 0 overall (each image pooled over its pairs), 1 + p the pairs.
  std::vector<std::vector<Row>> scopes(1 + P);
  std::vector<std::uint32_t> compared_images;
  std::vector<std::uint64_t> pair_ignored(P, 0);
  for (std::size_t i = 0; i < N; ++i) {
    Row pooled{static_cast<std::uint32_t>(compared_images.size()), 0, 0, {}};
    std::vector<std::array<double, 3>> dense;
    int pairs = 0;
    std::size_t p = 0;
    for (int a = 0; a < A; ++a) {
      for (int b = a + 1; b < A; ++b, ++p) {
        if (!mc.compared(i, a, b)) continue;
        ++pairs;
        pair_ignored[p] += mc.ignored[i * P + p];
        out.ignored += mc.ignored[i * P + p];
        Row row{pooled.image, 0, 0, {}};
        std::vector<std::array<double, 3>> cls(K, {0, 0, 0});
        std::vector<char> touched(K, 0);
        for (std::uint64_t c = mc.offsets[i * P + p]; c < mc.offsets[i * P + p + 1]; ++c) {
          const PixelCell& cell = mc.cells[c];
          const double n = static_cast<double>(cell.pixels);
          const std::uint32_t ka = index(cell.value_a), kb = index(cell.value_b);
          row.pixels += n;
          cls[ka][1] += n;
          cls[kb][2] += n;
          touched[ka] = touched[kb] = 1;
          if (ka == kb) {
            row.agreeing += n;
            cls[ka][0] += n;
          }
        }
        if (dense.empty()) dense.assign(K, {0, 0, 0});
        for (std::uint32_t k = 0; k < K; ++k) {
          if (!touched[k]) continue;
          row.classes.push_back({k, cls[k][0], cls[k][1], cls[k][2]});
          for (int j = 0; j < 3; ++j) dense[k][static_cast<std::size_t>(j)] += cls[k][static_cast<std::size_t>(j)];
        }
        pooled.pixels += row.pixels;
        pooled.agreeing += row.agreeing;
        scopes[1 + p].push_back(std::move(row));
      }
    }
    if (pairs == 0) continue;
    for (std::uint32_t k = 0; k < dense.size(); ++k) {
      if (dense[k][1] + dense[k][2] > 0) pooled.classes.push_back({k, dense[k][0], dense[k][1], dense[k][2]});
    }
    Acc one(K);
    one.add(pooled, 1);
    SemanticImage si;
    si.image = static_cast<std::uint32_t>(i);
    si.pairs = pairs;
    si.scores = scores(one);
    out.per_image.push_back(si);
    scopes[0].push_back(std::move(pooled));
    compared_images.push_back(static_cast<std::uint32_t>(i));
  }
  out.images_compared = static_cast<long long>(compared_images.size());

  std::vector<Acc> totals(scopes.size(), Acc(K));
  for (std::size_t s = 0; s < scopes.size(); ++s) {
    for (const auto& r : scopes[s]) totals[s].add(r, 1);
  }
  out.overall = scores(totals[0]);
  std::vector<std::string> unnamed;
  for (std::size_t k = 0; k < K; ++k) {
    SemanticClass c;
    c.value = vals[k];
    auto it = names.find(vals[k]);
    c.name = it != names.end() ? it->second : std::to_string(vals[k]);
    if (it == names.end() && !names.empty()) unnamed.push_back(std::to_string(vals[k]));
    const auto& t = totals[0].cls[k];
    c.intersection = static_cast<std::uint64_t>(std::llround(t[0]));
    c.pixels_a = static_cast<std::uint64_t>(std::llround(t[1]));
    c.pixels_b = static_cast<std::uint64_t>(std::llround(t[2]));
    const double sum = t[1] + t[2];
    c.iou = Estimate::ratio(sum > 0 ? t[0] / (sum - t[0]) : nan(), k_class_absent);
    c.dice = Estimate::ratio(sum > 0 ? 2 * t[0] / sum : nan(), k_class_absent);
    out.classes.push_back(std::move(c));
  }
  if (!unnamed.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unnamed.size() && i < 20; ++i) list += (i ? ", " : "") + unnamed[i];
    out.warnings.push_back({WarningCode::unknown_mask_value, fmt::format("mask values not in the class map: {}{}", list,
                                                              unnamed.size() > 20 ? ", ..." : "")});
  }
  std::size_t p = 0;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b, ++p) {
      SemanticPair sp;
      sp.annotator_a = a;
      sp.annotator_b = b;
      for (std::size_t i = 0; i < N; ++i) {
        const bool ha = mc.has_image[static_cast<std::size_t>(a)][i], hb = mc.has_image[static_cast<std::size_t>(b)][i];
        sp.images += ha && hb;
        sp.images_only_a += ha && !hb;
        sp.images_only_b += !ha && hb;
      }
      sp.ignored = pair_ignored[p];
      sp.scores = scores(totals[1 + p]);
      if (sp.images_only_a || sp.images_only_b) {
        out.warnings.push_back({WarningCode::image_lists_differ,
                                fmt::format("{} has {} mask(s) that {} lacks, and {} has {} that {} lacks; those images "
                                            "are left out of this pair",
                                            mc.annotators[static_cast<std::size_t>(a)], sp.images_only_a,
                                            mc.annotators[static_cast<std::size_t>(b)],
                                            mc.annotators[static_cast<std::size_t>(b)], sp.images_only_b,
                                            mc.annotators[static_cast<std::size_t>(a)])});
      }
      out.pairs.push_back(std::move(sp));
    }
  }
  if (A < 2) out.warnings.push_back({WarningCode::single_annotator, "only one annotator: there is nothing to compare"});

  std::sort(out.per_image.begin(), out.per_image.end(), [&](const SemanticImage& x, const SemanticImage& y) {
    const double mx = x.scores.mean_iou.value.value_or(2), my = y.scores.mean_iou.value.value_or(2);
    if (mx != my) return mx < my;
    const double ax = x.scores.pixel_accuracy.value.value_or(2), ay = y.scores.pixel_accuracy.value.value_or(2);
    if (ax != ay) return ax < ay;
    return x.image < y.image;
  });

  // Bootstrap over compared images: overall and pair scores, and the per-class IoU and Dice.
  const std::size_t n = compared_images.size();
  BootstrapTable table(static_cast<std::size_t>(std::max(0, opt.bootstrap)));
  struct ScopeSlots {
    std::size_t accuracy, miou, mdice;
  };
  std::vector<ScopeSlots> scope_slots;
  for (std::size_t s = 0; s < scopes.size(); ++s) {
    PixelScores& ps = s == 0 ? out.overall : out.pairs[s - 1].scores;
    scope_slots.push_back({table.slot(ps.pixel_accuracy), table.slot(ps.mean_iou), table.slot(ps.mean_dice)});
  }
  // Per-class intervals for the k_max_bootstrap_classes classes with the most pixels (each class
  // costs a replicate's worth of values); the others say beyond_bootstrap_limit.
  std::vector<char> resampled(K, 1);
  if (opt.bootstrap > 0 && n > 0) {
    std::vector<double> pixels(K);
    for (std::size_t k = 0; k < K; ++k) pixels[k] = static_cast<double>(out.classes[k].pixels_a + out.classes[k].pixels_b);
    resampled = resampled_classes(pixels);
  }
  constexpr std::size_t k_no_slot = std::numeric_limits<std::size_t>::max();
  std::vector<std::array<std::size_t, 2>> class_slots;  // iou, dice
  for (std::size_t k = 0; k < K; ++k) {
    auto& c = out.classes[k];
    if (resampled[k]) {
      class_slots.push_back({table.slot(c.iou), table.slot(c.dice)});
      continue;
    }
    class_slots.push_back({k_no_slot, k_no_slot});
    beyond_bootstrap_limit(c.iou);
    beyond_bootstrap_limit(c.dice);
  }
  if (opt.bootstrap <= 0 || n == 0) {
    table.no_intervals(n == 0 ? reason::too_few_items : Reason::bootstrap_disabled);
    return out;
  }
  table.run([] { return std::vector<std::uint32_t>(); }, [&](std::size_t b, double* row, std::vector<std::uint32_t>& weight) {
    Rng rng(opt.seed, b);
    resample_counts(rng, n, weight);
    for (std::size_t s = 0; s < scopes.size(); ++s) {
      Acc acc(K);
      for (const auto& r : scopes[s]) {
        if (weight[r.image]) acc.add(r, weight[r.image]);
      }
      const Values v = values(acc);
      row[scope_slots[s].accuracy] = v.accuracy;
      row[scope_slots[s].miou] = v.miou;
      row[scope_slots[s].mdice] = v.mdice;
      if (s != 0) continue;
      for (std::size_t k = 0; k < K; ++k) {
        if (class_slots[k][0] == k_no_slot) continue;
        const auto& c = acc.cls[k];
        const double sum = c[1] + c[2];
        row[class_slots[k][0]] = sum > 0 ? c[0] / (sum - c[0]) : nan();
        row[class_slots[k][1]] = sum > 0 ? 2 * c[0] / sum : nan();
      }
    }
  });
  table.intervals(opt.confidence);

  return out;
}

}  // namespace labelqa::metrics
