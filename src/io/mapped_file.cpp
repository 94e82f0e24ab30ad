#include "labelqa/io/mapped_file.hpp"

#include "labelqa/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <atomic>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace labelqa::io {

MappedFile::MappedFile(const std::string& path) : MappedFile(Input(path)) {}

namespace {

// The offset of the first byte that does not start or continue a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF included), or text.size().
std::size_t first_bad_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return n;
}

}  // namespace

void require_utf8(std::string_view text, const std::string& path) {
  if (simdjson::validate_utf8(text.data(), text.size())) return;
  const std::size_t at = first_bad_utf8(text);
  const std::uint64_t line = io::line_of(text, at);
  std::size_t line_start = 0;
  if (at > 0 && text.rfind('\n', at - 1) != std::string_view::npos) line_start = text.rfind('\n', at - 1) + 1;
  throw InputError({.file = path, .line = line},
                   fmt::format("not valid UTF-8: byte 0x{:02X} at column {} (labelqa reads text files as UTF-8; save the file as UTF-8)",
                               at < text.size() ? static_cast<unsigned char>(text[at]) : 0u, at - line_start + 1),
                   Defect::broken_file);
}

void MappedFile::map(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw InputError({.file = path}, std::string("cannot open: ") + std::strerror(errno), Defect::broken_file);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError({.file = path}, "not a regular file", Defect::broken_file);
  }
  m_size = static_cast<std::size_t>(st.st_size);
  if (m_size > 0) {
    // Reserve the file's pages plus one zero page, then map the file over the start: the bytes
    // after the end read as zeros, which parsers that look ahead (simdjson) require.
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    m_map_size = (m_size + page - 1) / page * page + page;
    void* base = ::mmap(nullptr, m_map_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void* p = base == MAP_FAILED ? MAP_FAILED : ::mmap(base, m_size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (p == MAP_FAILED) {
      if (base != MAP_FAILED) ::munmap(base, m_map_size);
      ::close(fd);
      throw InputError({.file = path}, std::string("cannot map: ") + std::strerror(errno), Defect::broken_file);
    }
    ::madvise(p, m_size, MADV_SEQUENTIAL);
    m_data = m_map = static_cast<const char*>(p);
    m_mapped = true;
  } else {
    static const char k_empty[64] = {};
    m_data = k_empty;
  }
  ::close(fd);
}

namespace {
std::atomic<std::uint64_t> g_max_uncompressed{k_max_gunzip_bytes};
}  // namespace

std::uint64_t max_uncompressed() { return g_max_uncompressed.load(std::memory_order_relaxed); }
void set_max_uncompressed(std::uint64_t bytes) { g_max_uncompressed.store(bytes, std::memory_order_relaxed); }

std::uint64_t decompression_limit(std::uint64_t compressed) {
  return std::min<std::uint64_t>(max_uncompressed(), std::max<std::uint64_t>(compressed, 1) * k_max_gunzip_ratio);
}

std::string decompression_limit_text(std::uint64_t compressed) {
  return fmt::format("{} bytes: the smaller of {}x its {} compressed bytes and the uncompressed-size limit {}", decompression_limit(compressed), k_max_gunzip_ratio,
                     compressed, max_uncompressed());
}

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

// The plain bytes of a gzip stream (several members are read one after the other), refusing to
// expand past the limits.
std::string gunzip(const std::string& path, std::string_view packed) {
  std::string out;
  const std::uint64_t limit = decompression_limit(packed.size());
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw InputError({.file = path}, "cannot start decompressing", Defect::broken_file);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(packed.size(), UINT32_MAX));
  std::size_t fed = z.avail_in;
  int rc = Z_OK;
  char chunk[1 << 16];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > limit) {
      inflateEnd(&z);
      throw InputError({.file = path}, fmt::format("expands past {}: refused", decompression_limit_text(packed.size())), Defect::broken_file)
          .with_setting("max_uncompressed");
    }
    if (z.avail_in == 0 && fed < packed.size()) {
      const std::size_t more = std::min<std::size_t>(packed.size() - fed, UINT32_MAX);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data() + fed));
      z.avail_in = static_cast<uInt>(more);
      fed += more;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK) break;  // another gzip member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // the input ended inside a member
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw InputError({.file = path}, "truncated or corrupt gzip data", Defect::broken_file);
  return out;
}

}  // namespace

std::string_view logical_name(std::string_view path) { return is_gzip_name(path) ? path.substr(0, path.size() - 3) : path; }

bool is_gzip_name(std::string_view path) { return path.size() > 3 && path.ends_with(".gz"); }

MappedFile::MappedFile(const Input& input) : m_path(input.path) {
  if (!input.bytes) map(input.path);
  const std::string_view raw = input.bytes ? *input.bytes : std::string_view(m_data, m_size);
  if (is_gzip_name(input.path)) {
    own(gunzip(input.path, raw));
    if (m_mapped) {  // the compressed bytes are no longer needed
      ::munmap(const_cast<char*>(m_map), m_map_size);
      m_mapped = false;
      m_map = nullptr;
    }
  } else if (input.bytes) {
    own(raw);
  }
  skip_bom();
  m_lines = std::make_unique<LineIndex>(view());
}

void MappedFile::own(std::string_view bytes) {
  m_size = bytes.size();
  m_owned = std::make_unique<char[]>(m_size + k_padding);
  if (m_size) std::memcpy(m_owned.get(), bytes.data(), m_size);
  std::memset(m_owned.get() + m_size, 0, k_padding);
  m_data = m_owned.get();
}

void MappedFile::skip_bom() {
  if (std::string_view(m_data, m_size).starts_with(k_bom)) {
    m_data += k_bom.size();
    m_size -= k_bom.size();
  }
}

std::vector<Input> inputs_of(const std::vector<std::string>& paths) { return {paths.begin(), paths.end()}; }

void MappedFile::release_before(std::size_t offset) {
  if (!m_mapped || m_owned) return;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const auto skipped = static_cast<std::size_t>(m_data - m_map);  // a byte order mark
  const std::size_t end = (std::min(offset, m_size) + skipped) / page * page;
  if (end < m_released + (std::size_t{16} << 20)) return;  // in steps of 16 MiB
  ::madvise(const_cast<char*>(m_map) + m_released, end - m_released, MADV_DONTNEED);
  m_released = end;
}

void MappedFile::require_utf8() {
  const std::string_view text = view();
  constexpr std::size_t k_slice = std::size_t{64} << 20;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.size(), pos + k_slice);
    // A slice ends before a byte that starts a character, never inside one.
    while (end < text.size() && end > pos && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (end == pos) end = std::min(text.size(), pos + k_slice);
    if (!simdjson::validate_utf8(text.data() + pos, end - pos)) io::require_utf8(text, m_path);
    pos = end;
    release_before(pos);
  }
  m_released = 0;  // the reader starts again from the beginning
}

namespace {

// Reads JSON without keeping anything: only where the first syntax error is.
struct ErrorFinder : nlohmann::json_sax<nlohmann::json> {
  std::size_t byte = 0;
  std::string what;
  bool failed = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    failed = true;
    byte = position;
    what = e.what();
    return false;
  }
};

}  // namespace

void throw_json_error(std::string_view text, const std::string& path, std::string_view parser_message) {
  require_utf8(text, path);
  ErrorFinder finder;
  nlohmann::json::sax_parse(text.begin(), text.end(), &finder, nlohmann::json::input_format_t::json, false);
  if (!finder.failed) throw InputError({.file = path}, fmt::format("invalid JSON: {}", parser_message), Defect::broken_file);
  // nlohmann counts the offending character as read: the error is at byte - 1.
  const std::size_t at = std::min<std::size_t>(finder.byte > 0 ? finder.byte - 1 : 0, text.size());
  std::size_t line_start = 0;
  if (at > 0 && text.rfind('\n', at - 1) != std::string_view::npos) line_start = text.rfind('\n', at - 1) + 1;
  throw InputError({.file = path, .line = io::line_of(text, at)},
                   fmt::format("invalid JSON at column {}: {}", at - line_start + 1, parser_message), Defect::broken_file);
}

MappedFile::~MappedFile() {
  if (m_mapped) ::munmap(const_cast<char*>(m_map), m_map_size);
}

}  // namespace labelqa::io
