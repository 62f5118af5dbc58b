// The library-level reproducers of issue 12: checked size products, CRC-32C checksums of safetensors
// tensors, and the unique temporaries of atomic files.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>

#include "core/atomic_file.hpp"
#include "core/crc32c.hpp"
#include "core/safetensors.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "tests/scratch.hpp"

using tg::test::error_of;
using tg::test::TempDir;

TEST_CASE("checked_mul: products that do not fit in int64 throw with both factors") {
  CHECK(tg::checked_mul(3, 4, "x") == 12);
  CHECK(tg::checked_mul(0, INT64_MAX, "x") == 0);
  CHECK(error_of([] { tg::checked_mul(int64_t{1} << 62, 4, "empty"); }).find("empty: the size 4611686018427387904 x 4") == 0);
  CHECK(error_of([] { tg::checked_mul(-1, 4, "x"); }) != "(no error)");
}

TEST_CASE("Shape::numel and empty() throw instead of wrapping (issue 12, point 1)") {
  tg::Shape huge{int64_t{1} << 62, 4};
  CHECK(error_of([&] { (void)huge.numel(); }).find("does not fit in 64 bits") != std::string::npos);
  CHECK(error_of([] { tg::empty({int64_t{1} << 62}); }).find("empty: the size") == 0);  // 2^62 x 4 bytes
}

TEST_CASE("crc32c: the standard check value, and running checksums") {
  CHECK(tg::crc32c("123456789", 9) == 0xE3069283u);
  CHECK(tg::crc32c("", 0) == 0u);
  std::string text = "The quick brown fox jumps over the lazy dog, twice over the lazy dog";
  uint32_t whole = tg::crc32c(text.data(), text.size());
  CHECK(tg::crc32c(text.data() + 13, text.size() - 13, tg::crc32c(text.data(), 13)) == whole);
}

TEST_CASE("safetensors: checksums are written, verified, hidden from the metadata (point 8)") {
  TempDir dir;
  std::string path = dir.file("t.safetensors");
  tg::Tensor w = tg::tensor({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  tg::save_safetensors(path, {{"w", w}}, {{"note", "kept"}});
  tg::SafetensorsFile loaded = tg::load_safetensors(path);
  CHECK(loaded.metadata == std::map<std::string, std::string>{{"note", "kept"}});
  CHECK(loaded.tensors.at("w").f32()[3] == 4.0f);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() - 3] ^= 0x01;  // one bit of the last float
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  CHECK(error_of([&] { tg::load_safetensors(path); }).find("\"w\": the data is corrupted (CRC-32C") != std::string::npos);

  CHECK(error_of([&] { tg::save_safetensors(path, {{"w", w}}, {{"crc32c.w", "0"}}); }).find("reserved") !=
        std::string::npos);
}

TEST_CASE("safetensors: a [2^62] F32 tensor with 0 bytes of data is refused (point 7)") {
  TempDir dir;
  std::string path = dir.file("wrap.safetensors");
  std::string header = R"({"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header;
  out.close();
  CHECK(error_of([&] { tg::load_safetensors(path); }).find("is too large") != std::string::npos);
}

TEST_CASE("AtomicFile: unique temporaries; stale ones of our pattern are removed (point 6)") {
  TempDir dir;
  std::string path = dir.file("m.safetensors");
  {
    tg::AtomicFile a(path), b(path);  // two saves at once in one process: two names
    CHECK(a.temp_path() != b.temp_path());
    CHECK(a.temp_path().rfind(path + ".tmp-", 0) == 0);
  }
  std::ofstream(path + ".tmp-4194303-AbCdEf") << "x";  // a PID above the kernel's limit: gone
  std::ofstream(path + ".tmp-1-nope") << "x";          // not our pattern (6 characters)
  std::ofstream(path + ".other") << "x";
  CHECK(tg::remove_stale_temporaries(path) == 1);
  CHECK(dir.listing() == std::vector<std::string>{"m.safetensors.other", "m.safetensors.tmp-1-nope"});
}
