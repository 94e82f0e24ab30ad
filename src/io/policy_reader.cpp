#include "json_document.hpp"
#include "labelqa/io/policy_reader.hpp"
#include "labelqa/io/line_index.hpp"

#include "labelqa/error.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace labelqa::io {
namespace {

// One policy key's value, whichever file format it came from.
struct PolicyValue {
  enum Kind { number, integer, string, boolean, other } kind = other;
  double num = 0;
  long long integer_value = 0;
  std::string text;
};

// Checks a policy's keys and values; `where` names a key's place for messages.
class PolicyBuilder {
 public:
  explicit PolicyBuilder(std::string path) : m_path(std::move(path)) {}

  [[noreturn]] void fail(const Location& at, const std::string& msg) const { throw InputError(at, msg); }

  double number(const Location& at, const std::string& key, const PolicyValue& v, double lo, double hi) const {
    if (v.kind != PolicyValue::number && v.kind != PolicyValue::integer) fail(at, fmt::format("\"{}\" must be a number", key));
    const double x = v.kind == PolicyValue::integer ? static_cast<double>(v.integer_value) : v.num;
    if (!std::isfinite(x) || x < lo || x > hi) fail(at, fmt::format("\"{}\" must lie in [{}, {}], got {}", key, lo, hi, x));
    return x;
  }
  long long count(const Location& at, const std::string& key, const PolicyValue& v) const {
    if (v.kind != PolicyValue::integer || v.integer_value < 0) fail(at, fmt::format("\"{}\" must be a whole number >= 0", key));
    return v.integer_value;
  }
  std::string text(const Location& at, const std::string& key, const PolicyValue& v, const std::set<std::string>& allowed = {}) const {
    if (v.kind != PolicyValue::string || v.text.empty()) fail(at, fmt::format("\"{}\" must be a non-empty string", key));
    if (!allowed.empty() && !allowed.count(v.text)) {
      fail(at, fmt::format("\"{}\" must be one of {}, got \"{}\"", key, fmt::join(allowed, ", "), v.text));
    }
    return v.text;
  }

  void top(const Location& at, const std::string& key, const PolicyValue& v, GoldPolicy& p) const {
    if (key == "iou_threshold") {
      p.iou_threshold = number(at, key, v, 0, 1);
    } else if (key == "low_overlap") {
      p.low_overlap = number(at, key, v, 0, 1);
    } else if (key == "min_items") {
      p.min_items = count(at, key, v);
    } else if (key == "compare") {
      p.compare = text(at, key, v, {"value", "ci_low"});
    } else if (key == "max_gold_missing") {
      p.max_gold_missing = count(at, key, v);
    } else if (key == "on_insufficient") {
      p.insufficient_fails = text(at, key, v, {"fail", "warn"}) == "fail";
    } else {
      fail(at, fmt::format("unknown key \"{}\" (expected iou_threshold, low_overlap, min_items, compare, max_gold_missing, "
                           "on_insufficient, or [[rule]] tables)", key));
    }
  }

  void rule_key(const Location& at, const std::string& key, const PolicyValue& v, GoldRule& r, bool& has_min) const {
    if (key == "metric") {
      r.metric = text(at, key, v);
    } else if (key == "min") {
      r.min = number(at, key, v, -1e308, 1e308);
      has_min = true;
    } else if (key == "subject") {
      r.subject = text(at, key, v);
    } else if (key == "class") {
      r.cls = text(at, key, v);
    } else if (key == "compare") {
      r.compare = text(at, key, v, {"value", "ci_low"});
    } else {
      fail(at, fmt::format("unknown key \"{}\" in a rule (expected metric, min, subject, class, compare)", key));
    }
  }

  void finish_rule(const Location& at, GoldRule& r, bool has_min) const {
    if (r.metric.empty()) fail(at, "a rule needs \"metric\" (e.g. metric = \"accuracy\")");
    if (!has_min) fail(at, fmt::format("the rule on \"{}\" needs \"min\" (the lowest acceptable value)", r.metric));
    r.origin = at.line ? fmt::format("{}:{}", m_path, at.line) : fmt::format("{} {}", m_path, at.field);
  }

  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

PolicyValue toml_value(const toml::node& n) {
  PolicyValue v;
  if (auto i = n.as_integer()) {
    v.kind = PolicyValue::integer;
    v.integer_value = i->get();
  } else if (auto f = n.as_floating_point()) {
    v.kind = PolicyValue::number;
    v.num = f->get();
  } else if (auto s = n.as_string()) {
    v.kind = PolicyValue::string;
    v.text = s->get();
  } else if (n.is_boolean()) {
    v.kind = PolicyValue::boolean;
  }
  return v;
}

// The deepest key path of a TOML text (segments of a dotted key, a table header, keys of nested
// inline tables), found without parsing, and the line of it: toml++ recurses once per segment, so
// 50,000 of them would overflow the stack before it could say anything.
std::pair<std::size_t, std::size_t> toml_key_depth(std::string_view text) {
  std::size_t worst = 0, worst_line = 0, line = 1, depth = 1;
  bool key = true, header = false;
  std::vector<char> nest;  // open '{' and '[' of values
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      if (nest.empty()) key = true, header = false, depth = 1;
      continue;
    }
    if (c == '#') {  // a comment runs to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // a string: skip it (triple-quoted ones too)
      const bool triple = text.substr(i, 3) == std::string_view(std::string(3, c));
      const std::string_view close = triple ? std::string_view(c == '"' ? "\"\"\"" : "\'\'\'") : std::string_view(&text[i], 1);
      std::size_t j = i + (triple ? 3 : 1);
      while (j < text.size() && text.substr(j, close.size()) != close) {
        if (text[j] == '\n') ++line;
        if (c == '"' && text[j] == '\\') ++j;
        ++j;
      }
      i = j + close.size() - 1;
      continue;
    }
    if (key) {
      if (c == '[' && depth == 1 && nest.empty()) header = true;
      if (c == '.') ++depth;
      if (depth > worst) worst = depth, worst_line = line;
      if (c == '=' && !header) key = false, depth = 1;
      if (c == ']' && header) key = false, header = false, depth = 1;
      continue;
    }
    if (c == '{') nest.push_back('{'), key = true, depth = 1;
    else if (c == '[') nest.push_back('[');
    else if ((c == '}' || c == ']') && !nest.empty()) nest.pop_back();
    else if (c == ',' && !nest.empty() && nest.back() == '{') key = true, depth = 1;
  }
  return {worst, worst_line};
}

constexpr std::size_t k_max_key_depth = 64;

GoldPolicy read_toml(const Input& input) {
  const std::string& path = input.path;
  PolicyBuilder b(path);
  const MappedFile file(input);
  toml::table tbl;
  if (const auto [depth, line] = toml_key_depth(file.view()); depth > k_max_key_depth) {
    throw InputError({.file = path, .line = line}, fmt::format("a key nested {} levels deep: a policy's keys are read to at most {} levels", depth, k_max_key_depth));
  }
  try {
    tbl = toml::parse(file.view(), path);
  } catch (const toml::parse_error& e) {
    throw InputError({.file = path, .line = e.source().begin.line}, fmt::format("invalid TOML: {}", e.description()));
  }
  auto at = [&](const toml::source_region& src, const std::string& key) { return Location{.file = path, .line = src.begin.line, .field = key}; };
  GoldPolicy p;
  for (auto&& [key, node] : tbl) {
    const std::string k(key.str());
    if (k != "rule") {
      b.top(at(key.source(), k), k, toml_value(node), p);
      continue;
    }
    const toml::array* rules = node.as_array();
    if (!rules) b.fail(at(key.source(), k), "\"rule\" must be an array of tables: write each rule as [[rule]]");
    for (const toml::node& rn : *rules) {
      const toml::table* rt = rn.as_table();
      if (!rt) b.fail(at(rn.source(), k), "each rule must be a table ([[rule]] with metric, min, ...)");
      GoldRule r;
      bool has_min = false;
      for (auto&& [rk, rv] : *rt) {
        const std::string name(rk.str());
        b.rule_key(at(rk.source(), name), name, toml_value(rv), r, has_min);
      }
      b.finish_rule(at(rt->source(), "rule"), r, has_min);
      p.rules.push_back(std::move(r));
    }
  }
  return p;
}

PolicyValue json_value(const nlohmann::json& j) {
  PolicyValue v;
  if (j.is_number_integer()) {
    v.kind = PolicyValue::integer;
    v.integer_value = j.get<long long>();
  } else if (j.is_number()) {
    v.kind = PolicyValue::number;
    v.num = j.get<double>();
  } else if (j.is_string()) {
    v.kind = PolicyValue::string;
    v.text = j.get<std::string>();
  } else if (j.is_boolean()) {
    v.kind = PolicyValue::boolean;
  }
  return v;
}

GoldPolicy read_json(const Input& input) {
  const std::string& path = input.path;
  PolicyBuilder b(path);
  const MappedFile file(input);
  const std::string_view text = file.view();
  const nlohmann::json j = detail::parse_json_document(text, path, "an object with the policy keys and a \"rule\" list");
  auto at = [&](const std::string& pointer) { return Location{.file = path, .field = pointer}; };
  if (!j.is_object()) b.fail(at("/"), "the policy must be a JSON object");
  GoldPolicy p;
  for (const auto& [k, v] : j.items()) {
    if (k != "rule" && k != "rules") {
      b.top(at("/" + k), k, json_value(v), p);
      continue;
    }
    if (!v.is_array()) b.fail(at("/" + k), "the rules must be a list of objects");
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string where = fmt::format("/{}/{}", k, i);
      if (!v[i].is_object()) b.fail(at(where), "each rule must be an object with metric, min, ...");
      GoldRule r;
      bool has_min = false;
      for (const auto& [rk, rv] : v[i].items()) b.rule_key(at(where + "/" + rk), rk, json_value(rv), r, has_min);
      b.finish_rule(at(where), r, has_min);
      p.rules.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace

GoldPolicy read_policy(const Input& input) {
  const std::string& path = input.path;
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return json ? read_json(input) : read_toml(input);
}

}  // namespace labelqa::io
