#include "labelqa/model/ratings.hpp"

#include <fmt/format.h>

namespace labelqa {

const char* level_name(Level level) {
  switch (level) {
    case Level::nominal: return "nominal";
    case Level::ordinal: return "ordinal";
    case Level::interval: return "interval";
    case Level::ratio: return "ratio";
  }
  return "nominal";
}

}  // namespace labelqa
