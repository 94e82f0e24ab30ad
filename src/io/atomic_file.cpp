#include "labelqa/io/atomic_file.hpp"

#include "labelqa/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <fcntl.h>
#include <filesystem>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <algorithm>

namespace labelqa::io {

namespace {

mode_t current_umask() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

// Temporaries are named PREFIX.<pid>.XXXXXX: a run killed before it could remove its own leaves
// them behind, and the next run writing the same output removes those whose process is gone.
std::string temp_prefix(const std::string& target) { return target + ".labelqa-tmp."; }

void remove_stale_temporaries(const std::string& target) {
  namespace fs = std::filesystem;
  const fs::path t(target);
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  const std::string prefix = t.filename().string() + ".labelqa-tmp.";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos) continue;
    const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path)), m_target(m_path) {
  struct stat st{};
  // A symlink is followed to what it names: the link stays, its target gets the report.
  if (::lstat(m_path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const auto resolved = std::filesystem::weakly_canonical(m_path, ec);
    if (ec) throw InputError({.file = m_path}, "cannot follow the symlink of the output file: " + ec.message());
    m_target = resolved.string();
  }
  mode_t mode = 0666 & ~current_umask();
  if (::stat(m_target.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      // A device or FIFO is written into, never replaced.
      m_fd = ::open(m_target.c_str(), O_WRONLY | O_CLOEXEC);
      if (m_fd < 0) throw InputError({.file = m_path}, std::string("cannot open the output: ") + std::strerror(errno));
      return;
    }
    if (!S_ISREG(st.st_mode)) throw InputError({.file = m_path}, "the output path names something that is not a file (a folder?)");
    mode = st.st_mode & 07777;  // an existing report keeps its mode
  }
  remove_stale_temporaries(m_target);
  std::string templ = temp_prefix(m_target) + std::to_string(::getpid()) + ".XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  m_fd = ::mkstemp(buf.data());
  if (m_fd < 0) {
    throw InputError({.file = m_path}, std::string("cannot create the output file: ") + std::strerror(errno));
  }
  ::fchmod(m_fd, mode);
  m_tmp_path.assign(buf.data());
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed && !m_tmp_path.empty()) ::unlink(m_tmp_path.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  if (m_tmp_path.empty()) {  // a device or FIFO: passed on as it comes
    write_out(bytes);
    return;
  }
  // Small writes gathered into blocks: a report is put a few findings at a time, and each write
  // call costs the file system far more than copying its bytes.
  constexpr std::size_t k_block = std::size_t{1} << 20;
  if (m_buffer.size() + bytes.size() > k_block) {
    flush_buffer();
    if (bytes.size() >= k_block) {
      write_out(bytes);
      return;
    }
  }
  if (m_buffer.capacity() < k_block) m_buffer.reserve(k_block);
  m_buffer.append(bytes);
}

void AtomicFile::flush_buffer() {
  if (m_buffer.empty()) return;
  write_out(m_buffer);
  m_buffer.clear();
}

void AtomicFile::write_out(std::string_view bytes) {
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
  if (m_tmp_path.empty()) return;  // a device or FIFO
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
  if (m_tmp_path.empty()) {  // a device or FIFO: written in place
    const int rc = ::close(m_fd);
    m_fd = -1;
    if (rc != 0) throw InputError({.file = m_path}, std::string("cannot write the output: ") + std::strerror(errno));
    m_committed = true;
    return;
  }
  flush_buffer();
  if (::fsync(m_fd) != 0 || ::close(m_fd) != 0) {
    m_fd = -1;
    throw InputError({.file = m_path}, std::string("cannot write the output file: ") + std::strerror(errno));
  }
  m_fd = -1;
  if (std::rename(m_tmp_path.c_str(), m_target.c_str()) != 0) {
    throw InputError({.file = m_path}, std::string("cannot rename the output file into place: ") +
                                           std::strerror(errno));
  }
  m_committed = true;
}

namespace {

// Standard output that cannot take the report (a full disk, a closed descriptor) is an error; a
// reader that went away (a broken pipe) ends the run quietly, as the signal would.
void check_stdout() {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return;
  if (errno == EPIPE) throw ReaderGone{};
  throw InputError({.file = "standard output"}, std::string("cannot write the report: ") + std::strerror(errno));
}

}  // namespace

namespace {
thread_local OutputCapture* t_capture = nullptr;
}  // namespace

OutputCapture::OutputCapture(std::vector<std::string> names) : m_outer(t_capture) {
  for (auto& n : names) m_texts.emplace(std::move(n), std::string());
  t_capture = this;
}

OutputCapture::~OutputCapture() { t_capture = m_outer; }

std::map<std::string, std::string> OutputCapture::take() { return std::exchange(m_texts, {}); }

std::string* captured_output(const std::string& path) {
  for (OutputCapture* c = t_capture; c; c = c->m_outer) {
    if (auto it = c->m_texts.find(path); it != c->m_texts.end()) return &it->second;
  }
  return nullptr;
}

void write_output(const std::string& path, std::string_view bytes) {
  if (std::string* text = captured_output(path)) {
    text->append(bytes);
    return;
  }
  if (path == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    check_stdout();
    return;
  }
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

void write_output(const std::string& path, const std::function<void(const Sink&)>& produce) {
  if (std::string* text = captured_output(path)) {
    // The sink may be called from another thread (a pipeline's serial stage): it holds the text.
    produce([text](std::string_view bytes) { text->append(bytes); });
    return;
  }
  if (path == "-") {
    produce([](std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); });
    check_stdout();
    return;
  }
  AtomicFile file(path);
  produce([&](std::string_view bytes) { file.write(bytes); });
  file.commit();
}

AtomicFolder::AtomicFolder(std::string path, std::vector<std::string> own_names) : m_path(std::move(path)), m_own(std::move(own_names)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(m_path, ec))) {
    if (!fs::is_directory(fs::symlink_status(m_path, ec))) throw InputError({.file = m_path}, "the report folder exists and is not a folder");
    // Only a folder that holds nothing but an earlier report is replaced: anything else in it
    // would be lost with the old folder.
    for (fs::directory_iterator it(m_path, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (std::find(m_own.begin(), m_own.end(), name) == m_own.end()) {
        throw InputError({.file = m_path}, fmt::format("the report folder holds \"{}\", which a report does not write: give a new or empty folder, "
                                                       "or one that holds only an earlier report", name));
      }
    }
    if (ec) throw InputError({.file = m_path}, "cannot read the report folder: " + ec.message());
  }
  const fs::path p = fs::path(m_path).lexically_normal();
  const fs::path parent = p.has_parent_path() && p.filename() != "" ? p.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  const std::string target = (parent / (p.filename().empty() ? p.parent_path().filename() : p.filename())).string();
  remove_stale_temporaries(target);
  std::string templ = temp_prefix(target) + std::to_string(::getpid()) + ".XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw InputError({.file = m_path}, std::string("cannot create the report folder: ") + std::strerror(errno));
  m_tmp.assign(buf.data());
  ::chmod(m_tmp.c_str(), 0777 & ~current_umask());
  m_target = target;
}

AtomicFolder::~AtomicFolder() {
  if (!m_committed && !m_tmp.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(m_tmp, ignored);
  }
}

std::string AtomicFolder::path_of(const std::string& relative) const { return m_tmp + "/" + relative; }

void AtomicFolder::commit() {
  namespace fs = std::filesystem;
  // Make the new folder's entries durable before it appears under the report's name.
  if (const int fd = ::open(m_tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(m_target, ec))) {
    if (std::rename(m_tmp.c_str(), m_target.c_str()) != 0) {
      throw InputError({.file = m_path}, std::string("cannot move the report folder into place: ") + std::strerror(errno));
    }
    m_committed = true;
    return;
  }
  // Swap the new folder with the old in one step, then remove the old.
  if (::renameat2(AT_FDCWD, m_tmp.c_str(), AT_FDCWD, m_target.c_str(), RENAME_EXCHANGE) != 0) {
    throw InputError({.file = m_path}, std::string("cannot swap the report folder into place: ") + std::strerror(errno));
  }
  m_committed = true;
  fs::remove_all(m_tmp, ec);
}

}  // namespace labelqa::io
