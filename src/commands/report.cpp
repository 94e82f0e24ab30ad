// `report` as a library call (see report.hpp).
#include "labelqa/commands/report.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/io/transcript_reader.hpp"
#include "labelqa/report/annotator_report.hpp"
#include "labelqa/report/time_report.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <optional>

namespace labelqa::commands {

struct ReportRun::State {
  ReportRequest request;
  Compare kind = Compare::labels;
  metrics::AnnotatorReport report;
  std::optional<ObjectSet> objects;  // objects: the set the report was made from
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
  // Time segments and transcripts: their report, and the segments (the timeline picture).
  std::optional<metrics::TimeReport> time;
  std::optional<SegmentSet> segments;
  report::AnnotatorReportInput input() const {
    return {report, request.options, request.files, request.gold_path, request.with_consensus, skipped, warnings};
  }
  report::TimeReportInput time_input() const { return {*time, request.time, request.files, request.gold_path, skipped, warnings}; }
};

ReportRun::ReportRun(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ReportRun::ReportRun(ReportRun&&) noexcept = default;
ReportRun& ReportRun::operator=(ReportRun&&) noexcept = default;
ReportRun::~ReportRun() = default;

std::vector<report::Picture> ReportRun::pictures() const {
  if (m_state->time) return report::time_report_pictures(*m_state->time, m_state->segments ? &*m_state->segments : nullptr);
  return report::report_pictures(m_state->report);
}
std::string ReportRun::json(const std::vector<report::Picture>& pictures) const {
  if (m_state->time) return report::render_time_report_json(m_state->time_input(), pictures);
  return report::render_report_json(m_state->input(), pictures);
}
std::string ReportRun::csv() const {
  if (m_state->time) return report::render_time_report_csv(m_state->time_input());
  return report::render_report_csv(m_state->input());
}
std::string ReportRun::html(const std::vector<report::Picture>& pictures) const {
  if (m_state->time) return report::render_time_report_html(m_state->time_input(), pictures);
  return report::render_report_html(m_state->input(), pictures);
}
std::string ReportRun::text(bool color) const {
  if (m_state->time) return report::render_time_report_text(m_state->time_input(), color);
  return report::render_report_text(m_state->input(), color);
}
const metrics::AnnotatorReport& ReportRun::result() const { return m_state->report; }

ConsensusFormat ReportRun::consensus_format(const std::string& path) const {
  if (m_state->kind == Compare::objects) return ConsensusFormat::coco;
  return path.ends_with(".jsonl") || path.ends_with(".ndjson") ? ConsensusFormat::jsonl : ConsensusFormat::csv;
}

std::string ReportRun::consensus(ConsensusFormat format) const {
  switch (format) {
    case ConsensusFormat::coco: return report::render_consensus_coco(m_state->report, *m_state->objects);
    case ConsensusFormat::jsonl: return report::render_consensus_jsonl(m_state->report);
    case ConsensusFormat::csv: break;
  }
  return report::render_consensus_csv(m_state->report);
}

namespace {

// Time segments and transcripts are reported against gold: the gold file is required, and the
// report's options take the shared ones.
void require_time_gold(ReportRequest& r, const char* what) {
  if (r.gold_path.empty()) {
    throw UsageError(fmt::format("report on {} scores each annotator against gold: give the gold file (agree compares annotators with each other)", what),
                     "gold");
  }
  if (r.with_consensus) throw UsageError(fmt::format("report makes no consensus of {}", what), "consensus");
  r.time.confidence = r.options.confidence;
  r.time.seed = r.options.seed;
  r.time.iou_threshold = r.options.iou_threshold;
}

ReportRun transcript_report(std::unique_ptr<ReportRun::State> s) {
  ReportRequest& r = s->request;
  require_time_gold(r, "transcripts");
  s->kind = Compare::transcripts;
  TranscriptSet set;
  const int g = io::merge_gold_transcripts(io::load_transcripts(r.files, r.load, r.text_col, io::Side::delivery),
                                           io::load_transcripts({r.gold_path}, r.load, r.text_col, io::Side::gold, r.gold_format), r.gold_path, set);
  s->skipped = set.skipped;
  s->warnings = set.warnings;
  s->time = metrics::transcript_report(set, g, r.time);
  return ReportRun(std::move(s));
}

// `delivery` and `gold` as load_delivery and load_gold read them (gold absent without a gold file).
ReportRun segment_report(std::unique_ptr<ReportRun::State> s, io::LoadedDelivery delivery, std::optional<io::LoadedDelivery> loaded_gold) {
  ReportRequest& r = s->request;
  require_time_gold(r, "time segments");
  s->kind = Compare::segments;
  io::LoadedDelivery& gold = *loaded_gold;
  if (delivery.segments.empty() || gold.segments.empty()) {
    throw InputError({.file = delivery.segments.empty() ? r.files.front() : r.gold_path}, "comparing time segments: the gold and the delivery must both hold them");
  }
  s->skipped = delivery.skipped;
  s->skipped.insert(s->skipped.end(), gold.skipped.begin(), gold.skipped.end());
  s->warnings = delivery.warnings;
  s->warnings.insert(s->warnings.end(), gold.warnings.begin(), gold.warnings.end());
  SegmentSet set;
  const int g = io::merge_gold_segments(delivery, gold, r.gold_path, set);
  if (!r.durations_path.empty()) io::apply_durations(set, io::read_durations(r.durations_path), r.durations_path);
  s->time = metrics::segment_report(set, g, r.time);
  s->segments = std::move(set);
  return ReportRun(std::move(s));
}

bool transcript_tables(const ReportRequest& r) {
  return io::detect_export_format(r.files.front()) == io::Format::automatic && io::is_transcript_table(r.files.front(), r.load.table, r.text_col);
}

}  // namespace

ReportRun annotator_report(const ReportRequest& request) {
  if (request.files.empty()) throw UsageError("no delivery files were given");
  auto s = std::make_unique<ReportRun::State>();
  s->request = request;
  const ReportRequest& r = s->request;
  if (r.compare == Compare::transcripts || (r.compare == Compare::automatic && transcript_tables(r))) return transcript_report(std::move(s));
  if (r.compare == Compare::segments && r.gold_path.empty()) require_time_gold(s->request, "time segments");
  io::LoadedDelivery delivery = io::load_delivery(r.files, r.load);
  std::optional<io::LoadedDelivery> gold;
  if (!r.gold_path.empty()) gold = io::load_gold(r.gold_path, r.load, r.gold_format);
  if (r.compare == Compare::segments || (r.compare == Compare::automatic && !delivery.ratings && !delivery.objects && !delivery.segments.empty())) {
    return segment_report(std::move(s), std::move(delivery), std::move(gold));
  }
  for (auto* side : {&delivery, gold ? &*gold : nullptr}) {  // time segments beside labels or objects
    if (!side) continue;
    const auto aside = io::segments_aside(*side, "time segments (report them with --compare segments)");  // flag in report text
    side->skipped.insert(side->skipped.end(), aside.begin(), aside.end());
  }
  s->skipped = delivery.skipped;
  s->warnings = delivery.warnings;
  if (gold) {
    s->skipped.insert(s->skipped.end(), gold->skipped.begin(), gold->skipped.end());
    s->warnings.insert(s->warnings.end(), gold->warnings.begin(), gold->warnings.end());
  }
  Compare kind = r.compare;
  if (kind == Compare::automatic) {
    if (delivery.ratings) {
      kind = Compare::labels;
    } else if (delivery.objects) {
      kind = Compare::objects;
    } else {
      throw InputError({.file = r.files.front()}, fmt::format("the delivery holds {}: report covers categorical labels and objects", delivery.what()));
    }
  }
  s->kind = kind;
  if (kind == Compare::labels) {
    if (!delivery.ratings) throw InputError({.file = r.files.front()}, "comparing labels: the delivery holds no categorical labels");
    const RatingSet* g = nullptr;
    if (gold) {
      if (!gold->ratings) throw InputError({.file = r.gold_path}, fmt::format("the gold holds {}, not categorical labels", gold->what()));
      io::require_one_annotator(gold->ratings->annotators, r.gold_path);
      g = &*gold->ratings;
    }
    s->report = metrics::report_labels(*delivery.ratings, g, r.options);
    return ReportRun(std::move(s));
  }
  if (kind != Compare::objects) throw UsageError("report covers categorical labels and objects");
  if (!delivery.objects) throw InputError({.file = r.files.front()}, "comparing objects: the delivery holds no image regions");
  int g = -1;
  if (gold) {
    if (!gold->objects) throw InputError({.file = r.gold_path}, fmt::format("the gold holds {}, not image regions", gold->what()));
    if (r.with_consensus) throw UsageError("the consensus of objects is the delivery's own: ask for it without gold", "gold");
    s->objects.emplace();
    g = io::merge_gold_objects(std::move(*delivery.objects), std::move(*gold->objects), r.gold_path, *s->objects, r.load.item_match);
  } else {
    s->objects = std::move(*delivery.objects);
  }
  for (const auto& w : s->objects->warnings) {
    if (std::none_of(s->warnings.begin(), s->warnings.end(), [&](const InputWarning& x) { return x.message == w.message; })) s->warnings.push_back(w);
  }
  metrics::ReportOptions options = r.options;
  apply_object_requests(r.keypoints, r.attributes, r.lines, options.keypoints, options.attributes, options.lines, &*s->objects);
  s->report = metrics::report_objects(*s->objects, g, options);
  return ReportRun(std::move(s));
}

}  // namespace labelqa::commands
