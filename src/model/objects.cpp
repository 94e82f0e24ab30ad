#include "labelqa/model/objects.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace labelqa {

const char* shape_name(Shape shape) {
  switch (shape) {
    case Shape::box: return "box";
    case Shape::polygon: return "polygon";
    case Shape::mask: return "mask";
    case Shape::keypoints: return "keypoints";
    case Shape::polyline: return "polyline";
  }
  return "box";
}

std::string qualified_name(const ImageInfo& image) {
  const std::string& key = image.key;
  if (key.empty() || key == image.name) return image.name;
  if (key.size() > image.name.size() && key.compare(key.size() - image.name.size(), image.name.size(), image.name) == 0 &&
      key[key.size() - image.name.size() - 1] == '/') {
    return key;  // "Train/img0.jpg"
  }
  return image.name + " (" + key + ")";
}

void add_keypoint_schemas(std::map<std::string, KeypointSchema>& into, std::map<std::string, std::string>& owner,
                          const std::map<std::string, KeypointSchema>& from, const std::string& source, std::vector<InputWarning>& warnings) {
  for (const auto& [name, schema] : from) {
    auto [it, fresh] = into.emplace(name, schema);
    if (fresh) {
      owner[name] = source;
    } else if (it->second.names == schema.names) {
      if (it->second.skeleton.empty()) it->second.skeleton = schema.skeleton;  // an export without its skeleton's edges
    } else {
      warnings.push_back({"keypoint_schema_differs", fmt::format("class \"{}\" has the keypoints [{}] in {} but [{}] in {}: keypoints are compared by position",
                                                                 name, fmt::join(schema.names, ", "), source, fmt::join(it->second.names, ", "), owner[name])});
    }
  }
}

std::string object_id(const AnnotatorObjects& a, const SpatialObject& o) {
  if (!a.id_names.empty()) {
    if (const auto it = a.id_names.find(o.id); it != a.id_names.end()) return it->second;
  }
  return std::to_string(o.id);
}

KeypointView keypoints_of(const AnnotatorObjects& a, const SpatialObject& o) {
  const std::uint32_t begin = a.ring_start[o.geom], end = a.ring_start[o.geom + 1];
  if (end <= begin) return {};
  return {a.coords.data() + begin + 1, (end - begin - 1) / 3, a.coords[begin]};
}

void index_objects(AnnotatorObjects& a, std::size_t image_count) {
  auto before = [](const SpatialObject& x, const SpatialObject& y) {
    return x.image != y.image ? x.image < y.image : x.id < y.id;
  };
  if (!std::is_sorted(a.objects.begin(), a.objects.end(), before)) {
    if (a.has_attributes() || !a.groups.empty()) {
      // Sort positions, then move objects and what is kept beside them alike.
      std::vector<std::uint32_t> order(a.objects.size());
      for (std::uint32_t k = 0; k < order.size(); ++k) order[k] = k;
      std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return before(a.objects[x], a.objects[y]); });
      std::vector<SpatialObject> objects;
      objects.reserve(order.size());
      for (std::uint32_t k : order) objects.push_back(a.objects[k]);
      a.objects = std::move(objects);
      if (a.has_attributes()) {
        std::vector<ObjectAttribute> attributes;
        std::vector<std::uint32_t> start{0};
        for (std::uint32_t k : order) {
          for (std::uint32_t t = a.attribute_start[k]; t < a.attribute_start[k + 1]; ++t) attributes.push_back(std::move(a.attributes[t]));
          start.push_back(static_cast<std::uint32_t>(attributes.size()));
        }
        a.attributes = std::move(attributes);
        a.attribute_start = std::move(start);
      }
      if (!a.groups.empty()) {
        std::vector<std::int64_t> groups;
        groups.reserve(order.size());
        for (std::uint32_t k : order) groups.push_back(a.groups[k]);
        a.groups = std::move(groups);
      }
    } else {
      std::stable_sort(a.objects.begin(), a.objects.end(), before);
    }
  }
  a.image_offsets.assign(image_count + 1, 0);
  for (const auto& o : a.objects) ++a.image_offsets[o.image + 1];
  for (std::size_t i = 0; i < image_count; ++i) a.image_offsets[i + 1] += a.image_offsets[i];
  if (a.has_image.size() < image_count) a.has_image.resize(image_count, 0);
}

}  // namespace labelqa
