// Deliveries read apart, merged into one ObjectSet (see deliveries.hpp).
#include "labelqa/io/deliveries.hpp"

#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>
#include <unordered_map>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace labelqa::io {

std::string annotator_from_path(const std::string& path) {
  std::filesystem::path p(std::string(logical_name(path)));  // alice.json.gz is alice
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  std::string stem = p.stem().string();
  return stem.empty() ? path : stem;
}

std::optional<std::map<std::string, std::string>> parse_annotator_renames(const std::vector<std::string>& given) {
  if (std::none_of(given.begin(), given.end(), [](const std::string& g) { return g.find('=') != std::string::npos; })) return std::nullopt;
  std::map<std::string, std::string> out;
  std::set<std::string> targets;
  for (const auto& g : given) {
    const auto eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size()) {
      throw UsageError(fmt::format("expected OLD=NEW annotator renames, got \"{}\"", g), "annotators");
    }
    if (!targets.insert(g.substr(eq + 1)).second) {
      throw UsageError(fmt::format("two annotators would both be renamed \"{}\"", g.substr(eq + 1)), "annotators");
    }
    out[g.substr(0, eq)] = g.substr(eq + 1);
  }
  return out;
}

std::vector<std::string> annotator_names(const std::vector<std::string>& paths, const std::vector<std::string>& explicit_names) {
  std::vector<std::string> names;
  if (const auto renames = parse_annotator_renames(explicit_names)) {
    for (const auto& p : paths) names.push_back(annotator_from_path(p));
    for (const auto& [from, to] : *renames) {
      const auto it = std::find(names.begin(), names.end(), from);
      if (it == names.end()) throw UsageError(fmt::format("no annotator \"{}\" to rename (the inputs are {})", from, fmt::join(names, ", ")), "annotators");
      *it = to;
    }
  } else if (!explicit_names.empty()) {
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

std::optional<ItemMatch> parse_item_match(std::string_view name) {
  for (ItemMatch m : {ItemMatch::automatic, ItemMatch::id, ItemMatch::path, ItemMatch::name}) {
    if (name == item_match_name(m)) return m;
  }
  return std::nullopt;
}

const char* item_match_name(ItemMatch m) {
  switch (m) {
    case ItemMatch::automatic: return "auto";
    case ItemMatch::id: return "id";
    case ItemMatch::path: return "path";
    case ItemMatch::name: return "name";
  }
  return "auto";
}

namespace {

// The text an image is matched on under a rule.
std::string match_text(const ImageInfo& img, ItemMatch rule) {
  switch (rule) {
    case ItemMatch::automatic:
    case ItemMatch::id: return img.key.empty() ? img.name : img.key;
    case ItemMatch::path: return img.path.empty() ? img.name : img.path;
    case ItemMatch::name: {
      const std::string& p = img.path.empty() ? img.name : img.path;
      const auto slash = p.find_last_of("/\\");
      return slash == std::string::npos ? p : p.substr(slash + 1);
    }
  }
  return img.name;
}

bool holds(const LocalDelivery& d, std::size_t image) { return d.objects.has_image.empty() || d.objects.has_image[image] != 0; }

// Whether every input that holds images shares at least one of them with another input under `rule`.
bool inputs_overlap(const std::vector<LocalDelivery>& deliveries, ItemMatch rule) {
  if (deliveries.size() < 2) return true;
  std::unordered_map<std::string, std::size_t> first;  // text -> first delivery holding it
  std::vector<std::uint8_t> shared(deliveries.size(), 0), any(deliveries.size(), 0);
  for (std::size_t d = 0; d < deliveries.size(); ++d) {
    for (std::size_t i = 0; i < deliveries[d].images.size(); ++i) {
      if (!holds(deliveries[d], i)) continue;
      any[d] = 1;
      auto [it, fresh] = first.emplace(match_text(deliveries[d].images[i], rule), d);
      if (!fresh && it->second != d) shared[d] = shared[it->second] = 1;
    }
  }
  for (std::size_t d = 0; d < deliveries.size(); ++d) {
    if (any[d] && !shared[d]) return false;
  }
  return true;
}

ItemMatch choose_rule(const std::vector<LocalDelivery>& deliveries) {
  bool one_format = true;
  for (const auto& d : deliveries) one_format = one_format && d.objects.format == deliveries.front().objects.format;
  if (one_format && (inputs_overlap(deliveries, ItemMatch::id) || !inputs_overlap(deliveries, ItemMatch::name))) return ItemMatch::id;
  return ItemMatch::name;
}

std::string listed(const std::vector<std::string>& names) {
  constexpr std::size_t k_shown = 5;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < k_shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > k_shown) out += fmt::format(" and {} more", names.size() - k_shown);
  return out;
}

}  // namespace

ObjectSet merge_deliveries(std::vector<LocalDelivery> deliveries, ItemMatch match) {
  ObjectSet set;
  const ItemMatch rule = match == ItemMatch::automatic ? choose_rule(deliveries) : match;
  set.items_matched_by = item_match_name(rule);
  // Texts two images of one input share: those images are matched with nothing.
  std::map<std::string, std::vector<std::string>> ambiguous;  // text -> "file: qualified names"
  if (rule != ItemMatch::id) {
    for (const auto& d : deliveries) {
      std::map<std::string, std::vector<std::string>> by_text;
      for (std::size_t i = 0; i < d.images.size(); ++i) {
        by_text[match_text(d.images[i], rule)].push_back(qualified_name(d.images[i]));
      }
      for (auto& [text, names] : by_text) {
        if (names.size() > 1) ambiguous[text].push_back(fmt::format("{} in {}", listed(names), d.objects.file));
      }
    }
  }
  // One entry per item; an ambiguous text's images get an entry each.
  struct Entry {
    ImageInfo info;
    std::string owner;  // the file that gave the size
  };
  std::vector<Entry> entries;
  std::unordered_map<std::string, std::uint32_t> entry_of;
  std::vector<std::vector<std::uint32_t>> local(deliveries.size());
  std::map<std::string, std::int32_t> categories;
  for (std::size_t di = 0; di < deliveries.size(); ++di) {
    const auto& d = deliveries[di];
    for (const auto& img : d.images) {
      std::string text = match_text(img, rule);
      if (ambiguous.count(text)) text = fmt::format("{}\x1f{}\x1f{}", text, di, match_text(img, ItemMatch::id));
      auto [it, fresh] = entry_of.emplace(std::move(text), static_cast<std::uint32_t>(entries.size()));
      local[di].push_back(it->second);
      if (fresh) {
        entries.push_back({img, img.width ? d.objects.file : std::string()});
        entries.back().info.file.clear();  // one delivery's file: the merged image belongs to every input
        continue;
      }
      auto& known = entries[it->second];
      if (img.width == 0 && img.height == 0) continue;
      if (known.info.width == 0 && known.info.height == 0) {
        known.info.width = img.width;
        known.info.height = img.height;
        known.owner = d.objects.file;
      } else if (known.info.width != img.width || known.info.height != img.height) {
        throw InputError({.file = d.objects.file, .item = qualified_name(img)},
                         fmt::format("image is {}x{} here but {}x{} in {}", img.width, img.height, known.info.width, known.info.height, known.owner));
      }
    }
    for (const auto& c : d.categories) categories.emplace(c, 0);
  }
  for (const auto& [text, where] : ambiguous) {
    set.warnings.push_back({"ambiguous_item_name",
                            fmt::format("item {} \"{}\" is ambiguous ({}): those images are kept apart, not matched with any other input's", rule == ItemMatch::path ? "path" : "name",
                                        text, fmt::join(where, "; "))});
  }
  // Names two items share are qualified by the items' identity.
  std::map<std::string, std::vector<std::uint32_t>> by_name;
  for (std::uint32_t e = 0; e < entries.size(); ++e) by_name[entries[e].info.name].push_back(e);
  std::set<std::string> taken;
  for (const auto& [name, list] : by_name) {
    if (list.size() == 1) taken.insert(name);
  }
  for (const auto& [name, list] : by_name) {
    if (list.size() == 1) continue;
    std::vector<std::string> shown;
    for (std::uint32_t e : list) {
      std::string q = qualified_name(entries[e].info);
      for (int k = 2; taken.count(q); ++k) q = fmt::format("{} #{}", qualified_name(entries[e].info), k);
      taken.insert(q);
      entries[e].info.name = q;
      shown.push_back(q);
    }
    if (!ambiguous.count(name)) {
      set.warnings.push_back({"ambiguous_item_name", fmt::format("{} items are named \"{}\"; they are kept apart as {}", list.size(), name, listed(shown))});
    }
  }
  std::vector<std::uint32_t> order(entries.size());
  for (std::uint32_t e = 0; e < entries.size(); ++e) order[e] = e;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return entries[a].info.name < entries[b].info.name; });
  std::vector<std::uint32_t> image_index(entries.size());
  for (std::uint32_t k = 0; k < order.size(); ++k) {
    image_index[order[k]] = k;
    set.images.push_back(std::move(entries[order[k]].info));
  }
  for (auto& [name, idx] : categories) {
    idx = static_cast<std::int32_t>(set.categories.size());
    set.categories.push_back(name);
  }
  // Keypoint classes: the first input's keypoints where two differ.
  std::map<std::string, std::string> schema_owner;
  for (const auto& d : deliveries) add_keypoint_schemas(set.keypoints, schema_owner, d.keypoints, d.objects.file, set.warnings);
  std::vector<std::size_t> by_role(deliveries.size());
  for (std::size_t d = 0; d < by_role.size(); ++d) by_role[d] = d;
  std::stable_sort(by_role.begin(), by_role.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = deliveries[x].objects;
    const auto& b = deliveries[y].objects;
    const int ra = role_rank(a.role), rb = role_rank(b.role);
    return ra != rb ? ra < rb : a.name < b.name;
  });
  for (std::size_t di : by_role) {
    auto& d = deliveries[di];
    std::vector<std::uint32_t> img_map(d.images.size());
    for (std::size_t i = 0; i < d.images.size(); ++i) img_map[i] = image_index[local[di][i]];
    std::vector<std::int32_t> cat_map(d.categories.size());
    for (std::size_t i = 0; i < d.categories.size(); ++i) cat_map[i] = categories.at(d.categories[i]);
    AnnotatorObjects a = std::move(d.objects);
    std::vector<std::uint8_t> has(set.images.size(), 0);
    for (std::size_t i = 0; i < d.images.size(); ++i) has[img_map[i]] = has[img_map[i]] || (a.has_image.empty() ? 1 : a.has_image[i]);
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
  check_pairs_per_image(set);
  return set;
}

void check_pairs_per_image(const ObjectSet& set) {
  // The two annotators with the most objects on an image make its largest comparison.
  for (std::uint32_t i = 0; i < set.images.size(); ++i) {
    std::size_t first = 0, second = 0;
    const AnnotatorObjects* most = nullptr;
    for (const auto& a : set.annotators) {
      if (a.image_offsets.size() <= i + 1) continue;
      const std::size_t n = a.image_end(i) - a.image_begin(i);
      if (n > first) {
        second = first;
        first = n;
        most = &a;
      } else if (n > second) {
        second = n;
      }
    }
    if (static_cast<double>(first) * static_cast<double>(second) > static_cast<double>(k_max_pairs_per_image)) {
      throw InputError({.file = most->file, .item = qualified_name(set.images[i])},
                       fmt::format("{} and {} objects of two annotators on one image: comparing them is {} pairs, more than the {} one image may "
                                   "have (docs/limits.md)",
                                   first, second, static_cast<std::uint64_t>(first) * second, k_max_pairs_per_image));
    }
  }
}

ObjectSet merge_object_sets(std::vector<ObjectSet> sets, ItemMatch match) {
  std::vector<LocalDelivery> deliveries;
  std::vector<SkippedInput> skipped;
  std::vector<InputWarning> warnings;
  for (auto& set : sets) {
    for (auto& a : set.annotators) deliveries.push_back({std::move(a), set.images, set.categories, set.keypoints});
    skipped.insert(skipped.end(), set.skipped.begin(), set.skipped.end());
    warnings.insert(warnings.end(), set.warnings.begin(), set.warnings.end());
  }
  ObjectSet out = merge_deliveries(std::move(deliveries), match);
  out.skipped = std::move(skipped);
  for (auto& w : out.warnings) {
    if (std::find_if(warnings.begin(), warnings.end(), [&](const InputWarning& x) { return x.message == w.message; }) == warnings.end()) warnings.push_back(std::move(w));
  }
  out.warnings = std::move(warnings);
  return out;
}

}  // namespace labelqa::io
