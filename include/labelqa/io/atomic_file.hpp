// Reports are written to a temporary file beside the target and renamed over it on commit(), so a
// reader never sees a half-written report. The destructor does not commit: an error part-way
// leaves the previous file (or none) in place.
//
// Only a regular file (or nothing) is replaced: a symlink is followed to the file it names (the
// link stays), a device or FIFO is written into directly, anything else (a folder, a socket) is
// refused. A new report gets the mode the umask gives (0666 masked); an existing one keeps its mode.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws InputError if the temporary cannot be created
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);  // to a file, gathered into blocks of 1 MiB; to a device, at once
  void commit();  // flush, fsync, rename; throws InputError naming the path on failure

 private:
  void flush_buffer();
  void write_out(std::string_view bytes);
  std::string m_buffer;  // written bytes not yet passed to the file
  std::string m_path;
  std::string m_target;    // where the bytes go: the path, or the regular file a symlink names
  std::string m_tmp_path;  // "" when writing straight into a device or FIFO
  int m_fd = -1;
  bool m_committed = false;
  unsigned long long m_written = 0, m_flushed = 0;  // bytes written; bytes whose writeback was started
};

// A folder of report files that appears whole or not at all: the files are written into a
// temporary folder beside it (path_of), and commit() moves it into place, swapping it with an
// earlier report's folder in one step (which is then removed). A folder that holds anything but
// the names in `own_names` (an earlier report's files) is refused, so nothing of a user's is lost.
// Without commit() the temporary folder is removed; one left by a killed run is removed by the
// next run into the same folder.
class AtomicFolder {
 public:
  AtomicFolder(std::string path, std::vector<std::string> own_names);  // throws InputError
  ~AtomicFolder();
  AtomicFolder(const AtomicFolder&) = delete;
  AtomicFolder& operator=(const AtomicFolder&) = delete;
  std::string path_of(const std::string& relative) const;  // where to write a file of the folder
  void commit();

 private:
  std::string m_path, m_target, m_tmp;
  std::vector<std::string> m_own;
  bool m_committed = false;
};

// Thrown when standard output's reader went away (a broken pipe): the run ends quietly.
struct ReaderGone {};

// Writes bytes to path atomically, or to standard output when path is "-". A standard output that
// cannot take them is an InputError.
void write_output(const std::string& path, std::string_view bytes);

// Where a renderer streams its output, chunk by chunk.
using Sink = std::function<void(std::string_view)>;
// The same for output produced in chunks: `produce` writes them to the sink it is given, so a large
// report never has to be held in memory whole.
void write_output(const std::string& path, const std::function<void(const Sink&)>& produce);

// Reports kept in memory instead of written: while an OutputCapture lives on a thread,
// write_output on that thread to one of its names appends to that name's text, and no file is
// touched. Front ends that return reports as values (the Python package) use it; captures nest.
class OutputCapture {
 public:
  explicit OutputCapture(std::vector<std::string> names);
  ~OutputCapture();
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;
  // The text written to each name so far ("" when none was).
  std::map<std::string, std::string> take();

 private:
  friend std::string* captured_output(const std::string& path);
  std::map<std::string, std::string> m_texts;
  OutputCapture* m_outer;
};

// Where write_output to `path` goes on this thread when it is captured, else nullptr.
std::string* captured_output(const std::string& path);

}  // namespace labelqa::io
