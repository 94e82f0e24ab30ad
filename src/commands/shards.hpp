// Shards of a delivery as partial results (`--partial`) and their merge (`labelqa merge`): the
// additive statistics of each kind, written and read in io::Partial's framing, and merged into
// exactly the statistics one process computes from the union of the shards' items.
#pragma once

#include "labelqa/io/partial.hpp"
#include "labelqa/metrics/analyze.hpp"
#include "labelqa/metrics/spatial.hpp"
#include "labelqa/model/objects.hpp"
#include "labelqa/model/ratings.hpp"

#include <string>
#include <vector>

namespace labelqa::commands {

// Categorical labels: what `agree` needs of a RatingSet.
struct LabelShard {
  RatingSet header;                // files, annotators, categories and scale, skipped, warnings; no items
  metrics::RatingStats stats;      // rating patterns over the header's indices
  std::vector<std::string> items;  // item names, sorted (a shard must hold whole items)
};

LabelShard label_shard(RatingSet ratings);
void write_label_shard(io::PartialWriter& out, const LabelShard& shard);
LabelShard read_label_shard(io::PartialReader& in);

// How the categories were decided, which decides how shards' categories merge.
enum class CategoryRule : std::uint8_t { by_name, by_order, by_value };

// The shards of `paths` (already checked to share kind, version and options) merged: annotators
// and categories as one process would decide them over the union, files and input notes in the
// order of the shards' files, patterns added up. Throws InputError naming two partials that hold
// one item. `keep_items`: the merged item names are kept (to write the merge as a partial again).
LabelShard merge_label_shards(const std::vector<std::string>& paths, CategoryRule rule, bool keep_items);

// A whole rating set (items, ratings, sources, timestamps and all), for kinds whose merge runs on
// the union of the shards' ratings (gold: its deliveries are small).
void write_rating_set(io::PartialWriter& out, const RatingSet& set);
RatingSet read_rating_set(io::PartialReader& in);
// The rating sets of shards (in the order of their files) as one reading of all their files gives
// it: files, items in order of first appearance, annotators and categories decided over the union,
// ratings, sources and timestamps. Throws InputError naming two shards (by `paths`) that hold one item.
RatingSet union_rating_sets(std::vector<RatingSet> sets, const std::vector<std::string>& paths, CategoryRule rule);

// Objects: what `agree` needs of an ObjectSet once its images are matched, without geometry.
struct ObjectShard {
  // Images (names only), categories, annotators (name, role, file, format, has_image; no
  // objects), skipped inputs, warnings and how items were matched.
  ObjectSet outline;
  std::vector<long long> annotator_objects;  // per annotator of the outline
  metrics::ObjectMatching matching;
};

// The shard of a matched set (the set's geometry is not kept).
ObjectShard object_shard(const ObjectSet& set, metrics::ObjectMatching matching);
void write_object_shard(io::PartialWriter& out, const ObjectShard& shard);
ObjectShard read_object_shard(io::PartialReader& in);
// The shards of `paths` merged as one set holding all their images: annotators, categories and
// images as one reading of the whole files decides them (by role and name, by name, by name),
// per-image outcomes remapped, cluster patterns added up. Throws InputError naming two partials
// that hold one image, or that disagree on an annotator's file or on how items were matched.
ObjectShard merge_object_shards(const std::vector<std::string>& paths);

// The checks every merge makes first: each file is a partial of `kind` (a prefix such as
// "agree/"), all of one kind, labelqa version and options. Returns the shared header.
io::PartialHeader check_partials(const std::vector<std::string>& paths, const std::string& kind_prefix);

}  // namespace labelqa::commands
