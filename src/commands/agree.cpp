// `agree` as a library call (see agree.hpp).
#include "labelqa/commands/agree.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/rating_builder.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/metrics/semantic.hpp"
#include "labelqa/report/agree_report.hpp"
#include "labelqa/report/segment_report.hpp"
#include "labelqa/report/semantic_report.hpp"
#include "labelqa/report/span_report.hpp"
#include "labelqa/report/spatial_report.hpp"
#include "labelqa/report/transcript_report.hpp"
#include "labelqa/io/transcript_reader.hpp"
#include "shards.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <variant>

namespace labelqa::commands {
namespace {

struct Ratings {
  RatingSet ratings;  // a merge's holds no items (its header)
  metrics::AgreeResult result;
  std::optional<LabelShard> shard;  // for partial(): with request.partial (then no result) or a merge
};
struct Objects {
  ObjectSet set;  // a merge's is the outline of the union (no objects)
  metrics::SpatialResult result;
  std::optional<ObjectShard> shard;  // for partial(): with request.partial (then no result) or a merge
};
struct Masks {
  MaskComparison masks;
  metrics::SemanticResult result;
};
struct Spans {
  SpanSet set;
  std::vector<std::string> files;
  metrics::SpanResult result;
};
struct Transcripts {
  TranscriptSet set;
  metrics::TranscriptResult result;
};
struct Segments {
  SegmentSet set;
  metrics::SegmentResult result;
};

using PairCells = std::vector<std::tuple<int, int, std::optional<double>>>;

// The pairwise-agreement matrix of one metric as a heatmap.
report::Picture pair_picture(const std::string& metric, const std::string& subject, const std::vector<std::string>& names, const PairCells& pairs) {
  report::Heatmap h;
  h.title = fmt::format("pairwise {} ({})", metric, subject);
  h.row_axis = h.column_axis = "annotator";
  h.rows = h.columns = names;
  const std::size_t n = names.size();
  h.shade.assign(n, std::vector<double>(n, NAN));
  h.text.assign(n, std::vector<std::string>(n));
  for (std::size_t k = 0; k < n; ++k) h.text[k][k] = "—";
  for (const auto& [a, b, v] : pairs) {
    const auto x = static_cast<std::size_t>(a), y = static_cast<std::size_t>(b);
    const std::string t = v ? fmt::format("{:.2f}", *v) : std::string("n/a");
    h.text[x][y] = h.text[y][x] = t;
    if (v) h.shade[x][y] = h.shade[y][x] = std::clamp(*v, 0.0, 1.0);
  }
  if (n > report::k_max_heatmap_side) {
    // The annotators with the lowest mean agreement with the others (undefined pairs left out).
    std::vector<double> sum(n, 0.0), count(n, 0.0);
    for (const auto& [a, b, v] : pairs) {
      if (!v) continue;
      for (const int x : {a, b}) {
        sum[static_cast<std::size_t>(x)] += *v;
        count[static_cast<std::size_t>(x)] += 1;
      }
    }
    std::vector<std::pair<double, std::size_t>> mean;
    for (std::size_t k = 0; k < n; ++k) mean.emplace_back(count[k] ? sum[k] / count[k] : HUGE_VAL, k);
    std::stable_sort(mean.begin(), mean.end());
    std::vector<std::size_t> keep;
    for (std::size_t k = 0; k < report::k_max_heatmap_side; ++k) keep.push_back(mean[k].second);
    std::sort(keep.begin(), keep.end());
    h = report::heatmap_subset(h, keep);
    h.title += fmt::format(" (the {} least in agreement of {} annotators)", report::k_max_heatmap_side, n);
  }
  report::Picture p;
  p.name = "pairwise_" + metric;
  p.title = h.title;
  p.kind = "agreement";
  p.png = report::draw_heatmap(h, report::ImageFormat::png);
  p.svg = report::draw_heatmap(h, report::ImageFormat::svg);
  return p;
}

metrics::SpatialOptions spatial_options(const AgreeRequest& r) {
  metrics::SpatialOptions o;
  o.iou_threshold = r.iou_threshold;
  o.iou_type = r.iou_type;
  o.match_by_class = r.match_by_class;
  o.confidence = r.metrics.confidence;
  o.bootstrap = r.metrics.bootstrap;
  o.seed = r.metrics.seed;
  o.keep_matches = r.keep_matches;
  apply_object_requests(r.keypoints, r.attributes, r.lines, o.keypoints, o.attributes, o.lines);
  return o;
}

}  // namespace

struct AgreeRun::State {
  AgreeRequest request;
  metrics::SpatialOptions spatial;
  metrics::SemanticOptions semantic;
  metrics::SpanOptions span;
  metrics::TranscriptOptions transcript;
  metrics::SegmentOptions segment;
  std::variant<Ratings, Objects, Masks, Spans, Transcripts, Segments> data;
  std::vector<metrics::GateCheck> gates;
};

AgreeRun::AgreeRun(std::unique_ptr<State> state) : m_state(std::move(state)) {}
AgreeRun::AgreeRun(AgreeRun&&) noexcept = default;
AgreeRun& AgreeRun::operator=(AgreeRun&&) noexcept = default;
AgreeRun::~AgreeRun() = default;

const std::vector<metrics::GateCheck>& AgreeRun::gates() const { return m_state->gates; }

namespace {

// The renderers' view of a run, by kind.
template <typename F>
decltype(auto) with_report(const AgreeRun::State& s, F&& f) {
  if (const auto* r = std::get_if<Ratings>(&s.data)) return f(report::AgreeReport{r->ratings, r->result, s.request.metrics, s.gates}, r);
  if (const auto* o = std::get_if<Objects>(&s.data)) {
    return f(report::SpatialReport{o->set, o->result, s.spatial, s.gates, s.request.per_image}, o);
  }
  if (const auto* m = std::get_if<Masks>(&s.data)) {
    return f(report::SemanticReport{m->masks, m->result, s.semantic, s.gates, s.request.per_image}, m);
  }
  if (const auto* t = std::get_if<Transcripts>(&s.data)) {
    return f(report::TranscriptReport{t->set, t->result, s.transcript, s.gates, s.request.per_image}, t);
  }
  if (const auto* g = std::get_if<Segments>(&s.data)) {
    return f(report::SegmentReport{g->set, g->result, s.segment, s.gates, s.request.per_image}, g);
  }
  const auto& sp = std::get<Spans>(s.data);
  return f(report::SpanReport{sp.set, sp.files, sp.result, s.span, s.gates}, &sp);
}

std::string render_json(const report::AgreeReport& r) { return report::render_agree_json(r); }
std::string render_json(const report::SpatialReport& r) { return report::render_spatial_json(r); }
std::string render_json(const report::SemanticReport& r) { return report::render_semantic_json(r); }
std::string render_json(const report::SpanReport& r) { return report::render_span_json(r); }
std::string render_json(const report::TranscriptReport& r) { return report::render_transcript_json(r); }
std::string render_json(const report::SegmentReport& r) { return report::render_segment_json(r); }
std::string render_csv(const report::SegmentReport& r) { return report::render_segment_csv(r); }
std::string render_text(const report::SegmentReport& r, bool c) { return report::render_segment_text(r, c); }
std::string render_csv(const report::TranscriptReport& r) { return report::render_transcript_csv(r); }
std::string render_text(const report::TranscriptReport& r, bool c) { return report::render_transcript_text(r, c); }
std::string render_csv(const report::AgreeReport& r) { return report::render_agree_csv(r); }
std::string render_csv(const report::SpatialReport& r) { return report::render_spatial_csv(r); }
std::string render_csv(const report::SemanticReport& r) { return report::render_semantic_csv(r); }
std::string render_csv(const report::SpanReport& r) { return report::render_span_csv(r); }
std::string render_text(const report::AgreeReport& r, bool c) { return report::render_agree_text(r, c); }
std::string render_text(const report::SpatialReport& r, bool c) { return report::render_spatial_text(r, c); }
std::string render_text(const report::SemanticReport& r, bool c) { return report::render_semantic_text(r, c); }
std::string render_text(const report::SpanReport& r, bool c) { return report::render_span_text(r, c); }

}  // namespace

std::string AgreeRun::json() const {
  return with_report(*m_state, [](const auto& rep, const auto*) { return render_json(rep); });
}
std::string AgreeRun::csv() const {
  return with_report(*m_state, [](const auto& rep, const auto*) { return render_csv(rep); });
}
std::string AgreeRun::text(bool color) const {
  return with_report(*m_state, [color](const auto& rep, const auto*) { return render_text(rep, color); });
}

std::optional<std::string> AgreeRun::matches_csv() const {
  const auto* o = std::get_if<Objects>(&m_state->data);
  if (!o) return std::nullopt;
  return report::render_matches_csv(o->set, o->result);
}

std::vector<report::Picture> AgreeRun::pair_plots() const {
  std::vector<report::Picture> out;
  if (const auto* o = std::get_if<Objects>(&m_state->data)) {
    std::vector<std::string> names;
    for (const auto& an : o->set.annotators) names.push_back(an.name);
    PairCells f1, iou;
    for (const auto& p : o->result.pairs) {
      f1.emplace_back(p.annotator_a, p.annotator_b, p.scores.f1.value);
      iou.emplace_back(p.annotator_a, p.annotator_b, p.scores.mean_iou.value);
    }
    out.push_back(pair_picture("f1", "objects matched at IoU >= " + fmt::format("{:g}", m_state->spatial.iou_threshold), names, f1));
    out.push_back(pair_picture("mean_iou", "matched objects", names, iou));
  } else if (const auto* r = std::get_if<Ratings>(&m_state->data)) {
    for (const char* metric : {"cohen_kappa", "percent_agreement"}) {
      PairCells cells;
      for (const auto& p : r->result.pairs) {
        const auto it = p.metrics.find(metric);
        cells.emplace_back(p.annotator_a, p.annotator_b, it == p.metrics.end() ? std::nullopt : it->second.value);
      }
      out.push_back(pair_picture(metric, fmt::format("{} items", r->result.items), r->ratings.annotators, cells));
    }
  }
  return out;
}

namespace {

// The inputs' paths replaced by request.input_names wherever the report shows them.
void name_inputs(const AgreeRequest& req, std::vector<std::string>& files, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings) {
  if (req.input_names.empty()) return;
  if (req.input_names.size() != req.files.size()) {
    throw UsageError(fmt::format("{} input names for {} inputs", req.input_names.size(), req.files.size()), "input_names");
  }
  auto named = [&](std::string text) {
    for (std::size_t k = 0; k < req.files.size(); ++k) {
      for (std::size_t at = text.find(req.files[k]); at != std::string::npos; at = text.find(req.files[k], at + req.input_names[k].size())) {
        text.replace(at, req.files[k].size(), req.input_names[k]);
      }
    }
    return text;
  };
  for (auto& f : files) f = named(f);
  for (auto& sk : skipped) sk.file = named(sk.file);
  for (auto& w : warnings) w.message = named(w.message);
}

void analyze_ratings(AgreeRun::State& s, RatingSet ratings) {
  name_inputs(s.request, ratings.files, ratings.skipped, ratings.warnings);
  Ratings r{std::move(ratings), {}, {}};
  if (s.request.partial) {
    r.shard = label_shard(std::move(r.ratings));
  } else {
    r.result = metrics::analyze_agreement(r.ratings, s.request.metrics);
    s.gates = metrics::check_gates(s.request.gates, s.request.gate_on, r.result.overall);
  }
  s.data = std::move(r);
}

// What decides a label partial's numbers besides its data, as canonical text (partials merge only
// with partials of equal text).
std::string label_options(const AgreeRequest& r) {
  const io::TableOptions& t = r.load.table;
  return fmt::format("level={};order={};duplicates={};confidence={};ci={};bootstrap={};seed={}", level_name(t.level), fmt::join(t.order, ","),
                     t.duplicates == io::DuplicatePolicy::error ? "error" : t.duplicates == io::DuplicatePolicy::first ? "first" : "last",
                     r.metrics.confidence, r.metrics.ci == metrics::CiMode::bootstrap ? "bootstrap" : r.metrics.ci == metrics::CiMode::analytic ? "analytic" : "auto",
                     r.metrics.bootstrap, r.metrics.seed);
}

// A partial's options text as key=value pairs.
std::map<std::string, std::string> option_map(const std::string& text) {
  std::map<std::string, std::string> kv;
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find(';', at), text.size());
    const std::string part = text.substr(at, end - at);
    const std::size_t eq = part.find('=');
    if (eq != std::string::npos) kv[part.substr(0, eq)] = part.substr(eq + 1);
    at = end + 1;
  }
  return kv;
}

// The options of label_options back into a request.
void apply_label_options(AgreeRequest& r, const std::string& text, const std::string& file) {
  auto kv = option_map(text);
  for (const char* key : {"level", "order", "confidence", "ci", "bootstrap", "seed"}) {
    if (!kv.count(key)) throw InputError({.file = file}, fmt::format("the partial's options lack {}", key), Defect::broken_file);
  }
  try {
    r.metrics.confidence = std::stod(kv["confidence"]);
    r.metrics.bootstrap = std::stoi(kv["bootstrap"]);
    r.metrics.seed = std::stoull(kv["seed"]);
  } catch (const std::exception&) {
    throw InputError({.file = file}, "the partial's options are not numbers where numbers belong", Defect::broken_file);
  }
  // The ranges the command line accepts: a partial asks for nothing a user could not.
  if (!(r.metrics.confidence >= 0.5 && r.metrics.confidence <= 0.9999) || r.metrics.bootstrap < 0 || r.metrics.bootstrap > 1000000) {
    throw InputError({.file = file}, "the partial's options lie outside their ranges (confidence 0.5 to 0.9999, 0 to 1,000,000 bootstrap replicates)",
                     Defect::broken_file);
  }
  const std::string& level = kv["level"];
  r.load.table.level = level == "ordinal" ? Level::ordinal : level == "interval" ? Level::interval : level == "ratio" ? Level::ratio : Level::nominal;
  const std::string& dup = kv["duplicates"];
  r.load.table.duplicates = dup == "first" ? io::DuplicatePolicy::first : dup == "last" ? io::DuplicatePolicy::last : io::DuplicatePolicy::error;
  const std::string& ci = kv["ci"];
  r.metrics.ci = ci == "bootstrap" ? metrics::CiMode::bootstrap : ci == "analytic" ? metrics::CiMode::analytic : metrics::CiMode::automatic;
  r.load.table.order.clear();
  if (!kv["order"].empty()) {
    for (std::size_t at = 0; at <= kv["order"].size();) {
      const std::size_t end = std::min(kv["order"].find(',', at), kv["order"].size());
      r.load.table.order.push_back(kv["order"].substr(at, end - at));
      at = end + 1;
    }
  }
}

constexpr const char* k_label_kind = "agree/labels";
constexpr const char* k_object_kind = "agree/objects";

// What decides an object partial's numbers besides its data (see label_options).
// Names in an options string as hexadecimal bytes, so that any name fits between its separators.
std::string hex_name(std::string_view s) {
  std::string out;
  for (const unsigned char ch : s) out += fmt::format("{:02x}", ch);
  return out;
}
std::optional<std::string> unhex_name(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t k = 0; k < s.size(); k += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(s.data() + k, s.data() + k + 2, value, 16);
    if (ec != std::errc() || end != s.data() + k + 2) return std::nullopt;
    out += static_cast<char>(value);
  }
  return out;
}
std::vector<std::string_view> split_on(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  for (std::size_t at = 0;;) {
    const std::size_t end = s.find(sep, at);
    out.push_back(s.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    if (end == std::string_view::npos) return out;
    at = end + 1;
  }
}
std::string hex_names(const std::set<std::string>& names) {
  std::vector<std::string> parts;
  for (const auto& n : names) parts.push_back(hex_name(n));
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string object_options(const AgreeRequest& r, const metrics::SpatialOptions& o) {
  // Keypoints, attributes and polylines: the sigmas as resolved (class: one per keypoint), the
  // attributes compared, the line thickness and direction.
  std::vector<std::string> sigmas;
  for (const auto& [cls, values] : o.keypoints.sigmas) sigmas.push_back(fmt::format("{}:{}", hex_name(cls), fmt::join(values, ",")));
  return fmt::format("iou_threshold={};iou_type={};match_by_class={};confidence={};bootstrap={};seed={};per_image={};oks_threshold={};pck={};"
                     "sigmas={};attributes={};ignore_attributes={};line_thickness={};compare_direction={}",
                     o.iou_threshold, metrics::iou_type_name(o.iou_type), o.match_by_class ? 1 : 0, o.confidence, o.bootstrap, o.seed, r.per_image ? 1 : 0,
                     o.keypoints.oks_threshold, o.keypoints.pck, fmt::join(sigmas, "/"), hex_names(o.attributes.only), hex_names(o.attributes.ignored),
                     o.lines.thickness, o.lines.compare_direction ? 1 : 0);
}

// The options of object_options back into a run.
void apply_object_options(AgreeRun::State& s, const std::string& text, const std::string& file) {
  const auto kv = option_map(text);
  for (const char* key : {"iou_threshold", "iou_type", "match_by_class", "confidence", "bootstrap", "seed", "per_image", "oks_threshold", "pck", "sigmas",
                          "attributes", "ignore_attributes", "line_thickness", "compare_direction"}) {
    if (!kv.count(key)) throw InputError({.file = file}, fmt::format("the partial's options lack {}", key), Defect::broken_file);
  }
  metrics::SpatialOptions& o = s.spatial;
  try {
    o.iou_threshold = std::stod(kv.at("iou_threshold"));
    o.confidence = std::stod(kv.at("confidence"));
    o.bootstrap = std::stoi(kv.at("bootstrap"));
    o.seed = std::stoull(kv.at("seed"));
    o.keypoints.oks_threshold = std::stod(kv.at("oks_threshold"));
    o.keypoints.pck = std::stod(kv.at("pck"));
    o.lines.thickness = std::stod(kv.at("line_thickness"));
    o.keypoints.sigmas.clear();
    for (const auto part : split_on(kv.at("sigmas"), '/')) {
      const std::size_t colon = part.find(':');
      const auto cls = unhex_name(part.substr(0, colon));
      if (colon == std::string_view::npos || !cls) throw std::invalid_argument("sigmas");
      auto& values = o.keypoints.sigmas[*cls];
      for (const auto v : split_on(part.substr(colon + 1), ',')) {
        values.push_back(std::stod(std::string(v)));
        if (!(values.back() > 0 && std::isfinite(values.back()))) throw std::invalid_argument("sigma");
      }
    }
    for (const auto& [key, names] : {std::pair{"attributes", &o.attributes.only}, std::pair{"ignore_attributes", &o.attributes.ignored}}) {
      names->clear();
      for (const auto part : split_on(kv.at(key), ',')) {
        const auto name = unhex_name(part);
        if (!name) throw std::invalid_argument(key);
        names->insert(*name);
      }
    }
  } catch (const std::exception&) {
    throw InputError({.file = file}, "the partial's options are not numbers where numbers belong", Defect::broken_file);
  }
  if (!(o.keypoints.oks_threshold >= 0 && o.keypoints.oks_threshold <= 1) || !(o.keypoints.pck > 0 && o.keypoints.pck <= 10) ||
      !(o.lines.thickness > 0 && o.lines.thickness <= 1)) {
    throw InputError({.file = file}, "the partial's keypoint or line options lie outside their ranges (OKS threshold 0 to 1, PCK fraction up to 10, "
                                     "line thickness up to 1)",
                     Defect::broken_file);
  }
  o.lines.compare_direction = kv.at("compare_direction") == "1";
  const auto type = metrics::parse_iou_type(kv.at("iou_type"));
  if (!type || !(o.iou_threshold >= 0 && o.iou_threshold <= 1) || !(o.confidence >= 0.5 && o.confidence <= 0.9999) || o.bootstrap < 0 ||
      o.bootstrap > 1000000) {
    throw InputError({.file = file}, "the partial's options lie outside their ranges (IoU threshold 0 to 1, confidence 0.5 to 0.9999, 0 to "
                                     "1,000,000 bootstrap replicates)",
                     Defect::broken_file);
  }
  o.iou_type = *type;
  o.match_by_class = kv.at("match_by_class") == "1";
  s.request.per_image = kv.at("per_image") == "1";
  s.request.metrics.confidence = o.confidence;
  s.request.metrics.bootstrap = o.bootstrap;
  s.request.metrics.seed = o.seed;
  s.request.iou_threshold = o.iou_threshold;
}

void merge_objects(AgreeRun::State& s) {
  AgreeRequest& r = s.request;
  apply_object_options(s, io::PartialReader(r.files.front()).header().options, r.files.front());
  ObjectShard merged = merge_object_shards(r.files);
  Objects out;
  out.set = merged.outline;
  if (r.partial) {
    out.shard = std::move(merged);
  } else {
    out.result = metrics::summarize_objects(out.set, std::move(merged.annotator_objects), std::move(merged.matching), s.spatial);
    s.gates = metrics::check_gates(r.gates, r.gate_on, report::spatial_gate_metrics(out.result));
  }
  s.data = std::move(out);
}

void merge_partials(AgreeRun::State& s) {
  AgreeRequest& r = s.request;
  const io::PartialHeader header = check_partials(r.files, "agree/");
  if (header.kind == k_object_kind) return merge_objects(s);
  if (header.kind != k_label_kind) throw InputError({.file = r.files.front()}, fmt::format("partial results of {} cannot be merged yet", header.kind));
  apply_label_options(r, header.options, r.files.front());
  LabelShard merged = merge_label_shards(r.files, !r.load.table.order.empty() ? CategoryRule::by_order : CategoryRule::by_name, r.partial);
  if (merged.header.level != Level::nominal && r.load.table.order.empty()) {
    merged = merge_label_shards(r.files, CategoryRule::by_value, r.partial);
  }
  Ratings out{std::move(merged.header), {}, {}};
  if (r.partial) {
    out.shard = LabelShard{out.ratings, merged.stats, std::move(merged.items)};
  } else {
    out.result = metrics::analyze_agreement(std::move(merged.stats), r.metrics);
    s.gates = metrics::check_gates(r.gates, r.gate_on, out.result.overall);
  }
  s.data = std::move(out);
}

void analyze_objects(AgreeRun::State& s, ObjectSet set) {
  std::vector<std::string> files;
  for (const auto& a : set.annotators) files.push_back(a.file);
  name_inputs(s.request, files, set.skipped, set.warnings);
  for (std::size_t k = 0; k < files.size(); ++k) set.annotators[k].file = files[k];
  Objects o{std::move(set), {}, {}};
  apply_object_requests(s.request.keypoints, s.request.attributes, s.request.lines, s.spatial.keypoints, s.spatial.attributes, s.spatial.lines, &o.set);
  if (s.request.partial) {
    if (s.request.keep_matches) throw UsageError("the matches list names one run's objects; a partial result holds no objects, only their statistics", "matches");
    for (const auto& a : o.set.annotators) {
      const auto tracked = std::find_if(a.objects.begin(), a.objects.end(), [](const SpatialObject& x) { return x.track >= 0; });
      if (tracked != a.objects.end()) {
        throw UsageError(fmt::format("{} holds video tracks (track {}): a track's statistics span frames, so tracks are compared in one run, "
                                     "not in partial results",
                                     a.file, a.track_names.empty() ? std::to_string(tracked->track) : a.track_names[static_cast<std::size_t>(tracked->track)]),
                         "partial");
      }
    }
    o.shard = object_shard(o.set, metrics::match_objects(o.set, s.spatial));
    s.data = std::move(o);
    return;
  }
  o.result = metrics::analyze_objects(o.set, s.spatial);
  s.gates = metrics::check_gates(s.request.gates, s.request.gate_on, report::spatial_gate_metrics(o.result));
  s.data = std::move(o);
}

void analyze_spans(AgreeRun::State& s, SpanSet set, const std::vector<SpanRecord>& records) {
  Spans sp{std::move(set), {}, {}};
  sp.result = metrics::analyze_spans(sp.set, s.span);
  std::map<std::string, std::string> file_of;
  for (const auto& r : records) file_of.emplace(r.annotator, r.file);
  for (const auto& name : sp.set.annotators) sp.files.push_back(file_of[name]);
  s.gates = metrics::check_gates(s.request.gates, s.request.gate_on, report::span_gate_metrics(sp.result));
  s.data = std::move(sp);
}

void check_table_options(const io::TableOptions& t) {
  if (!t.order.empty() && (t.level == Level::interval || t.level == Level::ratio)) {
    throw UsageError("a label order gives an ordinal scale; it cannot be combined with the interval or ratio level", "order");
  }
}

// Transcripts (tables, or segments' texts): WER and CER of every pair of an item's texts.
void analyze_transcript_set(AgreeRun::State& s, TranscriptSet set) {
  const AgreeRequest& r = s.request;
  const std::string& first = r.files.front();
  if (r.partial) throw UsageError("partial results are made of categorical labels and objects so far; transcripts are compared in one run", "partial");
  s.transcript.normalize = r.normalize;
  s.transcript.confidence = r.metrics.confidence;
  s.transcript.bootstrap = r.metrics.bootstrap;
  s.transcript.seed = r.metrics.seed;
  Transcripts t{std::move(set), {}};
  // Every pair of an item's texts is aligned: r(r - 1) / 2 alignments for r transcripts.
  std::uint64_t pairings = 0;
  for (std::size_t k = 0; k < t.set.transcripts.size();) {
    std::size_t e = k + 1;
    while (e < t.set.transcripts.size() && t.set.transcripts[e].item == t.set.transcripts[k].item) ++e;
    pairings += static_cast<std::uint64_t>(e - k) * (e - k - 1) / 2;
    k = e;
  }
  if (pairings > metrics::k_max_pair_ratings) {
    throw InputError({.file = first}, fmt::format("the transcripts make {} pairs of texts to align, more than the {} compared in one run "
                                                            "(docs/limits.md)",
                                                            pairings, metrics::k_max_pair_ratings));
  }
  std::set<std::pair<std::int32_t, std::int32_t>> pairs;
  for (std::size_t k = 0; k < t.set.transcripts.size();) {
    std::size_t e = k + 1;
    while (e < t.set.transcripts.size() && t.set.transcripts[e].item == t.set.transcripts[k].item) ++e;
    for (std::size_t x = k; x < e; ++x) {
      for (std::size_t y = x + 1; y < e; ++y) pairs.emplace(t.set.transcripts[x].annotator, t.set.transcripts[y].annotator);
      if (pairs.size() > metrics::k_max_pairs) {
        throw InputError({.file = first}, fmt::format("more than {} annotator pairs transcribed items together: too many to report pair by "
                                                                "pair (docs/limits.md)",
                                                                metrics::k_max_pairs));
      }
    }
    k = e;
  }
  t.result = metrics::analyze_transcripts(t.set, s.transcript);
  s.gates = metrics::check_gates(r.gates, r.gate_on, report::transcript_gate_metrics(t.result));
  s.data = std::move(t);
}

// Compares what an export reader found: image regions, text spans or categorical labels.
void analyze_export(AgreeRun::State& s, io::ExportData& data) {
  const AgreeRequest& r = s.request;
  const std::string& first = r.files.front();
  const char* labels_kind = "classification results (choices, rating, taxonomy, tags)";
  const bool objects = data.has_objects();
  const bool labels = !data.labels.empty();
  std::size_t span_count = 0;
  for (const auto& rec : data.spans) span_count += rec.spans.size();
  const bool spans = span_count > 0 || (!data.spans.empty() && !objects && !labels);
  std::size_t segment_count = 0;
  for (const auto& rec : data.segments) segment_count += rec.segments.size();
  const bool segments = segment_count > 0 || (!data.segments.empty() && !objects && !labels && !spans);
  const Compare compare = r.compare != Compare::automatic ? r.compare
                          : objects                       ? Compare::objects
                          : spans                         ? Compare::spans
                          : segments                      ? Compare::segments
                                                          : Compare::labels;
  // What this comparison leaves aside, said in the report's input section.
  auto aside = [&](std::vector<SkippedInput>& skipped) {
    if (labels && compare != Compare::labels) skipped.push_back({first, fmt::format("{} (compare them with --compare labels)", labels_kind), data.labels.size()});  // flag in report text
    if (span_count && compare != Compare::spans) skipped.push_back({first, "text spans (compare them with --compare spans)", span_count});  // flag in report text
    if (segment_count && compare != Compare::segments) skipped.push_back({first, "time segments (compare them with --compare segments)", segment_count});  // flag in report text
  };
  if (!objects && !labels && data.spans.empty() && data.deliveries.empty() && data.segments.empty()) throw InputError({}, io::nothing_read_message(first, data.skipped));
  if (compare == Compare::transcripts) {
    if (data.segments.empty()) throw InputError({.file = first}, "the inputs have no transcribed segments or transcript tables to compare");
    TranscriptSet set = io::transcripts_of_segments(data.segments, data.files);
    set.skipped = data.skipped;
    set.warnings = data.warnings;
    aside(set.skipped);
    return analyze_transcript_set(s, std::move(set));
  }
  if (compare == Compare::segments) {
    if (data.segments.empty()) throw InputError({.file = first}, "the inputs have no time segments to compare");
    if (r.partial) throw UsageError("partial results are made of categorical labels and objects so far; time segments are compared in one run", "partial");
    SegmentSet set = io::build_segments(data.segments, data.segment_speakers, data.files);
    if (!r.durations_path.empty()) io::apply_durations(set, io::read_durations(r.durations_path), r.durations_path);
    set.skipped = data.skipped;
    set.warnings = data.warnings;
    aside(set.skipped);
    if (segment_count == 0) throw InputError({.file = first}, io::nothing_read_message(first, set.skipped));
    Segments g{std::move(set), {}};
    g.result = metrics::analyze_segments(g.set, s.segment);
    s.gates = metrics::check_gates(r.gates, r.gate_on, report::segment_gate_metrics(g.result));
    s.data = std::move(g);
    return;
  }
  if (compare == Compare::objects) {
    if (!objects) throw InputError({.file = first}, "the export has no image regions (boxes, polygons, masks) to compare");
    ObjectSet set = io::merge_deliveries(std::move(data.deliveries), r.load.item_match);
    set.skipped = data.skipped;
    set.warnings.insert(set.warnings.begin(), data.warnings.begin(), data.warnings.end());
    aside(set.skipped);
    return analyze_objects(s, std::move(set));
  }
  if (compare == Compare::spans) {
    if (data.spans.empty()) throw InputError({.file = first}, "the export has no text spans to compare");
    std::vector<SkippedInput> skipped = data.skipped;
    aside(skipped);
    SpanSet set = io::build_spans(data.spans, std::move(skipped));
    set.warnings.insert(set.warnings.begin(), data.warnings.begin(), data.warnings.end());
    return analyze_spans(s, std::move(set), data.spans);
  }
  if (!labels) throw InputError({.file = first}, fmt::format("the export has no {} to compare", labels_kind));
  check_table_options(r.load.table);
  RatingSet ratings = io::build_ratings(data.files, data.labels, r.load.table);
  ratings.skipped = data.skipped;
  ratings.warnings = data.warnings;
  aside(ratings.skipped);
  analyze_ratings(s, std::move(ratings));
}

}  // namespace

AgreeRun agree(const AgreeRequest& request) {
  auto s = std::make_unique<AgreeRun::State>();
  s->request = request;
  if (request.merge) {
    merge_partials(*s);
    return AgreeRun(std::move(s));
  }
  const AgreeRequest& r = s->request;
  s->spatial = spatial_options(r);
  s->semantic = {r.metrics.confidence, r.metrics.bootstrap, r.metrics.seed};
  s->span.unit = r.span_unit;
  s->span.confidence = r.metrics.confidence;
  s->span.bootstrap = r.metrics.bootstrap;
  s->span.seed = r.metrics.seed;
  if (!(r.collar >= 0 && r.collar <= 3600)) throw UsageError("the collar must lie in [0, 3600] seconds", "collar");
  if (!(r.resolution >= 0.000001 && r.resolution <= 3600)) throw UsageError("the resolution must lie in [0.000001, 3600] seconds", "resolution");
  s->segment.iou_threshold = r.iou_threshold;
  s->segment.collar = std::llround(r.collar * 1e6);
  s->segment.skip_overlap = r.skip_overlap;
  s->segment.resolution = std::llround(r.resolution * 1e6);
  s->segment.confidence = r.metrics.confidence;
  s->segment.bootstrap = r.metrics.bootstrap;
  s->segment.seed = r.metrics.seed;
  auto class_map = [&] { return r.classes_path.empty() ? io::ClassMap{} : io::read_class_map(r.classes_path); };
  if (r.input == AgreeInput::semantic_masks) {
    if (r.keep_matches) throw UsageError("matches list matched objects; semantic masks have none (read instance masks instead)", "matches");
    const auto names = io::annotator_names(r.files, r.load.annotators);
    const io::ClassMap classes = class_map();
    Masks m{io::read_mask_comparison(r.files, names, r.ignore), {}};
    m.result = metrics::analyze_masks(m.masks, classes, s->semantic);
    s->gates = metrics::check_gates(r.gates, r.gate_on, report::semantic_gate_metrics(m.result));
    s->data = std::move(m);
    return AgreeRun(std::move(s));
  }
  if (r.input == AgreeInput::instance_masks) {
    const auto names = io::annotator_names(r.files, r.load.annotators);
    analyze_objects(*s, io::read_instance_masks(r.files, names, class_map(), r.ignore));
    return AgreeRun(std::move(s));
  }
  if (!(r.keypoints.oks_threshold >= 0 && r.keypoints.oks_threshold <= 1)) throw UsageError("the OKS threshold must lie in [0, 1]", "oks_threshold");
  if (!(r.keypoints.pck > 0 && r.keypoints.pck <= 10)) throw UsageError("the PCK fraction must lie in (0, 10]", "pck");
  if (!(r.iou_threshold >= 0 && r.iou_threshold <= 1)) throw UsageError("the IoU threshold must lie in [0, 1]", "iou_threshold");
  io::check_named_format(r.files, r.load.format);
  if (io::ExportData data; io::read_exports(r.files, r.load, data)) {
    analyze_export(*s, data);
    return AgreeRun(std::move(s));
  }
  if (io::is_coco_input(r.files, r.load.format)) {
    analyze_objects(*s, io::read_coco_files(r.files, io::annotator_names(r.files, r.load.annotators), std::size_t{1} << 20, r.load.item_match));
    return AgreeRun(std::move(s));
  }
  if (r.compare == Compare::transcripts || (r.compare == Compare::automatic && io::is_transcript_table(r.files.front(), r.load.table, r.text_col))) {
    analyze_transcript_set(*s, io::read_transcript_tables(r.files, r.load.table, r.text_col));
    return AgreeRun(std::move(s));
  }
  check_table_options(r.load.table);
  analyze_ratings(*s, io::load_tables(r.files, r.load));
  return AgreeRun(std::move(s));
}

std::string AgreeRun::partial() const {
  io::PartialWriter w;
  if (const auto* o = std::get_if<Objects>(&m_state->data); o && o->shard) {
    write_object_shard(w, *o->shard);
    return w.bytes({LABELQA_VERSION, k_object_kind, object_options(m_state->request, m_state->spatial)});
  }
  const auto* r = std::get_if<Ratings>(&m_state->data);
  if (!r || !r->shard) {
    throw UsageError("partial results are made of categorical labels and objects so far; masks, spans and transcripts are compared in one run",
                     "partial");
  }
  write_label_shard(w, *r->shard);
  return w.bytes({LABELQA_VERSION, k_label_kind, label_options(m_state->request)});
}

}  // namespace labelqa::commands
