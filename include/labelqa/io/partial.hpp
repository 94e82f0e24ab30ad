// Partial results: a shard's statistics in a file (`--partial`), read back by `labelqa merge`.
//
// Layout (little-endian): the 8 bytes "LQAPART\n", the format version (u32), then length-prefixed
// strings: the labelqa version, the kind ("agree/labels", ...) and the options that decide the
// numbers (a canonical text); the payload's size (u64) and the payload; last, the CRC-32 (zlib's)
// of every byte before it. docs/scale.md describes each kind's payload.
//
// The reader checks all of it before anything is used and never reads past the payload: a short,
// damaged or foreign file is an InputError naming it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

inline constexpr std::uint32_t k_partial_format = 2;  // 2: objects carry keypoints, attributes and polylines

struct PartialHeader {
  std::string version;  // labelqa's version that wrote it
  std::string kind;
  std::string options;
};

// Appends typed values to a payload; bytes() frames it with the header and the checksum.
class PartialWriter {
 public:
  void u8(std::uint8_t v) { m_payload.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void f64(double v);
  void str(std::string_view s);
  void raw(std::string_view bytes) { m_payload.append(bytes); }  // bytes as they are (the fuzz target)
  std::string bytes(const PartialHeader& header) const;

 private:
  std::string m_payload;
};

// A partial file read whole and checked; then its payload read value by value.
class PartialReader {
 public:
  // Reads and checks `path` (magic, format, checksum, sizes). Throws InputError naming it.
  explicit PartialReader(std::string path);
  const PartialHeader& header() const { return m_header; }
  const std::string& path() const { return m_path; }

  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  double f64();
  std::string str();
  // A count of elements of at least `min_bytes` bytes each: refused when the rest of the payload
  // cannot hold that many (a damaged count never allocates).
  std::uint64_t count(std::size_t min_bytes);
  bool done() const { return m_at == m_end; }
  // Throws unless the payload was read to its end.
  void finish() const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  void need(std::size_t n) const;
  std::string m_path;
  std::string m_data;
  PartialHeader m_header;
  std::size_t m_at = 0, m_end = 0;
};

}  // namespace labelqa::io
