#include "targets.hpp"

#include "labelqa/commands/agree.hpp"
#include "labelqa/commands/gold.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/partial.hpp"
#include "labelqa/geometry/rle.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/cvat_reader.hpp"
#include "labelqa/io/folder_exports.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/mask_reader.hpp"
#include "labelqa/io/policy_reader.hpp"
#include "labelqa/io/segment_reader.hpp"
#include "labelqa/io/span_reader.hpp"
#include "labelqa/metrics/segments.hpp"
#include "labelqa/io/table_reader.hpp"
#include "labelqa/validate/findings.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unistd.h>

namespace labelqa::fuzz {
namespace {

namespace fs = std::filesystem;

// A private scratch directory for this process: the folder formats (VOC, YOLO, LabelMe) read
// folders, so their inputs are written there; every other reader takes the bytes in memory.
const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "labelqa-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    return fs::path(tmpl);
  }();
  return dir;
}

fs::path write(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const fs::path p = scratch() / name;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p;
}
fs::path write(const std::string& name, std::string_view text) { return write(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }

void objects_checked(io::LocalDelivery& d) {
  index_objects(d.objects, d.images.size());
  validate::Options opt;
  opt.require_coverage = d.images.size() < 4;
  opt.min_region = 1;
  (void)validate::check_objects(d.objects, d.images, d.categories, opt);
}

// The fuzz input as an in-memory input named `name` (its bytes are never written to a file).
io::Input bytes(const std::string& name, const std::uint8_t* data, std::size_t size) {
  return io::Input(name, std::string_view(reinterpret_cast<const char*>(data), size));
}

void run(const std::string& name, const std::uint8_t* data, std::size_t size) {
  if (name == "table") {
    // The first byte picks the format; the rest is the table.
    static const char* ext[] = {".csv", ".tsv", ".jsonl"};
    const int k = size ? data[0] % 3 : 0;
    io::TableOptions opt;
    opt.wide = size && (data[0] & 4);
    (void)io::read_rating_table_inputs({bytes(std::string("t") + ext[k], size ? data + 1 : data, size ? size - 1 : 0)}, opt);
  } else if (name == "coco") {
    io::LenientRead check;
    auto d = io::read_coco_checked(bytes("c.json", data, size), check, 256);
    objects_checked(d);
    (void)io::read_coco_inputs({bytes("c.json", data, size)}, {"a"}, 256);
  } else if (name == "rle") {
    // h, w from the first bytes; the rest is a compressed counts string, then the same bytes as
    // CVAT run lengths and as a Label Studio brush RLE.
    if (size < 2) return;
    const std::uint32_t h = data[0] % 64, w = data[1] % 64;
    const std::string_view s(reinterpret_cast<const char*>(data + 2), size - 2);
    if (auto r = geometry::from_string(s, h, w)) {
      (void)geometry::bbox(*r);
      (void)geometry::to_string(*r);
      (void)geometry::decode(*r);
    }
    (void)io::decode_cvat_mask(s, data[0] % 7, data[1] % 5, w, h, 48, 48);
    (void)io::decode_brush_rle(std::vector<std::uint8_t>(data + 2, data + size), static_cast<std::size_t>(h) * w);
  } else if (name == "label_studio") {
    auto d = io::read_label_studio_inputs({bytes("ls.json", data, size)}, {});
    for (auto& del : d.deliveries) objects_checked(del);
  } else if (name == "cvat") {
    auto d = io::read_cvat_inputs({bytes("cvat.xml", data, size)}, {"a"});
    for (auto& del : d.deliveries) objects_checked(del);
  } else if (name == "voc") {
    const auto p = write("voc/a.xml", data, size);
    auto d = io::read_folder_exports({p.parent_path().string()}, {"a"}, io::FolderFormat::voc, {});
    for (auto& del : d.deliveries) objects_checked(del);
  } else if (name == "yolo") {
    write("yolo/classes.txt", "cat\ndog\n");
    const auto sizes = write("yolo-sizes.csv", "image,width,height\na,100,80\n");
    const auto p = write("yolo/a.txt", data, size);
    io::FolderOptions opt;
    opt.image_sizes = sizes.string();
    auto d = io::read_folder_exports({p.parent_path().string()}, {"a"}, io::FolderFormat::yolo, opt);
    for (auto& del : d.deliveries) objects_checked(del);
  } else if (name == "labelme") {
    const auto p = write("labelme/a.json", data, size);
    auto d = io::read_folder_exports({p.parent_path().string()}, {"a"}, io::FolderFormat::labelme, {});
    for (auto& del : d.deliveries) objects_checked(del);
  } else if (name == "png") {
    std::vector<std::uint8_t> buffer;
    io::MaskImage mask;
    io::decode_mask_png(bytes("m.png", data, size), buffer, mask);
    validate::Options opt;
    opt.min_region = 1;
    (void)validate::check_semantic_mask(mask, "m.png", "m.png", {{0, "unlabeled"}, {1, "cat"}}, opt);
  } else if (name == "policy") {
    const bool json = size && (data[0] & 1);
    (void)io::read_policy(bytes(json ? "p.json" : "p.toml", size ? data + 1 : data, size ? size - 1 : 0));
  } else if (name == "partial") {
    // A partial result whose payload is the input, framed with a valid header and checksum so
    // that the payload's reader, not the checksum, meets the bytes; merged as agree or gold would.
    // The first byte picks the kind: bit 0 gold labels, else bit 1 objects, else labels.
    const bool gold = size && (data[0] & 1);
    const bool objects = !gold && size && (data[0] & 2);
    io::PartialWriter w;
    w.raw(std::string_view(reinterpret_cast<const char*>(data), size).substr(size ? 1 : 0));
    const std::string options = gold      ? "gold options"
                                : objects ? "iou_threshold=0.5;iou_type=auto;match_by_class=0;confidence=0.95;bootstrap=20;seed=1;per_image=1;oks_threshold=0.5;"
                                            "pck=0.2;sigmas=68616e64:0.05,0.04;attributes=;ignore_attributes=6f63636c75646564;line_thickness=0.01;"
                                            "compare_direction=1"
                                          : "level=nominal;order=;duplicates=error;confidence=0.95;ci=auto;bootstrap=20;seed=1";
    const fs::path p = write("p.part", w.bytes({LABELQA_VERSION, gold ? "gold/labels" : objects ? "agree/objects" : "agree/labels", options}));
    if (gold) {
      commands::GoldRequest r;
      r.files = {p.string()};
      r.merge = true;
      (void)commands::gold(r).json();
    } else {
      commands::AgreeRequest r;
      r.files = {p.string()};
      r.merge = true;
      (void)commands::agree(r).json();
    }
  } else if (name == "segments") {
    // An RTTM, SRT, WebVTT or TextGrid file (the first byte picks which) read as two annotators'
    // deliveries and compared.
    static const char* ext[] = {"a.rttm", "a.srt", "a.vtt", "a.TextGrid"};
    static const io::SegmentFormat fmt[] = {io::SegmentFormat::rttm, io::SegmentFormat::srt, io::SegmentFormat::webvtt, io::SegmentFormat::textgrid};
    const int k = size ? data[0] % 4 : 0;
    const auto p = write(ext[k], size ? data + 1 : data, size ? size - 1 : 0);
    std::vector<SkippedInput> skipped;
    auto records = io::read_segment_input(p.string(), "a", fmt[k], skipped);
    auto second = io::read_segment_input(p.string(), "b", fmt[k], skipped);
    for (auto& r : second) {
      // b's segments shifted a little, so the two differ
      for (auto& seg : r.segments) seg.end += 100000;
      records.push_back(std::move(r));
    }
    const SegmentSet set = io::build_segments(records, k == 0, {p.string()});
    metrics::SegmentOptions opt;
    opt.bootstrap = 20;
    (void)metrics::analyze_segments(set, opt);
  } else if (name == "spans") {
    const bool prodigy = size && (data[0] & 1);
    (void)io::read_span_inputs({bytes("s.jsonl", size ? data + 1 : data, size ? size - 1 : 0)}, {"a"},
                               prodigy ? io::SpanFormat::prodigy : io::SpanFormat::doccano);
  }
}

}  // namespace

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {"table", "coco", "rle", "label_studio", "cvat", "voc", "yolo", "labelme", "png", "policy", "spans", "partial", "segments"};
  return names;
}

bool run_target(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const auto& names = target_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) return false;
  try {
    run(name, data, size);
  } catch (const InputError&) {
  } catch (const UsageError&) {
  }
  return true;
}

}  // namespace labelqa::fuzz
