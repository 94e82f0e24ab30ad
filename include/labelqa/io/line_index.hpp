// Line numbers of byte offsets in one text: the newlines are found once, on the first question,
// and every later question is a binary search. Readers that locate many problems in one file ask
// it instead of counting newlines from the start each time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace labelqa::io {

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : m_text(text) {}
  LineIndex(const LineIndex&) = delete;
  LineIndex& operator=(const LineIndex&) = delete;

  // The 1-based line holding byte `offset` (offsets past the end fall on the last line). Safe to
  // call from several threads at once.
  std::uint64_t line_of(std::uint64_t offset) const;

 private:
  std::string_view m_text;
  mutable std::once_flag m_once;
  mutable std::vector<std::uint64_t> m_newlines;  // offsets of every '\n', ascending
};

// The same for a one-off question: counts the newlines before `offset` (no index is kept).
std::uint64_t line_of(std::string_view text, std::uint64_t offset);

// Calls f(line, number) for every line of the text (1-based numbers), without its end of line
// and trailing spaces, tabs and carriage returns; f returns false to stop.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::uint64_t number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (!f(line, number)) return;
  }
}

}  // namespace labelqa::io
