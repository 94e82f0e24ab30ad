#include "labelqa/io/zip_archive.hpp"

#include "labelqa/error.hpp"
#include "labelqa/io/mapped_file.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <zlib.h>

namespace labelqa::io {
namespace {

std::uint32_t u16(std::string_view d, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(d[at])) | (static_cast<std::uint32_t>(static_cast<unsigned char>(d[at + 1])) << 8);
}
std::uint32_t u32(std::string_view d, std::size_t at) { return u16(d, at) | (u16(d, at + 2) << 16); }

struct Entry {
  std::uint32_t method = 0, compressed = 0, size = 0, local = 0;
};

// Finds `member` in the central directory; false when the data is not a zip archive or lacks it.
bool find(std::string_view d, const std::string& member, Entry& out, std::string& why) {
  if (d.size() < 22) return why = "too short for a zip archive", false;
  std::size_t eocd = std::string_view::npos;
  const std::size_t lowest = d.size() > 22 + 65535 ? d.size() - 22 - 65535 : 0;
  for (std::size_t i = d.size() - 22 + 1; i-- > lowest;) {
    if (u32(d, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return why = "no end of central directory (not a zip archive, or truncated)", false;
  const std::uint32_t entries = u16(d, eocd + 10), cd_size = u32(d, eocd + 12), cd_offset = u32(d, eocd + 16);
  if (cd_offset == 0xFFFFFFFFu || entries == 0xFFFFu) return why = "zip64 archives are not supported", false;
  if (static_cast<std::uint64_t>(cd_offset) + cd_size > d.size()) return why = "the central directory lies outside the file", false;
  std::size_t p = cd_offset;
  for (std::uint32_t k = 0; k < entries; ++k) {
    if (p + 46 > d.size() || u32(d, p) != 0x02014b50) return why = "corrupt central directory", false;
    const std::uint32_t name_len = u16(d, p + 28), extra = u16(d, p + 30), comment = u16(d, p + 32);
    if (p + 46 + name_len > d.size()) return why = "corrupt central directory", false;
    if (d.substr(p + 46, name_len) == member) {
      out = {u16(d, p + 10), u32(d, p + 20), u32(d, p + 24), u32(d, p + 42)};
      return true;
    }
    p += 46 + name_len + extra + comment;
  }
  return why = fmt::format("the archive has no {}", member), false;
}

}  // namespace

bool zip_has_member(const std::string& path, const std::string& member) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[4] = {};
  const bool zip = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
  std::fclose(f);
  if (!zip) return false;
  MappedFile file(path);
  Entry e;
  std::string why;
  return find(file.view(), member, e, why);
}

std::string read_zip_member(const std::string& path, const std::string& member) {
  MappedFile file(path);
  const std::string_view d = file.view();
  Entry e;
  std::string why;
  if (!find(d, member, e, why)) throw InputError({.file = path}, why);
  auto corrupt = [&](const std::string& what) { return InputError({.file = path, .item = member}, fmt::format("corrupt zip member: {}", what)); };
  if (static_cast<std::uint64_t>(e.local) + 30 > d.size() || u32(d, e.local) != 0x04034b50) throw corrupt("bad local header");
  const std::uint64_t data = static_cast<std::uint64_t>(e.local) + 30 + u16(d, e.local + 26) + u16(d, e.local + 28);
  if (data + e.compressed > d.size()) throw corrupt("data beyond the end of the file");
  const std::string_view in = d.substr(static_cast<std::size_t>(data), e.compressed);
  if (e.method == 0) {
    if (e.compressed != e.size) throw corrupt("stored sizes differ");
    return std::string(in);
  }
  if (e.method != 8) throw corrupt(fmt::format("compression method {} is not supported (stored or deflate only)", e.method));
  // The recorded size is a claim: it must stay within the limits of any compressed input (as for
  // .gz), and the output grows only as inflate really produces it.
  const std::uint64_t limit = decompression_limit(e.compressed);
  if (e.size > limit) {
    throw InputError({.file = path, .item = member}, fmt::format("the member expands to {} bytes, past {}: refused", e.size, decompression_limit_text(e.compressed)))
        .with_setting("max_uncompressed");
  }
  std::string out;
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw corrupt("zlib failed to start");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  constexpr std::size_t k_chunk = std::size_t{1} << 20;
  while (rc == Z_OK) {
    const std::size_t at = out.size();
    if (at >= e.size + 1) break;  // more than recorded: corrupt
    out.resize(at + std::min<std::size_t>(k_chunk, e.size + 1 - at));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    zs.avail_out = static_cast<uInt>(out.size() - at);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(at + (out.size() - at - zs.avail_out));
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  const auto produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != e.size) throw corrupt("deflate data does not decode to the recorded size");
  return out;
}

}  // namespace labelqa::io
