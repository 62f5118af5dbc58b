#pragma once
// Writing a file so that it is either fully there or not touched at all.
//
// The bytes go to a temporary file beside the target ("model.safetensors.tmp-<pid>-<6 random
// characters>", made by mkstemp, so no other process can hold the same name, not even a later one with
// the same PID; same directory, so the final rename stays on one file system), are flushed and fsync'ed,
// and only then
// is the temporary renamed over the target. rename() is atomic on POSIX: a reader sees either the old
// file or the new one, never half of one. On any failure the temporary is removed and tg::Error is
// thrown; the target keeps its old contents.
//
//   tg::AtomicFile out("model.safetensors");
//   out.write(header.data(), header.size());
//   out.write(weights, n_bytes);
//   out.commit();            // without commit(), the destructor throws the temporary away
#include <cstddef>
#include <string>
#include <string_view>

namespace tg {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates the temporary; throws if it cannot
  ~AtomicFile();                          // removes the temporary unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* bytes, size_t n);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void commit();  // fsync, close, rename over the target

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void abandon(const std::string& what);  // remove the temporary, then throw

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole file in one call.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Removes the temporaries a killed process left beside `path` (our own pattern only,
// "<name>.tmp-<pid>-XXXXXX"): those whose process is gone, those of this process's PID (a container's
// PID 1 of an earlier run) and those older than a day. Returns how many it removed. Tools call it at start.
int remove_stale_temporaries(const std::string& path);

}  // namespace tg
