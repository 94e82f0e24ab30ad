// The codes results carry, as enums; reports write their names (docs/metrics.md, docs/gold.md and
// docs/report.md define each).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace labelqa::metrics {

// A warning of an agreement or gold run.
enum class WarningCode : std::uint8_t {
  single_annotator,
  no_pairable_items,
  kappa_paradox,
  image_lists_differ,
  document_lists_differ,
  unknown_mask_value,
  gold_missing,
  no_gold_items,
  no_rules,
  pairs_not_computed,
  texts_not_aligned,
  unitizing_not_computed,
  coverage_not_checked,
};
const char* warning_code_name(WarningCode c);

// A located difference between a delivered annotation and gold (CVAT's quality-report types),
// declared in the order of their names: the order conflicts are sorted in.
enum class ConflictType : std::uint8_t {
  covered_annotation,
  extra_annotation,
  low_overlap,
  mismatching_attributes,
  mismatching_direction,
  mismatching_groups,
  mismatching_label,
  mismatching_transcript,
  missing_annotation
};
const char* conflict_type_name(ConflictType t);

// Which geometry an IoU compares (every command compares objects alike).
enum class IouType : std::uint8_t {
  automatic,  // boxes for two boxes, pixels when either is a polygon or a mask (pycocotools' bbox and segm)
  box,        // every object by its bounding box
  mask,       // every object by its pixels, boxes rasterised too
};
const char* iou_type_name(IouType t);
std::optional<IouType> parse_iou_type(std::string_view name);
// "boxes for two boxes, pixels otherwise", ...: what the output says it compared.
const char* iou_type_description(IouType t);

// What a comparison is about.
enum class LabelKind : std::uint8_t { labels, objects, masks, spans, segments, transcripts };
const char* label_kind_name(LabelKind k);

}  // namespace labelqa::metrics
