// What the commands share: which kind of labels a comparison is about.
#pragma once

#include <cstdint>

namespace labelqa::commands {

// What inputs holding several kinds are compared on; automatic picks the first kind both sides hold.
enum class Compare : std::uint8_t { automatic, objects, spans, labels, transcripts, segments };

}  // namespace labelqa::commands
