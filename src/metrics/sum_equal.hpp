// Sorts rows by a key and folds rows of one key into the first (the tallies' merge step).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace labelqa::metrics::detail {

// `key(row)` returns something ordered (a tuple of references); `fold(into, from)` adds a row of the
// same key into the kept one.
template <class T, class Key, class Fold>
void sum_equal(std::vector<T>& rows, Key key, Fold fold) {
  std::sort(rows.begin(), rows.end(), [&](const T& x, const T& y) { return key(x) < key(y); });
  std::size_t w = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (w > 0 && key(rows[w - 1]) == key(rows[r])) {
      fold(rows[w - 1], rows[r]);
    } else {
      if (w != r) rows[w] = std::move(rows[r]);
      ++w;
    }
  }
  rows.resize(w);
}

}  // namespace labelqa::metrics::detail
