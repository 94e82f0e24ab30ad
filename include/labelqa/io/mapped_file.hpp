// Read-only view of a whole input file. Inputs are mapped, never copied or modified. A file whose
// name ends in .gz is decompressed into memory (its reader sees the plain bytes), and a UTF-8 byte
// order mark at the start is left out of view() (byte offsets then count from after it).
#pragma once

#include "labelqa/io/line_index.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

// One input of a reader: a file to read, or bytes already in memory (a front end's buffer, a
// test's literal, a fuzz input) that stand for the file `path` names: messages name that path,
// and formats judged from a file name use it.
struct Input {
  Input(std::string p) : path(std::move(p)) {}  // NOLINT: a path is an input
  Input(const char* p) : path(p) {}              // NOLINT
  Input(std::string p, std::string_view b) : path(std::move(p)), bytes(b) {}
  std::string path;
  std::optional<std::string_view> bytes;  // set: read these, not the file
};
std::vector<Input> inputs_of(const std::vector<std::string>& paths);

// The name a file's format is judged by: its path without a trailing .gz ("a.json.gz" is a JSON file).
std::string_view logical_name(std::string_view path);
bool is_gzip_name(std::string_view path);
// The most a compressed input (a .gz file, a zip member) may expand to: k_max_gunzip_ratio times
// its own size, and at most max_uncompressed() bytes (k_max_gunzip_bytes unless the process sets
// another, as the CLI's --max-uncompressed does).
inline constexpr std::uint64_t k_max_gunzip_bytes = std::uint64_t{8} << 30;
inline constexpr std::uint64_t k_max_gunzip_ratio = 1000;
std::uint64_t max_uncompressed();
void set_max_uncompressed(std::uint64_t bytes);
// The limit for an input of `compressed` bytes, and the words that explain it in a message.
std::uint64_t decompression_limit(std::uint64_t compressed);
std::string decompression_limit_text(std::uint64_t compressed);

// Throws InputError naming `path`, the line and the byte when `text` is not valid UTF-8: labels and
// names are compared, printed and written to JSON as text, so a file in another encoding is refused
// where it is read (JSON parsers refuse it themselves; this is for tables, XML and text lists).
void require_utf8(std::string_view text, const std::string& path);

// Throws InputError for JSON `text` that a parser refused with `parser_message`: names the line
// and column of the first byte that is not valid UTF-8 or not valid JSON.
[[noreturn]] void throw_json_error(std::string_view text, const std::string& path, std::string_view parser_message);

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws InputError naming the path
  // The input's bytes: mapped from its file, or copied (with the same zero padding) from memory.
  explicit MappedFile(const Input& input);
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
  // require_utf8(view(), path()), in slices whose pages are let go as it moves on.
  void require_utf8();

 private:
  std::string m_path;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
  std::size_t m_map_size = 0;
  bool m_mapped = false;
  std::size_t m_released = 0;
  std::unique_ptr<LineIndex> m_lines;
  std::unique_ptr<char[]> m_owned;  // the bytes of an in-memory or decompressed input, padded
  const char* m_map = nullptr;      // the mapping (m_data is past a byte order mark)

  void map(const std::string& path);  // maps the file (zero-padded), or throws InputError
  void own(std::string_view bytes);   // holds a padded copy of the bytes instead
  void skip_bom();
};

}  // namespace labelqa::io
