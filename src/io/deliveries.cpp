// Deliveries read apart, merged into one ObjectSet (see deliveries.hpp).
#include "labelqa/io/deliveries.hpp"

#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::io {

std::string annotator_from_path(const std::string& path) {
  std::filesystem::path p(std::string(logical_name(path)));  // alice.json.gz is alice
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  std::string stem = p.stem().string();
  return stem.empty() ? path : stem;
}

std::vector<std::string> annotator_names(const std::vector<std::string>& paths, const std::vector<std::string>& explicit_names) {
  std::vector<std::string> names;
  if (!explicit_names.empty()) {
    if (explicit_names.size() != paths.size()) {
      throw UsageError(fmt::format("{} annotator names were given for {} inputs", explicit_names.size(), paths.size()), "annotators");
    }
    names = explicit_names;
  } else {
    for (const auto& p : paths) names.push_back(annotator_from_path(p));
  }
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    throw UsageError(fmt::format("two inputs would both be annotator \"{}\"; give the inputs distinct annotator names", *dup), "annotators");
  }
  return names;
}

ObjectSet merge_deliveries(std::vector<LocalDelivery> deliveries) {
  ObjectSet set;
  std::map<std::string, ImageInfo> images;
  std::map<std::string, std::string> image_owner;  // first file that gave an image its size
  std::map<std::string, std::int32_t> categories;
  for (const auto& d : deliveries) {
    for (const auto& img : d.images) {
      auto [it, fresh] = images.emplace(img.name, img);
      if (fresh) {
        if (img.width) image_owner[img.name] = d.objects.file;
        continue;
      }
      auto& known = it->second;
      if (img.width == 0 && img.height == 0) continue;
      if (known.width == 0 && known.height == 0) {
        known.width = img.width;
        known.height = img.height;
        image_owner[img.name] = d.objects.file;
      } else if (known.width != img.width || known.height != img.height) {
        throw InputError({.file = d.objects.file, .item = img.name},
                         fmt::format("image is {}x{} here but {}x{} in {}", img.width, img.height, known.width, known.height, image_owner[img.name]));
      }
    }
    for (const auto& c : d.categories) categories.emplace(c, 0);
  }
  std::map<std::string, std::uint32_t> image_index;
  for (auto& [name, info] : images) {
    image_index[name] = static_cast<std::uint32_t>(set.images.size());
    set.images.push_back(info);
  }
  for (auto& [name, idx] : categories) {
    idx = static_cast<std::int32_t>(set.categories.size());
    set.categories.push_back(name);
  }
  std::sort(deliveries.begin(), deliveries.end(), [](const LocalDelivery& a, const LocalDelivery& b) {
    const int ra = role_rank(a.objects.role), rb = role_rank(b.objects.role);
    return ra != rb ? ra < rb : a.objects.name < b.objects.name;
  });
  for (auto& d : deliveries) {
    std::vector<std::uint32_t> img_map(d.images.size());
    for (std::size_t i = 0; i < d.images.size(); ++i) img_map[i] = image_index.at(d.images[i].name);
    std::vector<std::int32_t> cat_map(d.categories.size());
    for (std::size_t i = 0; i < d.categories.size(); ++i) cat_map[i] = categories.at(d.categories[i]);
    AnnotatorObjects a = std::move(d.objects);
    std::vector<std::uint8_t> has(set.images.size(), 0);
    for (std::size_t i = 0; i < d.images.size(); ++i) has[img_map[i]] = a.has_image.empty() ? 1 : a.has_image[i];
    a.has_image = std::move(has);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, a.objects.size(), 8192), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t i = r.begin(); i < r.end(); ++i) {
        auto& o = a.objects[i];
        o.image = img_map[o.image];
        o.category = cat_map[static_cast<std::size_t>(o.category)];
      }
    });
    index_objects(a, set.images.size());
    set.annotators.push_back(std::move(a));
  }
  return set;
}

ObjectSet merge_object_sets(std::vector<ObjectSet> sets) {
  std::vector<LocalDelivery> deliveries;
  std::vector<SkippedInput> skipped;
  for (auto& set : sets) {
    for (auto& a : set.annotators) deliveries.push_back({std::move(a), set.images, set.categories});
    skipped.insert(skipped.end(), set.skipped.begin(), set.skipped.end());
  }
  ObjectSet out = merge_deliveries(std::move(deliveries));
  out.skipped = std::move(skipped);
  return out;
}

}  // namespace labelqa::io
