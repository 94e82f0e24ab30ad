// `gold` as a library call (see gold.hpp).
#include "labelqa/commands/gold.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/io/transcript_reader.hpp"
#include "shards.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace labelqa::commands {

struct GoldRun::State {
  GoldRequest request;
  metrics::GoldResult result;
  metrics::RuleEvaluation rules;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
  // A shard of categorical labels, kept for partial() (request.partial).
  struct Shard {
    RatingSet delivery, gold;
    std::vector<SkippedInput> delivery_skipped, gold_skipped;
  };
  std::optional<Shard> shard;
  report::GoldReport report() const {
    return {result, rules, request.options, request.policy, request.files, request.gold_path, skipped, warnings};
  }
};

GoldRun::GoldRun(std::unique_ptr<State> state) : m_state(std::move(state)) {}
GoldRun::GoldRun(GoldRun&&) noexcept = default;
GoldRun& GoldRun::operator=(GoldRun&&) noexcept = default;
GoldRun::~GoldRun() = default;

std::string GoldRun::json() const { return report::render_gold_json(m_state->report()); }
std::string GoldRun::csv() const { return report::render_gold_csv(m_state->report()); }
std::string GoldRun::text(bool color) const { return report::render_gold_text(m_state->report(), color); }
std::string GoldRun::conflicts_csv() const { return report::render_conflicts_csv(m_state->report(), false); }
std::string GoldRun::junit() const { return report::render_gold_junit(m_state->report()); }
std::string GoldRun::markdown() const { return report::render_gold_markdown(m_state->report()); }
std::string GoldRun::sarif() const { return report::render_gold_sarif(m_state->report()); }
std::string GoldRun::gitlab_codequality() const { return report::render_gold_codequality(m_state->report()); }
std::vector<report::CiResult> GoldRun::ci_results() const { return report::gold_ci_results(m_state->report()); }
std::string GoldRun::vendor_json(bool items) const { return report::render_vendor_json(m_state->report(), items); }
std::string GoldRun::vendor_conflicts_csv() const { return report::render_conflicts_csv(m_state->report(), true); }
const metrics::GoldResult& GoldRun::result() const { return m_state->result; }

const metrics::RuleEvaluation& GoldRun::rules() const { return m_state->rules; }
const metrics::GoldPolicy& GoldRun::policy() const { return m_state->request.policy; }

namespace {

constexpr const char* k_gold_label_kind = "gold/labels";

// What decides a gold partial's numbers besides its data (partials merge only when equal).
std::string gold_options(const GoldRequest& r) {
  const metrics::GoldPolicy& p = r.policy;
  std::string rules;
  for (const auto& rule : p.rules) rules += fmt::format("[{}|{}|{}|{}|{}|{}]", rule.metric, rule.min, rule.subject, rule.cls, rule.compare, rule.origin);
  return fmt::format("confidence={};bootstrap={};seed={};gold={};min_items={};compare={};max_gold_missing={};insufficient_fails={};rules={}",
                     r.options.confidence, r.options.bootstrap, r.options.seed, r.gold_path, p.min_items, p.compare,
                     p.max_gold_missing ? std::to_string(*p.max_gold_missing) : std::string("none"), p.insufficient_fails, rules);
}

void write_policy(io::PartialWriter& w, const GoldRequest& r) {
  const metrics::GoldPolicy& p = r.policy;
  w.f64(r.options.confidence);
  w.u64(static_cast<std::uint64_t>(r.options.bootstrap));
  w.u64(r.options.seed);
  w.str(r.gold_path);
  w.u64(static_cast<std::uint64_t>(p.min_items));
  w.str(p.compare);
  w.u8(p.max_gold_missing ? 1 : 0);
  w.u64(p.max_gold_missing ? static_cast<std::uint64_t>(*p.max_gold_missing) : 0);
  w.u8(p.insufficient_fails ? 1 : 0);
  w.u64(p.rules.size());
  for (const auto& rule : p.rules) {
    w.str(rule.metric);
    w.f64(rule.min);
    w.str(rule.subject);
    w.str(rule.cls);
    w.str(rule.compare);
    w.str(rule.origin);
  }
}

void read_policy(io::PartialReader& in, GoldRequest& r) {
  metrics::GoldPolicy& p = r.policy;
  r.options.confidence = in.f64();
  const std::uint64_t bootstrap = in.u64();
  // The ranges the command line accepts: a partial asks for nothing a user could not.
  if (!(r.options.confidence >= 0.5 && r.options.confidence <= 0.9999) || bootstrap > 1000000) {
    in.fail("options outside their ranges (confidence 0.5 to 0.9999, at most 1,000,000 bootstrap replicates)");
  }
  r.options.bootstrap = static_cast<int>(bootstrap);
  r.options.seed = in.u64();
  r.gold_path = in.str();
  p.min_items = static_cast<long long>(std::min<std::uint64_t>(in.u64(), std::uint64_t{1} << 62));
  p.compare = in.str();
  const bool has_max = in.u8() != 0;
  const auto max = static_cast<long long>(in.u64());
  if (has_max) p.max_gold_missing = max;
  p.insufficient_fails = in.u8() != 0;
  p.rules.resize(static_cast<std::size_t>(in.count(40)));
  for (auto& rule : p.rules) {
    rule.metric = in.str();
    rule.min = in.f64();
    rule.subject = in.str();
    rule.cls = in.str();
    rule.compare = in.str();
    rule.origin = in.str();
  }
}

void write_skipped(io::PartialWriter& w, const std::vector<SkippedInput>& skipped) {
  w.u64(skipped.size());
  for (const auto& s : skipped) {
    w.str(s.file);
    w.str(s.reason);
    w.u64(s.count);
  }
}

std::vector<SkippedInput> read_skipped(io::PartialReader& in) {
  std::vector<SkippedInput> out(static_cast<std::size_t>(in.count(24)));
  for (auto& s : out) {
    s.file = in.str();
    s.reason = in.str();
    s.count = static_cast<std::size_t>(in.u64());
  }
  return out;
}

// The merge of gold partials: the union of the shards' deliveries scored against their (one) gold.
metrics::GoldResult merge_gold(GoldRequest& r, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings,
                               std::optional<GoldRun::State::Shard>& shard) {
  const io::PartialHeader header = check_partials(r.files, "gold/");
  if (header.kind != k_gold_label_kind) throw InputError({.file = r.files.front()}, fmt::format("partial results of {} cannot be merged yet", header.kind));
  struct Part {
    std::string path;
    std::vector<std::string> files;
    RatingSet delivery, gold;
    std::vector<SkippedInput> delivery_skipped, gold_skipped;
    std::string gold_bytes;
  };
  std::vector<Part> parts;
  const std::vector<std::string> paths = r.files;
  for (const auto& path : paths) {
    io::PartialReader in(path);
    Part p{path, {}, {}, {}, {}, {}, {}};
    const auto n = in.count(8);
    for (std::uint64_t k = 0; k < n; ++k) p.files.push_back(in.str());
    read_policy(in, r);
    p.delivery_skipped = read_skipped(in);
    p.gold_skipped = read_skipped(in);
    p.delivery = read_rating_set(in);
    p.gold = read_rating_set(in);
    in.finish();
    io::PartialWriter again;
    write_rating_set(again, p.gold);
    p.gold_bytes = again.bytes({});
    parts.push_back(std::move(p));
  }
  std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.files < b.files; });
  for (std::size_t k = 1; k < parts.size(); ++k) {
    if (parts[k].files == parts[k - 1].files) throw InputError({.file = parts[k].path}, fmt::format("holds the same inputs as {}: a shard merged twice", parts[k - 1].path));
    if (parts[k].gold_bytes != parts[0].gold_bytes) {
      throw InputError({.file = parts[k].path}, fmt::format("was scored against other gold labels than {}: shards merge only against one gold", parts[0].path));
    }
  }
  r.files.clear();
  std::vector<RatingSet> deliveries;
  std::vector<std::string> sorted_paths;
  for (auto& p : parts) {
    r.files.insert(r.files.end(), p.files.begin(), p.files.end());
    skipped.insert(skipped.end(), p.delivery_skipped.begin(), p.delivery_skipped.end());
    deliveries.push_back(std::move(p.delivery));
    sorted_paths.push_back(p.path);
  }
  skipped.insert(skipped.end(), parts[0].gold_skipped.begin(), parts[0].gold_skipped.end());
  const Level level = deliveries.front().level;
  const CategoryRule rule = level == Level::nominal ? CategoryRule::by_name : CategoryRule::by_value;
  RatingSet delivery = union_rating_sets(std::move(deliveries), sorted_paths, rule);
  if (r.partial) {  // a level of a tree of merges: the union, kept as a shard
    std::vector<SkippedInput> delivery_skipped(skipped.begin(), skipped.end() - static_cast<std::ptrdiff_t>(parts[0].gold_skipped.size()));
    shard = GoldRun::State::Shard{std::move(delivery), std::move(parts[0].gold), std::move(delivery_skipped), parts[0].gold_skipped};
    return {};
  }
  warnings = delivery.warnings;
  warnings.insert(warnings.end(), parts[0].gold.warnings.begin(), parts[0].gold.warnings.end());
  return metrics::gold_labels(delivery, parts[0].gold, r.options);
}

metrics::GoldResult score_transcripts(const GoldRequest& r, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings) {
  TranscriptSet delivery = io::load_transcripts(r.files, r.load, r.text_col, io::Side::delivery);
  TranscriptSet gold;
  if (r.gold_annotator.empty()) {
    gold = io::load_transcripts({r.gold_path}, r.load, r.text_col, io::Side::gold, r.gold_format);
  } else {
    const auto it = std::find(delivery.annotators.begin(), delivery.annotators.end(), r.gold_annotator);
    if (it == delivery.annotators.end()) {
      throw InputError({}, fmt::format("no annotator \"{}\" in the delivery to take as the gold (it holds {})", r.gold_annotator, fmt::join(delivery.annotators, ", ")));
    }
    // That annotator's texts move to the gold; the others' indices close the gap.
    const auto g = static_cast<std::int32_t>(it - delivery.annotators.begin());
    gold.files = delivery.files;
    gold.items = delivery.items;
    gold.annotators = {"gold"};
    std::vector<Transcript> kept;
    for (auto& t : delivery.transcripts) {
      if (t.annotator == g) {
        t.annotator = 0;
        gold.transcripts.push_back(std::move(t));
      } else {
        if (t.annotator > g) --t.annotator;
        kept.push_back(std::move(t));
      }
    }
    delivery.transcripts = std::move(kept);
    delivery.annotators.erase(delivery.annotators.begin() + g);
  }
  TranscriptSet set;
  const int g = io::merge_gold_transcripts(std::move(delivery), std::move(gold), r.gold_path, set);
  skipped = set.skipped;
  warnings = set.warnings;
  return metrics::gold_transcripts(set, g, r.options);
}

metrics::GoldResult score(const GoldRequest& r, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings,
                          std::optional<GoldRun::State::Shard>& shard) {
  if (r.masks) {
    if (r.partial) throw UsageError("partial results of gold are made of categorical labels so far", "partial");
    const std::vector<std::string> names = io::annotator_names(r.files, r.load.annotators);
    const io::ClassMap classes = r.classes_path.empty() ? io::ClassMap{} : io::read_class_map(r.classes_path);
    MaskComparison mc;
    const int g = io::load_mask_comparison(r.files, names, r.ignore, r.gold_path, mc);
    return metrics::gold_masks(mc, g, classes, r.options);
  }
  // Transcript tables on both sides (a tool export or a rating table is neither).
  auto transcript_table = [&](const std::string& path) {
    return io::detect_export_format(path) == io::Format::automatic && io::is_transcript_table(path, r.load.table, r.text_col);
  };
  if (r.compare == Compare::transcripts ||
      (r.compare == Compare::automatic && r.gold_annotator.empty() && transcript_table(r.files.front()) && transcript_table(r.gold_path)) ||
      (r.compare == Compare::automatic && !r.gold_annotator.empty() && transcript_table(r.files.front()))) {
    if (r.partial) throw UsageError("partial results of gold are made of categorical labels so far", "partial");
    return score_transcripts(r, skipped, warnings);
  }
  io::LoadedDelivery delivery = io::load_delivery(r.files, r.load);
  io::LoadedDelivery gold = r.gold_annotator.empty() ? io::load_gold(r.gold_path, r.load, r.gold_format)
                                                     : io::take_gold_annotator(delivery, r.gold_annotator, r.load.table);
  skipped = delivery.skipped;
  skipped.insert(skipped.end(), gold.skipped.begin(), gold.skipped.end());

  Compare kind = r.compare;
  if (kind == Compare::automatic) {
    if (delivery.objects && gold.objects) {
      kind = Compare::objects;
    } else if (!delivery.spans.empty() && !gold.spans.empty()) {
      kind = Compare::spans;
    } else if (!delivery.segments.empty() && !gold.segments.empty()) {
      kind = Compare::segments;
    } else if (delivery.ratings && gold.ratings) {
      kind = Compare::labels;
    } else {
      throw InputError({.file = r.gold_path}, fmt::format("the gold holds {} but the delivery holds {}: nothing to compare", gold.what(), delivery.what()));
    }
  }
  // Time segments the comparison leaves aside are said, as agree says them.
  if (kind != Compare::segments) {
    for (const auto* side : {&delivery, &gold}) {
      const auto aside = io::segments_aside(*side, "time segments (compare them with --compare segments)");  // flag in report text
      skipped.insert(skipped.end(), aside.begin(), aside.end());
    }
  }
  if (r.partial && kind != Compare::labels) throw UsageError("partial results of gold are made of categorical labels so far", "partial");
  if (kind == Compare::objects) {
    if (!delivery.objects || !gold.objects) throw InputError({.file = r.gold_path}, "comparing objects: the gold and the delivery must both hold image regions");
    ObjectSet set;
    const int g = io::merge_gold_objects(std::move(*delivery.objects), std::move(*gold.objects), r.gold_path, set, r.load.item_match);
    warnings = set.warnings;
    metrics::GoldOptions options = r.options;
    apply_object_requests(r.keypoints, r.attributes, r.lines, options.keypoints, options.attributes, options.lines, &set);
    return metrics::gold_objects(set, g, options);
  }
  if (kind == Compare::segments) {
    if (delivery.segments.empty() || gold.segments.empty()) throw InputError({.file = r.gold_path}, "comparing time segments: the gold and the delivery must both hold them");
    SegmentSet set;
    const int g = io::merge_gold_segments(delivery, gold, r.gold_path, set);
    if (!r.durations_path.empty()) io::apply_durations(set, io::read_durations(r.durations_path), r.durations_path);
    warnings = delivery.warnings;
    warnings.insert(warnings.end(), gold.warnings.begin(), gold.warnings.end());
    return metrics::gold_segments(set, g, r.options);
  }
  if (kind == Compare::spans) {
    if (delivery.spans.empty() || gold.spans.empty()) throw InputError({.file = r.gold_path}, "comparing spans: the gold and the delivery must both hold text spans");
    SpanSet set;
    const int g = io::merge_gold_spans(std::move(delivery.spans), std::move(gold.spans), r.gold_path, skipped, set);
    warnings = delivery.warnings;
    warnings.insert(warnings.end(), gold.warnings.begin(), gold.warnings.end());
    warnings.insert(warnings.end(), set.warnings.begin(), set.warnings.end());
    return metrics::gold_spans(set, g, r.options);
  }
  if (!delivery.ratings || !gold.ratings) throw InputError({.file = r.gold_path}, "comparing labels: the gold and the delivery must both hold categorical labels");
  io::require_one_annotator(gold.ratings->annotators, r.gold_path);
  if (r.partial) {
    shard = GoldRun::State::Shard{std::move(*delivery.ratings), std::move(*gold.ratings), std::move(delivery.skipped), std::move(gold.skipped)};
    return {};
  }
  warnings = delivery.ratings->warnings;
  warnings.insert(warnings.end(), gold.ratings->warnings.begin(), gold.ratings->warnings.end());
  return metrics::gold_labels(*delivery.ratings, *gold.ratings, r.options);
}

}  // namespace

GoldRun gold(const GoldRequest& request) {
  if (request.merge) {
    auto s = std::make_unique<GoldRun::State>();
    s->request = request;
    s->result = merge_gold(s->request, s->skipped, s->warnings, s->shard);
    if (request.partial) return GoldRun(std::move(s));
    if (s->request.policy.rules.empty() && !s->request.policy.max_gold_missing) {
      s->result.warnings.push_back({metrics::WarningCode::no_rules, "no rules given: nothing was gated, so nothing can fail"});
    }
    s->rules = metrics::evaluate_rules(s->result, s->request.policy, s->request.options.confidence);
    return GoldRun(std::move(s));
  }
  if (request.files.empty()) throw UsageError("no delivery files were given");
  if (!request.gold_annotator.empty() && !request.gold_path.empty()) throw UsageError("a gold file and a gold annotator were both given; give one", "gold-annotator");
  if (request.gold_path.empty() && request.gold_annotator.empty()) throw UsageError("no gold file was given: the gold labels to score the delivery against");
  auto s = std::make_unique<GoldRun::State>();
  s->request = request;
  if (!request.gold_annotator.empty()) s->request.gold_path = "annotator " + request.gold_annotator;
  s->request.options.iou_threshold = request.policy.iou_threshold.value_or(0.5);
  s->request.options.low_overlap = request.policy.low_overlap.value_or(0.8);
  s->result = score(s->request, s->skipped, s->warnings, s->shard);
  if (request.partial) return GoldRun(std::move(s));
  if (request.policy.rules.empty() && !request.policy.max_gold_missing) {
    s->result.warnings.push_back({metrics::WarningCode::no_rules, "no rules given: nothing was gated, so nothing can fail"});
  }
  s->rules = metrics::evaluate_rules(s->result, s->request.policy, s->request.options.confidence);
  return GoldRun(std::move(s));
}

std::string GoldPlanRun::json() const { return report::render_plan_json(plans); }
std::string GoldPlanRun::text() const { return report::render_plan_text(plans); }

GoldPlanRun plan(const PlanRequest& request) {
  const auto& rules = request.policy.rules;
  if (rules.empty()) throw UsageError("planning needs the rules' thresholds (e.g. accuracy >= 0.95)");
  if (request.expected.empty()) throw UsageError("planning needs the value you expect the vendor to reach (e.g. 0.97)");
  if (request.expected.size() != 1 && request.expected.size() != rules.size()) {
    throw UsageError("give one expected value for all rules, or one per rule in the same order");
  }
  GoldPlanRun out;
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const auto& rule = rules[k];
    report::PlanRequest p;
    p.metric = rule.metric;
    p.threshold = rule.min;
    p.expected = request.expected.size() == 1 ? request.expected[0] : request.expected[k];
    p.confidence = request.confidence;
    p.power = request.power;
    if (!(p.threshold > 0 && p.threshold < 1) || !(p.expected > 0 && p.expected <= 1)) {
      throw UsageError(fmt::format("planning works on proportions: {} needs a threshold in (0, 1) and an expected value in (0, 1]", rule.metric));
    }
    if (p.expected <= p.threshold) {
      throw UsageError(fmt::format("the expected value {} is not above the threshold {} of {}: no number of gold items can show it", p.expected, p.threshold, rule.metric), "expected");
    }
    const std::string& compare = rule.compare.empty() ? request.policy.compare : rule.compare;
    p.compared = compare == "ci_low" ? metrics::GateOn::ci_low : metrics::GateOn::value;
    p.plan = metrics::plan_gold_items(p.threshold, p.expected, p.confidence, p.power, p.compared);
    out.plans.push_back(p);
  }
  return out;
}


std::string GoldRun::partial() const {
  const auto& sh = m_state->shard;
  if (!sh) throw UsageError("partial results of gold are made of categorical labels so far", "partial");
  const GoldRequest& r = m_state->request;
  io::PartialWriter w;
  w.u64(r.files.size());
  for (const auto& f : r.files) w.str(f);
  write_policy(w, r);
  write_skipped(w, sh->delivery_skipped);
  write_skipped(w, sh->gold_skipped);
  write_rating_set(w, sh->delivery);
  write_rating_set(w, sh->gold);
  return w.bytes({LABELQA_VERSION, k_gold_label_kind, gold_options(r)});
}

}  // namespace labelqa::commands
