// Label Studio reader on real exports from ../shared/samples (facts from samples/README.md) and on
// hand-made cases whose pixels follow from the percent conventions.
#include "labelqa/error.hpp"
#include "labelqa/io/label_studio_reader.hpp"
#include "labelqa/io/span_reader.hpp"

#include "helpers.hpp"

#include <doctest/doctest.h>

using namespace labelqa;

namespace {
const std::string k_data = LABELQA_TEST_DATA;
}  // namespace

TEST_SUITE_BEGIN("io::label_studio_reader");

TEST_CASE("Label Studio brush RLE decodes to the documented alpha counts") {
  const auto samples_dir = test::samples("Label Studio brush RLE decodes to the documented alpha counts");
  if (!samples_dir) return;
  const std::string& k_samples = *samples_dir;
  // samples/README.md: on image_tools (2242 x 2802) the brush alpha has 55,699 pixels at 255,
  // 59,413 above 0 and 57,608 at 128 or more.
  const std::string path = k_samples + "/label-studio/frontend-examples/image_tools/annotations/1.json";
  for (auto [threshold, expected] : {std::pair{128, 57608}, std::pair{1, 59413}, std::pair{255, 55699}}) {
    io::LabelStudioOptions opt;
    opt.brush_threshold = threshold;
    const auto data = io::read_label_studio({path}, opt);
    REQUIRE(data.deliveries.size() == 1);
    const auto& a = data.deliveries[0].objects;
    int masks = 0;
    for (const auto& o : a.objects) {
      if (o.shape != Shape::mask) continue;
      ++masks;
      CHECK(a.masks[o.geom].h == 2802);
      CHECK(a.masks[o.geom].w == 2242);
      CHECK(geometry::area(a.masks[o.geom]) == static_cast<std::uint64_t>(expected));
    }
    CHECK(masks == 1);
  }
  CHECK(io::decode_brush_rle({1, 2, 3}).empty());  // truncated header: no crash, no mask
}

TEST_CASE("Label Studio rectangles: percent to pixels, rotation about the top-left corner") {
  const auto data = io::read_label_studio({k_data + "/formats/label_studio/regions.json"}, {});
  REQUIRE(data.deliveries.size() == 2);
  const auto& a = data.deliveries[0];  // annotator "1"
  CHECK(a.objects.name == "1");
  REQUIRE(a.images.size() == 1);
  CHECK(a.images[0].name == "street.jpg");  // upload prefix stripped
  CHECK(a.images[0].width == 200);
  CHECK(a.images[0].height == 100);
  REQUIRE(a.objects.objects.size() == 3);
  const auto& box = a.objects.objects[0];
  CHECK(box.shape == Shape::box);
  CHECK(box.bbox == geometry::Box{20, 10, 40, 20});
  // x=50%, y=50%, w=10%, h=20% of 200 x 100 turned 90 degrees: corners (100,50), (100,70), (80,70), (80,50).
  const auto& turned = a.objects.objects[1];
  REQUIRE(turned.shape == Shape::polygon);
  const std::vector<double> expected{100, 50, 100, 70, 80, 70, 80, 50};
  const auto begin = a.objects.ring_start[turned.geom];
  for (std::size_t k = 0; k < expected.size(); ++k) CHECK(a.objects.coords[begin + k] == doctest::Approx(expected[k]).epsilon(1e-12));
  CHECK(a.objects.objects[2].shape == Shape::polygon);
}

TEST_CASE("Label Studio exports: annotators, cancelled annotations, predictions") {
  const auto samples_dir = test::samples("Label Studio exports: annotators, cancelled annotations, predictions");
  if (!samples_dir) return;
  const std::string& k_samples = *samples_dir;
  const std::string yolo = k_samples + "/label-studio/sdk-converter-tests/test_export_yolo/data.json";
  const auto data = io::read_label_studio({yolo}, {});
  CHECK(data.tasks == 2);
  CHECK(data.deliveries.size() == 2);  // task 1 has annotations by users 2 and 1
  const std::string leoka = k_samples + "/label-studio/multi-annotator-ner/LEOKA_team_1.json";
  const auto ner = io::read_label_studio({leoka}, {});
  CHECK(ner.tasks == 130);
  CHECK(ner.annotations == 389);
  CHECK(ner.labels.size() == 383);  // taxonomy results
  std::size_t spans = 0;
  for (const auto& r : ner.spans) spans += r.spans.size();
  CHECK(ner.spans.size() == 389);  // one span record per annotation of a text task
  CHECK(spans == 3260);            // as samples/README.md counts them (3 repeat within their annotation)
  const SpanSet set = io::build_spans(ner.spans, {});
  CHECK(set.documents.size() == 130);
  // Offsets are code points of data.text: every span lies inside its text.
  for (std::size_t a = 0; a < set.annotators.size(); ++a) {
    for (std::size_t d = 0; d < set.documents.size(); ++d) {
      for (const auto& s : set.spans[a][d]) CHECK(s.end <= set.documents[d].code_points.size());
    }
  }
  io::LabelStudioOptions by_email;
  by_email.annotator_field = "email";
  const auto emails = io::read_label_studio({leoka}, by_email);
  CHECK(emails.labels.size() == 383);
  for (const auto& l : emails.labels) CHECK(l.annotator.find("@example.org") != std::string::npos);
  CHECK_THROWS_AS(io::read_label_studio({k_data + "/formats/label_studio/bad/no_annotations.json"}, {}), InputError);
}

TEST_SUITE_END();
