// Findings in the formats CI systems read: SARIF 2.1.0 (GitHub code scanning and most code
// review tools), GitLab Code Quality JSON, and GitHub Actions workflow commands. `validate`
// findings and `gold` conflicts and rules are turned into CiResults; these writers know nothing
// of either. docs/ci.md documents every field.
#pragma once

#include "labelqa/io/atomic_file.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::report {

// A kind of result: SARIF's rule, GitLab's check_name.
struct CiRule {
  std::string id;
  std::string description;
};

// One located result.
struct CiResult {
  std::string rule;        // a CiRule id
  bool error = false;      // error, else warning
  std::string message;
  std::string file;        // the file as given on the command line or in the export; "" unknown
  std::uint64_t line = 0;  // 1-based; 0 unknown
  std::string item;        // image, frame, task or document
  std::string annotation;  // the annotation's id in its file
};

// Fingerprints stable across runs of the same input and unique within one output: a hash of the
// result's rule, file, item, annotation and message, and of how many equal results came before.
class CiFingerprints {
 public:
  std::string next(const CiResult& r);

 private:
  std::map<std::string, std::size_t> m_seen;
};

// SARIF 2.1.0, written as results come: one run, the rules in the driver, each result with its
// rule, level, message, physical location (file and line where known) and logical location
// (item / annotation), and a partial fingerprint.
class SarifStream {
 public:
  SarifStream(const io::Sink& sink, const std::vector<CiRule>& rules);
  void add(const CiResult& r);
  void finish();

 private:
  const io::Sink& m_sink;
  std::map<std::string, std::size_t> m_rule_index;
  CiFingerprints m_fingerprints;
  bool m_any = false;
};

// GitLab Code Quality: a JSON array of issues (description, check_name, fingerprint, severity
// "major" for errors and "minor" for warnings, location path and lines.begin: 1 when unknown).
class CodeQualityStream {
 public:
  explicit CodeQualityStream(const io::Sink& sink);
  void add(const CiResult& r);
  void finish();

 private:
  const io::Sink& m_sink;
  CiFingerprints m_fingerprints;
  bool m_any = false;
};

// GitHub Actions shows this many annotations of each kind per step.
inline constexpr std::size_t k_github_annotations = 10;
// The workflow command that makes GitHub show the result on the file
// (`::error file=F,line=L,title=T::message`), with GitHub's escaping.
std::string github_command(const CiResult& r);

}  // namespace labelqa::report
