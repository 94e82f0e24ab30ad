// Where validate's findings go: a FindingSink receives them in report order (file, item,
// annotation, code), block by block, so a delivery's findings are written while its images are
// still being checked and are never held whole. Sinks only render (report::ValidateWriter writes
// JSON and CSV); the counts and the first findings of each code are kept in a FindingTally.
#pragma once

#include "labelqa/validate/findings.hpp"

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace labelqa::validate {

// What the summaries need of the findings: counts, and the first findings of each code.
struct FindingTally {
  std::size_t keep = 5;  // findings kept per code (for the terminal)
  std::size_t findings = 0, errors = 0, warnings = 0;
  std::array<std::size_t, k_code_count> by_code{}, errors_by_code{};
  std::array<std::map<std::string, std::size_t>, k_code_count> by_class;
  std::array<std::vector<Finding>, k_code_count> first;

  // Counts one finding (in any order).
  void count(const Finding& f);
  // Adds counts gathered elsewhere (their `first` is ignored).
  void count(const FindingTally& other);
  // Keeps the finding if its code has fewer than `keep`: call in report order.
  void sample(const Finding& f) {
    auto& v = first[static_cast<std::size_t>(f.code)];
    if (v.size() < keep) v.push_back(f);
  }
};

class FindingSink {
 public:
  // What a sink makes of a block of findings ahead of its turn (its rendering).
  struct Prepared {
    virtual ~Prepared() = default;
  };
  virtual ~FindingSink() = default;
  // Called on worker threads, concurrently, for blocks not yet put: the work that need not wait
  // for the block's turn. The default prepares nothing.
  virtual std::unique_ptr<Prepared> prepare(std::span<const Finding> findings) const;
  // The next findings in report order, one call at a time, with what prepare() gave for exactly
  // these findings (null when they were not prepared).
  virtual void put(std::span<const Finding> findings, const Prepared* prepared) = 0;
};

// Hands sorted findings to the sink in blocks prepared in parallel (a bounded number in flight),
// counting them in `tally`.
void put_findings(const std::vector<Finding>& sorted, FindingSink& sink, FindingTally& tally);

// One delivery's object checks: groups of images are checked and prepared in parallel while
// earlier ones are put; `loose` (the delivery's other findings, sorted) are merged in where they
// belong. No finding list of the whole delivery is ever held.
void put_object_checks(const ObjectChecks& checks, std::vector<Finding> loose, FindingSink& sink, FindingTally& tally);

}  // namespace labelqa::validate
