// Names of the result codes (see codes.hpp).
#include "labelqa/metrics/codes.hpp"

namespace labelqa::metrics {

const char* warning_code_name(WarningCode c) {
  switch (c) {
    case WarningCode::single_annotator: return "single_annotator";
    case WarningCode::no_pairable_items: return "no_pairable_items";
    case WarningCode::kappa_paradox: return "kappa_paradox";
    case WarningCode::image_lists_differ: return "image_lists_differ";
    case WarningCode::document_lists_differ: return "document_lists_differ";
    case WarningCode::unknown_mask_value: return "unknown_mask_value";
    case WarningCode::gold_missing: return "gold_missing";
    case WarningCode::no_gold_items: return "no_gold_items";
    case WarningCode::no_rules: return "no_rules";
    case WarningCode::pairs_not_computed: return "pairs_not_computed";
    case WarningCode::texts_not_aligned: return "texts_not_aligned";
    case WarningCode::unitizing_not_computed: return "unitizing_not_computed";
    case WarningCode::coverage_not_checked: return "coverage_not_checked";
  }
  return "warning";
}

const char* conflict_type_name(ConflictType t) {
  switch (t) {
    case ConflictType::missing_annotation: return "missing_annotation";
    case ConflictType::extra_annotation: return "extra_annotation";
    case ConflictType::mismatching_label: return "mismatching_label";
    case ConflictType::low_overlap: return "low_overlap";
    case ConflictType::mismatching_transcript: return "mismatching_transcript";
    case ConflictType::mismatching_attributes: return "mismatching_attributes";
    case ConflictType::mismatching_direction: return "mismatching_direction";
    case ConflictType::mismatching_groups: return "mismatching_groups";
    case ConflictType::covered_annotation: return "covered_annotation";
  }
  return "conflict";
}

const char* label_kind_name(LabelKind k) {
  switch (k) {
    case LabelKind::labels: return "labels";
    case LabelKind::objects: return "objects";
    case LabelKind::masks: return "masks";
    case LabelKind::spans: return "spans";
    case LabelKind::segments: return "segments";
    case LabelKind::transcripts: return "transcripts";
  }
  return "labels";
}

}  // namespace labelqa::metrics
