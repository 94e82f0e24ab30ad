#include "labelqa/io/span_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "parse_text.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <simdjson.h>

namespace labelqa::io {
namespace {

namespace dom = simdjson::dom;

std::string scalar_text(dom::element e) { return detail::json_text(e); }

bool integer(dom::element e, std::int64_t& out) {
  if (e.is_int64()) {
    out = e.get_int64().value_unsafe();
    return true;
  }
  if (e.is_double()) {
    const double d = e.get_double().value_unsafe();
    if (d == std::floor(d) && std::abs(d) < 1e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

bool is_triple_list(dom::element e) {
  dom::array a;
  if (e.get(a)) return false;
  for (dom::element x : a) {
    dom::array t;
    return !x.get(t) && t.size() >= 3;
  }
  return false;
}

class JsonlReader {
 public:
  JsonlReader(ExportData& out, SpanFormat format) : m_out(out), m_format(format) {}

  void read(const Input& input, const std::string& annotator) {
    const std::string& path = input.path;
    m_path = path;
    m_out.files.push_back(path);
    MappedFile file(input);
    const std::string_view text = file.view();
    std::size_t skipped = 0;
    for_each_line(text, [&](std::string_view record, std::uint64_t line) {
      if (record.find_first_not_of(" \t") == std::string_view::npos) return true;
      dom::element e;
      if (auto err = m_parser.parse(record.data(), record.size()).get(e)) {
        fail(line, "", "", fmt::format("malformed JSON: {}", simdjson::error_message(err)));
      }
      dom::object o;
      if (e.get(o)) fail(line, "", "", "expected one JSON object per line");
      if (!read_record(o, annotator, line)) ++skipped;
      return true;
    });
    if (skipped) m_out.skipped.push_back({path, "Prodigy answer reject or ignore", skipped});
  }

 private:
  [[noreturn]] void fail(std::uint64_t line, const std::string& item, const std::string& field, const std::string& message) const {
    throw InputError({.file = m_path, .line = line, .item = item, .field = field}, message);
  }

  bool read_record(dom::object o, const std::string& annotator, std::uint64_t line) {
    SpanRecord r;
    r.annotator = annotator;
    r.file = m_path;
    r.line = line;
    dom::element v;
    const char* id_key = m_format == SpanFormat::prodigy ? "_input_hash" : "id";
    r.document = !o[id_key].get(v) ? scalar_text(v) : std::string();
    if (r.document.empty()) r.document = std::to_string(line);
    std::string_view text;
    if (o["text"].get(text)) fail(line, r.document, "text", "expected a \"text\" string");
    r.text = std::string(text);
    if (m_format == SpanFormat::prodigy) {
      std::string_view answer;
      const bool has_answer = !o["answer"].get(answer);
      // textcat: a "label" question answered accept/reject, or "options" with the "accept"ed ones.
      // The answer is the rating; no spans are read.
      std::string_view question;
      dom::array accepted;
      if (o["spans"].get(v) && !o["label"].get(question)) {
        if (answer == "ignore") return false;
        if (!has_answer) fail(line, r.document, "answer", "a textcat record needs an \"answer\"");
        m_out.labels.push_back({fmt::format("{}/{}", r.document, question), annotator, std::string(answer), file_index(), static_cast<std::uint32_t>(line)});
        return true;
      }
      if (o["spans"].get(v) && !o["options"].get(v) && !o["accept"].get(accepted)) {
        if (answer == "ignore" || answer == "reject") return false;
        std::vector<std::string> chosen;
        for (dom::element c : accepted) chosen.push_back(scalar_text(c));
        std::sort(chosen.begin(), chosen.end());
        std::string label;
        for (const auto& c : chosen) label += (label.empty() ? "" : "|") + c;
        m_out.labels.push_back({r.document, annotator, label.empty() ? std::string("(none)") : label, file_index(), static_cast<std::uint32_t>(line)});
        return true;
      }
      if (has_answer && (answer == "reject" || answer == "ignore")) return false;
    }
    dom::array spans;
    if (!o["spans"].get(spans)) {
      for (dom::element s : spans) r.spans.push_back(span_object(s, r.document, line, "spans", "start", "end"));
    } else if (!o["entities"].get(spans)) {
      for (dom::element s : spans) r.spans.push_back(span_object(s, r.document, line, "entities", "start_offset", "end_offset"));
    } else {
      const char* key = !o["label"].get(v) ? "label" : !o["labels"].get(v) ? "labels" : nullptr;
      if (key) {
        if (v.get(spans)) fail(line, r.document, key, "expected a list of [start, end, label] triples");
        for (dom::element s : spans) {
          dom::array t;
          SpanRecord::Raw raw;
          if (s.get(t) || t.size() < 3 || !integer(t.at(0).value_unsafe(), raw.start) || !integer(t.at(1).value_unsafe(), raw.end)) {
            fail(line, r.document, key, "expected [start, end, label] with integer offsets");
          }
          raw.label = scalar_text(t.at(2).value_unsafe());
          r.spans.push_back(std::move(raw));
        }
      }
    }
    m_out.spans.push_back(std::move(r));
    return true;
  }

  SpanRecord::Raw span_object(dom::element s, const std::string& doc, std::uint64_t line, const char* list, const char* start,
                              const char* end) const {
    SpanRecord::Raw raw;
    dom::element v;
    if (s[start].get(v) || !integer(v, raw.start)) fail(line, doc, fmt::format("{}.{}", list, start), "expected an integer offset");
    if (s[end].get(v) || !integer(v, raw.end)) fail(line, doc, fmt::format("{}.{}", list, end), "expected an integer offset");
    if (s["label"].get(v) || (raw.label = scalar_text(v)).empty()) fail(line, doc, fmt::format("{}.label", list), "expected a label");
    return raw;
  }

  std::uint32_t file_index() const { return static_cast<std::uint32_t>(m_out.files.size() - 1); }

  ExportData& m_out;
  SpanFormat m_format;
  std::string m_path;
  dom::parser m_parser;
};

}  // namespace

bool decode_utf8(std::string_view s, std::vector<std::uint32_t>& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || (n > 0 && i + static_cast<std::size_t>(n) >= s.size())) return false;
    std::uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1Fu) : n == 2 ? (c & 0x0Fu) : (c & 0x07u);
    for (int k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(n) + 1;
  }
  return true;
}

bool looks_like_span_jsonl(const std::string& path, SpanFormat& format) {
  std::optional<MappedFile> file;
  try {
    file.emplace(path);  // without a byte order mark, decompressed when .gz
  } catch (const InputError&) {
    return false;
  }
  // Judge from the first records that say something: a record with "spans"/"_input_hash"
  // (Prodigy), "entities" or [start, end, label] triples (doccano) decides; a record whose
  // label list is empty says nothing; anything else is not a span file. Whole records are read,
  // however long (a long document with thousands of entities is one line), up to the first
  // k_records_judged that say nothing.
  // A file whose every record has an empty label list is a doccano file with no spans at all.
  constexpr int k_records_judged = 1000;
  const std::string_view head = file->view();
  dom::parser parser;
  std::size_t pos = 0;
  bool any_neutral = false;
  auto neutral_only = [&] {
    if (any_neutral) format = SpanFormat::doccano;
    return any_neutral;
  };
  for (int judged = 0; pos < head.size() && judged < k_records_judged; ++judged) {
    auto nl = head.find('\n', pos);
    if (nl == std::string::npos) nl = head.size();  // the last record, without a newline
    const std::string line(head.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    dom::object o;
    if (parser.parse(line).get(o)) return false;
    dom::element v;
    if (o["text"].get(v) || !v.is_string()) return false;
    if (!o["spans"].get(v) || !o["_input_hash"].get(v)) {
      format = SpanFormat::prodigy;
      return true;
    }
    if (!o["entities"].get(v)) {
      format = SpanFormat::doccano;
      return true;
    }
    bool neutral = false;
    for (const char* key : {"label", "labels"}) {
      if (o[key].get(v)) continue;
      if (is_triple_list(v)) {
        format = SpanFormat::doccano;
        return true;
      }
      dom::array arr;
      neutral = !v.get(arr) && arr.size() == 0;
    }
    if (!neutral) return false;
    any_neutral = true;
  }
  return neutral_only();
}

ExportData read_span_jsonl(const std::vector<std::string>& paths, const std::vector<std::string>& names, SpanFormat format) {
  return read_span_inputs(inputs_of(paths), names, format);
}

ExportData read_span_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names, SpanFormat format) {
  ExportData out;
  JsonlReader reader(out, format);
  for (std::size_t i = 0; i < inputs.size(); ++i) reader.read(inputs[i], names[i]);
  return out;
}

SpanSet build_spans(const std::vector<SpanRecord>& records, std::vector<SkippedInput> skipped) {
  SpanSet set;
  set.skipped = std::move(skipped);
  std::map<std::string, std::int32_t> labels;
  std::map<std::pair<int, std::string>, int> annotators;  // by (role rank, name): the gold first
  struct Doc {
    const SpanRecord* first = nullptr;
  };
  std::map<std::string, Doc> docs;
  for (const auto& r : records) {
    annotators.emplace(std::pair(role_rank(r.role), r.annotator), 0);
    auto [it, fresh] = docs.emplace(r.document, Doc{&r});
    if (!fresh && it->second.first->text != r.text) {
      const SpanRecord& f = *it->second.first;
      throw InputError({.file = r.file, .line = r.line, .item = r.document, .field = "text"},
                       fmt::format("the text differs from the same record in {}{} (records are matched by id, else by line)", f.file,
                                   f.line ? fmt::format(" line {}", f.line) : f.where.empty() ? "" : " " + f.where));
    }
    for (const auto& s : r.spans) labels.emplace(s.label, 0);
  }
  for (auto& [name, idx] : labels) {
    idx = static_cast<std::int32_t>(set.labels.size());
    set.labels.push_back(name);
  }
  for (auto& [key, idx] : annotators) {
    idx = static_cast<int>(set.annotators.size());
    set.annotators.push_back(key.second);
  }
  for (const auto& r : records) {
    if (r.role == Role::gold) set.gold = annotators[std::pair(role_rank(r.role), r.annotator)];
  }
  // Documents by id, numerically when every id is a number.
  std::vector<std::string> ids;
  for (const auto& [id, d] : docs) ids.push_back(id);
  const bool numeric = std::all_of(ids.begin(), ids.end(), [](const std::string& s) {
    return !s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  });
  if (numeric) std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  std::map<std::string, std::size_t> doc_index;
  for (const auto& id : ids) {
    const SpanRecord& r = *docs[id].first;
    SpanDocument d;
    d.id = id;
    d.text = r.text;
    if (!decode_utf8(d.text, d.code_points)) throw InputError({.file = r.file, .line = r.line, .item = id, .field = "text"}, "the text is not valid UTF-8");
    doc_index[id] = set.documents.size();
    set.documents.push_back(std::move(d));
  }
  const std::size_t A = set.annotators.size(), D = set.documents.size();
  set.spans.assign(A, std::vector<std::vector<Span>>(D));
  set.has.assign(A, std::vector<std::uint8_t>(D, 0));
  std::vector<std::vector<const SpanRecord*>> seen(A, std::vector<const SpanRecord*>(D, nullptr));
  for (const auto& r : records) {
    const auto a = static_cast<std::size_t>(annotators[std::pair(role_rank(r.role), r.annotator)]);
    const std::size_t d = doc_index[r.document];
    if (seen[a][d]) {
      const SpanRecord& f = *seen[a][d];
      throw InputError({.file = r.file, .line = r.line, .item = r.document},
                       fmt::format("annotator \"{}\" has this record twice (first in {}{})", r.annotator, f.file, f.line ? fmt::format(" line {}", f.line) : ""));
    }
    seen[a][d] = &r;
    set.has[a][d] = 1;
    const auto n = static_cast<std::int64_t>(set.documents[d].code_points.size());
    auto& out = set.spans[a][d];
    for (const auto& s : r.spans) {
      if (s.start < 0 || s.end <= s.start || s.end > n) {
        throw InputError({.file = r.file, .line = r.line, .item = r.document, .field = "label"},
                         fmt::format("span [{}, {}) \"{}\" does not lie in the text (0 <= start < end <= {} characters)", s.start, s.end, s.label, n));
      }
      out.push_back({static_cast<std::uint32_t>(s.start), static_cast<std::uint32_t>(s.end), labels[s.label]});
    }
    std::sort(out.begin(), out.end(), [](const Span& x, const Span& y) {
      return std::tie(x.start, x.end, x.label) < std::tie(y.start, y.end, y.label);
    });
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return set;
}

}  // namespace labelqa::io
