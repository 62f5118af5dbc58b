#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace tg {

namespace {

// "<path>.tmp-<pid>-<n>": unique per process and per call, in the target's directory.
std::string temp_name_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}.tmp-{}-{}", path, static_cast<long>(::getpid()), counter++);
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

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_path_(temp_name_for(path_)) {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
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
