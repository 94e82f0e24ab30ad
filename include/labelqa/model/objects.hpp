// The core model for spatial annotations: which objects (boxes, polygons, masks) each annotator
// drew on which image. Plain data; readers (COCO, instance masks) fill it, metrics read it.
#pragma once

#include "labelqa/model/role.hpp"

#include "labelqa/geometry/rle.hpp"
#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <utility>
#include <string>
#include <unordered_map>
#include <vector>

namespace labelqa {

enum class Shape : std::uint8_t {
  box,      // bbox only: [x, y, w, h]
  polygon,  // one or more rings, rasterised at image size as pycocotools does
  mask,     // run-length mask at image size
  // Keypoints (COCO's [x, y, v] per keypoint): ring `geom` of AnnotatorObjects::coords holds the
  // object's area (NaN when the file gives none), then x, y, v for each keypoint of its class.
  // bbox is the file's box, else the tight box of the labelled keypoints. Compared by OKS.
  keypoints,
  // An open line: ring `geom` holds its vertices x0, y0, x1, y1, ... Compared by CVAT's line
  // similarity (geometry/lines.hpp).
  polyline,
};
const char* shape_name(Shape shape);

// Allocator whose new elements are left uninitialised: resizing a large buffer of plain numbers
// reserves it without touching (and so without paying for) memory that is never written.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Coordinates = std::vector<double, UninitializedAllocator<double>>;

struct ImageInfo {
  // The name shown for the image: COCO file_name (or the id when there is none), the image's file
  // name in a tool export, the mask path. Unique within an ObjectSet (merge_deliveries qualifies
  // names two items share).
  std::string name;
  std::uint32_t width = 0;   // 0 when the delivery does not say
  std::uint32_t height = 0;
  std::int64_t frame = -1;   // video frame number (CVAT, Label Studio video); -1 for still images
  // What identifies the image in its export ("" = the name): CVAT subset or task and path, the
  // path under a folder export's root, Label Studio's task, COCO's image id and file name.
  std::string key;
  // The image's path as the export writes it ("" = the name): matched on by --match-items-by path.
  std::string path;
  // The file a user opens to find the image's annotations, when not the delivery's file (a
  // folder export's per-image JSON, XML or TXT).
  std::string file;
};

// The image's name qualified by its identity where the two differ ("Train/img0.jpg",
// "cat.jpg (task 12)"): what a message names so a user can find the item.
std::string qualified_name(const ImageInfo& image);

struct SpatialObject {
  std::int64_t id = 0;          // annotation id in its file (1-based position when the file has none)
  std::int32_t category = 0;    // index into ObjectSet::categories
  std::uint32_t image = 0;      // index into ObjectSet::images
  Shape shape = Shape::box;
  bool crowd = false;
  // Drawing order (CVAT z_order; 0 where the file has none): of two overlapping objects the one
  // with the higher z_order, or at equal z_order the later one, is drawn on top.
  std::int16_t z_order = 0;
  std::int32_t track = -1;      // video: the annotator's track this per-frame object belongs to (dense, per annotator)
  geometry::Box bbox{};         // the file's bbox, or the tight box of the geometry when it has none
  // Pixel extent [x0, y0, x1, y1) that contains every pixel the geometry can cover: objects whose
  // extents do not intersect have IoU 0 without rasterising anything. For a mask it is exactly the
  // box of its pixels, as geometry::bbox gives it (readers set it so).
  std::array<double, 4> extent{};
  std::uint32_t geom = 0;       // polygon: first ring in AnnotatorObjects::ring_start; mask: index into masks
  std::uint32_t geom_end = 0;   // polygon: one past the last ring
  std::uint64_t offset = 0;     // byte offset of the object in its file (for messages)
};

static_assert(sizeof(SpatialObject) <= 104, "SpatialObject is per annotation: keep it small");

// One attribute value of an object (CVAT <attribute>, COCO "attributes", Label Studio per-region
// choices and text, LabelMe flags), as text: "true"/"false" for checkboxes and flags.
struct ObjectAttribute {
  std::string name;
  std::string value;
  bool operator==(const ObjectAttribute&) const = default;
};

// One annotator's delivery, with images and categories already mapped to the set's indices.
struct AnnotatorObjects {
  std::string name;
  Role role = Role::annotator;               // gold and consensus sort first when sets merge
  std::string file;
  std::string format;                         // the export format it was read from ("coco", "cvat", ...)
  std::vector<std::uint8_t> has_image;        // per image of the set: listed in this delivery
  std::vector<std::uint32_t> image_offsets;   // objects of image i: [image_offsets[i], image_offsets[i+1])
  std::vector<SpatialObject> objects;         // sorted by (image, id)
  // Polygon vertices x0, y0, x1, y1, ...: ring r is coords [ring_start[r], ring_start[r+1]). Readers
  // may leave unused stretches between rings (rings no object names, never initialised): read
  // coordinates only through an object's rings.
  Coordinates coords;
  std::vector<std::uint32_t> ring_start{0};
  std::vector<geometry::Rle> masks;
  std::vector<std::string> track_names;       // video: the file's name of each track (SpatialObject::track)
  // The file's own id of objects whose SpatialObject::id labelqa gave (Label Studio's result ids).
  std::unordered_map<std::int64_t, std::string> id_names;
  // Object k's attributes are attributes[attribute_start[k], attribute_start[k + 1]), sorted by name;
  // both empty when no object has any. index_objects keeps them in step with the objects.
  std::vector<ObjectAttribute> attributes;
  std::vector<std::uint32_t> attribute_start;
  bool has_attributes() const { return !attribute_start.empty(); }
  // Object k's group (CVAT group_id, LabelMe group_id): objects of one image sharing a non-zero
  // group are parts of one thing; 0 = not grouped. Empty when no object has a group.
  std::vector<std::int64_t> groups;
  std::int64_t group_of(std::size_t k) const { return groups.empty() ? 0 : groups[k]; }
  std::pair<const ObjectAttribute*, const ObjectAttribute*> attributes_of(std::size_t k) const {
    if (attribute_start.empty()) return {nullptr, nullptr};
    return {attributes.data() + attribute_start[k], attributes.data() + attribute_start[k + 1]};
  }

  std::size_t image_begin(std::uint32_t image) const { return image_offsets[image]; }
  std::size_t image_end(std::uint32_t image) const { return image_offsets[image + 1]; }
};

// What a keypoint class's points are: their names in file order (COCO category "keypoints", CVAT
// skeleton nodes) and the skeleton's edges between them (0-based).
struct KeypointSchema {
  std::vector<std::string> names;
  std::vector<std::pair<int, int>> skeleton;
  bool operator==(const KeypointSchema&) const = default;
};

// Adds the keypoint classes `from`, read from `source`, to `into`. A class already there keeps its
// keypoints: where the names differ, a keypoint_schema_differs warning names both sources (keypoints
// are then compared by position); where they agree, it gains the skeleton it lacked. `owner` says
// which source each class of `into` came from.
void add_keypoint_schemas(std::map<std::string, KeypointSchema>& into, std::map<std::string, std::string>& owner,
                          const std::map<std::string, KeypointSchema>& from, const std::string& source, std::vector<InputWarning>& warnings);

// The keypoints of a keypoint object: x, y, v per keypoint (count() of them), and its area.
struct KeypointView {
  const double* values = nullptr;
  std::size_t count = 0;
  double area = 0;  // NaN when the file gives none
};
KeypointView keypoints_of(const AnnotatorObjects& a, const SpatialObject& o);

struct ObjectSet {
  std::vector<ImageInfo> images;              // sorted by name
  std::vector<std::string> categories;        // sorted by name
  std::vector<AnnotatorObjects> annotators;   // sorted by name
  std::vector<SkippedInput> skipped;          // what the readers left out
  std::vector<InputWarning> warnings;         // what the readers or the merge could not decide
  std::string items_matched_by = "id";        // how images of different inputs were matched: "id", "path" or "name"
  std::map<std::string, KeypointSchema> keypoints;  // keypoint classes by category name
};

// The id a user finds the object by in its file: its own id (Label Studio's result id) or the
// number labelqa reads (COCO id, 1-based position).
std::string object_id(const AnnotatorObjects& a, const SpatialObject& o);
// The image's file (ImageInfo::file, else the delivery's file).
inline const std::string& file_of(const AnnotatorObjects& a, const ImageInfo& image) { return image.file.empty() ? a.file : image.file; }

// Sorts each annotator's objects by (image, id) and builds image_offsets.
void index_objects(AnnotatorObjects& a, std::size_t image_count);

}  // namespace labelqa
