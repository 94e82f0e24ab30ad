// `gold` as a library call (see gold.hpp).
#include "labelqa/commands/gold.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/span_reader.hpp"

#include <fmt/format.h>

namespace labelqa::commands {

struct GoldRun::State {
  GoldRequest request;
  metrics::GoldResult result;
  metrics::RuleEvaluation rules;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
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

metrics::GoldResult score(const GoldRequest& r, std::vector<SkippedInput>& skipped, std::vector<InputWarning>& warnings) {
  if (r.masks) {
    const std::vector<std::string> names = io::annotator_names(r.files, r.load.annotators);
    const io::ClassMap classes = r.classes_path.empty() ? io::ClassMap{} : io::read_class_map(r.classes_path);
    MaskComparison mc;
    const int g = io::load_mask_comparison(r.files, names, r.ignore, r.gold_path, mc);
    return metrics::gold_masks(mc, g, classes, r.options);
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
    } else if (delivery.ratings && gold.ratings) {
      kind = Compare::labels;
    } else {
      throw InputError({.file = r.gold_path}, fmt::format("the gold holds {} but the delivery holds {}: nothing to compare", gold.what(), delivery.what()));
    }
  }
  if (kind == Compare::objects) {
    if (!delivery.objects || !gold.objects) throw InputError({.file = r.gold_path}, "comparing objects: the gold and the delivery must both hold image regions");
    ObjectSet set;
    const int g = io::merge_gold_objects(std::move(*delivery.objects), std::move(*gold.objects), r.gold_path, set, r.load.item_match);
    warnings = set.warnings;
    return metrics::gold_objects(set, g, r.options);
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
  warnings = delivery.ratings->warnings;
  warnings.insert(warnings.end(), gold.ratings->warnings.begin(), gold.ratings->warnings.end());
  return metrics::gold_labels(*delivery.ratings, *gold.ratings, r.options);
}

}  // namespace

GoldRun gold(const GoldRequest& request) {
  if (request.files.empty()) throw UsageError("no delivery files were given");
  if (!request.gold_annotator.empty() && !request.gold_path.empty()) throw UsageError("a gold file and a gold annotator were both given; give one", "gold-annotator");
  if (request.gold_path.empty() && request.gold_annotator.empty()) throw UsageError("no gold file was given: the gold labels to score the delivery against");
  auto s = std::make_unique<GoldRun::State>();
  s->request = request;
  if (!request.gold_annotator.empty()) s->request.gold_path = "annotator " + request.gold_annotator;
  s->request.options.iou_threshold = request.policy.iou_threshold.value_or(0.5);
  s->request.options.low_overlap = request.policy.low_overlap.value_or(0.8);
  s->result = score(s->request, s->skipped, s->warnings);
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

}  // namespace labelqa::commands
