#include "labelqa/io/mapped_file.hpp"

#include "labelqa/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace labelqa::io {

MappedFile::MappedFile(const std::string& path) : m_path(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw InputError({.file = path}, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError({.file = path}, "not a regular file");
  }
  m_size = static_cast<std::size_t>(st.st_size);
  if (m_size > 0) {
    void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw InputError({.file = path}, std::string("cannot map: ") + std::strerror(errno));
    }
    ::madvise(p, m_size, MADV_SEQUENTIAL);
    m_data = static_cast<const char*>(p);
    m_mapped = true;
  } else {
    m_data = "";
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (m_mapped) ::munmap(const_cast<char*>(m_data), m_size);
}

}  // namespace labelqa::io
