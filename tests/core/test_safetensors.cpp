// safetensors save/load and the atomic file writer under it.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/safetensors.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;

using tg::test::error_of;
using tg::test::TempDir;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// A safetensors file made by hand: header length (little-endian u64), the header padded to 8, the data.
std::string safetensors_bytes(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t n = header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string tensor_bytes(const tg::Tensor& t) {
  const void* p = t.dtype() == tg::DType::f32 ? static_cast<const void*>(t.f32()) : t.i64();
  return std::string(static_cast<const char*>(p), t.numel() * tg::dtype_size(t.dtype()));
}

}  // namespace

TEST_CASE("save then load gives bit-identical f32 and i64 tensors, with NaN, inf and -0") {
  TempDir dir;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan_with_payload = std::bit_cast<float>(0x7fc01234u);
  tg::Tensor specials = tg::tensor({nan_with_payload, inf, -inf, -0.0f, 1e-45f, 3.4e38f, 1.5f, -2.25f}, {2, 4});
  tg::Tensor extremes = tg::indices({std::numeric_limits<int64_t>::min(), -1, 0, std::numeric_limits<int64_t>::max()},
                                    {2, 2});
  tg::Tensor scalar = tg::scalar(3.5);
  tg::Tensor no_rows = tg::zeros({0, 3});
  std::vector<std::pair<std::string, tg::Tensor>> saved = {
      {"specials", specials}, {"extremes", extremes}, {"scalar", scalar}, {"no_rows", no_rows}};
  tg::save_safetensors(dir.file("t.safetensors"), saved);

  tg::SafetensorsFile loaded = tg::load_safetensors(dir.file("t.safetensors"));
  REQUIRE(loaded.tensors.size() == saved.size());
  for (const auto& [name, original] : saved) {
    CAPTURE(name);
    const tg::Tensor& back = loaded.tensors.at(name);
    CHECK(back.dtype() == original.dtype());
    CHECK(back.shape() == original.shape());
    CHECK(tensor_bytes(back) == tensor_bytes(original));
  }
  CHECK(loaded.tensors.at("scalar").dim() == 0);
  CHECK(loaded.metadata.empty());
}

TEST_CASE("metadata strings survive a round trip, and a file without metadata has none") {
  TempDir dir;
  std::map<std::string, std::string> metadata = {
      {"epoch", "3"}, {"empty", ""}, {"json", R"({"lr": 0.01, "name": "a \"quoted\" word"})"}, {"unicode", "naïve – ü"}};
  tg::save_safetensors(dir.file("m.safetensors"), {{"w", tg::ones({2})}}, metadata);
  CHECK(tg::load_safetensors(dir.file("m.safetensors")).metadata == metadata);

  tg::save_safetensors(dir.file("none.safetensors"), {{"w", tg::ones({2})}});
  CHECK(tg::load_safetensors(dir.file("none.safetensors")).metadata.empty());
}

TEST_CASE("loaded tensors are leaves that do not require grad") {
  TempDir dir;
  tg::Tensor w = tg::ones({2, 3});
  w.requires_grad_();
  tg::save_safetensors(dir.file("w.safetensors"), {{"w", w}});
  tg::Tensor back = tg::load_safetensors(dir.file("w.safetensors")).tensors.at("w");
  CHECK_FALSE(back.requires_grad());
  CHECK(back.is_leaf());
}

TEST_CASE("the writer pads the header to 8 bytes and lays out I64 tensors first, then by name") {
  TempDir dir;
  std::string path = dir.file("layout.safetensors");
  tg::save_safetensors(path, {{"b", tg::ones({3})}, {"a", tg::ones({1})}, {"z_ids", tg::indices({1, 2})}},
                       {{"k", "v"}});
  std::string bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  CHECK(header["__metadata__"]["k"] == "v");
  CHECK(header["z_ids"]["dtype"] == "I64");
  CHECK(header["z_ids"]["data_offsets"] == nlohmann::json::array({0, 16}));
  CHECK(header["a"]["data_offsets"] == nlohmann::json::array({16, 20}));
  CHECK(header["b"]["data_offsets"] == nlohmann::json::array({20, 32}));
  CHECK(header["b"]["shape"] == nlohmann::json::array({3}));
  CHECK(bytes.size() == 8 + n + 32);
}

TEST_CASE("a file in the reference implementation's exact bytes is read") {
  // The bytes huggingface/safetensors writes for {"attn.0": F32 [1, 2, 3] = 0..5}: a 64-byte header.
  TempDir dir;
  std::string header = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  REQUIRE(header.size() == 64);
  write_bytes(dir.file("ref.safetensors"), safetensors_bytes(header, bytes_of<float>({0, 1, 2, 3, 4, 5})));
  tg::Tensor t = tg::load_safetensors(dir.file("ref.safetensors")).tensors.at("attn.0");
  CHECK(t.shape() == tg::Shape({1, 2, 3}));
  CHECK(t.to_vector() == std::vector<float>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("F16 and BF16 tensors keep their dtype and F64 is converted to float32") {
  TempDir dir;
  // IEEE half bit patterns: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), inf, -0.
  std::vector<uint16_t> f16 = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000};
  // bfloat16 is the top 16 bits of a float32: 1, -5, 0.15625.
  std::vector<uint16_t> bf16 = {0x3F80, 0xC0A0, 0x3E20};
  std::vector<double> f64 = {0.1, -1e30};
  std::vector<uint16_t> f16_nan = {0x7E00};
  std::string header = R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},)"
                       R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},)"
                       R"("n":{"dtype":"F16","shape":[1],"data_offsets":[18,20]},)"
                       R"("d":{"dtype":"F64","shape":[2],"data_offsets":[20,36]}})";
  std::string data = bytes_of(f16) + bytes_of(bf16) + bytes_of(f16_nan) + bytes_of(f64);
  write_bytes(dir.file("conv.safetensors"), safetensors_bytes(header, data));
  auto tensors = tg::load_safetensors(dir.file("conv.safetensors")).tensors;

  std::vector<float> h = tensors.at("h").to_vector();
  CHECK(h[0] == 1.0f);
  CHECK(h[1] == -2.0f);
  CHECK(h[2] == 65504.0f);
  CHECK(h[3] == std::ldexp(1.0f, -24));
  CHECK(std::isinf(h[4]));
  CHECK((h[5] == 0.0f && std::signbit(h[5])));
  CHECK(tensors.at("b").to_vector() == std::vector<float>{1.0f, -5.0f, 0.15625f});
  CHECK(std::isnan(tensors.at("n").to_vector()[0]));
  CHECK(tensors.at("d").to_vector() == std::vector<float>{0.1f, -1e30f});
  CHECK(tensors.at("h").dtype() == tg::DType::f16);
  CHECK(tensors.at("b").dtype() == tg::DType::bf16);
  CHECK(tensors.at("d").dtype() == tg::DType::f32);
}

TEST_CASE("the PyTorch fixtures load, and a Linear fixture's values agree with its formula") {
  fs::path fixtures = fs::path(TG_TEST_DIR) / "fixtures";
  int files = 0;
  if (fs::is_directory(fixtures))
    for (const auto& entry : fs::directory_iterator(fixtures)) {
      if (entry.path().extension() != ".safetensors") continue;
      CAPTURE(entry.path().string());
      auto file = tg::load_safetensors(entry.path().string());
      CHECK_FALSE(file.tensors.empty());
      ++files;
    }
  if (files == 0) {
    MESSAGE("skipped: no tests/fixtures/*.safetensors yet");
    return;
  }
  fs::path linear = fixtures / "linear.safetensors";
  if (!fs::exists(linear)) return;
  // output = input @ weight^T + bias, input [3,4], weight [5,4], bias [5], written by PyTorch.
  auto t = tg::load_safetensors(linear.string()).tensors;
  std::vector<float> x = t.at("bias.input").to_vector(), w = t.at("bias.weight").to_vector(),
                     b = t.at("bias.bias").to_vector(), y = t.at("bias.output").to_vector();
  REQUIRE(y.size() == 15);
  for (int i = 0; i < 3; ++i)
    for (int o = 0; o < 5; ++o) {
      double sum = b[o];
      for (int k = 0; k < 4; ++k) sum += double(x[i * 4 + k]) * w[o * 4 + k];
      CHECK(y[i * 5 + o] == doctest::Approx(sum).epsilon(1e-5));
    }
}

TEST_CASE("a corrupt safetensors file gives a one-line error naming the file and the tensor") {
  TempDir dir;
  std::string path = dir.file("bad.safetensors");
  std::string six_floats = bytes_of<float>({1, 2, 3, 4, 5, 6});
  auto error_for_bytes = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    std::string message = error_of([&] { tg::load_safetensors(path); });
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    return message;
  };
  auto error_for = [&](const std::string& header, const std::string& data) {
    return error_for_bytes(safetensors_bytes(header, data));
  };

  SUBCASE("file too short") { CHECK(error_for_bytes("abc").find("too short") != std::string::npos); }
  SUBCASE("header length larger than the file") {
    std::string bytes = safetensors_bytes("{}", "");
    bytes[1] = 0x10;  // 4096 + 8
    CHECK(error_for_bytes(bytes).find("header length is 4104 bytes") != std::string::npos);
  }
  SUBCASE("bad JSON") { CHECK(error_for(R"({"w": {"dtype": )", "").find("not valid JSON") != std::string::npos); }
  SUBCASE("a number no double holds (found by fuzz_safetensors)") {
    CHECK(error_for(R"({"w":{"dtype":"F32","shape":[11e1111111],"data_offsets":[0,24]}})", six_floats)
              .find("number out of range") != std::string::npos);
  }
  SUBCASE("header is not an object") {
    CHECK(error_for("[1, 2]", "").find("expected a JSON object") != std::string::npos);
  }
  SUBCASE("offsets past the end of the data") {
    std::string message = error_for(R"({"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}})", six_floats.substr(0, 20));
    CHECK(message.find("\"w\"") != std::string::npos);
    CHECK(message.find("past the end") != std::string::npos);
  }
  SUBCASE("offsets that do not match shape and dtype") {
    std::string message = error_for(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,24]}})", six_floats);
    CHECK(message.find("\"w\"") != std::string::npos);
    CHECK(message.find("needs 16") != std::string::npos);
  }
  SUBCASE("overlapping tensors") {
    std::string message = error_for(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                    R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                    six_floats);
    CHECK(message.find("\"b\"") != std::string::npos);
    CHECK(message.find("overlap tensor \"a\"") != std::string::npos);
  }
  SUBCASE("a gap between tensors") {
    std::string message = error_for(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
                                    six_floats);
    CHECK(message.find("\"b\"") != std::string::npos);
    CHECK(message.find("gap") != std::string::npos);
  }
  SUBCASE("bytes after the last tensor") {
    std::string message = error_for(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", six_floats);
    CHECK(message.find("tensors end at byte 16") != std::string::npos);
  }
  SUBCASE("the same tensor name twice") {
    std::string message = error_for(R"({"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},)"
                                    R"("w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}})",
                                    six_floats);
    CHECK(message.find("\"w\" appears twice") != std::string::npos);
  }
  SUBCASE("an unsupported dtype") {
    std::string message = error_for(R"({"counts":{"dtype":"I32","shape":[6],"data_offsets":[0,24]}})", six_floats);
    CHECK(message.find("\"counts\"") != std::string::npos);
    CHECK(message.find("I32") != std::string::npos);
  }
  SUBCASE("a tensor name with a line break is escaped in the one-line message") {
    std::string message = error_for(R"({"bad\nname":{"dtype":"I32","shape":[6],"data_offsets":[0,24]}})", six_floats);
    CHECK(message.find(R"("bad\nname")") != std::string::npos);
  }
  SUBCASE("a negative dimension") {
    std::string message = error_for(R"({"w":{"dtype":"F32","shape":[-6],"data_offsets":[0,24]}})", six_floats);
    CHECK(message.find("\"w\"") != std::string::npos);
    CHECK(message.find("non-negative") != std::string::npos);
  }
  SUBCASE("a tensor entry without data_offsets") {
    std::string message = error_for(R"({"w":{"dtype":"F32","shape":[6]}})", six_floats);
    CHECK(message.find("\"w\"") != std::string::npos);
  }
  SUBCASE("metadata that is not a string") {
    std::string message = error_for(R"({"__metadata__":{"epoch":3}})", "");
    CHECK(message.find("\"epoch\"") != std::string::npos);
  }
  SUBCASE("a missing file") {
    std::string missing = dir.file("missing.safetensors");
    std::string message = error_of([&] { tg::load_safetensors(missing); });
    CHECK(message.find(missing) != std::string::npos);
    CHECK(message.find("cannot open") != std::string::npos);
  }
}

TEST_CASE("save refuses duplicate names and the reserved name __metadata__") {
  TempDir dir;
  std::string path = dir.file("x.safetensors");
  CHECK(error_of([&] { tg::save_safetensors(path, {{"w", tg::ones({1})}, {"w", tg::ones({1})}}); })
            .find("\"w\" appears twice") != std::string::npos);
  CHECK(error_of([&] { tg::save_safetensors(path, {{"__metadata__", tg::ones({1})}}); })
            .find("reserved") != std::string::npos);
  CHECK(dir.listing().empty());
}

TEST_CASE("a failed save leaves no temporary file and does not touch an existing target") {
  TempDir dir;
  std::vector<std::pair<std::string, tg::Tensor>> tensors = {{"w", tg::ones({4})}};

  SUBCASE("the directory does not exist") {
    std::string path = dir.file("missing/model.safetensors");
    CHECK(error_of([&] { tg::save_safetensors(path, tensors); }).find(path) != std::string::npos);
    CHECK(dir.listing().empty());
  }
  SUBCASE("the target is a directory") {
    fs::create_directory(dir.file("model.safetensors"));
    std::string message = error_of([&] { tg::save_safetensors(dir.file("model.safetensors"), tensors); });
    CHECK(message.find("cannot replace") != std::string::npos);
    CHECK(dir.listing() == std::vector<std::string>{"model.safetensors"});
    CHECK(fs::is_directory(dir.file("model.safetensors")));
  }
  SUBCASE("the writer stops between write and commit") {
    write_bytes(dir.file("model.safetensors"), "old contents");
    CHECK_THROWS_AS(
        [&] {
          tg::AtomicFile out(dir.file("model.safetensors"));
          out.write("new, half written");
          CHECK(fs::exists(out.temp_path()));
          throw tg::Error("simulated failure while writing");
        }(),
        tg::Error);
    CHECK(read_bytes(dir.file("model.safetensors")) == "old contents");
    CHECK(dir.listing() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("a save that fails before writing keeps the old file") {
    write_bytes(dir.file("model.safetensors"), "old contents");
    CHECK_THROWS_AS(tg::save_safetensors(dir.file("model.safetensors"), {{"w", tg::ones({1})}, {"w", tg::ones({1})}}),
                    tg::Error);
    CHECK(read_bytes(dir.file("model.safetensors")) == "old contents");
    CHECK(dir.listing() == std::vector<std::string>{"model.safetensors"});
  }
}

TEST_CASE("a successful save replaces an existing file and leaves nothing else behind") {
  TempDir dir;
  write_bytes(dir.file("model.safetensors"), "old contents");
  tg::save_safetensors(dir.file("model.safetensors"), {{"w", tg::full({2}, 7.0)}});
  CHECK(tg::load_safetensors(dir.file("model.safetensors")).tensors.at("w").to_vector() == std::vector<float>{7, 7});
  CHECK(dir.listing() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("F16, BF16 and I8 tensors round-trip through a file in their dtype, bit for bit") {
  TempDir dir;
  tg::Tensor x = tg::tensor({1.0f, -0.333f, 65504.0f, 1e-6f, -1e5f, 0.0f}, {2, 3});
  tg::Tensor h = x.to(tg::DType::f16), b = x.to(tg::DType::bf16);
  tg::Tensor q = tg::tensor({-128, -1, 0, 1, 127}).to(tg::DType::i8);
  tg::save_safetensors(dir.file("d.safetensors"), {{"h", h}, {"b", b}, {"q", q}, {"x", x}});
  auto file = tg::load_safetensors(dir.file("d.safetensors"));
  for (const auto& [name, original] : std::map<std::string, tg::Tensor>{{"h", h}, {"b", b}, {"q", q}, {"x", x}}) {
    CAPTURE(name);
    const tg::Tensor& loaded = file.tensors.at(name);
    CHECK(loaded.dtype() == original.dtype());
    CHECK(loaded.shape() == original.shape());
    CHECK(std::memcmp(loaded.raw_data(), original.raw_data(), size_t(original.nbytes())) == 0);
  }
  // The header says PyTorch's names, and the file is as small as the dtypes make it.
  std::string bytes = read_bytes(dir.file("d.safetensors"));
  CHECK(bytes.find(R"("dtype":"F16")") != std::string::npos);
  CHECK(bytes.find(R"("dtype":"BF16")") != std::string::npos);
  CHECK(bytes.find(R"("dtype":"I8")") != std::string::npos);
}
