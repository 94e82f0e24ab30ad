// CI formats (see ci_formats.hpp).
#include "labelqa/report/ci_formats.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace labelqa::report {
namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// FNV-1a over the parts, each followed by a separator byte, from the given basis.
std::uint64_t fnv1a(std::uint64_t basis, const std::vector<std::string_view>& parts) {
  std::uint64_t h = basis;
  for (const auto part : parts) {
    for (const char c : part) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= 0x1f;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// A relative reference to the file as SARIF's artifactLocation.uri wants it: percent-encoded
// outside RFC 3986's unreserved characters and '/'.
std::string uri_of(std::string_view path) {
  std::string out;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string logical_name(const CiResult& r) {
  if (r.item.empty()) return r.annotation.empty() ? std::string() : "annotation " + r.annotation;
  return r.annotation.empty() ? r.item : r.item + " / annotation " + r.annotation;
}

}  // namespace

std::string CiFingerprints::next(const CiResult& r) {
  const std::vector<std::string_view> parts{r.rule, r.file, r.item, r.annotation, r.message};
  const std::string base = fmt::format("{:016x}{:016x}", fnv1a(0xcbf29ce484222325ULL, parts), fnv1a(0x84222325cbf29ce4ULL, parts));
  const std::size_t n = m_seen[base]++;
  if (n == 0) return base;
  const std::string occurrence = std::to_string(n);
  const std::vector<std::string_view> again{base, occurrence};
  return fmt::format("{:016x}{:016x}", fnv1a(0xcbf29ce484222325ULL, again), fnv1a(0x84222325cbf29ce4ULL, again));
}

SarifStream::SarifStream(const io::Sink& sink, const std::vector<CiRule>& rules) : m_sink(sink) {
  json driver = {{"name", "labelqa"}, {"version", LABELQA_VERSION}};
  json r = json::array();
  for (const auto& rule : rules) {
    m_rule_index.emplace(rule.id, r.size());
    r.push_back({{"id", rule.id}, {"shortDescription", {{"text", rule.description}}}});
  }
  driver["rules"] = r;
  const std::string head = dump(json{{"tool", {{"driver", driver}}}});
  // The run's object without its closing brace: the results follow.
  m_sink(fmt::format("{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {},\n"
                     "      \"columnKind\": \"utf16CodeUnits\",\n      \"results\": [",
                     std::string_view(head).substr(0, head.size() - 1)));
}

void SarifStream::add(const CiResult& r) {
  json result = {{"ruleId", r.rule}, {"level", r.error ? "error" : "warning"}, {"message", {{"text", r.message}}}};
  if (const auto it = m_rule_index.find(r.rule); it != m_rule_index.end()) result["ruleIndex"] = it->second;
  json location = json::object();
  if (!r.file.empty()) {
    json physical = {{"artifactLocation", {{"uri", uri_of(r.file)}}}};
    if (r.line > 0) physical["region"] = {{"startLine", r.line}};
    location["physicalLocation"] = physical;
  }
  if (const std::string name = logical_name(r); !name.empty()) {
    location["logicalLocations"] = json::array({{{"name", r.annotation.empty() ? r.item : r.annotation}, {"fullyQualifiedName", name},
                                                 {"kind", r.annotation.empty() ? "object" : "member"}}});
  }
  if (!location.empty()) result["locations"] = json::array({location});
  result["partialFingerprints"] = {{"labelqaFingerprint/v1", m_fingerprints.next(r)}};
  m_sink(fmt::format("{}\n        {}", m_any ? "," : "", dump(result)));
  m_any = true;
}

void SarifStream::finish() { m_sink(m_any ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n"); }

CodeQualityStream::CodeQualityStream(const io::Sink& sink) : m_sink(sink) { m_sink("["); }

void CodeQualityStream::add(const CiResult& r) {
  std::string description = r.message;
  if (const std::string name = logical_name(r); !name.empty()) description = name + ": " + description;
  const json issue = {{"type", "issue"},
                      {"description", description},
                      {"check_name", r.rule},
                      {"categories", json::array({"Bug Risk"})},
                      {"fingerprint", m_fingerprints.next(r)},
                      {"severity", r.error ? "major" : "minor"},
                      {"location", {{"path", r.file}, {"lines", {{"begin", r.line > 0 ? r.line : 1}}}}}};
  m_sink(fmt::format("{}\n  {}", m_any ? "," : "", dump(issue)));
  m_any = true;
}

void CodeQualityStream::finish() { m_sink(m_any ? "\n]\n" : "]\n"); }

std::string github_command(const CiResult& r) {
  // GitHub's escaping: data escapes %, CR and LF; property values also ':' and ','.
  auto data = [](std::string_view s) {
    std::string out;
    for (const char c : s) {
      if (c == '%') out += "%25";
      else if (c == '\r') out += "%0D";
      else if (c == '\n') out += "%0A";
      else out += c;
    }
    return out;
  };
  auto property = [&](std::string_view s) {
    std::string out;
    for (const char c : data(s)) {
      if (c == ':') out += "%3A";
      else if (c == ',') out += "%2C";
      else out += c;
    }
    return out;
  };
  std::string props;
  if (!r.file.empty()) props += "file=" + property(r.file);
  if (!r.file.empty() && r.line > 0) props += fmt::format(",line={}", r.line);
  props += std::string(props.empty() ? "" : ",") + "title=" + property("labelqa " + r.rule);
  std::string message = r.message;
  if (const std::string name = logical_name(r); !name.empty()) message = name + ": " + message;
  return fmt::format("::{} {}::{}\n", r.error ? "error" : "warning", props, data(message));
}

}  // namespace labelqa::report
