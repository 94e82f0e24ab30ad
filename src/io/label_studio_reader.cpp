#include "labelqa/io/label_studio_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/delivery_builder.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "parse_text.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <pugixml.hpp>
#include <optional>
#include <set>
#include <simdjson.h>

namespace labelqa::io {
namespace {

namespace dom = simdjson::dom;

std::string scalar_text(dom::element e) { return detail::json_text(e); }

// Reads bits most significant first, as thi.ng's bit stream writes them.
class BitReader {
 public:
  explicit BitReader(const std::vector<std::uint8_t>& bytes) : m_bytes(bytes) {}
  bool read(int n, std::uint32_t& out) {
    out = 0;
    for (int i = 0; i < n; ++i) {
      if (m_pos >= m_bytes.size() * 8) return false;
      const std::uint32_t bit = (m_bytes[m_pos >> 3] >> (7 - (m_pos & 7))) & 1u;
      out = (out << 1) | bit;
      ++m_pos;
    }
    return true;
  }

 private:
  const std::vector<std::uint8_t>& m_bytes;
  std::size_t m_pos = 0;
};

std::string task_name(const dom::object& task, std::size_t index) {
  std::int64_t id = 0;
  if (!task["id"].get(id)) return fmt::format("task {}", id);
  return fmt::format("task at position {}", index + 1);
}

// The file name of an image URL or path, without Label Studio's 8-hex upload prefix
// ("/data/upload/1/48c220e9-cat.jpg" -> "cat.jpg"), so tasks match other tools' exports.
std::string image_name(std::string_view url) {
  const auto q = url.find_first_of("?#");
  if (q != std::string_view::npos) url = url.substr(0, q);
  const auto slash = url.find_last_of("/\\");
  std::string name(slash == std::string_view::npos ? url : url.substr(slash + 1));
  const bool prefixed = name.size() > 9 && name[8] == '-' &&
                        std::all_of(name.begin(), name.begin() + 8, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (prefixed) name = name.substr(9);
  return name;
}

// The image's path as the task gives it, without query and Label Studio's upload prefix.
std::string image_path(std::string_view url) {
  const auto q = url.find_first_of("?#");
  if (q != std::string_view::npos) url = url.substr(0, q);
  const auto slash = url.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? std::string_view() : url.substr(0, slash + 1)) + image_name(url);
}

// A region's class: its labels sorted and joined by "|", or "(no label)".
std::string region_label(std::vector<std::string> labels) {
  if (labels.empty()) return "(no label)";
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const auto& l : labels) out += (out.empty() ? "" : "|") + l;
  return out;
}

class Reader {
 public:
  Reader(const LabelStudioOptions& options, LabelStudioData& out) : m_opt(options), m_out(out) {}

  void read_file(const Input& input, std::uint32_t file_index);
  void finish();

 private:
  struct Region {
    std::string id;
    std::string type;             // rectangle, polygon, brush, keypoint, ...
    dom::object value;            // the value holding the geometry
    std::vector<std::string> labels;
    std::optional<double> width, height;  // original_width/height
    std::string text;             // audio: the region's transcription (a textarea result with its id)
    std::optional<double> length;  // audio: original_length, the recording's duration in seconds
    std::string parent;           // keypoints: parentID, the region the point belongs to
    std::vector<ObjectAttribute> attributes;  // per-region choices and textareas (by control name)
  };
  // A keypoint result, held until every file is read: a class's keypoint names are all the point
  // labels its objects use.
  struct PendingPoint {
    std::string builder;          // internal annotator key
    std::uint32_t image = 0;
    std::string group;            // the object: the parent region's id, else the point's own
    std::string cls;              // the parent region's label, else the point's
    std::optional<geometry::Box> box;  // the parent rectangle, in pixels
    std::string label;            // the keypoint's name
    double x = 0, y = 0;          // pixels
    double width = 0, height = 0; // the image
    std::int64_t id = 0;
    std::string result_id;        // the object's result id (the parent's, else the point's)
    std::vector<ObjectAttribute> attributes;
  };
  std::vector<PendingPoint> m_points;
  void add_points();

  [[noreturn]] void fail(const std::string& task, const std::string& field, const std::string& message) const {
    throw InputError({.file = m_path, .item = task, .field = field}, message);
  }
  void skip(const std::string& reason, std::size_t n = 1) { m_skips[{m_path, reason}] += n; }
  std::string annotator_of(const dom::object& annotation, const std::string& task);
  void read_results(dom::array results, const std::string& annotator, const std::string& task, std::int64_t task_id,
                    std::uint32_t file_index, const std::optional<std::string>& image);
  DeliveryBuilder& builder(const std::string& annotator);
  void add_region(DeliveryBuilder& b, std::uint32_t image, const Region& r, std::int64_t id, const std::string& task);

  const LabelStudioOptions& m_opt;
  LabelStudioData& m_out;
  std::string m_path;
  std::map<std::pair<std::string, std::string>, std::size_t> m_skips;
  std::map<std::string, DeliveryBuilder> m_builders;  // by internal annotator key
  std::size_t m_anonymous = 0;                        // annotations without completed_by
  std::int64_t m_large_ids = 0;                       // objects of tasks whose id * 1000 would overflow
  static constexpr std::int64_t k_max_task_id = INT64_MAX / 1000 - 1;
  // Annotators are read per file: the same id in two files is two people. The key is
  // "file index \x1f name" until finish() gives each its name.
  static std::string internal(std::uint32_t file, const std::string& name) { return fmt::format("{}\x1f{}", file, name); }
  struct PendingLabel {
    std::string task, control, annotator, label;
    std::uint32_t file;
  };
  std::vector<PendingLabel> m_labels;
  std::set<std::string> m_controls;
  std::optional<std::string> m_task_text;  // data.text of the current task (text tasks)
  bool m_audio_task = false;               // the current task's data names audio (data.audio)
  bool m_frames_as_seconds = false;        // timelinelabels read without a frame rate
  std::string m_image_path;                // data.image of the current task, as image_path gives it
};

std::string Reader::annotator_of(const dom::object& annotation, const std::string& task) {
  dom::element who;
  if (annotation["completed_by"].get(who) || who.is_null()) {
    // Nobody is named: the annotation is its own annotator, never pooled with another.
    ++m_anonymous;
    dom::element id;
    if (!annotation["id"].get(id)) return fmt::format("anonymous {}", scalar_text(id));
    return fmt::format("anonymous {} #{}", task, m_anonymous);
  }
  if (who.is_object()) {
    dom::element v;
    if (!who[m_opt.annotator_field].get(v)) {
      std::string s = scalar_text(v);
      if (!s.empty()) return s;
    }
    if (m_opt.annotator_field != "id" && !who["id"].get(v)) return scalar_text(v);
    fail(task, "completed_by", fmt::format("completed_by has no \"{}\"", m_opt.annotator_field));
  }
  std::string s = scalar_text(who);
  if (s.empty()) fail(task, "completed_by", "expected a user id or an object with \"id\"");
  return s;
}

DeliveryBuilder& Reader::builder(const std::string& annotator) {
  auto it = m_builders.find(annotator);
  if (it == m_builders.end()) it = m_builders.emplace(annotator, DeliveryBuilder(annotator, m_path, "label-studio")).first;
  return it->second;
}

void Reader::read_file(const Input& input, std::uint32_t file_index) {
  const std::string& path = input.path;
  m_path = path;
  const MappedFile file(input);  // zero-padded as simdjson requires
  const std::string_view text = file.view();
  dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(text.data(), text.size(), false).get(doc)) {
    throw_json_error(text, path, simdjson::error_message(err));
  }
  // An export is a list of tasks; a single task object (as the editor saves one) is read as a list of one.
  std::vector<dom::element> tasks;
  dom::array list;
  if (!doc.get_array().get(list)) {
    for (dom::element t : list) tasks.push_back(t);
  } else if (doc.is_object()) {
    tasks.push_back(doc);
  } else {
    throw InputError({.file = path}, "expected a Label Studio export: a list of tasks");
  }
  std::size_t index = 0;
  for (dom::element t : tasks) {
    const std::size_t position = index++;
    dom::object task;
    if (t.get_object().get(task)) fail(fmt::format("task at position {}", position + 1), "", "expected a task object");
    const std::string name = task_name(task, position);
    std::int64_t task_id = static_cast<std::int64_t>(position + 1);
    if (task["id"].get(task_id)) task_id = static_cast<std::int64_t>(position + 1);
    ++m_out.tasks;
    std::optional<std::string> image;
    m_image_path.clear();
    dom::object data;
    m_task_text.reset();
    m_audio_task = false;
    if (!task["data"].get(data)) {
      std::string_view url;
      if (!data["image"].get(url)) {
        image = image_name(url);
        m_image_path = image_path(url);
      }
      std::string_view text;
      if (!image && !data["text"].get(text)) m_task_text = std::string(text);
      m_audio_task = !image && !m_task_text && (!data["audio"].error() || !data["video"].error());
    }
    dom::array annotations;
    bool any = false;
    for (const char* key : {"annotations", "completions"}) {
      if (task[key].get(annotations)) continue;
      any = true;
      for (dom::element a : annotations) {
        dom::object annotation;
        if (a.get_object().get(annotation)) fail(name, key, "expected an annotation object");
        bool cancelled = false;
        if (annotation["was_cancelled"].get(cancelled)) cancelled = false;
        if (cancelled) {
          skip("cancelled annotation (was_cancelled)");
          continue;
        }
        const std::string who = internal(file_index, annotator_of(annotation, name));
        dom::array results;
        if (annotation["result"].get(results)) fail(name, "result", "annotation without a \"result\" list");
        ++m_out.annotations;
        read_results(results, who, name, task_id, file_index, image);
      }
    }
    dom::array predictions;
    if (!task["predictions"].get(predictions)) {
      any = true;
      for (dom::element p : predictions) {
        if (!m_opt.include_predictions) {
          skip("prediction (use --include-predictions)");  // flag in report text
          continue;
        }
        dom::object prediction;
        if (p.get_object().get(prediction)) fail(name, "predictions", "expected a prediction object");
        std::string model = "model";
        dom::element version;
        if (!prediction["model_version"].get(version)) model = "model " + scalar_text(version);
        dom::array results;
        if (prediction["result"].get(results)) fail(name, "predictions.result", "prediction without a \"result\" list");
        read_results(results, internal(file_index, model), name, task_id, file_index, image);
      }
    }
    if (!any) fail(name, "annotations", "task without \"annotations\" (or \"completions\", \"predictions\")");
  }
}

void Reader::read_results(dom::array results, const std::string& annotator, const std::string& task, std::int64_t task_id,
                          std::uint32_t file_index, const std::optional<std::string>& image) {
  // One region may be split over several results sharing an id (a shape, its labels, per-region
  // choices): merge them by id, in order of first appearance.
  std::vector<Region> regions;
  std::map<std::string, std::size_t> region_of;
  struct Categorical {
    std::string id, control, label;
  };
  std::vector<Categorical> categorical;
  std::map<std::string, std::pair<std::string, std::string>> region_texts;  // textarea results by id: (control, text)
  struct FrameRange {
    std::int64_t first, last;
    std::string label;
  };
  std::vector<FrameRange> frame_ranges;  // video timelinelabels
  std::optional<double> task_width, task_height;
  for (dom::element e : results) {
    dom::object r;
    if (e.get_object().get(r)) fail(task, "result", "expected a result object");
    std::string_view type;
    if (r["type"].get(type)) fail(task, "result.type", "result without \"type\"");
    std::string id;
    dom::element idv;
    if (!r["id"].get(idv)) id = scalar_text(idv);
    std::string_view from_name;
    if (r["from_name"].get(from_name)) from_name = {};
    dom::object value;
    if (r["value"].get(value)) {
      if (type == "relation") {
        skip("relation result");
        continue;
      }
      fail(task, fmt::format("result {}.value", id), "result without a \"value\" object");
    }
    double w = 0, h = 0;
    std::optional<double> width, height;
    if (!r["original_width"].get(w)) width = w;
    if (!r["original_height"].get(h)) height = h;
    if (width && height && !task_width) {
      task_width = width;
      task_height = height;
    }
    static const std::set<std::string_view> shapes = {"rectangle", "polygon", "brush", "keypoint", "ellipse"};
    std::string shape(type);
    if (shape.size() > 6 && shape.compare(shape.size() - 6, 6, "labels") == 0 && shape != "labels") {
      shape = shape.substr(0, shape.size() - 6);  // rectanglelabels -> rectangle
    }
    if (type == "choices" || type == "rating" || type == "taxonomy") {
      if (!m_opt.control.empty() && from_name != m_opt.control) continue;
      std::vector<std::string> parts;
      if (type == "choices") {
        dom::array choices;
        if (value["choices"].get(choices)) fail(task, fmt::format("result {}.value.choices", id), "expected a list of choices");
        for (dom::element c : choices) parts.push_back(scalar_text(c));
      } else if (type == "rating") {
        dom::element rating;
        if (value["rating"].get(rating)) fail(task, fmt::format("result {}.value.rating", id), "expected a rating");
        parts.push_back(scalar_text(rating));
      } else {
        dom::array paths;
        if (value["taxonomy"].get(paths)) fail(task, fmt::format("result {}.value.taxonomy", id), "expected a list of paths");
        for (dom::element p : paths) {
          dom::array steps;
          std::string joined;
          if (p.get_array().get(steps)) fail(task, fmt::format("result {}.value.taxonomy", id), "expected a path (a list of names)");
          for (dom::element s : steps) joined += (joined.empty() ? "" : "/") + scalar_text(s);
          parts.push_back(joined);
        }
      }
      std::sort(parts.begin(), parts.end());
      parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
      std::string label;
      for (const auto& p : parts) label += (label.empty() ? "" : "|") + p;
      categorical.push_back({id, std::string(from_name), label});
    } else if (type == "timelinelabels") {
      // Video frame ranges (1-based, both ends included), one region per range.
      dom::array ranges, labels;
      if (value["ranges"].get(ranges)) fail(task, fmt::format("result {}.value.ranges", id), "timelinelabels need a list of frame ranges");
      std::vector<std::string> names;
      if (!value["timelinelabels"].get(labels)) {
        for (dom::element l : labels) names.push_back(scalar_text(l));
      }
      for (dom::element range : ranges) {
        std::int64_t first = 0, last = 0;
        if (range["start"].get(first) || range["end"].get(last)) {
          fail(task, fmt::format("result {}.value.ranges", id), "a frame range needs whole-number start and end frames");
        }
        frame_ranges.push_back({first, last, region_label(names)});
      }
    } else if (type == "textarea" && !id.empty()) {
      // A region's transcription (audio), joined to the region of its id after the loop.
      dom::array texts;
      region_texts[id].first = std::string(from_name);
      std::string& text = region_texts[id].second;
      if (!value["text"].get(texts)) {
        for (dom::element t : texts) text += (text.empty() ? "" : "\n") + scalar_text(t);
      }
    } else if (shapes.count(shape) || type == "labels") {
      auto [it, fresh] = region_of.emplace(id.empty() ? fmt::format("#{}", regions.size()) : id, regions.size());
      if (fresh) regions.push_back(Region{id, "", value, {}, width, height});
      Region& region = regions[it->second];
      if (shapes.count(shape)) {
        region.type = shape;
        region.value = value;
        if (width) region.width = width;
        if (height) region.height = height;
        std::string_view parent;
        if (!r["parentID"].get(parent)) region.parent = std::string(parent);
      }
      for (const char* key : {"rectanglelabels", "polygonlabels", "brushlabels", "keypointlabels", "ellipselabels", "labels"}) {
        dom::array labels;
        if (value[key].get(labels)) continue;
        for (dom::element l : labels) region.labels.push_back(scalar_text(l));
      }
      if (type == "labels" && !region.type.size()) {
        std::int64_t start = 0;
        double seconds = 0;
        dom::element startv;
        // Text spans give character offsets (integers) with the text; audio segments give seconds.
        if (!value["start"].get(startv) && !value["text"].error() && !startv.get(start)) region.type = "span";
        else if (!value["start"].get(seconds)) region.type = "segment";  // audio or video, in seconds
        double length = 0;
        if (!r["original_length"].get(length) && std::isfinite(length) && length >= 0) region.length = length;
      }
    } else {
      skip(fmt::format("{} result (not compared)", type));
    }
  }
  for (auto& [rid, text] : region_texts) {
    const auto it = region_of.find(rid);
    if (it == region_of.end()) {
      skip("textarea result (not compared)");
      continue;
    }
    Region& region = regions[it->second];
    if (region.type == "segment") {
      region.text = std::move(text.second);
    } else if (region.type != "span") {
      region.attributes.push_back({text.first.empty() ? "text" : text.first, std::move(text.second)});  // a region's note: an attribute
    } else {
      skip("textarea result (not compared)");
    }
  }
  for (const auto& c : categorical) {
    if (const auto it = region_of.find(c.id); it != region_of.end()) {
      Region& region = regions[it->second];
      if (region.type == "span" || region.type == "segment") {
        skip("per-region classification of a text span or time segment (not compared)");
      } else {
        region.attributes.push_back({c.control.empty() ? "choice" : c.control, c.label});  // per-region choices: an attribute
      }
      continue;
    }
    m_labels.push_back({std::to_string(task_id), c.control, annotator, c.label, file_index});
    m_controls.insert(c.control);
  }
  // Every submitted annotation of an image task registers its image, so one without regions counts
  // as "drew nothing". The task identifies the image; its URL's file name is the name shown and
  // matched across tools. Text and audio tasks have no image.
  const std::string task_key = fmt::format("task {}", task_id);
  const bool image_task = image || std::any_of(regions.begin(), regions.end(), [](const Region& r) { return r.type != "span" && r.type != "segment"; });
  DeliveryBuilder* b = image_task ? &builder(annotator) : nullptr;
  // A size outside the limits is reported with the region that gives it (add_region).
  const bool sized = task_width && task_height && !image_size_problem(std::round(*task_width), std::round(*task_height));
  const auto w = static_cast<std::uint32_t>(sized ? std::lround(*task_width) : 0);
  const auto h = static_cast<std::uint32_t>(sized ? std::lround(*task_height) : 0);
  const std::uint32_t img = b ? b->image(image ? *image : task_key, w, h, -1, task_key, m_image_path) : 0;
  std::int64_t n = 0;
  SpanRecord spans{annotator, std::to_string(task_id), m_task_text.value_or(""), {}, m_path, 0, task};
  SegmentRecord segments{annotator, std::to_string(task_id), m_path, std::nullopt, {}, {}, "label-studio"};
  for (const auto& f : frame_ranges) {
    // Frame f covers [(f - 1) / fps, f / fps); without a frame rate, the frame numbers themselves.
    const double fps = m_opt.frame_rate > 0 ? m_opt.frame_rate : 1.0;
    auto at = [&](std::int64_t frame) {
      const double t = static_cast<double>(frame) * 1e6 / fps;
      return std::fabs(t) < 9e15 ? static_cast<Micros>(std::llround(t)) : (t < 0 ? Micros{-9000000000000000} : Micros{9000000000000000});
    };
    const Micros start = at(f.first - 1), end = at(f.last);
    if (m_opt.frame_rate <= 0) m_frames_as_seconds = true;
    if (end <= start) {
      skip("segments whose end is not after their start (validate lists them)");
      segments.degenerate.push_back({start, end, f.label, 0, ""});
      continue;
    }
    segments.segments.push_back({start, end, f.label, 0, ""});
  }
  bool any_span = false;
  for (const auto& r : regions) {
    ++n;
    if (r.type == "segment") {
      auto seconds = [&](const char* key) {
        dom::element v;
        if (r.value[key].get(v)) fail(task, fmt::format("result {}.value.{}", r.id, key), "a segment needs start and end in seconds");
        // The number as the export writes it (no float drift), else the double it parses to.
        std::optional<Micros> t;
        if (v.is_int64() || v.is_uint64() || v.is_double()) t = parse_seconds(simdjson::to_string(v));
        if (!t) fail(task, fmt::format("result {}.value.{}", r.id, key), "expected a number of seconds");
        return *t;
      };
      const Micros start = seconds("start"), end = seconds("end");
      if (r.length) segments.duration = static_cast<Micros>(std::llround(*r.length * 1e6));
      const std::string label = region_label(r.labels);
      if (end <= start) {
        skip("segments whose end is not after their start (validate lists them)");
        segments.degenerate.push_back({start, end, label, 0, r.text});
        continue;
      }
      segments.segments.push_back({start, end, label, 0, r.text});
      continue;
    }
    if (r.type == "span") {
      any_span = true;
      std::int64_t start = 0, end = 0;
      if (r.value["end"].get(end)) fail(task, fmt::format("result {}.value.end", r.id), "a span needs integer start and end");
      if (r.value["start"].get(start)) start = 0;
      for (const auto& l : r.labels) spans.spans.push_back({start, end, l});
      continue;
    }
    // Objects are numbered task id * 1000 + position; task ids too large for that take numbers of their own.
    const std::int64_t id = task_id >= 0 && task_id < k_max_task_id ? task_id * 1000 + n : -(++m_large_ids);
    if (r.type == "keypoint") {
      // Held until every file is read (add_points); grouped under the parent region, when it has one.
      const std::string where = fmt::format("result {}", r.id);
      if (!r.width || !r.height || *r.width <= 0 || *r.height <= 0) {
        fail(task, where + ".original_width", "keypoint without original_width/original_height: percent coordinates cannot be converted to pixels");
      }
      double x = 0, y = 0;
      if (r.value["x"].get(x) || !std::isfinite(x)) fail(task, where + ".value.x", "expected a number");
      if (r.value["y"].get(y) || !std::isfinite(y)) fail(task, where + ".value.y", "expected a number");
      PendingPoint p;
      p.builder = annotator;
      p.image = img;
      p.label = region_label(r.labels);
      p.x = x / 100 * *r.width;
      p.y = y / 100 * *r.height;
      p.width = *r.width;
      p.height = *r.height;
      p.id = id;
      p.attributes = r.attributes;
      const auto parent = r.parent.empty() ? region_of.end() : region_of.find(r.parent);
      if (parent != region_of.end()) {
        const Region& pr = regions[parent->second];
        p.group = fmt::format("{}\x1f{}", task_id, pr.id);
        p.cls = region_label(pr.labels);
        p.result_id = pr.id;
        double bx = 0, by = 0, bw = 0, bh = 0;
        if (pr.type == "rectangle" && !pr.value["x"].get(bx) && !pr.value["y"].get(by) && !pr.value["width"].get(bw) && !pr.value["height"].get(bh)) {
          p.box = geometry::Box{bx / 100 * *r.width, by / 100 * *r.height, bw / 100 * *r.width, bh / 100 * *r.height};
        }
      } else {
        p.group = fmt::format("{}\x1f#{}", task_id, id);
        p.cls = p.label;
        p.result_id = r.id;
      }
      m_points.push_back(std::move(p));
      continue;
    }
    const std::size_t before = b->objects();
    add_region(*b, img, r, id, task);
    if (b->objects() > before) b->set_attributes(r.attributes);
    if (!r.id.empty()) b->name_id(id, r.id);  // findings and conflicts name the result id
  }
  if (any_span && !m_task_text) fail(task, "data.text", "text spans need the task's text in data.text");
  if (m_task_text) m_out.spans.push_back(std::move(spans));
  if (m_audio_task || !segments.segments.empty() || !segments.degenerate.empty()) m_out.segments.push_back(std::move(segments));
}

void Reader::add_region(DeliveryBuilder& b, std::uint32_t image, const Region& r, std::int64_t id, const std::string& task) {
  if (r.type.empty()) {
    skip("labels without a shape");
    return;
  }
  const std::string where = fmt::format("result {}", r.id);
  if (!r.width || !r.height || *r.width <= 0 || *r.height <= 0) {
    fail(task, where + ".original_width", "region without original_width/original_height: percent coordinates cannot be converted to pixels");
  }
  if (auto why = image_size_problem(std::round(*r.width), std::round(*r.height))) fail(task, where + ".original_width", *why);
  const double W = *r.width, H = *r.height;
  const std::int32_t cat = b.category(region_label(r.labels));
  auto number = [&](const char* key) {
    double v = 0;
    if (r.value[key].get(v) || !std::isfinite(v)) fail(task, fmt::format("{}.value.{}", where, key), "expected a number");
    return v;
  };
  if (r.type == "ellipse") {
    // x, y: the centre; radiusX/radiusY in percent of the width/height; rotation about the centre.
    double rotation = 0;
    if (r.value["rotation"].get(rotation)) rotation = 0;
    b.add_polygon(image, cat, {ellipse_polygon(number("x") / 100 * W, number("y") / 100 * H, number("radiusX") / 100 * W, number("radiusY") / 100 * H, rotation)}, id);
  } else if (r.type == "rectangle") {
    const geometry::Box box{number("x") / 100 * W, number("y") / 100 * H, number("width") / 100 * W, number("height") / 100 * H};
    double rotation = 0;
    if (r.value["rotation"].get(rotation)) rotation = 0;
    rotation = std::fmod(rotation, 360.0);
    if (rotation == 0) b.add_box(image, cat, box, id);
    else b.add_polygon(image, cat, {rotated_box_corners(box, rotation)}, id);
  } else if (r.type == "polygon") {
    dom::array points;
    if (r.value["points"].get(points)) fail(task, where + ".value.points", "expected a list of [x, y] points");
    std::vector<double> ring;
    for (dom::element p : points) {
      dom::array xy;
      double x = 0, y = 0;
      if (p.get_array().get(xy) || xy.size() != 2 || xy.at(0).get(x) || xy.at(1).get(y)) {
        fail(task, where + ".value.points", "expected [x, y] pairs of percentages");
      }
      ring.push_back(x / 100 * W);
      ring.push_back(y / 100 * H);
    }
    b.add_polygon(image, cat, {ring}, id);
  } else if (r.type == "brush") {
    std::string_view format;
    if (r.value["format"].get(format) || format != "rle") {
      skip("brush stroke not in RLE format");
      return;
    }
    if (auto why = mask_size_problem(W, H)) fail(task, where + ".value.rle", *why);
    dom::array rle;
    if (r.value["rle"].get(rle)) fail(task, where + ".value.rle", "expected a list of byte values");
    std::vector<std::uint8_t> bytes;
    bytes.reserve(rle.size());
    for (dom::element v : rle) {
      std::uint64_t x = 0;
      if (v.get(x) || x > 255) fail(task, where + ".value.rle", "expected byte values 0-255");
      bytes.push_back(static_cast<std::uint8_t>(x));
    }
    const auto w = static_cast<std::uint32_t>(std::lround(W)), h = static_cast<std::uint32_t>(std::lround(H));
    const auto alpha = decode_brush_rle(bytes, static_cast<std::size_t>(w) * h);
    if (alpha.size() != static_cast<std::size_t>(w) * h) {
      fail(task, where + ".value.rle", fmt::format("brush RLE does not decode to a {}x{} RGBA image", w, h));
    }
    // Column-major runs (COCO's order), background first, read straight off the row-major alpha.
    geometry::Rle mask;
    mask.h = h;
    mask.w = w;
    bool inside = false;
    std::uint32_t run = 0;
    for (std::uint32_t x = 0; x < w; ++x) {
      for (std::uint32_t y = 0; y < h; ++y) {
        if ((alpha[static_cast<std::size_t>(y) * w + x] >= m_opt.brush_threshold) != inside) {
          mask.counts.push_back(run);
          run = 0;
          inside = !inside;
        }
        ++run;
      }
    }
    mask.counts.push_back(run);
    b.add_mask(image, cat, std::move(mask), id);
  }
}

void Reader::add_points() {
  // Each keypoint class's names: COCO's 17 person keypoints in their order when every label is one
  // of them (so COCO's sigmas apply), else the labels in order of first use.
  static const std::vector<std::string> coco = {"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                                                "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
                                                "left_knee", "right_knee", "left_ankle", "right_ankle"};
  std::map<std::string, std::vector<std::string>> names;
  for (const auto& p : m_points) {
    auto& n = names[p.cls];
    if (std::find(n.begin(), n.end(), p.label) == n.end()) n.push_back(p.label);
  }
  for (auto& [cls, n] : names) {
    if (std::all_of(n.begin(), n.end(), [](const std::string& l) { return std::find(coco.begin(), coco.end(), l) != coco.end(); })) n = coco;
  }
  // Objects in order of their first point.
  std::map<std::pair<std::string, std::string>, std::vector<const PendingPoint*>> groups;
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& p : m_points) {
    auto& g = groups[{p.builder, p.group}];
    if (g.empty()) order.emplace_back(p.builder, p.group);
    g.push_back(&p);
  }
  for (const auto& key : order) {
    const auto& g = groups[key];
    const PendingPoint& first = *g.front();
    DeliveryBuilder& b = builder(first.builder);
    const auto& n = names[first.cls];
    std::vector<double> xyv(3 * n.size(), 0.0);
    std::vector<ObjectAttribute> attributes;
    for (const PendingPoint* p : g) {
      const auto k = static_cast<std::size_t>(std::find(n.begin(), n.end(), p->label) - n.begin());
      xyv[3 * k] = p->x;
      xyv[3 * k + 1] = p->y;
      xyv[3 * k + 2] = 2;
      attributes.insert(attributes.end(), p->attributes.begin(), p->attributes.end());
    }
    const std::int32_t cat = b.category(first.cls);
    b.keypoint_schema(first.cls, KeypointSchema{n, {}});
    if (first.box) {
      b.add_keypoints(first.image, cat, xyv, std::numeric_limits<double>::quiet_NaN(), first.id, first.box);
    } else if (g.size() == 1 && first.group.find("\x1f#") != std::string::npos) {
      // A point on its own: the image is its scale (as CVAT's points).
      b.add_keypoints(first.image, cat, xyv, first.width * first.height, first.id, geometry::Box{0, 0, first.width, first.height});
    } else {
      b.add_keypoints(first.image, cat, xyv, std::numeric_limits<double>::quiet_NaN(), first.id);
    }
    b.set_attributes(attributes);
    if (!first.result_id.empty()) b.name_id(first.id, first.result_id);
  }
  m_points.clear();
}

void Reader::finish() {
  add_points();
  if (m_frames_as_seconds) {
    m_out.warnings.push_back({"frames_without_frame_rate",
                              "video timelinelabels give frame ranges and no frame rate was given: their times are frame numbers (frame f is [f - 1, f)), "
                              "and the collar and durations are in frames too; give the video's frame rate to have seconds"});
  }
  // Each annotator's name: its id, qualified by its file's name when another file has the same id.
  std::map<std::string, std::set<std::uint32_t>> files_of;  // name -> files
  auto split = [](const std::string& key) {
    const auto sep = key.find('\x1f');
    return std::make_pair(static_cast<std::uint32_t>(std::stoul(key.substr(0, sep))), key.substr(sep + 1));
  };
  std::set<std::string> keys;
  for (const auto& [key, b] : m_builders) keys.insert(key);
  for (const auto& l : m_labels) keys.insert(l.annotator);
  for (const auto& r : m_out.spans) keys.insert(r.annotator);
  for (const auto& r : m_out.segments) keys.insert(r.annotator);
  for (const auto& key : keys) {
    auto [file, name] = split(key);
    files_of[name].insert(file);
  }
  std::map<std::string, std::string> shown;
  for (const auto& key : keys) {
    auto [file, name] = split(key);
    shown[key] = files_of[name].size() > 1 ? fmt::format("{}:{}", annotator_from_path(m_out.files[file]), name) : name;
  }
  for (const auto& [name, files] : files_of) {
    if (files.size() < 2) continue;
    std::vector<std::string> as;
    for (auto f : files) as.push_back(fmt::format("{}:{}", annotator_from_path(m_out.files[f]), name));
    m_out.warnings.push_back({"annotator_in_several_files", fmt::format("annotator \"{}\" appears in {} files; read as {} different annotators: {}", name, files.size(),
                                                                        files.size(), fmt::join(as, ", "))});
  }
  if (m_anonymous) {
    m_out.warnings.push_back({"anonymous_annotator", fmt::format("{} annotation(s) name no annotator (no completed_by); each is read as its own anonymous annotator", m_anonymous)});
  }
  for (auto& r : m_out.spans) r.annotator = shown[r.annotator];
  for (auto& r : m_out.segments) r.annotator = shown[r.annotator];
  // Categorical results: item = task id, or task id/control when the export has several controls.
  const bool several = m_controls.size() > 1;
  for (auto& l : m_labels) {
    LabelRecord rec;
    rec.item = several ? l.task + "/" + l.control : l.task;
    rec.annotator = shown[l.annotator];
    rec.label = l.label;
    rec.file = l.file;
    m_out.labels.push_back(std::move(rec));
  }
  for (auto& [key, b] : m_builders) {
    m_out.deliveries.push_back(b.finish());
    m_out.deliveries.back().objects.name = shown[key];
  }
  for (const auto& [key, count] : m_skips) m_out.skipped.push_back({key.first, key.second, count});
}

}  // namespace

std::vector<std::uint8_t> decode_brush_rle(const std::vector<std::uint8_t>& bytes, std::size_t expected_pixels) {
  BitReader in(bytes);
  std::uint32_t n = 0, word = 0;
  if (!in.read(32, n) || !in.read(5, word)) return {};
  const int word_bits = static_cast<int>(word) + 1;
  int run_bits[4];
  for (int& r : run_bits) {
    std::uint32_t v = 0;
    if (!in.read(4, v)) return {};
    r = static_cast<int>(v) + 1;
  }
  // The header's pixel count is checked before anything is allocated: against the image's size
  // when known, and always against the largest mask one run-length code may decode to.
  if (n % 4 != 0 || n / 4 > k_max_mask_pixels || (expected_pixels && n / 4 != expected_pixels)) return {};
  std::vector<std::uint8_t> alpha(n / 4);
  std::uint32_t i = 0;
  auto put = [&](std::uint32_t v) {
    if (i % 4 == 3) alpha[i / 4] = static_cast<std::uint8_t>(std::min<std::uint32_t>(v, 255));
    ++i;
  };
  while (i < n) {
    std::uint32_t repeat = 0, size = 0, len = 0;
    if (!in.read(1, repeat) || !in.read(2, size) || !in.read(run_bits[size], len)) return {};
    ++len;
    if (len > n - i) return {};
    if (repeat) {
      std::uint32_t v = 0;
      if (!in.read(word_bits, v)) return {};
      for (std::uint32_t k = 0; k < len; ++k) put(v);
    } else {
      for (std::uint32_t k = 0; k < len; ++k) {
        std::uint32_t v = 0;
        if (!in.read(word_bits, v)) return {};
        put(v);
      }
    }
  }
  return alpha;
}

std::set<std::string> read_label_config(const std::string& path) {
  const MappedFile file(path);
  pugi::xml_document doc;
  const auto text = file.view();
  if (!doc.load_buffer(text.data(), text.size())) throw InputError({.file = path}, "expected a Label Studio labeling config (XML)", Defect::broken_file);
  std::set<std::string> out;
  for (const auto& n : doc.select_nodes("//Label | //Choice")) {
    const std::string value = n.node().attribute("value").value();
    if (!value.empty()) out.insert(value);
  }
  if (!doc.child("View") || out.empty()) throw InputError({.file = path}, "expected a Label Studio labeling config: a <View> with <Label> or <Choice> values");
  return out;
}

bool looks_like_label_studio(const std::string& path) {
  MappedFile f(path);
  auto head = f.view().substr(0, 1 << 16);
  const std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return false;
  auto has = [&](std::string_view key) { return head.find(key) != std::string_view::npos; };
  if (head[i] == '[') return has("\"data\"") && !has("\"image_id\"");  // a list of tasks, not COCO results
  // A single task as the editor saves it: annotations holding "result" lists, no COCO "images".
  return head[i] == '{' && has("\"annotations\"") && (has("\"result\"") || has("\"data\"")) && !has("\"images\"");
}

LabelStudioData read_label_studio(const std::vector<std::string>& paths, const LabelStudioOptions& options) {
  return read_label_studio_inputs(inputs_of(paths), options);
}

LabelStudioData read_label_studio_inputs(const std::vector<Input>& inputs, const LabelStudioOptions& options) {
  LabelStudioData out;
  Reader reader(options, out);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.files.push_back(inputs[i].path);
    reader.read_file(inputs[i], static_cast<std::uint32_t>(i));
  }
  reader.finish();
  return out;
}

}  // namespace labelqa::io
