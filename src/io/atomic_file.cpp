#include "labelqa/io/atomic_file.hpp"

#include "labelqa/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace labelqa::io {

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path)) {
  std::string templ = m_path + ".tmp.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  m_fd = ::mkstemp(buf.data());
  if (m_fd < 0) {
    throw InputError({.file = m_path}, std::string("cannot create the output file: ") + std::strerror(errno));
  }
  ::fchmod(m_fd, 0644);
  m_tmp_path.assign(buf.data());
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed && !m_tmp_path.empty()) ::unlink(m_tmp_path.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(m_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError({.file = m_path}, std::string("cannot write the output file: ") + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    m_written += static_cast<unsigned long long>(n);
  }
#ifdef __linux__
  // Large reports: start writing back what is already written while the rest is produced, so
  // that commit()'s fsync has little left to wait for.
  constexpr unsigned long long k_step = 8ull << 20;
  if (m_written - m_flushed >= k_step) {
    ::sync_file_range(m_fd, static_cast<off_t>(m_flushed), static_cast<off_t>(m_written - m_flushed), SYNC_FILE_RANGE_WRITE);
    m_flushed = m_written;
  }
#endif
}

void AtomicFile::commit() {
  if (::fsync(m_fd) != 0 || ::close(m_fd) != 0) {
    m_fd = -1;
    throw InputError({.file = m_path}, std::string("cannot write the output file: ") + std::strerror(errno));
  }
  m_fd = -1;
  if (std::rename(m_tmp_path.c_str(), m_path.c_str()) != 0) {
    throw InputError({.file = m_path}, std::string("cannot rename the output file into place: ") +
                                           std::strerror(errno));
  }
  m_committed = true;
}

void write_output(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
    return;
  }
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

void write_output(const std::string& path, const std::function<void(const Sink&)>& produce) {
  if (path == "-") {
    produce([](std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); });
    std::fflush(stdout);
    return;
  }
  AtomicFile file(path);
  produce([&](std::string_view bytes) { file.write(bytes); });
  file.commit();
}

}  // namespace labelqa::io
