#include "labelqa/io/partial.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <zlib.h>

namespace labelqa::io {
namespace {

constexpr std::string_view k_magic = "LQAPART\n";
static_assert(std::endian::native == std::endian::little, "partials are written little-endian");

void put(std::string& out, const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }

std::uint32_t crc_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call.
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

void PartialWriter::u32(std::uint32_t v) { put(m_payload, &v, 4); }
void PartialWriter::u64(std::uint64_t v) { put(m_payload, &v, 8); }
void PartialWriter::f64(double v) { put(m_payload, &v, 8); }
void PartialWriter::str(std::string_view s) {
  u64(s.size());
  m_payload.append(s);
}

std::string PartialWriter::bytes(const PartialHeader& header) const {
  std::string out(k_magic);
  const std::uint32_t format = k_partial_format;
  put(out, &format, 4);
  for (const std::string* s : {&header.version, &header.kind, &header.options}) {
    const std::uint64_t n = s->size();
    put(out, &n, 8);
    out += *s;
  }
  const std::uint64_t size = m_payload.size();
  put(out, &size, 8);
  out += m_payload;
  const std::uint32_t crc = crc_of(out);
  put(out, &crc, 4);
  return out;
}

PartialReader::PartialReader(std::string path) : m_path(std::move(path)) {
  std::ifstream in(m_path, std::ios::binary);
  if (!in) throw InputError({.file = m_path}, "cannot open the partial result", Defect::broken_file);
  m_data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError({.file = m_path}, "cannot read the partial result", Defect::broken_file);
  if (m_data.size() < k_magic.size() + 4 + 4 || std::string_view(m_data).substr(0, k_magic.size()) != k_magic) {
    fail("not a labelqa partial result (a shard's statistics, docs/scale.md)");
  }
  const std::string_view body(m_data.data(), m_data.size() - 4);
  std::uint32_t crc = 0;
  std::memcpy(&crc, m_data.data() + m_data.size() - 4, 4);
  if (crc != crc_of(body)) fail("the checksum does not match: the file is damaged or was cut short");
  m_at = k_magic.size();
  m_end = body.size();
  const std::uint32_t format = u32();
  if (format != k_partial_format) fail(fmt::format("partial format {}, but this labelqa reads format {}", format, k_partial_format));
  m_header.version = str();
  m_header.kind = str();
  m_header.options = str();
  const std::uint64_t size = u64();
  if (size != m_end - m_at) fail("the payload's size does not match the file");
}

void PartialReader::need(std::size_t n) const {
  if (m_end - m_at < n) fail("the payload ends early");
}

std::uint8_t PartialReader::u8() {
  need(1);
  return static_cast<std::uint8_t>(m_data[m_at++]);
}
std::uint32_t PartialReader::u32() {
  need(4);
  std::uint32_t v = 0;
  std::memcpy(&v, m_data.data() + m_at, 4);
  m_at += 4;
  return v;
}
std::uint64_t PartialReader::u64() {
  need(8);
  std::uint64_t v = 0;
  std::memcpy(&v, m_data.data() + m_at, 8);
  m_at += 8;
  return v;
}
double PartialReader::f64() {
  need(8);
  double v = 0;
  std::memcpy(&v, m_data.data() + m_at, 8);
  m_at += 8;
  return v;
}
std::string PartialReader::str() {
  const std::uint64_t n = u64();
  need(static_cast<std::size_t>(std::min<std::uint64_t>(n, m_end - m_at + 1)));
  std::string s(m_data.data() + m_at, static_cast<std::size_t>(n));
  m_at += static_cast<std::size_t>(n);
  // Names, labels and messages go into UTF-8 reports: a partial holds them as its inputs had them.
  require_utf8(s, m_path);
  return s;
}
std::uint64_t PartialReader::count(std::size_t min_bytes) {
  const std::uint64_t n = u64();
  if (min_bytes > 0 && n > (m_end - m_at) / min_bytes) fail("a count is larger than the rest of the file can hold");
  return n;
}
void PartialReader::finish() const {
  if (m_at != m_end) fail("bytes left after the payload");
}
void PartialReader::fail(const std::string& what) const { throw InputError({.file = m_path}, what, Defect::broken_file); }

}  // namespace labelqa::io
