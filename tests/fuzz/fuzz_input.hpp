#pragma once
// What every fuzz target shares: libFuzzer hands over bytes; tapegrad's readers take a path. The bytes go
// to a file of this process (in /dev/shm when there is one, so it stays in memory), the reader runs on it,
// and a tg::Error is the expected outcome of a malformed input. Anything else (a crash, a sanitizer
// report, another exception, a hang) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace tg::fuzz {

// "/dev/shm/tg-fuzz-<pid>-<name>" holding the bytes; the same path for every input of this process.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  static const std::string dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string path = fmt::format("{}/tg-fuzz-{}-{}", dir, ::getpid(), name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace tg::fuzz
