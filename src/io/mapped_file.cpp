#include "labelqa/io/mapped_file.hpp"

#include "labelqa/error.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace labelqa::io {

MappedFile::MappedFile(const std::string& path) : m_path(path) {
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
    m_data = static_cast<const char*>(p);
    m_mapped = true;
  } else {
    static const char k_empty[64] = {};
    m_data = k_empty;
  }
  ::close(fd);
  m_lines = std::make_unique<LineIndex>(view());
}

MappedFile::MappedFile(const Input& input) : m_path(input.path) {
  if (!input.bytes) {
    MappedFile file(input.path);
    // Take over the mapping.
    std::swap(m_data, file.m_data);
    std::swap(m_size, file.m_size);
    std::swap(m_map_size, file.m_map_size);
    std::swap(m_mapped, file.m_mapped);
  } else {
    m_size = input.bytes->size();
    m_owned = std::make_unique<char[]>(m_size + k_padding);
    if (m_size) std::memcpy(m_owned.get(), input.bytes->data(), m_size);
    std::memset(m_owned.get() + m_size, 0, k_padding);
    m_data = m_owned.get();
  }
  m_lines = std::make_unique<LineIndex>(view());
}

std::vector<Input> inputs_of(const std::vector<std::string>& paths) { return {paths.begin(), paths.end()}; }

void MappedFile::release_before(std::size_t offset) {
  if (!m_mapped) return;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t end = std::min(offset, m_size) / page * page;
  if (end < m_released + (std::size_t{16} << 20)) return;  // in steps of 16 MiB
  ::madvise(const_cast<char*>(m_data) + m_released, end - m_released, MADV_DONTNEED);
  m_released = end;
}

MappedFile::~MappedFile() {
  if (m_mapped) ::munmap(const_cast<char*>(m_data), m_map_size);
}

}  // namespace labelqa::io
