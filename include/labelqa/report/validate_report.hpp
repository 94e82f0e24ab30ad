// Renders `labelqa validate`: every finding as JSON and CSV (same columns, location flattened), and
// a terminal summary grouped by code and class that shows the first findings of each code.
// docs/validate.md documents every field.
#pragma once

#include "labelqa/io/atomic_file.hpp"
#include "labelqa/validate/findings.hpp"

#include <string>
#include <vector>

namespace labelqa::report {

struct ValidateReport {
  const std::vector<validate::Finding>& findings;  // sorted
  std::vector<std::string> inputs;
  std::size_t files = 0;        // files read (or attempted)
  std::size_t items = 0;        // images, frames and masks checked
  std::size_t annotations = 0;  // annotations checked
  bool fail_on_warning = false;
};

// Whether the findings fail the run: an error, or a warning with fail_on_warning.
bool validate_failed(const ValidateReport& rep);

// The reports, streamed to `out` in blocks of findings (rendered in parallel, written in order).
void render_validate_json(const ValidateReport& rep, const io::Sink& out);
void render_validate_csv(const ValidateReport& rep, const io::Sink& out);
// max_findings: findings shown per code (the files hold them all).
std::string render_validate_text(const ValidateReport& rep, bool color, std::size_t max_findings);

}  // namespace labelqa::report
