// RFC 4180 records from a delimited text buffer: quoted fields, "" escapes, newlines inside
// quotes, CRLF or LF line ends, an optional UTF-8 byte-order mark. Blank lines are skipped.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

class CsvReader {
 public:
  CsvReader(std::string_view data, char delimiter, std::string path);

  // Reads the next record; false at the end of the data. Views stay valid until the next call.
  // Throws InputError (file and line) on an unterminated quoted field or text after a closing quote.
  bool next(std::vector<std::string_view>& fields);

  // 1-based line on which the last record returned by next() started.
  std::uint64_t record_line() const { return m_record_line; }
  const std::string& path() const { return m_path; }
  // Bytes consumed so far (everything before this offset is no longer referenced once the views
  // of the last record are dropped).
  std::size_t position() const { return m_pos; }

 private:
  std::string_view m_data;
  std::size_t m_pos = 0;
  char m_delim;
  std::string m_path;
  std::uint64_t m_line = 1;
  std::uint64_t m_record_line = 0;
  std::deque<std::string> m_unescaped;  // storage of quoted fields that contained "" escapes
  std::size_t m_unescaped_used = 0;
};

}  // namespace labelqa::io
