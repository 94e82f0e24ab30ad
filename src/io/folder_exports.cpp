#include "labelqa/io/folder_exports.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/csv.hpp"
#include "labelqa/io/delivery_builder.hpp"
#include "labelqa/io/paths.hpp"
#include "labelqa/io/mapped_file.hpp"
#include "parse_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <simdjson.h>
#include <sstream>

namespace labelqa::io {
namespace {

namespace fs = std::filesystem;
using detail::parse_double;
using detail::trim;
namespace dom = simdjson::dom;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Files under `dir` (recursively) with one of the extensions, sorted by path. A file whose symbolic
// link leads outside `dir` is bad input (never read, never echoed) unless `follow_symlinks`.
std::vector<fs::path> files_with(const fs::path& dir, std::initializer_list<const char*> exts, bool follow_symlinks = false) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string ext = lower(it->path().extension().string());
    for (const char* e : exts) {
      if (ext != e) continue;
      if (!follow_symlinks) {
        if (const auto real = link_outside(it->path(), dir)) {
          throw InputError({.file = it->path().string()}, fmt::format("a symbolic link that leads outside the delivery folder {}: not read", dir.string()))
              .with_setting("follow_symlinks");
        }
      }
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string head_of(const fs::path& p, std::size_t n) {
  std::FILE* f = std::fopen(p.string().c_str(), "rb");
  if (!f) return {};
  std::string s(n, '\0');
  s.resize(std::fread(s.data(), 1, n, f));
  std::fclose(f);
  return s;
}

bool is_voc_xml(const fs::path& p) {
  const std::string h = head_of(p, 2048);
  return h.find("<annotation") != std::string::npos && h.find("<annotations") == std::string::npos;
}

bool is_labelme_json(const fs::path& p) {
  const std::string h = head_of(p, 4096);
  return h.find("\"shapes\"") != std::string::npos && (h.find("\"imagePath\"") != std::string::npos || h.find("\"version\"") != std::string::npos);
}

const char* const k_class_files[] = {"classes.txt", "obj.names", "data.yaml", "dataset.yaml"};

bool is_class_file(const fs::path& p) {
  const std::string name = p.filename().string();
  for (const char* c : k_class_files) {
    if (name == c) return true;
  }
  return false;
}

const char* folder_format_name(FolderFormat f) {
  switch (f) {
    case FolderFormat::voc: return "voc";
    case FolderFormat::yolo: return "yolo";
    case FolderFormat::labelme: return "labelme";
  }
  return "voc";
}

class Reader {
 public:
  Reader(ExportData& out, const FolderOptions& opt) : m_out(out), m_opt(opt) {}

  void read(const std::string& input, const std::string& annotator, FolderFormat format) {
    DeliveryBuilder builder(annotator, input, folder_format_name(format));
    m_builder = &builder;
    m_skips.clear();
    m_next_id = 0;
    std::error_code ec;
    const bool dir = fs::is_directory(input, ec);
    if (!dir && !fs::is_regular_file(input, ec)) throw InputError({.file = input}, "no such file or directory");
    m_root = dir ? fs::path(input) : fs::path(input).parent_path();
    switch (format) {
      case FolderFormat::voc:
        for (const auto& p : dir ? files_with(input, {".xml"}, m_opt.follow_symlinks) : std::vector<fs::path>{input}) {
          if (is_voc_xml(p)) read_voc(p);
        }
        break;
      case FolderFormat::labelme:
        for (const auto& p : dir ? files_with(input, {".json"}, m_opt.follow_symlinks) : std::vector<fs::path>{input}) {
          if (is_labelme_json(p)) read_labelme(p);
        }
        break;
      case FolderFormat::yolo: read_yolo(input); break;
    }
    if (builder.image_count() == 0) throw InputError({.file = input}, "no annotation files of the expected format found");
    for (const auto& [reason, n] : m_skips) m_out.skipped.push_back({input, reason, n});
    m_out.files.push_back(input);
    m_out.deliveries.push_back(builder.finish());
  }

 private:
  // What identifies an image in a folder export: its name under the folder of the annotation
  // file, relative to the export's root ("train/img0.jpg").
  std::string key_of(const fs::path& annotation_file, const std::string& name) const {
    std::error_code ec;
    const fs::path rel = fs::relative(annotation_file.parent_path(), m_root, ec);
    if (ec || rel.empty() || rel == ".") return name;
    return (rel / name).generic_string();
  }

  [[noreturn]] void fail(const fs::path& file, std::uint64_t line, const std::string& item, const std::string& field, const std::string& msg,
                         Defect defect = Defect::schema) const {
    throw InputError({.file = file.string(), .line = line, .item = item, .field = field}, msg, defect);
  }

  std::uint64_t line_of(const pugi::xml_node& node, std::string_view text) const {
    const std::ptrdiff_t off = node.offset_debug();
    if (off < 0) return 0;
    return io::line_of(text, static_cast<std::uint64_t>(off));
  }

  // ---- Pascal VOC ----
  void read_voc(const fs::path& path) {
    MappedFile file(path.string());
    const std::string_view text = file.view();
    require_utf8(text, path.string());
    pugi::xml_document doc;
    const auto res = doc.load_buffer(text.data(), text.size());
    if (!res) {
      const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, res.offset));
      fail(path, io::line_of(text, off),
           "", "", fmt::format("malformed XML: {}", res.description()), Defect::broken_file);
    }
    const pugi::xml_node ann = doc.child("annotation");
    if (!ann) fail(path, 0, "", "", "expected a Pascal VOC file: the root element must be <annotation>");
    std::string name = std::string(trim(ann.child_value("filename")));
    if (name.empty()) name = path.stem().string() + ".jpg";
    auto size_of = [&](const char* key) -> std::uint32_t {
      const pugi::xml_node n = ann.child("size").child(key);
      if (!n) return 0;
      auto v = parse_double(n.child_value());
      if (!v || *v < 0 || *v > 1e6) fail(path, line_of(n, text), name, fmt::format("size.{}", key), fmt::format("expected a size in pixels, got \"{}\"", n.child_value()));
      return static_cast<std::uint32_t>(*v);
    };
    const std::uint32_t w = size_of("width"), h = size_of("height");
    const std::uint32_t image = m_builder->image(name, w, h, -1, key_of(path, name));
    m_builder->set_image_file(image, path.string());
    m_next_id = 0;  // objects are numbered by their position in this file
    for (pugi::xml_node obj : ann.children("object")) {
      const std::string label = std::string(trim(obj.child_value("name")));
      if (label.empty()) fail(path, line_of(obj, text), name, "object.name", "an <object> without a <name>");
      const pugi::xml_node box = obj.child("bndbox");
      if (!box) {
        ++m_skips["objects without bndbox"];
        continue;
      }
      double c[4];
      const char* keys[4] = {"xmin", "ymin", "xmax", "ymax"};
      for (int k = 0; k < 4; ++k) {
        const pugi::xml_node n = box.child(keys[k]);
        auto v = n ? parse_double(n.child_value()) : std::nullopt;
        if (!v) fail(path, line_of(n ? n : box, text), name, fmt::format("object.bndbox.{}", keys[k]), fmt::format("expected a number, got \"{}\"", n.child_value()));
        c[k] = *v;
      }
      if (const auto parts = static_cast<std::size_t>(std::distance(obj.children("part").begin(), obj.children("part").end()))) {
        m_skips["object parts (<part>)"] += parts;
      }
      m_builder->add_box(image, m_builder->category(label), {c[0], c[1], c[2] - c[0], c[3] - c[1]}, ++m_next_id);
    }
  }

  // ---- LabelMe ----
  void read_labelme(const fs::path& path) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(path.string()).get(text)) fail(path, 0, "", "", "cannot read the file", Defect::broken_file);
    dom::element doc;
    if (auto err = m_parser.parse(text).get(doc)) throw_json_error(std::string_view(text), path.string(), simdjson::error_message(err));
    dom::object o;
    if (doc.get(o)) fail(path, 0, "", "", "expected a LabelMe object with \"shapes\"");
    std::string_view image_path;
    std::string name = !o["imagePath"].get(image_path) ? fs::path(std::string(image_path)).filename().string() : path.stem().string();
    if (name.empty()) name = path.stem().string();
    // LabelMe always writes the size: whole numbers within COCO's limits.
    double w = 0, h = 0;
    dom::element we, he;
    if (o["imageWidth"].get(we) || o["imageHeight"].get(he) || we.get(w) || he.get(h)) {
      fail(path, 0, name, "imageWidth", "expected imageWidth and imageHeight as numbers of pixels");
    }
    if (auto why = image_size_problem(w, h)) fail(path, 0, name, "imageWidth", *why);
    const std::uint32_t image = m_builder->image(name, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), -1, key_of(path, name),
                                                 image_path.empty() ? std::string() : std::string(image_path));
    m_builder->set_image_file(image, path.string());
    dom::array shapes;
    if (o["shapes"].get(shapes)) fail(path, 0, name, "shapes", "expected a list of shapes");
    std::size_t index = 0;
    for (dom::element e : shapes) {
      const std::string where = fmt::format("shapes[{}]", index++);
      dom::object s;
      if (e.get(s)) fail(path, 0, name, where, "expected a shape object");
      std::string_view label, type = "polygon";
      if (s["label"].get(label) || label.empty()) fail(path, 0, name, where + ".label", "a shape without a label");
      dom::element t;
      if (!s["shape_type"].get(t) && t.is_string()) type = t.get_string().value_unsafe();
      dom::array pts;
      if (s["points"].get(pts)) fail(path, 0, name, where + ".points", "expected a list of [x, y] points");
      std::vector<double> xy;
      for (dom::element p : pts) {
        dom::array pair;
        double x = 0, y = 0;
        if (p.get(pair) || pair.size() != 2 || pair.at(0).get(x) || pair.at(1).get(y) || !std::isfinite(x) || !std::isfinite(y)) {
          fail(path, 0, name, where + ".points", "expected [x, y] pairs of numbers");
        }
        xy.push_back(x);
        xy.push_back(y);
      }
      const std::int32_t category = m_builder->category(std::string(label));
      if (type == "polygon") {
        if (xy.size() < 6) fail(path, 0, name, where + ".points", "a polygon needs at least 3 points");
        m_builder->add_polygon(image, category, {xy}, static_cast<std::int64_t>(index));
      } else if (type == "rectangle") {
        if (xy.size() != 4) fail(path, 0, name, where + ".points", "a rectangle needs 2 points");
        const double x0 = std::min(xy[0], xy[2]), y0 = std::min(xy[1], xy[3]);
        m_builder->add_box(image, category, {x0, y0, std::abs(xy[2] - xy[0]), std::abs(xy[3] - xy[1])}, static_cast<std::int64_t>(index));
      } else if (type == "circle") {
        if (xy.size() != 4) fail(path, 0, name, where + ".points", "a circle needs its centre and a point on it");
        const double r = std::hypot(xy[2] - xy[0], xy[3] - xy[1]);
        const std::vector<double> ring = ellipse_polygon(xy[0], xy[1], r, r, 0);
        m_builder->add_polygon(image, category, {ring}, static_cast<std::int64_t>(index));
      } else if (type == "point") {
        if (xy.size() != 2) fail(path, 0, name, where + ".points", "a point has one [x, y]");
        // A keypoint object of one point, scaled by the image (as CVAT's points).
        m_builder->add_keypoints(image, category, {xy[0], xy[1], 2.0}, w * h, static_cast<std::int64_t>(index), geometry::Box{0, 0, w, h});
        m_builder->keypoint_schema(std::string(label), KeypointSchema{{std::string(label)}, {}});
      } else if (type == "line" || type == "linestrip") {
        m_builder->add_polyline(image, category, xy, static_cast<std::int64_t>(index));
      } else {
        ++m_skips[fmt::format("{} shapes (no area to compare)", type)];
        continue;
      }
      // Shape flags: attributes of the shape.
      dom::object flags;
      if (!s["flags"].get(flags)) {
        std::vector<ObjectAttribute> attributes;
        for (auto [key, value] : flags) {
          bool b = false;
          if (!value.get(b)) attributes.push_back({std::string(key), b ? "true" : "false"});
        }
        m_builder->set_attributes(std::move(attributes));
      }
      // group_id: shapes sharing one are parts of one object (null = none).
      std::int64_t group = 0;
      if (!s["group_id"].get(group)) m_builder->set_group(group);
    }
  }

  // ---- YOLO ----
  std::vector<std::string> yolo_classes(const fs::path& dir) {
    fs::path file = m_opt.yolo_classes;
    if (file.empty()) {
      for (const auto& p : files_with(dir, {".txt", ".names", ".yaml"}, m_opt.follow_symlinks)) {
        if (is_class_file(p) && (file.empty() || p.string().size() < file.string().size())) file = p;
      }
    }
    if (file.empty()) fail(dir, 0, "", "", "a YOLO folder needs its class list (classes.txt, obj.names or data.yaml beside the labels, or a class list given apart)");
    {
      const MappedFile list(file.string());
      require_utf8(list.view(), file.string());
    }
    std::ifstream in(file);
    if (!in) fail(file, 0, "", "", "cannot read the class list");
    std::vector<std::string> names;
    std::string line;
    const bool yaml = file.extension() == ".yaml";
    bool in_names = false;
    std::map<long, std::string> indexed;
    while (std::getline(in, line)) {
      std::string_view l = trim(line);
      if (!yaml) {
        if (!l.empty()) names.emplace_back(l);
        continue;
      }
      // data.yaml: `names: [a, b]`, or a block of `- a` / `0: a` lines under `names:`.
      if (l.rfind("names:", 0) == 0) {
        std::string_view rest = trim(l.substr(6));
        in_names = rest.empty();
        if (!rest.empty() && rest.front() == '[') {
          rest = rest.substr(1, rest.find(']') == std::string_view::npos ? std::string_view::npos : rest.find(']') - 1);
          std::stringstream ss{std::string(rest)};
          std::string item;
          while (std::getline(ss, item, ',')) {
            std::string_view v = trim(item);
            if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"')) v = v.substr(1, v.size() - 2);
            names.emplace_back(v);
          }
        }
        continue;
      }
      if (!in_names) continue;
      if (line.empty() || !std::isspace(static_cast<unsigned char>(line.front()))) {
        in_names = false;
        continue;
      }
      std::string_view v = l;
      long key = static_cast<long>(indexed.size());
      if (!v.empty() && v.front() == '-') {
        v = trim(v.substr(1));
      } else if (const auto colon = v.find(':'); colon != std::string_view::npos) {
        key = std::strtol(std::string(v.substr(0, colon)).c_str(), nullptr, 10);
        v = trim(v.substr(colon + 1));
      }
      if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"')) v = v.substr(1, v.size() - 2);
      indexed[key] = std::string(v);
    }
    for (const auto& [k, v] : indexed) names.push_back(v);
    if (names.empty()) fail(file, 0, "", "", "the class list is empty");
    return names;
  }

  void read_yolo(const std::string& input) {
    const fs::path dir = input;
    const auto classes = yolo_classes(dir);
    std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> sizes;  // image name or stem -> size
    if (!m_opt.image_sizes.empty()) {
      MappedFile file(m_opt.image_sizes);
      CsvReader csv(file.view(), ',', m_opt.image_sizes);
      std::vector<std::string_view> f;
      if (!csv.next(f) || f.size() < 3 || f[0] != "image" || f[1] != "width" || f[2] != "height") {
        fail(m_opt.image_sizes, 1, "", "", "the sizes file needs the header image,width,height");
      }
      while (csv.next(f)) {
        const std::string image = f.empty() ? std::string() : std::string(f[0]);
        auto w = f.size() >= 3 ? parse_double(f[1]) : std::nullopt, h = f.size() >= 3 ? parse_double(f[2]) : std::nullopt;
        if (!w || !h || *w <= 0 || *h <= 0 || *w > 1e6 || *h > 1e6) fail(m_opt.image_sizes, csv.record_line(), image, "width", "expected a positive size in pixels");
        const auto size = std::make_pair(static_cast<std::uint32_t>(*w), static_cast<std::uint32_t>(*h));
        sizes[image] = size;
        sizes[fs::path(image).stem().string()] = size;
      }
    }
    m_kpt_values = 0;
    for (const auto& y : files_with(dir, {".yaml"}, m_opt.follow_symlinks)) {
      if (const auto k = kpt_shape(y)) m_kpt_values = k->first * k->second, m_kpt_dims = k->second;
    }
    // Images next to the labels: same folder, or images/ beside labels/.
    std::map<std::string, fs::path> images;
    for (const auto& p : files_with(dir, {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}, m_opt.follow_symlinks)) images.emplace(p.stem().string(), p);
    for (const auto& p : files_with(dir, {".txt"}, m_opt.follow_symlinks)) {
      if (is_class_file(p) || p.filename() == "train.txt" || p.filename() == "valid.txt" || p.filename() == "test.txt") continue;
      const std::string stem = p.stem().string();
      std::string name = stem;
      std::uint32_t w = 0, h = 0;
      if (auto it = images.find(stem); it != images.end()) {
        name = it->second.filename().string();
        if (!image_dimensions(it->second.string(), w, h)) fail(it->second, 0, name, "", "cannot read the image size from this image");
      }
      if (auto it = sizes.find(name); it != sizes.end()) {
        std::tie(w, h) = it->second;
      } else if (auto is = sizes.find(stem); is != sizes.end()) {
        std::tie(w, h) = is->second;
      }
      if (w == 0 || h == 0) fail(p, 0, name, "", "the image size is unknown: put the image next to its labels or give a table of image sizes");
      if (auto why = image_size_problem(w, h)) {
        const auto it = images.find(stem);
        fail(it != images.end() ? it->second : p, 0, name, "image size", *why);
      }
      read_yolo_file(p, name, w, h, classes);
    }
  }

  // A YOLO pose dataset's data.yaml says `kpt_shape: [K, D]` (D = 2 for x y, 3 for x y visibility):
  // K * D numbers follow each box.
  // kpt_shape: [keypoints, values per keypoint (2 or 3)].
  static std::optional<std::pair<std::size_t, std::size_t>> kpt_shape(const fs::path& yaml) {
    std::ifstream in(yaml);
    std::string line;
    while (std::getline(in, line)) {
      std::string_view l = trim(line);
      if (l.rfind("kpt_shape:", 0) != 0) continue;
      std::string rest(trim(l.substr(10)));
      for (char& c : rest) {
        if (c == '[' || c == ']' || c == ',') c = ' ';
      }
      std::stringstream ss(rest);
      std::size_t k = 0, d = 0;
      if (ss >> k >> d && k > 0 && k <= 1000 && (d == 2 || d == 3)) return std::make_pair(k, d);
    }
    return std::nullopt;
  }

  void read_yolo_file(const fs::path& p, const std::string& name, std::uint32_t W, std::uint32_t H, const std::vector<std::string>& classes) {
    std::ifstream in(p);
    const std::uint32_t image = m_builder->image(name, W, H, -1, key_of(p, name));
    m_builder->set_image_file(image, p.string());
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::stringstream ss(line);
      std::vector<double> v;
      std::string tok;
      while (ss >> tok) {
        auto d = parse_double(tok);
        if (!d) fail(p, n, name, "", fmt::format("expected numbers, got \"{}\"", tok));
        v.push_back(*d);
      }
      if (v.empty()) continue;
      const double cls = v[0];
      if (cls < 0 || cls != std::floor(cls) || cls >= static_cast<double>(classes.size())) {
        fail(p, n, name, "class", fmt::format("class {} is not in the class list (0 to {})", tok.empty() ? "?" : fmt::format("{}", cls), classes.size() - 1));
      }
      const std::int32_t category = m_builder->category(classes[static_cast<std::size_t>(cls)]);
      // Pose: class cx cy w h, then keypoints (kpt_shape in data.yaml; without it, an even count of
      // 5 + 3k numbers, which no polygon line has). The box is read, the keypoints are not compared.
      const bool pose = m_kpt_values ? v.size() == 5 + m_kpt_values : v.size() > 6 && v.size() % 2 == 0 && (v.size() - 5) % 3 == 0;
      if (m_kpt_values && v.size() != 5 + m_kpt_values && v.size() != 5) {
        fail(p, n, name, "", fmt::format("expected a pose line of 5 + {} numbers (kpt_shape in data.yaml), got {} numbers", m_kpt_values, v.size()));
      }
      if (pose) {
        // A keypoint object with its box; x y [v] per keypoint, normalised. Without visibility, a
        // keypoint at 0 0 is not labelled (as Ultralytics writes a missing one).
        const double bw = v[3] * W, bh = v[4] * H;
        const std::size_t dims = m_kpt_values ? m_kpt_dims : 3;
        std::vector<double> xyv;
        for (std::size_t k = 5; k + dims <= v.size(); k += dims) {
          const double x = v[k] * W, y = v[k + 1] * H;
          double vis = dims == 3 ? v[k + 2] : (v[k] == 0 && v[k + 1] == 0 ? 0 : 2);
          if (vis != 0 && vis != 1 && vis != 2) {
            fail(p, n, name, "", fmt::format("keypoint {} has visibility {}, expected 0, 1 or 2", (k - 5) / dims + 1, vis), Defect::degenerate);
          }
          xyv.insert(xyv.end(), {vis == 0 ? 0.0 : x, vis == 0 ? 0.0 : y, vis});
        }
        m_builder->add_keypoints(image, category, xyv, std::numeric_limits<double>::quiet_NaN(), static_cast<std::int64_t>(n),
                                 geometry::Box{v[1] * W - bw / 2, v[2] * H - bh / 2, bw, bh});
      } else if (v.size() == 5 || v.size() == 6) {  // class cx cy w h [confidence]
        const double bw = v[3] * W, bh = v[4] * H;
        m_builder->add_box(image, category, {v[1] * W - bw / 2, v[2] * H - bh / 2, bw, bh}, static_cast<std::int64_t>(n));
      } else if (v.size() >= 7 && v.size() % 2 == 1) {  // class x1 y1 x2 y2 x3 y3 ... (segmentation)
        std::vector<double> ring;
        for (std::size_t k = 1; k < v.size(); k += 2) {
          ring.push_back(v[k] * W);
          ring.push_back(v[k + 1] * H);
        }
        m_builder->add_polygon(image, category, {ring}, static_cast<std::int64_t>(n));
      } else {
        fail(p, n, name, "", fmt::format("expected \"class cx cy w h\" (5 numbers) or a polygon \"class x1 y1 x2 y2 x3 y3 ...\", got {} numbers", v.size()));
      }
    }
  }

  ExportData& m_out;
  fs::path m_root;  // the export folder (or the folder of a single file)
  const FolderOptions& m_opt;
  DeliveryBuilder* m_builder = nullptr;
  std::map<std::string, std::size_t> m_skips;
  std::int64_t m_next_id = 0;
  std::size_t m_kpt_values = 0;  // YOLO pose: numbers per object after the box (0: not pose)
  std::size_t m_kpt_dims = 3;    // YOLO pose: numbers per keypoint (x y, or x y visibility)
  dom::parser m_parser;
};

std::uint32_t be16(const unsigned char* p) { return (static_cast<std::uint32_t>(p[0]) << 8) | p[1]; }
std::uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const unsigned char* p) { return (static_cast<std::uint32_t>(p[1]) << 8) | p[0]; }

}  // namespace

bool image_dimensions(const std::string& path, std::uint32_t& width, std::uint32_t& height) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::vector<unsigned char> b(1 << 16);
  b.resize(std::fread(b.data(), 1, b.size(), f));
  bool ok = false;
  if (b.size() >= 24 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0) {
    width = be32(&b[16]);
    height = be32(&b[20]);
    ok = true;
  } else if (b.size() >= 10 && std::memcmp(b.data(), "GIF8", 4) == 0) {
    width = le16(&b[6]);
    height = le16(&b[8]);
    ok = true;
  } else if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') {
    auto i32 = [&](std::size_t o) { return static_cast<std::int32_t>(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (static_cast<std::uint32_t>(b[o + 3]) << 24)); };
    // The magnitude as unsigned arithmetic: std::abs(INT_MIN) is undefined; 2^31 is then refused as
    // an image size like any other out of range.
    auto magnitude = [](std::int32_t v) { return v < 0 ? 0u - static_cast<std::uint32_t>(v) : static_cast<std::uint32_t>(v); };
    width = magnitude(i32(18));
    height = magnitude(i32(22));
    ok = true;
  } else if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
    // JPEG: walk the segments to the first start-of-frame marker (the whole file if needed).
    std::fseek(f, 2, SEEK_SET);
    unsigned char m[9];
    while (std::fread(m, 1, 4, f) == 4) {
      if (m[0] != 0xFF) break;
      const unsigned char marker = m[1];
      const std::uint32_t len = be16(&m[2]);
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        if (std::fread(m, 1, 5, f) != 5) break;
        height = be16(&m[1]);
        width = be16(&m[3]);
        ok = true;
        break;
      }
      if (len < 2 || std::fseek(f, static_cast<long>(len) - 2, SEEK_CUR) != 0) break;
    }
  }
  std::fclose(f);
  return ok && width > 0 && height > 0;
}

bool looks_like_folder_export(const std::string& path, FolderFormat& format) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    const std::string ext = lower(fs::path(path).extension().string());
    if (ext == ".xml" && is_voc_xml(path)) return format = FolderFormat::voc, true;
    if (ext == ".json" && is_labelme_json(path)) return format = FolderFormat::labelme, true;
    return false;
  }
  if (!fs::is_directory(path, ec)) return false;
  if (fs::exists(fs::path(path) / "annotations.xml", ec)) return false;  // a CVAT export
  // Judged from the files that stay inside the folder (nothing is read through a link leading out).
  auto inside = [&](std::initializer_list<const char*> exts) {
    std::vector<fs::path> out;
    for (const auto& p : files_with(path, exts, true)) {
      if (!link_outside(p, path)) out.push_back(p);
    }
    return out;
  };
  for (const auto& p : inside({".xml"})) {
    if (is_voc_xml(p)) return format = FolderFormat::voc, true;
    break;
  }
  for (const auto& p : inside({".json"})) {
    if (is_labelme_json(p)) return format = FolderFormat::labelme, true;
    break;
  }
  bool classes = false, labels = false;
  for (const auto& p : inside({".txt", ".names", ".yaml"})) {
    if (is_class_file(p)) {
      classes = true;
    } else if (p.extension() == ".txt") {
      labels = true;
    }
  }
  if (classes && labels) return format = FolderFormat::yolo, true;
  return false;
}

ExportData read_folder_exports(const std::vector<std::string>& paths, const std::vector<std::string>& names, FolderFormat format,
                               const FolderOptions& options) {
  ExportData out;
  Reader reader(out, options);
  for (std::size_t i = 0; i < paths.size(); ++i) reader.read(paths[i], names[i], format);
  return out;
}

}  // namespace labelqa::io
