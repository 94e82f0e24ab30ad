#include "labelqa/io/delivery_builder.hpp"

#include "labelqa/geometry/keypoints.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <fmt/format.h>

namespace labelqa::io {

DeliveryBuilder::DeliveryBuilder(std::string annotator, std::string file, std::string format) {
  m_out.objects.name = std::move(annotator);
  m_out.objects.file = std::move(file);
  m_out.objects.format = std::move(format);
}

std::uint32_t DeliveryBuilder::image(const std::string& name, std::uint32_t width, std::uint32_t height, std::int64_t frame, const std::string& key,
                                     const std::string& path) {
  auto [it, fresh] = m_images.emplace(key.empty() ? name : key, static_cast<std::uint32_t>(m_out.images.size()));
  if (fresh) {
    m_out.images.push_back(ImageInfo{name, width, height, frame, key == name ? std::string() : key, path == name ? std::string() : path});
  } else if (width && height && m_out.images[it->second].width == 0) {
    m_out.images[it->second].width = width;
    m_out.images[it->second].height = height;
  }
  return it->second;
}

std::int32_t DeliveryBuilder::category(const std::string& name) {
  auto [it, fresh] = m_categories.emplace(name, static_cast<std::int32_t>(m_out.categories.size()));
  if (fresh) m_out.categories.push_back(name);
  return it->second;
}

std::int32_t DeliveryBuilder::track(const std::string& key) {
  return m_tracks.emplace(key, static_cast<std::int32_t>(m_tracks.size())).first->second;
}

SpatialObject DeliveryBuilder::new_object(std::uint32_t image, std::int32_t category, Shape shape, std::int64_t id) const {
  SpatialObject o;
  o.id = id;
  o.image = image;
  o.category = category;
  o.shape = shape;
  o.track = m_track;
  return o;
}

void DeliveryBuilder::add_box(std::uint32_t image, std::int32_t category, const geometry::Box& b, std::int64_t id) {
  SpatialObject o = new_object(image, category, Shape::box, id);
  o.bbox = b;
  const double x1 = b[0] + std::max(0.0, b[2]), y1 = b[1] + std::max(0.0, b[3]);
  o.extent = {std::floor(b[0]) - 1, std::floor(b[1]) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
  m_out.objects.objects.push_back(o);
}

void DeliveryBuilder::add_polygon(std::uint32_t image, std::int32_t category, const std::vector<std::vector<double>>& rings, std::int64_t id) {
  auto& a = m_out.objects;
  SpatialObject o = new_object(image, category, Shape::polygon, id);
  o.geom = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  for (const auto& ring : rings) {
    if (ring.size() < 2) continue;
    const std::size_t n = ring.size() / 2 * 2;
    for (std::size_t i = 0; i < n; i += 2) {
      a.coords.push_back(ring[i]);
      a.coords.push_back(ring[i + 1]);
      x0 = std::min(x0, ring[i]);
      x1 = std::max(x1, ring[i]);
      y0 = std::min(y0, ring[i + 1]);
      y1 = std::max(y1, ring[i + 1]);
    }
    a.ring_start.push_back(static_cast<std::uint32_t>(a.coords.size()));
  }
  o.geom_end = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  if (o.geom_end == o.geom) return;
  o.bbox = {x0, y0, x1 - x0, y1 - y0};
  o.extent = {std::floor(x0) - 1, std::floor(y0) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
  a.objects.push_back(o);
}

void DeliveryBuilder::add_mask(std::uint32_t image, std::int32_t category, geometry::Rle rle, std::int64_t id) {
  auto& a = m_out.objects;
  SpatialObject o = new_object(image, category, Shape::mask, id);
  o.geom = static_cast<std::uint32_t>(a.masks.size());
  const auto b = geometry::bbox(rle);
  o.bbox = b;
  o.extent = {b[0], b[1], b[0] + b[2], b[1] + b[3]};
  a.masks.push_back(std::move(rle));
  a.objects.push_back(o);
}

void DeliveryBuilder::add_keypoints(std::uint32_t image, std::int32_t category, const std::vector<double>& xyv, double area, std::int64_t id,
                                    const std::optional<geometry::Box>& box) {
  auto& a = m_out.objects;
  SpatialObject o = new_object(image, category, Shape::keypoints, id);
  o.geom = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  o.geom_end = o.geom + 1;
  a.coords.push_back(area);
  for (double v : xyv) a.coords.push_back(v);
  a.ring_start.push_back(static_cast<std::uint32_t>(a.coords.size()));
  o.bbox = box ? *box : geometry::keypoint_box(xyv.data(), xyv.size() / 3);
  const auto& b = o.bbox;
  o.extent = {std::floor(b[0]) - 1, std::floor(b[1]) - 1, std::ceil(b[0] + std::max(0.0, b[2])) + 1, std::ceil(b[1] + std::max(0.0, b[3])) + 1};
  a.objects.push_back(o);
}

void DeliveryBuilder::add_polyline(std::uint32_t image, std::int32_t category, const std::vector<double>& xy, std::int64_t id) {
  auto& a = m_out.objects;
  SpatialObject o = new_object(image, category, Shape::polyline, id);
  o.geom = static_cast<std::uint32_t>(a.ring_start.size() - 1);
  o.geom_end = o.geom + 1;
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
    a.coords.push_back(xy[i]);
    a.coords.push_back(xy[i + 1]);
    x0 = std::min(x0, xy[i]);
    x1 = std::max(x1, xy[i]);
    y0 = std::min(y0, xy[i + 1]);
    y1 = std::max(y1, xy[i + 1]);
  }
  a.ring_start.push_back(static_cast<std::uint32_t>(a.coords.size()));
  if (x0 > x1) x0 = y0 = x1 = y1 = 0;
  o.bbox = {x0, y0, x1 - x0, y1 - y0};
  o.extent = {std::floor(x0) - 1, std::floor(y0) - 1, std::ceil(x1) + 1, std::ceil(y1) + 1};
  a.objects.push_back(o);
}

void DeliveryBuilder::keypoint_schema(const std::string& category, KeypointSchema schema) { m_out.keypoints[category] = std::move(schema); }

void DeliveryBuilder::set_attributes(std::vector<ObjectAttribute> attributes) {
  if (attributes.empty() || m_out.objects.objects.empty()) return;
  std::stable_sort(attributes.begin(), attributes.end(), [](const ObjectAttribute& x, const ObjectAttribute& y) { return x.name < y.name; });
  const std::size_t k = m_out.objects.objects.size() - 1;
  if (!m_attributes.empty() && m_attributes.back().first == k) {
    m_attributes.back().second = std::move(attributes);
  } else {
    m_attributes.emplace_back(k, std::move(attributes));
  }
}

void DeliveryBuilder::set_group(std::int64_t group) {
  if (group == 0 || m_out.objects.objects.empty()) return;
  const std::size_t k = m_out.objects.objects.size() - 1;
  if (!m_groups.empty() && m_groups.back().first == k) {
    m_groups.back().second = group;
  } else {
    m_groups.emplace_back(k, group);
  }
}

void DeliveryBuilder::set_z_order(long long z_order) {
  if (m_out.objects.objects.empty()) return;
  m_out.objects.objects.back().z_order = static_cast<std::int16_t>(std::clamp<long long>(z_order, std::numeric_limits<std::int16_t>::min(), std::numeric_limits<std::int16_t>::max()));
}

LocalDelivery DeliveryBuilder::finish() {
  if (!m_groups.empty()) {
    auto& a = m_out.objects;
    a.groups.assign(a.objects.size(), 0);
    for (const auto& [k, group] : m_groups) a.groups[k] = group;
    m_groups.clear();
  }
  if (!m_attributes.empty()) {
    auto& a = m_out.objects;
    a.attribute_start.assign(1, 0);
    std::size_t next = 0;
    for (std::size_t k = 0; k < a.objects.size(); ++k) {
      if (next < m_attributes.size() && m_attributes[next].first == k) {
        for (auto& at : m_attributes[next].second) a.attributes.push_back(std::move(at));
        ++next;
      }
      a.attribute_start.push_back(static_cast<std::uint32_t>(a.attributes.size()));
    }
    m_attributes.clear();
  }
  m_out.objects.has_image.assign(m_out.images.size(), 1);
  m_out.objects.track_names.resize(m_tracks.size());
  for (const auto& [key, index] : m_tracks) m_out.objects.track_names[static_cast<std::size_t>(index)] = key;
  return std::move(m_out);
}

std::optional<std::string> image_size_problem(double width, double height) {
  auto whole = [](double v) { return std::isfinite(v) && v == std::floor(v); };
  if (!whole(width) || !whole(height) || width < 1 || height < 1 || width > k_max_image_side || height > k_max_image_side ||
      width * height > 4294967296.0) {
    return fmt::format("image size {}x{}: expected whole numbers of pixels from 1 to {} (at most 2^32 pixels in all)", width, height,
                       static_cast<long long>(k_max_image_side));
  }
  return std::nullopt;
}

std::optional<std::string> mask_size_problem(double width, double height) {
  if (width * height > static_cast<double>(k_max_mask_pixels)) {
    return fmt::format("a mask of {}x{} pixels: more than the {} pixels one mask may decode to (docs/limits.md)", width, height, k_max_mask_pixels);
  }
  return std::nullopt;
}

std::vector<double> rotated_box_corners(const geometry::Box& b, double degrees) {
  const double t = degrees * M_PI / 180.0, c = std::cos(t), s = std::sin(t);
  const double x = b[0], y = b[1], w = b[2], h = b[3];
  return {x, y, x + w * c, y + w * s, x + w * c - h * s, y + w * s + h * c, x - h * s, y + h * c};
}

std::vector<double> ellipse_polygon(double cx, double cy, double rx, double ry, double degrees) {
  constexpr int n = 64;
  const double t = degrees * M_PI / 180.0, c = std::cos(t), s = std::sin(t);
  std::vector<double> ring;
  for (int k = 0; k < n; ++k) {
    const double a = 2 * M_PI * k / n, x = rx * std::cos(a), y = ry * std::sin(a);
    ring.push_back(cx + x * c - y * s);
    ring.push_back(cy + x * s + y * c);
  }
  return ring;
}

}  // namespace labelqa::io
