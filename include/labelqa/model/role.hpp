// The part a set of labels plays in a comparison: one of the delivery's annotators, the gold
// labels it is scored against, or a consensus derived from the annotators. Gold and consensus
// sort before every annotator wherever sets are merged.
#pragma once

#include <cstdint>

namespace labelqa {

enum class Role : std::uint8_t { annotator, gold, consensus };

// Sort key of a role: references (gold, consensus) first.
constexpr int role_rank(Role r) { return r == Role::annotator ? 1 : 0; }

}  // namespace labelqa
