#include "labelqa/io/mapped_file.hpp"

#include "labelqa/error.hpp"

#include <fmt/format.h>

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

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

// The plain bytes of a gzip stream (several members are read one after the other), refusing to
// expand past the limits.
std::string gunzip(const std::string& path, std::string_view packed) {
  std::string out;
  const std::uint64_t limit = std::min<std::uint64_t>(k_max_gunzip_bytes, std::max<std::uint64_t>(packed.size(), 1) * k_max_gunzip_ratio);
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
      throw InputError({.file = path}, fmt::format("expands past {} bytes ({}x its {} compressed bytes, or {} GiB): refused", limit, k_max_gunzip_ratio,
                                                   packed.size(), k_max_gunzip_bytes >> 30),
                       Defect::broken_file);
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

MappedFile::~MappedFile() {
  if (m_mapped) ::munmap(const_cast<char*>(m_map), m_map_size);
}

}  // namespace labelqa::io
