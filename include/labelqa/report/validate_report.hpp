// Renders `labelqa validate`: every finding as JSON and CSV (same columns, location flattened), and
// a terminal summary grouped by code and class that shows the first findings of each code.
// Findings reach the reports in report order, block by block: a delivery's findings can be written
// while its images are still being checked, and are never held whole. docs/validate.md documents
// every field.
#pragma once

#include "labelqa/io/atomic_file.hpp"
#include "labelqa/validate/findings.hpp"

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace labelqa::report {

// What the summaries need of the findings: counts, and the first findings of each code.
struct FindingTally {
  std::size_t keep = 5;  // findings kept per code (for the terminal)
  std::size_t findings = 0, errors = 0, warnings = 0;
  std::array<std::size_t, validate::k_code_count> by_code{}, errors_by_code{};
  std::array<std::map<std::string, std::size_t>, validate::k_code_count> by_class;
  std::array<std::vector<validate::Finding>, validate::k_code_count> first;

  // Counts one finding (in any order).
  void count(const validate::Finding& f);
  // Adds counts gathered elsewhere (their `first` is ignored).
  void count(const FindingTally& other);
  // Keeps the finding if its code has fewer than `keep`: call in report order.
  void sample(const validate::Finding& f) {
    auto& v = first[static_cast<std::size_t>(f.code)];
    if (v.size() < keep) v.push_back(f);
  }
};

struct ValidateReport {
  const FindingTally& tally;
  std::vector<std::string> inputs;
  std::size_t files = 0;        // files read (or attempted)
  std::size_t items = 0;        // images, frames and masks checked
  std::size_t annotations = 0;  // annotations checked
  bool fail_on_warning = false;
};

// Whether the findings fail the run: an error, or a warning with fail_on_warning.
bool validate_failed(const ValidateReport& rep);

// Writes the JSON and CSV reports (either sink may be null) from findings handed over in report
// order, and tallies them.
class ValidateWriter {
 public:
  ValidateWriter(const io::Sink* json, const io::Sink* csv, std::size_t keep);
  // Renders and writes findings that come next in report order, on this thread.
  void put(const std::vector<validate::Finding>& findings);
  // The same for a long list, rendered in parallel blocks with a bounded number in flight.
  void put_all(const std::vector<validate::Finding>& findings);
  // One delivery's object checks: groups of images are checked and rendered in parallel while
  // earlier ones are written; `loose` (the delivery's other findings) are merged in where they
  // belong. No finding list of the whole delivery is ever held.
  void put_objects(const validate::ObjectChecks& checks, std::vector<validate::Finding> loose);
  // Ends the JSON report with its summary.
  void finish(const ValidateReport& rep);

  const FindingTally& tally() const { return m_tally; }

 private:
  // Consecutive lists of findings rendered on any thread, then written in order.
  struct Rendered {
    std::string json, csv;
    std::vector<std::pair<std::size_t, std::size_t>> ends;  // per list: the end of its JSON and CSV text
    FindingTally counts;                                    // counts only
  };
  using Span = std::pair<const validate::Finding*, const validate::Finding*>;
  Rendered render(const std::vector<Span>& lists) const;
  // Writes list k of `r` (whose findings are `list`) and keeps the first findings of each code;
  // the caller adds r's counts.
  void emit(const Rendered& r, std::size_t k, Span list);

  const io::Sink* m_json;
  const io::Sink* m_csv;
  FindingTally m_tally;
  bool m_any = false;  // a finding was written: the next JSON row follows a comma
};

// max_findings: findings shown per code (the files hold them all); the tally must keep as many.
std::string render_validate_text(const ValidateReport& rep, bool color, std::size_t max_findings);

}  // namespace labelqa::report
