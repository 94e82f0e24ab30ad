#include "labelqa/io/csv.hpp"

#include "labelqa/error.hpp"

#include <cstring>

namespace labelqa::io {

CsvReader::CsvReader(std::string_view data, char delimiter, std::string path)
    : m_data(data), m_delim(delimiter), m_path(std::move(path)) {
  if (m_data.size() >= 3 && m_data.substr(0, 3) == "\xEF\xBB\xBF") m_pos = 3;
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  const char* const data = m_data.data();
  const std::size_t size = m_data.size();
  for (;;) {
    fields.clear();
    m_unescaped_used = 0;
    if (m_pos >= size) return false;
    m_record_line = m_line;
    bool at_record_end = false;
    while (!at_record_end) {
      std::size_t start = m_pos;
      if (m_pos < size && data[m_pos] == '"') {
        // Quoted field: runs to the closing quote; "" is an escaped quote; newlines are kept.
        ++m_pos;
        std::size_t content = m_pos;
        bool escaped = false;
        for (;;) {
          const void* q = std::memchr(data + m_pos, '"', size - m_pos);
          if (q == nullptr) {
            throw InputError({.file = m_path, .line = m_record_line},
                             "malformed quoting: a quoted field is never closed (expected a closing '\"')", Defect::broken_file);
          }
          std::size_t qpos = static_cast<std::size_t>(static_cast<const char*>(q) - data);
          for (std::size_t i = m_pos; i < qpos; ++i) m_line += (data[i] == '\n');
          if (qpos + 1 < size && data[qpos + 1] == '"') {
            escaped = true;
            m_pos = qpos + 2;
            continue;
          }
          m_pos = qpos + 1;
          std::string_view raw(data + content, qpos - content);
          if (!escaped) {
            fields.push_back(raw);
          } else {
            if (m_unescaped_used == m_unescaped.size()) m_unescaped.emplace_back();
            std::string& buf = m_unescaped[m_unescaped_used++];
            buf.clear();
            for (std::size_t i = 0; i < raw.size(); ++i) {
              buf.push_back(raw[i]);
              if (raw[i] == '"') ++i;  // skip the second quote of ""
            }
            fields.emplace_back(buf);
          }
          break;
        }
        // After the closing quote: a delimiter, a line end, or the end of the data.
        if (m_pos >= size) {
          at_record_end = true;
        } else if (data[m_pos] == m_delim) {
          ++m_pos;
          if (m_pos >= size) { fields.emplace_back(); at_record_end = true; }
        } else if (data[m_pos] == '\n') {
          ++m_pos; ++m_line; at_record_end = true;
        } else if (data[m_pos] == '\r' && m_pos + 1 < size && data[m_pos + 1] == '\n') {
          m_pos += 2; ++m_line; at_record_end = true;
        } else if (data[m_pos] == '\r' && m_pos + 1 == size) {
          ++m_pos; at_record_end = true;
        } else {
          throw InputError({.file = m_path, .line = m_line},
                           std::string("malformed quoting: unexpected character '") + data[m_pos] +
                               "' after a closing quote (expected a delimiter or a line end)",
                           Defect::broken_file);
        }
      } else {
        // Unquoted field: up to the delimiter or the line end. A quote inside is kept as text.
        std::size_t i = m_pos;
        while (i < size && data[i] != m_delim && data[i] != '\n') ++i;
        std::size_t end = i;
        if (i < size && data[i] == '\n' && end > start && data[end - 1] == '\r') --end;
        else if (i == size && end > start && data[end - 1] == '\r') --end;
        fields.emplace_back(data + start, end - start);
        if (i < size && data[i] == m_delim) {
          m_pos = i + 1;
          if (m_pos >= size) { fields.emplace_back(); at_record_end = true; }
        } else {
          m_pos = i < size ? i + 1 : size;
          if (i < size) ++m_line;
          at_record_end = true;
        }
      }
    }
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    return true;
  }
}

}  // namespace labelqa::io
