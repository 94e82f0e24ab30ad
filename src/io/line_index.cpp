// Line numbers of byte offsets (see line_index.hpp).
#include "labelqa/io/line_index.hpp"

#include <algorithm>
#include <cstring>

namespace labelqa::io {

std::uint64_t LineIndex::line_of(std::uint64_t offset) const {
  std::call_once(m_once, [this] {
    const char* begin = m_text.data();
    const char* end = begin + m_text.size();
    for (const char* p = begin; p < end;) {
      const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      if (!nl) break;
      const char* q = static_cast<const char*>(nl);
      m_newlines.push_back(static_cast<std::uint64_t>(q - begin));
      p = q + 1;
    }
  });
  return 1 + static_cast<std::uint64_t>(std::lower_bound(m_newlines.begin(), m_newlines.end(), offset) - m_newlines.begin());
}

std::uint64_t line_of(std::string_view text, std::uint64_t offset) {
  const auto upto = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(offset, text.size()));
  return 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + upto, '\n'));
}

}  // namespace labelqa::io
