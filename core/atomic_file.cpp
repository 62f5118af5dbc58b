#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <signal.h>
#include <sys/stat.h>

#include "core/error.hpp"

namespace tg {

namespace {

mode_t current_umask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

constexpr const char* kTempMarker = ".tmp-";

// Creates "<path>.tmp-<pid>-XXXXXX" with mkstemp (unique among all processes) and returns its fd.
int create_temporary(const std::string& path, std::string& temp_path) {
  std::string name = fmt::format("{}{}{}-XXXXXX", path, kTempMarker, static_cast<long>(::getpid()));
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) {
    ::fchmod(fd, 0666 & ~current_umask());
    temp_path = name;
  }
  return fd;
}

// Best effort: make the rename itself durable. A failure here loses nothing already written.
void fsync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  fd_ = create_temporary(path_, temp_path_);
  if (fd_ < 0) fail("{}: cannot create a temporary file beside it: {}", path_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::abandon(const std::string& what) {
  int saved_errno = errno;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
  temp_path_.clear();
  fail("{}: {}: {}", path_, what, std::strerror(saved_errno));
}

void AtomicFile::write(const void* bytes, size_t n) {
  if (fd_ < 0) fail("{}: write after the file was committed or abandoned", path_);
  const char* p = static_cast<const char*>(bytes);
  while (n > 0) {  // write() may take fewer bytes than asked, or be interrupted by a signal
    ssize_t done = ::write(fd_, p, n);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) abandon("write failed");
    p += done;
    n -= static_cast<size_t>(done);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) fail("{}: commit after the file was committed or abandoned", path_);
  if (::fsync(fd_) != 0) abandon("fsync failed");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) abandon("close failed");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) abandon("cannot replace the file");
  committed_ = true;
  fsync_directory_of(path_);
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile out(path);
  out.write(bytes);
  out.commit();
}

}  // namespace tg

namespace tg {

int remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string prefix = target.filename().string() + kTempMarker;
  std::error_code ec;
  int removed = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // The rest must be "<pid>-XXXXXX" (6 characters); anything else is not ours.
    std::string rest = name.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || rest.size() != dash + 7) continue;
    if (rest.find_first_not_of("0123456789") != dash) continue;
    long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    bool gone = pid == static_cast<long>(::getpid()) || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    struct stat st {};
    bool old = ::stat(entry.path().c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime > 24 * 3600;
    if ((gone || old) && ::unlink(entry.path().c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace tg
