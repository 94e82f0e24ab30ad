// Read-only view of a whole input file. Inputs are mapped, never copied or modified.
#pragma once

#include "labelqa/io/line_index.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace labelqa::io {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws InputError naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view view() const { return {m_data, m_size}; }
  // At least this many zero bytes follow the data (for parsers that read ahead, e.g. simdjson).
  static constexpr std::size_t k_padding = 64;
  const std::string& path() const { return m_path; }
  // The 1-based line of byte `offset` (the file's line index, built on the first question).
  std::uint64_t line_of(std::uint64_t offset) const { return m_lines->line_of(offset); }
  // Lets the kernel drop the pages before `offset` from this process (they stay in the page
  // cache). Readers that move forward call it so a large input does not stay resident.
  void release_before(std::size_t offset);

 private:
  std::string m_path;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
  std::size_t m_map_size = 0;
  bool m_mapped = false;
  std::size_t m_released = 0;
  std::unique_ptr<LineIndex> m_lines;
};

}  // namespace labelqa::io
