// Time segments: RTTM, SRT, WebVTT and Praat TextGrid readers, and the SegmentSet builder (see
// segment_reader.hpp).
#include "labelqa/io/segment_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/paths.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>

namespace labelqa::io {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<SegmentFormat> format_of_name(const std::string& name) {
  const std::string ext = lower(fs::path(std::string(logical_name(name))).extension().string());
  if (ext == ".rttm") return SegmentFormat::rttm;
  if (ext == ".srt") return SegmentFormat::srt;
  if (ext == ".vtt") return SegmentFormat::webvtt;
  if (ext == ".textgrid") return SegmentFormat::textgrid;
  return std::nullopt;
}

// Lines of a text with their 1-based numbers; "\r\n" and "\r" end lines too.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    if (end == text.size()) break;
    at = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    if (at >= line.size()) break;
    std::size_t end = at;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    out.push_back(line.substr(at, end - at));
    at = end;
  }
  return out;
}

// The index of `file` in `files`, added at the end when it is not there yet.
std::uint32_t file_index(std::vector<std::string>& files, const std::string& file) {
  const auto at = std::find(files.begin(), files.end(), file);
  if (at != files.end()) return static_cast<std::uint32_t>(at - files.begin());
  files.push_back(file);
  return static_cast<std::uint32_t>(files.size() - 1);
}

struct Sink {
  std::vector<SkippedInput>& skipped;
  void skip(const std::string& file, const std::string& reason) {
    for (auto& s : skipped) {
      if (s.file == file && s.reason == reason) {
        ++s.count;
        return;
      }
    }
    skipped.push_back({file, reason, 1});
  }
};

void add_segment(SegmentRecord& rec, RawSegment seg, Sink& sink) {
  if (seg.end <= seg.start) {
    sink.skip(rec.file, "segments whose end is not after their start (validate lists them)");
    rec.degenerate.push_back(std::move(seg));
    return;
  }
  rec.segments.push_back(std::move(seg));
}

// RTTM: SPEAKER <file> <channel> <onset> <duration> <NA> <NA> <speaker> <NA> <NA> [...].
std::vector<SegmentRecord> read_rttm(const std::string& path, std::string_view text, const std::string& annotator, Sink& sink) {
  std::map<std::string, SegmentRecord> by_item;
  const auto lines = split_lines(text);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const auto line = static_cast<std::uint32_t>(k + 1);
    const auto f = fields_of(lines[k]);
    if (f.empty() || f[0].front() == '#') continue;
    if (f[0] != "SPEAKER") {
      sink.skip(path, fmt::format("RTTM {} records (only SPEAKER turns are compared)", f[0]));
      continue;
    }
    if (f.size() < 9) {
      throw InputError({.file = path, .line = line}, fmt::format("a SPEAKER record has {} fields; RTTM gives 10 (SPEAKER file channel onset "
                                                                 "duration <NA> <NA> speaker <NA> <NA>; the last may be left out)",
                                                                 f.size()));
    }
    const auto onset = parse_seconds(f[3]);
    const auto duration = parse_seconds(f[4]);
    if (!onset) throw InputError({.file = path, .line = line, .field = "onset"}, fmt::format("onset \"{}\" is not a number of seconds", f[3]));
    if (!duration) throw InputError({.file = path, .line = line, .field = "duration"}, fmt::format("duration \"{}\" is not a number of seconds", f[4]));
    std::string item(f[1]);
    if (f[2] != "1") item += fmt::format(":{}", f[2]);
    SegmentRecord& rec = by_item[item];
    rec.annotator = annotator;
    rec.item = item;
    rec.file = path;
    rec.format = "rttm";
    add_segment(rec, {*onset, *onset + *duration, std::string(f[7]), line, ""}, sink);
  }
  std::vector<SegmentRecord> out;
  for (auto& [item, rec] : by_item) out.push_back(std::move(rec));
  return out;
}

// "hh:mm:ss,mmm" (SRT) or "[hh:]mm:ss.mmm" (WebVTT) as microseconds.
std::optional<Micros> parse_timestamp(std::string_view s, bool vtt) {
  std::vector<std::string_view> parts;
  std::size_t at = 0;
  while (true) {
    const std::size_t colon = s.find(':', at);
    parts.push_back(s.substr(at, colon == std::string_view::npos ? std::string_view::npos : colon - at));
    if (colon == std::string_view::npos) break;
    at = colon + 1;
  }
  if (parts.size() != 3 && !(vtt && parts.size() == 2)) return std::nullopt;
  auto number = [](std::string_view d, int max_digits) -> std::optional<Micros> {
    if (d.empty() || static_cast<int>(d.size()) > max_digits) return std::nullopt;
    Micros v = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  std::string_view sec = parts.back();
  const std::size_t dot = sec.find(vtt ? '.' : ',');
  if (dot == std::string_view::npos && !(!vtt && sec.find('.') != std::string_view::npos)) return std::nullopt;
  const std::size_t sep = dot != std::string_view::npos ? dot : sec.find('.');
  const auto ss = number(sec.substr(0, sep), 2);
  const auto ms = number(sec.substr(sep + 1), 3);
  const auto mm = number(parts[parts.size() - 2], 2);
  const auto hh = parts.size() == 3 ? number(parts[0], 9) : std::optional<Micros>(0);
  if (!ss || !ms || !mm || !hh || *ss > 59 || *mm > 59 || sec.size() - sep - 1 != 3) return std::nullopt;
  return ((*hh * 3600 + *mm * 60 + *ss) * 1000 + *ms) * 1000;
}

// SRT and WebVTT cues: a timing line "start --> end [settings]" and the text lines after it.
SegmentRecord read_subtitles(const std::string& path, std::string_view text, const std::string& annotator, const std::string& item, bool vtt,
                             Sink& sink) {
  SegmentRecord rec{annotator, item, path, std::nullopt, {}, {}, vtt ? "webvtt" : "srt"};
  const auto lines = split_lines(text);
  std::size_t k = 0;
  if (vtt) {
    if (lines.empty() || trim(lines[0]).substr(0, 6) != "WEBVTT") {
      throw InputError({.file = path, .line = 1}, "a WebVTT file starts with the line WEBVTT");
    }
    k = 1;
  }
  while (k < lines.size()) {
    if (trim(lines[k]).empty()) {
      ++k;
      continue;
    }
    // A block: up to the next blank line.
    std::size_t end = k;
    while (end < lines.size() && !trim(lines[end]).empty()) ++end;
    std::size_t timing = k;
    while (timing < end && lines[timing].find("-->") == std::string_view::npos) ++timing;
    if (timing == end) {
      if (vtt) {
        const std::string_view head = trim(lines[k]);
        if (head.substr(0, 4) != "NOTE" && head.substr(0, 5) != "STYLE" && head.substr(0, 6) != "REGION") {
          sink.skip(path, "WebVTT blocks without a cue timing");
        }
      } else {
        throw InputError({.file = path, .line = static_cast<std::uint64_t>(k + 1)}, "an SRT block without a timing line (start --> end)");
      }
      k = end;
      continue;
    }
    if (!vtt && timing > k + 1) {
      throw InputError({.file = path, .line = static_cast<std::uint64_t>(k + 1)}, "an SRT block holds lines before its timing other than the cue number");
    }
    const std::string_view t = lines[timing];
    const std::size_t arrow = t.find("-->");
    const auto from = fields_of(t.substr(0, arrow));
    const auto to = fields_of(t.substr(arrow + 3));
    const auto line = static_cast<std::uint32_t>(timing + 1);
    std::optional<Micros> start = from.size() == 1 ? parse_timestamp(from[0], vtt) : std::nullopt;
    std::optional<Micros> stop = to.empty() ? std::nullopt : parse_timestamp(to[0], vtt);
    if (!start || !stop) {
      throw InputError({.file = path, .line = line, .field = "timing"},
                       fmt::format("expected a cue timing \"{}\", found \"{}\"", vtt ? "00:00:01.000 --> 00:00:04.000" : "00:00:01,000 --> 00:00:04,000", trim(t)));
    }
    std::string cue;
    for (std::size_t j = timing + 1; j < end; ++j) cue += (cue.empty() ? "" : "\n") + std::string(lines[j]);
    add_segment(rec, {*start, *stop, "cue", line, cue}, sink);
    k = end;
  }
  return rec;
}

// Praat TextGrid, long or short text format (UTF-8, or UTF-16 with a byte order mark). Both
// reduce to one sequence of values once keys, "=", and bracketed indices are dropped.
struct TgToken {
  enum Kind { number, string, flag } kind;
  std::string text;
  std::uint32_t line;
};

std::string utf16_to_utf8(std::string_view bytes, bool big_endian, const std::string& path) {
  std::string out;
  auto unit = [&](std::size_t i) {
    const auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
    return static_cast<std::uint32_t>(big_endian ? (a << 8 | b) : (b << 8 | a));
  };
  for (std::size_t i = 2; i + 1 < bytes.size(); i += 2) {
    std::uint32_t c = unit(i);
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 3 >= bytes.size()) throw InputError({.file = path}, "UTF-16 text ends inside a surrogate pair");
      const std::uint32_t lo = unit(i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) throw InputError({.file = path}, "UTF-16 text with an unpaired surrogate");
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      throw InputError({.file = path}, "UTF-16 text with an unpaired surrogate");
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::vector<TgToken> textgrid_tokens(std::string_view s, const std::string& path) {
  std::vector<TgToken> out;
  std::uint32_t line = 1;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '"') {
      // A string; "" inside it is one quote. Strings may span lines.
      const std::uint32_t at = line;
      std::string text;
      ++i;
      while (true) {
        if (i >= s.size()) throw InputError({.file = path, .line = at}, "a string that is never closed");
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            text += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (s[i] == '\n') ++line;
        text += s[i++];
      }
      out.push_back({TgToken::string, std::move(text), at});
    } else if (c == '[') {
      const std::size_t close = s.find(']', i);
      if (close == std::string_view::npos) throw InputError({.file = path, .line = line}, "a '[' that is never closed");
      i = close + 1;
    } else if (c == '<') {
      const std::size_t close = s.find('>', i);
      if (close == std::string_view::npos) throw InputError({.file = path, .line = line}, "a '<' that is never closed");
      out.push_back({TgToken::flag, std::string(s.substr(i + 1, close - i - 1)), line});
      i = close + 1;
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
      std::size_t end = i;
      while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != '\n' && s[end] != '\r') ++end;
      out.push_back({TgToken::number, std::string(s.substr(i, end - i)), line});
      i = end;
    } else if (c == '!') {
      while (i < s.size() && s[i] != '\n') ++i;  // a comment (short format)
    } else {
      ++i;  // keys, "=", ":", "?" and spaces
      if (std::isalpha(static_cast<unsigned char>(c))) {
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      }
    }
  }
  return out;
}

std::vector<SegmentRecord> read_textgrid(const std::string& path, std::string_view raw, const std::string& annotator, const std::string& stem,
                                         Sink& sink) {
  std::string converted;
  std::string_view text = raw;
  if (raw.size() >= 2 && ((raw[0] == '\xFF' && raw[1] == '\xFE') || (raw[0] == '\xFE' && raw[1] == '\xFF'))) {
    converted = utf16_to_utf8(raw, raw[0] == '\xFE', path);
    text = converted;
  } else {
    require_utf8(text, path);
  }
  const auto tokens = textgrid_tokens(text, path);
  std::size_t at = 0;
  auto fail = [&](const std::string& what) -> void {
    throw InputError({.file = path, .line = at < tokens.size() ? tokens[at].line : (tokens.empty() ? 0 : tokens.back().line)},
                     fmt::format("not a Praat TextGrid as expected: {}", what));
  };
  auto next_string = [&](const char* what) {
    if (at >= tokens.size() || tokens[at].kind != TgToken::string) fail(fmt::format("expected {} (a quoted string)", what));
    return tokens[at++].text;
  };
  auto next_time = [&](const char* what) {
    if (at >= tokens.size() || tokens[at].kind != TgToken::number) fail(fmt::format("expected {} (a number)", what));
    const auto v = parse_seconds(tokens[at].text);
    if (!v) fail(fmt::format("{} \"{}\" is not a number of seconds", what, tokens[at].text));
    ++at;
    return *v;
  };
  auto next_count = [&](const char* what) {
    if (at >= tokens.size() || tokens[at].kind != TgToken::number) fail(fmt::format("expected {} (a count)", what));
    std::uint64_t n = 0;
    const auto& t = tokens[at].text;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || p != t.data() + t.size()) fail(fmt::format("{} \"{}\" is not a count", what, t));
    ++at;
    // Every element takes at least three values: a count beyond that cannot be right.
    if (n > tokens.size()) fail(fmt::format("{} {} is more than the file holds", what, n));
    return static_cast<std::size_t>(n);
  };
  if (next_string("the file type") != "ooTextFile") fail("the file type is not \"ooTextFile\"");
  if (next_string("the object class") != "TextGrid") fail("the object class is not \"TextGrid\"");
  next_time("xmin");
  const Micros xmax = next_time("xmax");
  if (at < tokens.size() && tokens[at].kind == TgToken::flag) {
    if (tokens[at++].text != "exists") return {};  // <absent>: no tiers
  }
  const std::size_t tiers = next_count("the number of tiers");
  std::vector<SegmentRecord> out;
  std::set<std::string> names;
  for (std::size_t t = 0; t < tiers; ++t) {
    const std::string cls = next_string("a tier's class");
    const std::uint32_t tier_line = tokens[at - 1].line;
    std::string name = next_string("a tier's name");
    next_time("the tier's xmin");
    next_time("the tier's xmax");
    const std::size_t n = next_count("the number of intervals or points");
    if (cls == "TextTier") {
      for (std::size_t k = 0; k < n; ++k) {
        next_time("a point's time");
        next_string("a point's mark");
      }
      sink.skip(path, "TextGrid point tiers (points have no duration)");
      continue;
    }
    if (cls != "IntervalTier") fail(fmt::format("tier class \"{}\" is neither IntervalTier nor TextTier", cls));
    if (!names.insert(name).second) {
      throw InputError({.file = path, .line = tier_line, .field = "name"}, fmt::format("two tiers are named \"{}\": a tier is a layer named by its name", name));
    }
    SegmentRecord rec{annotator, stem.empty() ? name : stem + "/" + name, path, xmax, {}, {}, "textgrid"};
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t line = at < tokens.size() ? tokens[at].line : 0;
      const Micros a = next_time("an interval's xmin");
      const Micros b = next_time("an interval's xmax");
      std::string label = next_string("an interval's text");
      const std::string_view shown = trim(label);
      if (shown.empty()) continue;  // an empty interval is a gap
      add_segment(rec, {a, b, std::string(shown), line, ""}, sink);
    }
    out.push_back(std::move(rec));
  }
  if (at != tokens.size()) fail("values after the last tier");
  return out;
}

}  // namespace

const char* segment_format_name(SegmentFormat f) {
  switch (f) {
    case SegmentFormat::rttm: return "rttm";
    case SegmentFormat::srt: return "srt";
    case SegmentFormat::webvtt: return "webvtt";
    case SegmentFormat::textgrid: return "textgrid";
  }
  return "rttm";
}

std::optional<SegmentFormat> detect_segment_format(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return format_of_name(path);
  std::optional<SegmentFormat> found;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // A folder that also holds what other readers read (COCO or tool exports, tables) is no one format.
    if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson" || ext == ".xml" || ext == ".csv" || ext == ".tsv") return std::nullopt;
    const auto f = format_of_name(it->path().string());
    if (!f) continue;
    if (found && *found != *f) return std::nullopt;  // a mix is no one format
    found = f;
  }
  return found;
}

std::vector<SegmentRecord> read_segment_input(const std::string& path, const std::string& annotator, SegmentFormat format,
                                              std::vector<SkippedInput>& skipped) {
  Sink sink{skipped};
  std::vector<std::pair<std::string, std::string>> files;  // (path, item stem)
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::size_t others = 0;  // files of other kinds (audio, notes): counted, not read
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      if (format_of_name(it->path().string()) != format) {
        if (it->path().filename().string().rfind('.', 0) != 0) ++others;
        continue;
      }
      if (link_outside(it->path(), path)) {
        throw InputError({.file = it->path().string()}, fmt::format("a symbolic link that leads outside the delivery folder {}: not read", path))
            .with_setting("follow_symlinks");
      }
      fs::path rel = fs::relative(it->path(), path, ec);
      const std::string name(logical_name(rel.generic_string()));
      files.emplace_back(it->path().string(), fs::path(name).replace_extension().generic_string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError({.file = path}, fmt::format("a folder holding no {} files", segment_format_name(format)));
    if (others) skipped.push_back({path, fmt::format("files in the folder that are not {} (not read)", segment_format_name(format)), others});
  } else {
    files.emplace_back(path, "");  // one file: one recording, whatever the annotator named the file
  }
  std::vector<SegmentRecord> out;
  for (const auto& [file, stem] : files) {
    MappedFile mf(file);
    const std::string_view text = mf.view();
    std::vector<SegmentRecord> got;
    switch (format) {
      case SegmentFormat::rttm:
        require_utf8(text, file);
        got = read_rttm(file, text, annotator, sink);
        break;
      case SegmentFormat::srt:
      case SegmentFormat::webvtt:
        require_utf8(text, file);
        got.push_back(read_subtitles(file, text, annotator, stem.empty() ? "recording" : stem, format == SegmentFormat::webvtt, sink));
        break;
      case SegmentFormat::textgrid: got = read_textgrid(file, text, annotator, stem, sink); break;
    }
    for (auto& r : got) out.push_back(std::move(r));
  }
  return out;
}

namespace {

// A segment that ends before it starts is malformed: comparing it would be a guess. (One that
// ends where it starts is empty: left out, counted; validate lists both.)
void refuse_reversed(const std::vector<SegmentRecord>& records) {
  for (const auto& r : records) {
    for (const auto& s : r.degenerate) {
      if (s.end >= s.start) continue;
      throw InputError({.file = r.file, .line = s.line, .item = r.item},
                       fmt::format("a segment ends before it starts ({} s, then {} s); labelqa validate lists every such segment",
                                   format_seconds(s.start), format_seconds(s.end)));
    }
  }
}

}  // namespace

SegmentSet build_segments(const std::vector<SegmentRecord>& records, bool speakers, std::vector<std::string> files) {
  refuse_reversed(records);
  SegmentSet set;
  set.speakers = speakers;
  set.files = std::move(files);
  std::set<std::string> items, annotators, labels;
  for (const auto& r : records) {
    items.insert(r.item);
    annotators.insert(r.annotator);
    for (const auto& s : r.segments) labels.insert(s.label);
  }
  set.items.assign(items.begin(), items.end());
  set.annotators.assign(annotators.begin(), annotators.end());
  set.labels.assign(labels.begin(), labels.end());
  set.durations.assign(set.items.size(), -1);
  std::vector<std::string> duration_file(set.items.size());
  set.delivered.assign(set.items.size() * set.annotators.size(), 0);
  auto index = [](const std::vector<std::string>& v, const std::string& s) {
    return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), s) - v.begin());
  };
  std::map<std::pair<std::size_t, std::size_t>, std::string> first_file;  // (item, annotator) -> file
  for (const auto& r : records) {
    const std::size_t item = index(set.items, r.item), ann = index(set.annotators, r.annotator);
    const auto [it, fresh] = first_file.emplace(std::pair(item, ann), r.file);
    if (!fresh && it->second != r.file) {
      throw InputError({.file = r.file, .item = r.item},
                       fmt::format("annotator {} gives this recording here and in {}: one annotator's segments of a recording come from one file", r.annotator,
                                   it->second));
    }
    set.delivered[item * set.annotators.size() + ann] = 1;
    if (r.duration) {
      Micros& d = set.durations[item];
      if (d >= 0 && d != *r.duration) {
        throw InputError({.file = r.file, .item = r.item}, fmt::format("the recording lasts {} s here but {} s in {}", format_seconds(*r.duration),
                                                                       format_seconds(d), duration_file[item]));
      }
      d = *r.duration;
      duration_file[item] = r.file;
    }
    const std::uint32_t file = file_index(set.files, r.file);
    for (const auto& s : r.segments) {
      TimeSegment t;
      t.start = s.start;
      t.end = s.end;
      t.label = static_cast<std::int32_t>(index(set.labels, s.label));
      t.item = static_cast<std::uint32_t>(item);
      t.annotator = static_cast<std::int32_t>(ann);
      t.source = {file, s.line};
      if (!s.text.empty()) {
        set.texts.push_back(s.text);
        t.text = static_cast<std::uint32_t>(set.texts.size());
      }
      set.segments.push_back(t);
    }
  }
  std::stable_sort(set.segments.begin(), set.segments.end(), [](const TimeSegment& x, const TimeSegment& y) {
    return std::tie(x.item, x.annotator, x.start, x.end, x.label) < std::tie(y.item, y.annotator, y.start, y.end, y.label);
  });
  return set;
}

TranscriptSet transcripts_of_segments(const std::vector<SegmentRecord>& records, std::vector<std::string> files) {
  refuse_reversed(records);
  TranscriptSet set;
  set.files = std::move(files);
  std::set<std::string> annotators;
  bool any_text = false;
  for (const auto& r : records) {
    annotators.insert(r.annotator);
    for (const auto& s : r.segments) any_text = any_text || !s.text.empty();
  }
  if (!any_text) {
    throw InputError({.file = records.empty() ? std::string() : records.front().file},
                     "no segment has text to compare as a transcript (subtitle cues and transcribed regions have; RTTM turns do not)");
  }
  set.annotators.assign(annotators.begin(), annotators.end());
  std::map<std::string, std::uint32_t> item_of;
  for (const auto& r : records) {
    const auto [it, fresh] = item_of.emplace(r.item, static_cast<std::uint32_t>(set.items.size()));
    if (fresh) set.items.push_back(r.item);
    std::vector<const RawSegment*> order;
    for (const auto& s : r.segments) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const RawSegment* x, const RawSegment* y) { return std::tie(x->start, x->end) < std::tie(y->start, y->end); });
    Transcript t;
    t.item = it->second;
    t.annotator = static_cast<std::int32_t>(std::lower_bound(set.annotators.begin(), set.annotators.end(), r.annotator) - set.annotators.begin());
    for (const RawSegment* s : order) {
      if (s->text.empty()) continue;
      t.text += (t.text.empty() ? "" : " ") + s->text;
    }
    t.source = {file_index(set.files, r.file), r.segments.empty() ? 0 : r.segments.front().line};
    set.transcripts.push_back(std::move(t));
  }
  std::stable_sort(set.transcripts.begin(), set.transcripts.end(), [](const Transcript& x, const Transcript& y) {
    return std::tie(x.item, x.annotator) < std::tie(y.item, y.annotator);
  });
  return set;
}

std::map<std::string, Micros> read_durations(const std::string& path) {
  MappedFile mf(path);
  require_utf8(mf.view(), path);
  std::map<std::string, Micros> out;
  const auto lines = split_lines(mf.view());
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string_view line = trim(lines[k]);
    if (line.empty()) continue;
    const std::size_t comma = line.rfind(',');
    const auto at = static_cast<std::uint64_t>(k + 1);
    const std::string item(comma == std::string_view::npos ? line : trim(line.substr(0, comma)));
    const auto seconds = comma == std::string_view::npos ? std::nullopt : parse_seconds(trim(line.substr(comma + 1)));
    if (!seconds || *seconds < 0) {
      if (k == 0 || (out.empty() && trim(lines[0]).empty())) continue;  // a header
      throw InputError({.file = path, .line = at, .field = "duration"}, "expected a line item,seconds (a duration of 0 or more seconds)");
    }
    if (!out.emplace(item, *seconds).second) throw InputError({.file = path, .line = at, .item = item}, "this recording's duration is given twice");
  }
  return out;
}

void apply_durations(SegmentSet& set, const std::map<std::string, Micros>& durations, const std::string& path) {
  for (std::size_t i = 0; i < set.items.size(); ++i) {
    const auto it = durations.find(set.items[i]);
    if (it == durations.end()) continue;
    if (set.durations[i] >= 0 && set.durations[i] != it->second) {
      throw InputError({.file = path, .item = set.items[i]},
                       fmt::format("the recording lasts {} s here but {} s in its input", format_seconds(it->second), format_seconds(set.durations[i])));
    }
    set.durations[i] = it->second;
  }
}

}  // namespace labelqa::io
