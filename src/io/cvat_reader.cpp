#include "labelqa/io/cvat_reader.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/delivery_builder.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "parse_text.hpp"
#include "labelqa/io/zip_archive.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <sstream>

namespace labelqa::io {
namespace {

namespace fs = std::filesystem;
using detail::parse_double;
using detail::trim;

std::string cvat_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return (fs::path(path) / "annotations.xml").string();
  return path;
}

bool is_zip(const std::string& path) { return fs::path(path).extension() == ".zip"; }

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A shape of a track at one keyframe (or a plain shape of an image).
struct Shape {
  pugi::xml_node node;
  std::string type;     // box, polygon, ellipse, mask, polyline, points, skeleton, cuboid
  std::int64_t frame = 0;
  bool outside = false;
  std::vector<double> values;  // box: x0 y0 x1 y1; polygon, points: points; ellipse: cx cy rx ry; skeleton: x y v per node
  double rotation = 0;
  bool occluded = false;
  std::vector<ObjectAttribute> attributes;  // <attribute> children and occluded (track shapes: as of this keyframe)
  long long z_order = 0;   // z_order (drawing order)
  std::int64_t group = 0;  // group_id (a track's, for its shapes); 0 = none
};

class Reader {
 public:
  Reader(ExportData& out) : m_out(out) {}

  void read(const Input& input, const std::string& annotator) {
    m_path = input.bytes ? input.path : cvat_file(input.path);
    m_out.files.push_back(m_path);
    m_file_index = static_cast<std::uint32_t>(m_out.files.size() - 1);
    if (!input.bytes && is_zip(m_path)) {
      m_unzipped = read_zip_member(m_path, "annotations.xml");
      m_text = m_unzipped;
    } else {
      m_file = std::make_unique<MappedFile>(input.bytes ? input : Input(m_path));
      m_text = m_file->view();
    }
    m_lines.reset();
    m_seen_frames.clear();
    m_track_frames = 0;
    m_frames_key.reset();
    require_utf8(m_text, m_path);
    const auto res = m_doc.load_buffer(m_text.data(), m_text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!res) {
      const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, res.offset));
      throw InputError({.file = m_path, .line = line_of(offset), .item = enclosing(offset)}, fmt::format("malformed XML: {}", res.description()), Defect::broken_file);
    }
    const pugi::xml_node root = m_doc.child("annotations");
    if (!root) throw InputError({.file = m_path}, "expected a CVAT XML export: the root element must be <annotations>");
    DeliveryBuilder builder(annotator, m_path, "cvat");
    m_builder = &builder;
    read_meta(root);
    std::map<std::string, std::vector<std::string>> tags;  // image key -> tag labels
    std::set<std::string_view> tasks;
    for (pugi::xml_node image : root.children("image")) tasks.insert(image.attribute("task_id").value());
    m_several_tasks = tasks.size() > 1;
    for (pugi::xml_node image : root.children("image")) read_image(image, tags);
    // Frames named anywhere, for the frame range when meta does not give it.
    for (pugi::xml_node track : root.children("track")) {
      for (pugi::xml_node shape : track.children()) {
        if (auto f = parse_int(shape.attribute("frame").value()); f && *f >= 0) m_seen_frames.insert(*f);
      }
    }
    bool tracks = false;
    for (pugi::xml_node track : root.children("track")) {
      tracks = true;
      read_track(track);
    }
    if (tracks) {
      // Frames of the video with no object still count as delivered.
      for (std::int64_t f : frames()) frame_image(f);
    }
    for (auto& [image, labels] : tags) {
      std::sort(labels.begin(), labels.end());
      labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
      std::string joined;
      for (const auto& l : labels) joined += (joined.empty() ? "" : "|") + l;
      m_out.labels.push_back({image, annotator, joined, m_file_index, 0});
    }
    for (const auto& [reason, n] : m_skips) m_out.skipped.push_back({m_path, reason, n});
    m_skips.clear();
    m_out.deliveries.push_back(builder.finish());
    m_builder = nullptr;
    m_file.reset();
    m_unzipped = std::string();
  }

 private:
  std::uint64_t line_of(std::size_t offset) const {
    if (!m_lines) m_lines = std::make_unique<LineIndex>(m_text);
    return m_lines->line_of(offset);
  }

  // The image or track the text before `offset` last opened (for errors of unparsable XML).
  std::string enclosing(std::size_t offset) const {
    const std::string_view before = m_text.substr(0, std::min(offset, m_text.size()));
    const auto img = before.rfind("<image "), trk = before.rfind("<track ");
    const bool is_image = img != std::string_view::npos && (trk == std::string_view::npos || img > trk);
    const auto at = is_image ? img : trk;
    if (at == std::string_view::npos) return {};
    const std::string_view tag = before.substr(at, before.find('>', at) - at);
    const char* key = is_image ? " name=\"" : " id=\"";
    const auto k = tag.find(key);
    if (k == std::string_view::npos) return {};
    const auto start = k + std::strlen(key);
    const auto end = tag.find('"', start);
    return fmt::format("{}{}", is_image ? "" : "track ", tag.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  }

  [[noreturn]] void fail(pugi::xml_node node, const std::string& item, const std::string& field, const std::string& message) const {
    const std::ptrdiff_t off = node.offset_debug();
    throw InputError({.file = m_path, .line = off >= 0 ? line_of(static_cast<std::size_t>(off)) : 0, .item = item, .field = field}, message);
  }

  void skip(const std::string& reason) { ++m_skips[reason]; }

  // An optional whole-number attribute (0 when absent).
  long long whole(pugi::xml_node node, const char* attr, const std::string& item) const {
    const pugi::xml_attribute a = node.attribute(attr);
    if (!a || std::string_view(a.value()).empty()) return 0;
    const auto v = parse_int(a.value());
    if (!v) fail(node, item, fmt::format("{}.{}", node.name(), attr), fmt::format("expected a whole number, got \"{}\"", a.value()));
    return *v;
  }

  double number(pugi::xml_node node, const char* attr, const std::string& item) const {
    const pugi::xml_attribute a = node.attribute(attr);
    if (!a) fail(node, item, fmt::format("{}.{}", node.name(), attr), fmt::format("<{}> has no {} attribute", node.name(), attr));
    auto v = parse_double(a.value());
    if (!v) fail(node, item, fmt::format("{}.{}", node.name(), attr), fmt::format("expected a number, got \"{}\"", a.value()));
    return *v;
  }

  std::vector<double> points(pugi::xml_node node, const std::string& item) const {
    const pugi::xml_attribute a = node.attribute("points");
    if (!a) fail(node, item, fmt::format("{}.points", node.name()), fmt::format("<{}> has no points attribute", node.name()));
    std::vector<double> out;
    std::string_view s = a.value();
    while (!trim(s).empty()) {
      const auto semi = s.find(';');
      std::string_view pt = s.substr(0, semi);
      const auto comma = pt.find(',');
      auto x = comma == std::string_view::npos ? std::nullopt : parse_double(pt.substr(0, comma));
      auto y = comma == std::string_view::npos ? std::nullopt : parse_double(pt.substr(comma + 1));
      if (!x || !y) fail(node, item, fmt::format("{}.points", node.name()), fmt::format("expected \"x,y;x,y;...\", got \"{}\"", pt));
      out.push_back(*x);
      out.push_back(*y);
      if (semi == std::string_view::npos) break;
      s.remove_prefix(semi + 1);
    }
    return out;
  }

  // The labels and attribute values <meta> declares (a task's or a project's), if it declares any.
  struct LabelSpec {
    std::map<std::string, std::set<std::string>> values;  // attribute -> allowed values (select, radio, checkbox)
  };
  void read_schema(pugi::xml_node meta) {
    m_labels.clear();
    m_skeletons.clear();
    // Skeletons: their nodes are the labels whose <parent> is the skeleton, in <meta> order; the
    // edges come from the <svg> drawing (data-node-from / data-node-to name nodes by data-node-id,
    // whose data-label-name is the node's label).
    for (const auto& xl : meta.select_nodes(".//labels/label")) {
      const pugi::xml_node l = xl.node();
      const std::string parent(trim(l.child_value("parent")));
      if (!parent.empty()) m_skeletons[parent].names.emplace_back(trim(l.child_value("name")));
    }
    for (const auto& xl : meta.select_nodes(".//labels/label")) {
      const pugi::xml_node l = xl.node();
      if (trim(l.child_value("type")) != "skeleton") continue;
      KeypointSchema& schema = m_skeletons[std::string(trim(l.child_value("name")))];
      const std::string_view svg = l.child_value("svg");
      std::map<std::string, std::string> label_of_node;
      auto attr = [](std::string_view tag, std::string_view name) -> std::string {
        const std::string key = std::string(" ") + std::string(name) + "=\"";
        const auto at = tag.find(key);
        if (at == std::string_view::npos) return {};
        const auto start = at + key.size();
        return std::string(tag.substr(start, tag.find('"', start) - start));
      };
      std::vector<std::pair<std::string, std::string>> edges;
      for (std::size_t at = svg.find('<'); at != std::string_view::npos; at = svg.find('<', at + 1)) {
        const std::string_view tag = svg.substr(at, svg.find('>', at) - at);
        if (tag.rfind("<circle", 0) == 0) label_of_node[attr(tag, "data-node-id")] = attr(tag, "data-label-name");
        if (tag.rfind("<line", 0) == 0) edges.emplace_back(attr(tag, "data-node-from"), attr(tag, "data-node-to"));
      }
      auto index = [&](const std::string& node) {
        const auto it = label_of_node.find(node);
        if (it == label_of_node.end()) return -1;
        const auto pos = std::find(schema.names.begin(), schema.names.end(), it->second);
        return pos == schema.names.end() ? -1 : static_cast<int>(pos - schema.names.begin());
      };
      for (const auto& [from, to] : edges) {
        const int a = index(from), b = index(to);
        if (a >= 0 && b >= 0) schema.skeleton.emplace_back(a, b);
      }
    }
    for (const auto& xl : meta.select_nodes(".//labels/label")) {
      const pugi::xml_node l = xl.node();
      LabelSpec& spec = m_labels[trim(l.child_value("name")).data() ? std::string(trim(l.child_value("name"))) : std::string()];
      for (pugi::xml_node a : l.child("attributes").children("attribute")) {
        const std::string type(trim(a.child_value("input_type")));
        if (type != "select" && type != "radio" && type != "checkbox") continue;
        // CVAT writes one value per line; a single line may also hold values apart by spaces
        // (datumaro's fixtures): both readings are allowed.
        std::set<std::string> values;
        std::string_view all = a.child_value("values");
        const bool one_line = all.find('\n') == std::string_view::npos;
        while (!all.empty()) {
          const auto nl = all.find('\n');
          values.insert(std::string(trim(all.substr(0, nl))));
          if (nl == std::string_view::npos) break;
          all.remove_prefix(nl + 1);
        }
        if (one_line) {
          std::stringstream words{std::string(a.child_value("values"))};
          for (std::string w; words >> w;) values.insert(w);
        }
        if (type == "checkbox") values = {"true", "false"};
        spec.values[std::string(trim(a.child_value("name")))] = std::move(values);
      }
    }
  }

  ReadProblem& problem(pugi::xml_node node, const std::string& item, const std::string& field, std::string message, Defect defect = Defect::unknown_class) {
    const std::ptrdiff_t off = node.offset_debug();
    m_out.problems.push_back({{.file = m_path, .line = off >= 0 ? line_of(static_cast<std::size_t>(off)) : 0, .item = item, .field = field}, std::move(message),
                              defect, "annotation", std::nullopt, item});
    return m_out.problems.back();
  }

  // A shape's label and attribute values against the schema <meta> declares.
  void check_schema(pugi::xml_node node, const std::string& item, const std::string& label) {
    if (m_labels.empty()) return;
    if (std::string_view(node.attribute("label").value()).empty()) {
      problem(node, item, fmt::format("{}.label", node.name()), fmt::format("a <{}> without a label", node.name()), Defect::schema);
      return;
    }
    const auto spec = m_labels.find(label);
    if (spec == m_labels.end()) {
      problem(node, item, fmt::format("{}.label", node.name()), fmt::format("label \"{}\" is not declared in the export's <meta>", label));
      return;
    }
    for (pugi::xml_node a : node.children("attribute")) {
      const std::string name = a.attribute("name").value();
      const auto allowed = spec->second.values.find(name);
      if (allowed == spec->second.values.end()) continue;
      const std::string value(trim(a.child_value()));
      if (!allowed->second.count(value)) {
        problem(a, item, fmt::format("attribute {}", name),
                fmt::format("attribute \"{}\" of label \"{}\" is \"{}\", not one of the values <meta> declares ({})", name, label, value,
                            fmt::join(allowed->second, ", ")));
      }
    }
  }

  void read_meta(pugi::xml_node root) {
    read_schema(root.child("meta"));
    m_start = m_stop = -1;
    m_step = 1;
    m_video_w = m_video_h = 0;
    const pugi::xml_node meta = root.child("meta");
    auto find = [&](const char* name) { return meta.select_node(fmt::format(".//{}", name).c_str()).node(); };
    if (auto n = find("start_frame")) m_start = parse_int(n.text().get()).value_or(-1);
    if (auto n = find("stop_frame")) m_stop = parse_int(n.text().get()).value_or(-1);
    if (auto n = find("frame_filter")) {
      std::string_view f = trim(n.text().get());
      if (f.rfind("step=", 0) == 0) m_step = std::max<std::int64_t>(1, parse_int(f.substr(5)).value_or(1));
    }
    if (auto n = find("original_size")) {
      const std::int64_t w = parse_int(n.child("width").text().get()).value_or(-1), h = parse_int(n.child("height").text().get()).value_or(-1);
      if (image_size_problem(static_cast<double>(w), static_cast<double>(h))) {
        throw InputError({.file = m_path, .field = "meta.original_size"},
                         fmt::format("video frame size \"{}\" x \"{}\": expected whole numbers of pixels from 1 to 1000000 (at most 2^32 pixels in all)",
                                     trim(n.child("width").text().get()), trim(n.child("height").text().get())));
      }
      m_video_w = static_cast<std::uint32_t>(w);
      m_video_h = static_cast<std::uint32_t>(h);
    }
  }

  // The frames of the video: start_frame to stop_frame by the frame filter's step, or the frames
  // the tracks name when the export does not say.
  std::vector<std::int64_t> frames() const {
    constexpr std::int64_t k_max_frames = 2'000'000;
    std::vector<std::int64_t> out;
    if (m_start >= 0 && m_stop >= m_start) {
      if ((m_stop - m_start) / m_step >= k_max_frames) {
        throw InputError({.file = m_path, .field = "meta.stop_frame"}, fmt::format("frames {} to {} by {}: more than {} frames", m_start, m_stop, m_step, k_max_frames));
      }
      for (std::int64_t f = m_start; f <= m_stop; f += m_step) out.push_back(f);
      return out;
    }
    if (m_seen_frames.empty()) return out;
    const std::int64_t first = *m_seen_frames.begin(), last = *m_seen_frames.rbegin();
    if (last - first >= k_max_frames) {
      throw InputError({.file = m_path, .field = "frame"}, fmt::format("tracks span frames {} to {}: more than {} frames", first, last, k_max_frames));
    }
    for (std::int64_t f = first; f <= last; ++f) out.push_back(f);
    return out;
  }

  std::uint32_t frame_image(std::int64_t frame) {
    return m_builder->image(fmt::format("frame {:06}", frame), m_video_w, m_video_h, frame);
  }

  std::string label_of(pugi::xml_node node) const {
    std::string label = node.attribute("label").value();
    return label.empty() ? "(no label)" : label;
  }

  // Reads the geometry of a shape element; returns false for shapes with no area.
  bool shape_of(pugi::xml_node node, const std::string& item, Shape& s) {
    s.node = node;
    s.type = node.name();
    const std::string_view occluded = node.attribute("occluded").value();
    s.occluded = occluded == "1" || occluded == "true" || occluded == "True";
    // Attributes: every <attribute> child, and occlusion where the shape says it.
    for (pugi::xml_node a : node.children("attribute")) s.attributes.push_back({a.attribute("name").value(), std::string(trim(a.child_value()))});
    if (node.attribute("occluded")) s.attributes.push_back({"occluded", s.occluded ? "true" : "false"});
    s.z_order = whole(node, "z_order", item);
    if (node.attribute("group_id")) s.group = whole(node, "group_id", item);
    if (s.type == "box") {
      s.values = {number(node, "xtl", item), number(node, "ytl", item), number(node, "xbr", item), number(node, "ybr", item)};
      if (node.attribute("rotation")) s.rotation = number(node, "rotation", item);
      return true;
    }
    if (s.type == "polygon") {
      s.values = points(node, item);
      return true;
    }
    if (s.type == "ellipse") {
      s.values = {number(node, "cx", item), number(node, "cy", item), number(node, "rx", item), number(node, "ry", item)};
      if (node.attribute("rotation")) s.rotation = number(node, "rotation", item);
      return true;
    }
    if (s.type == "mask") return true;
    if (s.type == "points") {
      s.values = points(node, item);
      if (s.values.empty()) fail(node, item, "points.points", "<points> without a point");
      return true;
    }
    if (s.type == "skeleton") {
      if (node.attribute("frame")) return true;  // a track's skeleton: its nodes are the nested tracks
      s.values = skeleton_nodes(node, item);
      return true;
    }
    if (s.type == "polyline") {
      s.values = points(node, item);
      return true;
    }
    {
      skip(fmt::format("<{}> shapes (not read)", s.type));
    }
    return false;
  }

  // The nodes of a skeleton in its schema's order (the label's <meta> children, else the order the
  // first skeleton of the label gives): x, y, v each, v = 0 for a node that is outside or absent,
  // 1 occluded, 2 visible (as CVAT's COCO keypoints export writes them).
  KeypointSchema& skeleton_schema(const std::string& label, pugi::xml_node first) {
    auto [it, fresh] = m_skeletons.emplace(label, KeypointSchema{});
    if (fresh || it->second.names.empty()) {
      for (pugi::xml_node p : first.children()) {
        if (std::strcmp(p.name(), "points") != 0 && std::strcmp(p.name(), "track") != 0) continue;
        const std::string name = label_of(p);
        if (std::find(it->second.names.begin(), it->second.names.end(), name) == it->second.names.end()) it->second.names.push_back(name);
      }
    }
    m_builder->keypoint_schema(label, it->second);
    return it->second;
  }
  std::vector<double> skeleton_nodes(pugi::xml_node node, const std::string& item) {
    const KeypointSchema& schema = skeleton_schema(label_of(node), node);
    std::vector<double> xyv(3 * schema.names.size(), 0.0);
    for (pugi::xml_node p : node.children("points")) {
      const auto at = std::find(schema.names.begin(), schema.names.end(), label_of(p));
      if (at == schema.names.end()) {
        fail(p, item, "points.label", fmt::format("skeleton \"{}\" has no node \"{}\" (its nodes: {})", label_of(node), label_of(p), fmt::join(schema.names, ", ")));
      }
      const std::vector<double> xy = points(p, item);
      if (xy.size() != 2) fail(p, item, "points.points", fmt::format("a skeleton node has one point, got {}", xy.size() / 2));
      const std::string_view outside = p.attribute("outside").value(), occluded = p.attribute("occluded").value();
      const auto k = static_cast<std::size_t>(at - schema.names.begin());
      xyv[3 * k] = xy[0];
      xyv[3 * k + 1] = xy[1];
      xyv[3 * k + 2] = (outside == "1" || outside == "true") ? 0 : (occluded == "1" || occluded == "true") ? 1 : 2;
    }
    return xyv;
  }

  // A <points> shape: every point a keypoint (visible, or not visible when the shape is occluded);
  // the image is its scale (CVAT's point size base), when its size is known.
  void add_points(std::uint32_t image, std::int32_t category, const Shape& s, std::int64_t id) {
    std::vector<double> xyv;
    for (std::size_t i = 0; i + 1 < s.values.size(); i += 2) xyv.insert(xyv.end(), {s.values[i], s.values[i + 1], s.occluded ? 1.0 : 2.0});
    const ImageInfo& info = m_builder->image_info(image);
    if (info.width && info.height) {
      m_builder->add_keypoints(image, category, xyv, static_cast<double>(info.width) * info.height, id,
                               geometry::Box{0, 0, static_cast<double>(info.width), static_cast<double>(info.height)});
    } else {
      m_builder->add_keypoints(image, category, xyv, std::numeric_limits<double>::quiet_NaN(), id);
    }
  }

  void add_shape(std::uint32_t image, const std::string& item, const Shape& s, const std::string& label) {
    const std::size_t before = m_builder->objects();
    add_geometry(image, item, s, label);
    if (m_builder->objects() > before) {
      m_builder->set_attributes(s.attributes);
      m_builder->set_group(s.group);
      m_builder->set_z_order(s.z_order);
    }
  }

  void add_geometry(std::uint32_t image, const std::string& item, const Shape& s, const std::string& label) {
    if (s.type == "points" || s.type == "skeleton") {
      const std::int32_t category = m_builder->category(label);
      const std::int64_t id = ++m_next_id;
      if (s.type == "points") add_points(image, category, s, id);
      else m_builder->add_keypoints(image, category, s.values, std::numeric_limits<double>::quiet_NaN(), id);
      return;
    }
    if (s.type == "polyline") {
      m_builder->add_polyline(image, m_builder->category(label), s.values, ++m_next_id);
      return;
    }
    // Polygons (and ellipses, rotated boxes, masks) are compared by their pixels: the image size must be known.
    const bool area_shape = s.type != "box" || std::fmod(s.rotation, 360.0) != 0;
    if (area_shape && (m_builder->image_info(image).width == 0 || m_builder->image_info(image).height == 0)) {
      fail(s.node, item, s.type, fmt::format("a <{}> needs the size of its image or frame, which the export does not give (<original_size> in <meta>)", s.type));
    }
    const std::int32_t category = m_builder->category(label);
    const std::int64_t id = ++m_next_id;
    if (s.type == "box") {
      const double x0 = s.values[0], y0 = s.values[1], x1 = s.values[2], y1 = s.values[3];
      if (std::fmod(s.rotation, 360.0) == 0) {
        m_builder->add_box(image, category, {x0, y0, x1 - x0, y1 - y0}, id);
        return;
      }
      // CVAT turns a box about its centre, clockwise on screen.
      const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, t = s.rotation * M_PI / 180.0;
      const double c = std::cos(t), sn = std::sin(t);
      std::vector<double> ring;
      for (auto [x, y] : {std::pair{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}) {
        ring.push_back(cx + (x - cx) * c - (y - cy) * sn);
        ring.push_back(cy + (x - cx) * sn + (y - cy) * c);
      }
      m_builder->add_polygon(image, category, {ring}, id);
    } else if (s.type == "polygon") {
      m_builder->add_polygon(image, category, {s.values}, id);
    } else if (s.type == "ellipse") {
      m_builder->add_polygon(image, category, {ellipse_polygon(s.values[0], s.values[1], s.values[2], s.values[3], s.rotation)}, id);
    } else if (s.type == "mask") {
      add_mask(image, item, s.node, category, id);
    }
  }

  void add_mask(std::uint32_t image, const std::string& item, pugi::xml_node node, std::int32_t category, std::int64_t id) {
    const ImageInfo& info = m_builder->image_info(image);
    if (info.width == 0 || info.height == 0) fail(node, item, "mask", "a mask needs the image's width and height");
    const double left = number(node, "left", item), top = number(node, "top", item);
    const double w = number(node, "width", item), h = number(node, "height", item);
    if (w < 0 || h < 0 || w > 1e6 || h > 1e6 || std::abs(left) > 1e7 || std::abs(top) > 1e7) {
      fail(node, item, "mask", fmt::format("implausible mask box left={} top={} width={} height={}", left, top, w, h));
    }
    if (auto why = mask_size_problem(w, h)) fail(node, item, "mask", *why);
    const pugi::xml_attribute rle = node.attribute("rle");
    if (!rle) fail(node, item, "mask.rle", "<mask> has no rle attribute");
    auto m = decode_cvat_mask(rle.value(), static_cast<std::int64_t>(left), static_cast<std::int64_t>(top), static_cast<std::uint32_t>(w),
                              static_cast<std::uint32_t>(h), info.width, info.height);
    if (!m) fail(node, item, "mask.rle", fmt::format("expected comma-separated run lengths summing to width*height = {}", static_cast<std::uint64_t>(w * h)));
    m_builder->add_mask(image, category, std::move(*m), id);
  }

  void read_image(pugi::xml_node node, std::map<std::string, std::vector<std::string>>& tags) {
    std::string name = node.attribute("name").value();
    if (name.empty()) name = node.attribute("id").value();
    if (name.empty()) fail(node, "", "image.name", "<image> has neither a name nor an id");
    const double w = node.attribute("width") ? number(node, "width", name) : 0;
    const double h = node.attribute("height") ? number(node, "height", name) : 0;
    if (auto why = image_size_problem(w, h)) fail(node, name, "image.width", *why);
    // A project export holds every task's images: the subset (or, without subsets, the task)
    // tells apart images of one name.
    std::string key = name;
    const std::string subset = node.attribute("subset").value(), task = node.attribute("task_id").value();
    if (!subset.empty()) key = subset + "/" + name;
    else if (m_several_tasks && !task.empty()) key = fmt::format("task {}/{}", task, name);
    const std::uint32_t image = m_builder->image(name, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), -1, key);
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      check_schema(child, key, label_of(child));
      if (std::strcmp(child.name(), "tag") == 0) {
        tags[key].push_back(label_of(child));
        continue;
      }
      Shape s;
      if (shape_of(child, name, s)) add_shape(image, name, s, label_of(child));
    }
  }

  static std::vector<double> lerp(const std::vector<double>& a, const std::vector<double>& b, double t) {
    std::vector<double> out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] + (b[i] - a[i]) * t;
    return out;
  }

  // A track's keyframes (its shape elements), sorted by frame.
  std::vector<Shape> keyframes(pugi::xml_node node, const std::string& item) {
    std::vector<Shape> shapes;
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element || std::strcmp(child.name(), "track") == 0 || std::strcmp(child.name(), "attribute") == 0) continue;
      Shape s;
      if (!shape_of(child, item, s)) continue;  // polylines: counted per shape
      if (!child.attribute("frame")) fail(child, item, fmt::format("{}.frame", child.name()), fmt::format("<{}> in a track has no frame", child.name()));
      const auto frame = parse_int(child.attribute("frame").value());
      if (!frame || *frame < 0) fail(child, item, fmt::format("{}.frame", child.name()), fmt::format("expected a frame number, got \"{}\"", child.attribute("frame").value()));
      const std::string outside = child.attribute("outside").value();
      const bool is_outside = outside == "1" || outside == "true" || outside == "True";
      s.frame = *frame;
      s.outside = is_outside;
      m_seen_frames.insert(s.frame);
      shapes.push_back(std::move(s));
    }
    std::stable_sort(shapes.begin(), shapes.end(), [](const Shape& a, const Shape& b) { return a.frame < b.frame; });
    return shapes;
  }

  // A track's state at frame f: nullopt before its first keyframe and where it is outside, else its
  // last keyframe's shape, interpolated toward the next one.
  static std::optional<Shape> state_at(const std::vector<Shape>& shapes, std::int64_t f) {
    const auto next = std::upper_bound(shapes.begin(), shapes.end(), f, [](std::int64_t x, const Shape& s) { return x < s.frame; });
    if (next == shapes.begin() || (next - 1)->outside) return std::nullopt;
    Shape at = *(next - 1);
    if (at.frame != f && next != shapes.end() && !next->outside && next->type == at.type && next->values.size() == at.values.size()) {
      at.values = lerp(at.values, next->values, static_cast<double>(f - at.frame) / static_cast<double>(next->frame - at.frame));
    }
    return at;
  }

  // A skeleton track: the skeleton's keyframes say where it is outside; each node is a nested
  // <track> of one point. Per frame, a node outside (or before its first keyframe) is not labelled.
  void read_skeleton_track(pugi::xml_node node, const std::string& item, const std::string& label, const std::vector<Shape>& own) {
    const KeypointSchema& schema = skeleton_schema(label, node);
    std::vector<std::vector<Shape>> nodes(schema.names.size());
    for (pugi::xml_node child : node.children("track")) {
      const auto at = std::find(schema.names.begin(), schema.names.end(), label_of(child));
      if (at == schema.names.end()) {
        fail(child, item, "track.label", fmt::format("skeleton \"{}\" has no node \"{}\" (its nodes: {})", label, label_of(child), fmt::join(schema.names, ", ")));
      }
      nodes[static_cast<std::size_t>(at - schema.names.begin())] = keyframes(child, item);
    }
    std::vector<std::int64_t> all = video_frames();
    for (const auto& s : own) all.push_back(s.frame);
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (auto it = std::lower_bound(all.begin(), all.end(), own.front().frame); it != all.end(); ++it) {
      const std::int64_t f = *it;
      charge_track_frames(node, item, 1 + nodes.size());
      if (!state_at(own, f)) {
        if (own.back().frame <= f) break;  // outside from here to the end
        continue;
      }
      std::vector<double> xyv(3 * nodes.size(), 0.0);
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        const auto s = state_at(nodes[k], f);
        if (!s || s->values.size() != 2) continue;
        xyv[3 * k] = s->values[0];
        xyv[3 * k + 1] = s->values[1];
        xyv[3 * k + 2] = s->occluded ? 1 : 2;
      }
      Shape at = *state_at(own, f);
      at.type = "skeleton";
      at.values = std::move(xyv);
      add_shape(frame_image(f), item, at, label);
    }
  }

  void read_track(pugi::xml_node node) {
    const std::string task = node.attribute("task_id").value();
    const std::string key = task.empty() ? std::string(node.attribute("id").value()) : fmt::format("{}/{}", task, node.attribute("id").value());
    const std::string item = fmt::format("track {}", node.attribute("id").value());
    const std::string label = label_of(node);
    check_schema(node, item, label);
    std::vector<Shape> shapes = keyframes(node, item);
    if (shapes.empty()) return;
    const std::int64_t group = whole(node, "group_id", item);
    for (Shape& s : shapes) s.group = group;
    check_outside_attributes(shapes, item);
    m_builder->select_track(m_builder->track(key));
    if (shapes.front().type == "skeleton") {
      read_skeleton_track(node, item, label, shapes);
      m_builder->select_track(-1);
      return;
    }
    // The frames the track is seen in: the video's, and past its end the track's own keyframes.
    // Every frame visited counts against the file's budget, shown or outside.
    const std::vector<std::int64_t>& video = video_frames();
    std::vector<std::int64_t> extended;
    const std::vector<std::int64_t>* all = &video;
    if (video.empty() || video.back() < shapes.back().frame) {
      charge_track_frames(node, item, video.size());
      extended = video;
      for (const auto& s : shapes) extended.push_back(s.frame);
      std::sort(extended.begin(), extended.end());
      extended.erase(std::unique(extended.begin(), extended.end()), extended.end());
      all = &extended;
    }
    std::size_t k = 0;  // shapes[k] is the last shape at or before the frame
    for (auto it = std::lower_bound(all->begin(), all->end(), shapes.front().frame); it != all->end(); ++it) {
      const std::int64_t f = *it;
      charge_track_frames(node, item, 1);
      while (k + 1 < shapes.size() && shapes[k + 1].frame <= f) ++k;
      const Shape& s = shapes[k];
      if (s.outside && k + 1 == shapes.size()) break;  // outside from here to the end
      if (s.outside) continue;
      Shape at = s;
      if (s.frame != f && k + 1 < shapes.size()) {
        const Shape& n = shapes[k + 1];
        const bool same = n.type == s.type && n.values.size() == s.values.size() && !n.outside && s.type != "mask";
        if (same) {
          const double t = static_cast<double>(f - s.frame) / static_cast<double>(n.frame - s.frame);
          at.values = lerp(s.values, n.values, t);
          at.rotation = s.rotation + (n.rotation - s.rotation) * t;
        }
      }
      const std::uint32_t image = frame_image(f);
      add_shape(image, item, at, label);
    }
    m_builder->select_track(-1);
  }

  // A keyframe where the track is outside shows nothing: an attribute value first given there (a
  // mutable attribute changed while the object is not drawn) is never seen on any frame.
  void check_outside_attributes(const std::vector<Shape>& shapes, const std::string& item) {
    for (std::size_t k = 1; k < shapes.size(); ++k) {
      const Shape& s = shapes[k];
      if (!s.outside) continue;
      const Shape& before = shapes[k - 1];
      for (const ObjectAttribute& a : s.attributes) {
        if (a.name == "occluded") continue;
        const auto was = std::find_if(before.attributes.begin(), before.attributes.end(), [&](const ObjectAttribute& b) { return b.name == a.name; });
        if (was != before.attributes.end() && was->value == a.value) continue;
        ReadProblem& p = problem(s.node, item, fmt::format("attribute {}", a.name),
                                 fmt::format("frame {}: attribute \"{}\" changes to \"{}\" (was {}) on a keyframe where the track is outside, "
                                             "so no frame shows it",
                                             s.frame, a.name, a.value, was == before.attributes.end() ? std::string("not given") : fmt::format("\"{}\"", was->value)),
                                 Defect::schema);
        p.kept = true;
      }
    }
  }

  // Interpolated tracks expand to one shape per frame: a few bytes can name millions of frames, so
  // the frames all tracks of a file are walked over are bounded by the file's size.
  static constexpr std::uint64_t k_track_frames_floor = 100'000, k_bytes_per_track_frame = 16;
  void charge_track_frames(pugi::xml_node node, const std::string& item, std::uint64_t n) {
    const std::uint64_t limit = k_track_frames_floor + m_text.size() / k_bytes_per_track_frame;
    m_track_frames += n;
    if (m_track_frames > limit) {
      fail(node, item, "frame",
           fmt::format("the tracks of this file expand to more than {} frames (the limit is {} plus one per {} bytes of the file; "
                       "docs/limits.md)", limit, k_track_frames_floor, k_bytes_per_track_frame));
    }
  }

  // frames(), computed again only when what it depends on has changed (not once per track).
  const std::vector<std::int64_t>& video_frames() {
    const auto key = std::make_tuple(m_start, m_stop, m_step, m_seen_frames.empty() ? 0 : *m_seen_frames.begin(),
                                     m_seen_frames.empty() ? -1 : *m_seen_frames.rbegin());
    if (!m_frames_key || *m_frames_key != key) {
      m_frames = frames();
      m_frames_key = key;
    }
    return m_frames;
  }

  std::uint64_t m_track_frames = 0;
  std::vector<std::int64_t> m_frames;  // video_frames()
  std::optional<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>> m_frames_key;
  ExportData& m_out;
  std::string m_path;
  std::unique_ptr<MappedFile> m_file;
  std::string m_unzipped;  // annotations.xml of a zip export
  std::string_view m_text;
  mutable std::unique_ptr<LineIndex> m_lines;  // of m_text, built on the first located problem
  std::uint32_t m_file_index = 0;
  pugi::xml_document m_doc;
  DeliveryBuilder* m_builder = nullptr;
  std::map<std::string, std::size_t> m_skips;
  std::set<std::int64_t> m_seen_frames;
  std::int64_t m_start = -1, m_stop = -1, m_step = 1;
  std::uint32_t m_video_w = 0, m_video_h = 0;
  std::int64_t m_next_id = 0;
  bool m_several_tasks = false;  // images of more than one task_id
  std::map<std::string, LabelSpec> m_labels;  // the schema <meta> declares (empty: none)
  std::map<std::string, KeypointSchema> m_skeletons;  // skeleton labels <meta> declares: nodes in order, edges
};

}  // namespace

std::optional<geometry::Rle> decode_cvat_mask(std::string_view rle, std::int64_t left, std::int64_t top, std::uint32_t bw, std::uint32_t bh,
                                              std::uint32_t W, std::uint32_t H) {
  const std::uint64_t total = static_cast<std::uint64_t>(bw) * bh;
  std::vector<std::uint8_t> box(total, 0);  // row-major over the mask's box
  std::uint64_t pos = 0;
  bool fg = false;
  std::string_view s = rle;
  while (true) {
    s = trim(s);
    if (s.empty()) break;
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || n > total - pos) return std::nullopt;
    if (fg) std::fill(box.begin() + static_cast<std::ptrdiff_t>(pos), box.begin() + static_cast<std::ptrdiff_t>(pos + n), 1);
    pos += n;
    fg = !fg;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    s = trim(s);
    if (!s.empty()) {
      if (s.front() != ',') return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (pos != total) return std::nullopt;
  // Column-major runs over the whole image, background first.
  geometry::Rle out;
  out.h = H;
  out.w = W;
  std::uint8_t cur = 0;
  std::uint64_t run = 0;
  auto push = [&](std::uint8_t v, std::uint64_t n) {
    if (n == 0) return;
    if (v != cur) {
      out.counts.push_back(static_cast<std::uint32_t>(run));
      run = 0;
      cur = v;
    }
    run += n;
  };
  const std::int64_t y0 = std::clamp<std::int64_t>(top, 0, H), y1 = std::clamp<std::int64_t>(top + bh, 0, H);
  for (std::int64_t x = 0; x < static_cast<std::int64_t>(W); ++x) {
    const std::int64_t bx = x - left;
    if (bx < 0 || bx >= static_cast<std::int64_t>(bw) || y1 <= y0) {
      push(0, H);
      continue;
    }
    push(0, static_cast<std::uint64_t>(y0));
    for (std::int64_t y = y0; y < y1; ++y) push(box[static_cast<std::size_t>((y - top) * bw + bx)], 1);
    push(0, static_cast<std::uint64_t>(H - y1));
  }
  out.counts.push_back(static_cast<std::uint32_t>(run));
  return out;
}

bool looks_like_cvat(const std::string& path) {
  const std::string file = cvat_file(path);
  std::error_code ec;
  if (is_zip(file)) return zip_has_member(file, "annotations.xml");
  if (!fs::is_regular_file(file, ec)) return false;
  std::string head;
  try {
    const MappedFile text(file);  // decompressed when .gz
    head = std::string(text.view().substr(0, 4096));
  } catch (const InputError&) {
    return false;
  }
  return head.find("<annotations") != std::string_view::npos && head.find("<version>") != std::string_view::npos;
}

ExportData read_cvat(const std::vector<std::string>& paths, const std::vector<std::string>& names) {
  return read_cvat_inputs(inputs_of(paths), names);
}

ExportData read_cvat_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names) {
  ExportData out;
  Reader reader(out);
  for (std::size_t i = 0; i < inputs.size(); ++i) reader.read(inputs[i], names[i]);
  return out;
}

}  // namespace labelqa::io
