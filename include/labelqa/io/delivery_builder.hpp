// Builds one annotator's delivery (a LocalDelivery: images and categories by name, objects in
// pixels) from readers that see images, classes and shapes one at a time: Label Studio, CVAT and
// the other export readers. Boxes, polygons and masks get their bounding box and pixel extent
// the way the COCO reader computes them, so every format feeds the same matching code.
#pragma once

#include "labelqa/geometry/rle.hpp"
#include "labelqa/io/coco_reader.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labelqa::io {

class DeliveryBuilder {
 public:
  // `format` names the export ("cvat", "label-studio", ...): images of inputs of one format are
  // matched by their ids.
  DeliveryBuilder(std::string annotator, std::string file, std::string format);

  // The local index of the image called `name`, identified by `key` ("" = the name; see
  // ImageInfo); a size of 0 x 0 means unknown, and a known size fills in an unknown one.
  std::uint32_t image(const std::string& name, std::uint32_t width = 0, std::uint32_t height = 0, std::int64_t frame = -1, const std::string& key = {},
                      const std::string& path = {});
  std::int32_t category(const std::string& name);
  const ImageInfo& image_info(std::uint32_t image) const { return m_out.images[image]; }
  std::size_t image_count() const { return m_out.images.size(); }
  // The dense track number of a video track key; objects added after select_track(t) carry it.
  std::int32_t track(const std::string& key);
  void select_track(std::int32_t track) { m_track = track; }

  void add_box(std::uint32_t image, std::int32_t category, const geometry::Box& xywh, std::int64_t id);
  // rings: x0, y0, x1, y1, ... in pixels; empty rings are dropped, and no ring at all is ignored.
  void add_polygon(std::uint32_t image, std::int32_t category, const std::vector<std::vector<double>>& rings, std::int64_t id);
  // A run-length mask at the image's size.
  void add_mask(std::uint32_t image, std::int32_t category, geometry::Rle rle, std::int64_t id);
  // Keypoints x, y, v per keypoint (v: 0 not labelled, 1 labelled but not visible, 2 visible); `area`
  // NaN when the export gives none; `box` the export's, else the box of the labelled keypoints.
  void add_keypoints(std::uint32_t image, std::int32_t category, const std::vector<double>& xyv, double area, std::int64_t id,
                     const std::optional<geometry::Box>& box = std::nullopt);
  // The attributes of the object added last (sorted by name here).
  void set_attributes(std::vector<ObjectAttribute> attributes);
  // The group (non-zero; CVAT and LabelMe group_id) and drawing order (CVAT z_order, clamped to
  // -32768..32767) of the object added last.
  void set_group(std::int64_t group);
  void set_z_order(long long z_order);
  // An open line x0, y0, x1, y1, ... in pixels (validate reports lines of fewer than 2 points).
  void add_polyline(std::uint32_t image, std::int32_t category, const std::vector<double>& xy, std::int64_t id);
  // The names and skeleton of a keypoint class.
  void keypoint_schema(const std::string& category, KeypointSchema schema);

  // The file that describes the image (a folder export's per-image file).
  void set_image_file(std::uint32_t image, std::string file) { m_out.images[image].file = std::move(file); }
  // The file's own id of the object added with `id` (kept when the file's ids are not numbers).
  void name_id(std::int64_t id, std::string name) { m_out.objects.id_names[id] = std::move(name); }
  std::size_t objects() const { return m_out.objects.objects.size(); }
  LocalDelivery finish();

 private:
  SpatialObject new_object(std::uint32_t image, std::int32_t category, Shape shape, std::int64_t id) const;

  LocalDelivery m_out;
  std::map<std::string, std::uint32_t> m_images;
  std::map<std::string, std::int32_t> m_categories;
  std::map<std::string, std::int32_t> m_tracks;
  std::int32_t m_track = -1;
  std::vector<std::pair<std::size_t, std::vector<ObjectAttribute>>> m_attributes;  // (object, its attributes)
  std::vector<std::pair<std::size_t, std::int64_t>> m_groups;  // (object, its group)
};

// The limits of an image size every reader enforces (COCO's): whole numbers of pixels from 1 to
// 1,000,000 each, at most 2^32 pixels in all. The problem with a size, or nullopt when it is fine.
inline constexpr double k_max_image_side = 1000000;
std::optional<std::string> image_size_problem(double width, double height);
// The most pixels one mask given as a run-length code inside a file (CVAT <mask>, Label Studio
// brush) may decode to: such a code of a few bytes can describe any area, and decoding is a
// buffer of this many bytes. The problem with a w x h mask, or nullopt when it is fine.
inline constexpr std::uint64_t k_max_mask_pixels = std::uint64_t{1} << 27;
std::optional<std::string> mask_size_problem(double width, double height);

// A box [x, y, w, h] turned by `degrees` clockwise on screen (y down) about its top-left corner,
// as Label Studio and CVAT store rotated rectangles: the four corners x0, y0, ..., x3, y3.
std::vector<double> rotated_box_corners(const geometry::Box& xywh, double degrees);

// An ellipse (centre, radii, turned by `degrees` clockwise on screen about its centre) as a
// 64-vertex polygon x0, y0, x1, y1, ... (CVAT and Label Studio ellipses, LabelMe circles).
std::vector<double> ellipse_polygon(double cx, double cy, double rx, double ry, double degrees);

}  // namespace labelqa::io
