// Renders `labelqa validate`: every finding as JSON and CSV (same columns, location flattened), and
// a terminal summary grouped by code and class that shows the first findings of each code.
// Findings reach the reports in report order, block by block: a delivery's findings can be written
// while its images are still being checked, and are never held whole. docs/validate.md documents
// every field.
#pragma once

#include "labelqa/io/atomic_file.hpp"
#include "labelqa/report/ci_formats.hpp"
#include "labelqa/validate/findings.hpp"
#include "labelqa/validate/sink.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace labelqa::report {

using validate::FindingTally;

struct ValidateReport {
  const FindingTally& tally;
  std::vector<std::string> inputs;
  std::size_t files = 0;        // files read (or attempted)
  std::size_t items = 0;        // images, frames and masks checked
  std::size_t annotations = 0;  // annotations checked
  bool fail_on_warning = false;
  std::vector<SkippedInput> skipped;  // what the readers left out
};

// Whether the findings fail the run: an error, or a warning with fail_on_warning.
bool validate_failed(const ValidateReport& rep);

// Writes the JSON and CSV reports (either sink may be null) from findings handed over in report
// order: a FindingSink that renders blocks of findings on any thread and writes them in turn.
// The reports a validate run writes; any may be null.
struct ValidateSinks {
  const io::Sink* json = nullptr;
  const io::Sink* csv = nullptr;
  const io::Sink* sarif = nullptr;   // SARIF 2.1.0
  const io::Sink* gitlab = nullptr;  // GitLab Code Quality
  // Keeps the first k_github_annotations errors and warnings as CI results (for GitHub's
  // workflow commands).
  std::vector<CiResult>* first_results = nullptr;
};

// The findings as CI results (rule = code).
CiResult ci_result(const validate::Finding& f);
std::vector<CiRule> validate_rules();

class ValidateWriter : public validate::FindingSink {
 public:
  ValidateWriter(const io::Sink* json, const io::Sink* csv) : ValidateWriter(ValidateSinks{json, csv}) {}
  explicit ValidateWriter(const ValidateSinks& sinks);
  std::unique_ptr<Prepared> prepare(std::span<const validate::Finding> findings) const override;
  void put(std::span<const validate::Finding> findings, const Prepared* prepared) override;
  // Ends the JSON report with its summary.
  void finish(const ValidateReport& rep);

 private:
  struct Rendered : Prepared {
    std::string json, csv;
  };
  void render(std::span<const validate::Finding> findings, Rendered& out) const;

  const io::Sink* m_json;
  const io::Sink* m_csv;
  std::optional<SarifStream> m_sarif;
  std::optional<CodeQualityStream> m_gitlab;
  std::vector<CiResult>* m_first = nullptr;
  std::size_t m_first_errors = 0, m_first_warnings = 0;
  bool m_any = false;  // a finding was written: the next JSON row follows a comma
};

// max_findings: findings shown per code (the files hold them all); the tally must keep as many.
std::string render_validate_text(const ValidateReport& rep, bool color, std::size_t max_findings);
// A markdown summary (a CI job summary): counts per code, and `first` (findings as CI results).
std::string render_validate_markdown(const ValidateReport& rep, const std::vector<CiResult>& first);

}  // namespace labelqa::report
