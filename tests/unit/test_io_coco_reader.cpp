// Readers of image regions on real files and on hand-made text:
//  - the COCO reader on real pycocotools/panopticapi output (../shared/samples): every decoded mask
//    has exactly the `area` and `bbox` the file states (checked there against the COCO toolchain);
//    slices cut anywhere and any key order give the same objects and the same errors;
//  - PNG decoding of real 8- and 16-bit Cityscapes/MOTS masks (values documented in the samples).
#include "helpers.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/coco_reader.hpp"
#include "labelqa/io/mask_reader.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

using namespace labelqa;

TEST_SUITE_BEGIN("io::coco_reader");

TEST_CASE("COCO reader: compressed RLE from panopticapi decodes to the stated area and bbox") {
  const auto samples_dir = test::samples("COCO reader: compressed RLE from panopticapi decodes to the stated area and bbox");
  if (!samples_dir) return;
  const std::string& k_samples = *samples_dir;
  const std::string path = k_samples + "/coco/panopticapi-sample/panoptic_coco_detection_format.json";
  ObjectSet set = io::read_coco_files({path}, {"gt"});
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  REQUIRE(set.annotators.size() == 1);
  const auto& a = set.annotators[0];
  REQUIRE(a.objects.size() == j["annotations"].size());
  std::map<std::int64_t, const SpatialObject*> by_id;
  for (const auto& o : a.objects) by_id[o.id] = &o;
  int crowd = 0;
  for (const auto& ann : j["annotations"]) {
    const SpatialObject& o = *by_id.at(ann["id"].get<std::int64_t>());
    REQUIRE(o.shape == Shape::mask);
    CHECK(geometry::area(a.masks[o.geom]) == ann["area"].get<std::uint64_t>());
    const auto b = geometry::bbox(a.masks[o.geom]);
    for (int k = 0; k < 4; ++k) CHECK(b[k] == ann["bbox"][k].get<double>());
    crowd += o.crowd;
  }
  CHECK(crowd == 3);
  CHECK(set.images.size() == 2);
}


TEST_CASE("COCO reader: datumaro fixture — crowd RLE counts, empty segmentation as box, ids by name") {
  const auto samples_dir = test::samples("COCO reader: datumaro fixture — crowd RLE counts, empty segmentation as box, ids by name");
  if (!samples_dir) return;
  const std::string& k_samples = *samples_dir;
  const std::string dir = k_samples + "/coco/datumaro-fixtures/";
  ObjectSet set = io::read_coco_files({dir + "instances_val.json", dir + "instances_train.json"}, {"val", "train"});
  CHECK(set.annotators[0].name == "train");
  const auto& val = set.annotators[1];
  int masks = 0, polygons = 0;
  for (const auto& o : val.objects) {
    if (o.shape == Shape::mask) {
      ++masks;
      CHECK(o.crowd);
      CHECK(geometry::area(val.masks[o.geom]) == 20);  // counts [0, 20, 30] on 10 x 5
    }
    polygons += o.shape == Shape::polygon;
  }
  CHECK(masks == 1);
  CHECK(polygons == 1);
  CHECK(set.annotators[0].objects.at(0).shape == Shape::box);
}


TEST_CASE("COCO reader: errors name file, line, byte offset and annotation") {
  const std::string dir = std::string(LABELQA_TEST_DATA) + "/agree/coco/bad/";
  try {
    io::read_coco_files({dir + "odd_polygon.json"}, {"x"});
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(e.where().has_offset);
    CHECK(e.where().line > 1);
    CHECK(e.where().item == "annotation 2 (id 2)");
    CHECK(e.where().field == "segmentation");
  }
  CHECK_THROWS_AS(io::read_coco_files({dir + "rle_sum.json"}, {"x"}), InputError);
  CHECK_THROWS_AS(io::read_coco_files({dir + "truncated.json"}, {"x"}), InputError);
}


TEST_CASE("PNG masks: 8- and 16-bit grayscale from real fixtures") {
  const auto samples_dir = test::samples("PNG masks: 8- and 16-bit grayscale from real fixtures");
  if (!samples_dir) return;
  const std::string& k_samples = *samples_dir;
  std::vector<std::uint8_t> buf;
  io::MaskImage img;
  const std::string dir = k_samples + "/masks/datumaro-cityscapes/";
  io::decode_mask_png(dir + "defaultcity_000002_000045_gtFine_labelTrainIds.png", buf, img);
  CHECK(img.bit_depth == 8);
  CHECK(img.width == 5);
  CHECK(img.height == 1);
  std::set<std::uint32_t> values;
  for (std::size_t i = 0; i < img.pixels(); ++i) values.insert(img.at(i));
  CHECK(values == std::set<std::uint32_t>{11, 19});
  io::decode_mask_png(k_samples + "/masks/datumaro-mots/instances/1.png", buf, img);
  CHECK(img.bit_depth == 16);
  values.clear();
  for (std::size_t i = 0; i < img.pixels(); ++i) values.insert(img.at(i));
  CHECK(values.count(4003) == 1);
  CHECK(values.count(3002) == 1);
  CHECK(values.count(4001) == 1);
  CHECK_THROWS_AS(io::decode_mask_png(k_samples + "/masks/datumaro-voc/SegmentationClass/2007_000001.png", buf, img),
                  InputError);
}


namespace {

// Everything the reader keeps of one annotator's objects, geometry resolved, for comparisons.
std::vector<std::string> describe(const AnnotatorObjects& a) {
  std::vector<std::string> out;
  for (const auto& o : a.objects) {
    std::string s = fmt::format("{} img{} cat{} {}{} @{}", o.id, o.image, o.category, shape_name(o.shape), o.crowd ? " crowd" : "", o.offset);
    for (double v : o.bbox) s += fmt::format(" {}", v);
    if (o.shape == Shape::polygon) {
      for (std::uint32_t r = o.geom; r < o.geom_end; ++r) {
        s += " |";
        for (std::uint32_t k = a.ring_start[r]; k < a.ring_start[r + 1]; ++k) s += fmt::format(" {}", a.coords[k]);
      }
    } else if (o.shape == Shape::mask) {
      s += fmt::format(" rle {}", geometry::to_string(a.masks[o.geom]));
    }
    out.push_back(s);
  }
  return out;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = test::tmp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("COCO reader: slices cut anywhere give the same objects and the same errors") {
  // The bytes "}, {" occur inside strings and inside nested lists of objects, so guessed slice
  // boundaries land in the wrong places; ids are missing on some annotations (numbered by position).
  std::string anns;
  for (int i = 1; i <= 40; ++i) {
    if (i > 1) anns += i % 3 ? ",\n" : " , ";
    anns += "{";
    if (i % 4) anns += "\"id\": " + std::to_string(100 + i) + ", ";
    anns += "\"image_id\": " + std::to_string(1 + i % 2) + ", \"category_id\": " + std::to_string(1 + i % 3) + ", ";
    if (i % 5 == 0) anns += "\"note\": \"a}, {b\\\"}, {\", ";
    if (i % 7 == 0) anns += "\"attributes\": {\"parts\": [{\"x\": 1}, {\"y\": [2, {\"z\": 3}]}]}, ";
    if (i % 3 == 0) {
      anns += "\"segmentation\": {\"size\": [20, 30], \"counts\": [" + std::to_string(i) + ", 5, " + std::to_string(595 - i) + "]}, ";
    } else if (i % 3 == 1) {
      anns += "\"segmentation\": [[1, 2, " + std::to_string(i % 10 + 3) + ", 2, 4, 9], [0, 0, 1, 0, 1, 1]], ";
    }
    anns += "\"bbox\": [1, 2, 3, " + std::to_string(i) + "], \"iscrowd\": " + (i == 9 ? "1" : "0") + "}";
  }
  const std::string head = R"({"images": [{"id": 1, "file_name": "a.jpg", "width": 30, "height": 20},
    {"id": 2, "file_name": "b.jpg", "width": 30, "height": 20}],
    "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}, {"id": 3, "name": "}, {"}],
    "annotations": [)";
  const std::string path = write_temp("sliced.json", head + anns + "]}\n");
  const auto whole = describe(io::read_coco_files({path}, {"x"}, std::size_t{1} << 30).annotators.at(0));
  REQUIRE(whole.size() == 40);
  for (std::size_t slice : {1, 7, 50, 200, 1000}) {
    CAPTURE(slice);
    CHECK(describe(io::read_coco_files({path}, {"x"}, slice).annotators.at(0)) == whole);
  }

  // A duplicate id and an error inside a nested list are reported the same way for any slicing.
  auto message = [](const std::string& file, std::size_t slice) {
    try {
      io::read_coco_files({file}, {"x"}, slice);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string dup = anns;
  dup.replace(dup.find("\"id\": 131"), 9, "\"id\": 102");
  const std::string dup_path = write_temp("sliced_dup.json", head + dup + "]}\n");
  const std::string dup_whole = message(dup_path, std::size_t{1} << 30);
  CHECK(dup_whole.find("duplicate annotation id 102") != std::string::npos);
  CHECK(dup_whole.find("annotation 31 (id 102)") != std::string::npos);
  std::string bad = anns;
  bad.replace(bad.find("{\"z\": 3}"), 8, "{\"z\": 3]");
  const std::string bad_path = write_temp("sliced_bad.json", head + bad + "]}\n");
  const std::string bad_whole = message(bad_path, std::size_t{1} << 30);
  CAPTURE(bad_whole);
  CHECK(bad_whole.find("invalid JSON") != std::string::npos);
  CHECK(bad_whole.find("annotation 7 (id 107)") != std::string::npos);
  // Malformed JSON in a value the reader does not use is still an error.
  const std::string info_path = write_temp("bad_info.json", R"({"info": {"year": [2020}, "annotations": []})");
  CHECK(message(info_path, 1000).find("invalid JSON") != std::string::npos);
  for (std::size_t slice : {1, 7, 50, 200}) {
    CAPTURE(slice);
    CHECK(message(dup_path, slice) == dup_whole);
    CHECK(message(bad_path, slice) == bad_whole);
  }
}


TEST_CASE("COCO reader: the same objects whatever the order of the top-level keys") {
  // The annotations list is found from the end of the file backwards; decoys ("image_id" in the
  // last image, "}, {" and "]" in strings, a long list after the annotations) must not change
  // what is read, only how fast.
  std::string anns;
  for (int i = 1; i <= 30; ++i) {
    if (i > 1) anns += ", ";
    anns += "{\"id\": " + std::to_string(i) + ", \"image_id\": " + std::to_string(1 + i % 3) + ", \"category_id\": " +
            std::to_string(1 + i % 2) + ", \"segmentation\": [[1, 1, " + std::to_string(2 + i % 5) + ", 1, 3, 4]], \"bbox\": [1, 1, 2, 3]}";
  }
  std::string images;
  for (int i = 1; i <= 3; ++i) {
    if (i > 1) images += ", ";
    images += "{\"id\": " + std::to_string(i) + ", \"file_name\": \"img" + std::to_string(i) + ".png\", \"width\": 10, \"height\": 10" +
              (i == 3 ? ", \"image_id\": \"decoy\", \"note\": \"]}, {\\\"x\\\": [\"" : "") + "}";
  }
  const std::string cats = R"([{"id": 1, "name": "cat"}, {"id": 2, "name": "dog", "note": "\"image_id\"]"}])";
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"images", "[" + images + "]"}, {"annotations", "[" + anns + "]"}, {"categories", cats}, {"info", R"({"year": 2024})"}};
  std::vector<std::vector<int>> orders = {{0, 1, 2, 3}, {1, 0, 2, 3}, {0, 2, 3, 1}, {3, 1, 0, 2}, {2, 1, 3, 0}};
  std::optional<std::vector<std::string>> first;
  int n = 0;
  for (const auto& order : orders) {
    std::string text = "{";
    for (std::size_t k = 0; k < order.size(); ++k) {
      text += (k ? ",\n\"" : "\"") + parts[static_cast<std::size_t>(order[k])].first + "\": " + parts[static_cast<std::size_t>(order[k])].second;
    }
    text += "}\n";
    const std::string path = write_temp("order" + std::to_string(n++) + ".json", text);
    CAPTURE(text);
    for (std::size_t slice : {std::size_t{1}, std::size_t{100}, std::size_t{1} << 20}) {
      auto got = describe(io::read_coco_files({path}, {"x"}, slice).annotators.at(0));
      for (auto& line : got) line = line.substr(0, line.find(" @"));  // offsets differ between orders
      REQUIRE(got.size() == 30);
      if (!first) first = got;
      CHECK(got == *first);
    }
  }
}

TEST_SUITE_END();
