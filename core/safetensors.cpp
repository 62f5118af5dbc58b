#include "core/safetensors.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/crc32c.hpp"

namespace tg {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; tapegrad reads and writes it as raw bytes");

namespace {

// The reference implementation refuses headers larger than this; so do we.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// The metadata key of a tensor's checksum: "crc32c.fc.weight" -> "1a2b3c4d" (8 hex digits). Metadata
// values are strings, so safetensors.torch.load_file still reads the file (and ignores them).
constexpr std::string_view kChecksumPrefix = "crc32c.";

std::string checksum_key(const std::string& name) { return std::string(kChecksumPrefix) + name; }

// ---------------------------------------------------------------- dtypes

// A switch without default: adding a DType makes the compiler point here.
const char* file_dtype_name(DType dt) {
  switch (dt) {
    case DType::f32: return "F32";
    case DType::i64: return "I64";
    case DType::f16: return "F16";
    case DType::bf16: return "BF16";
    case DType::i8: return "I8";
  }
  fail("save_safetensors: dtype {} cannot be written", static_cast<int>(dt));
}

const std::byte* raw_bytes(const Tensor& t) { return t.raw_data(); }

// The bytes per element of a dtype this reader understands, or 0 for any other dtype.
size_t readable_dtype_size(const std::string& name) {
  if (name == "F32") return 4;
  if (name == "I64" || name == "F64") return 8;
  if (name == "F16" || name == "BF16") return 2;
  if (name == "I8") return 1;
  return 0;
}

// The tensor dtype of a file dtype kept as it is (F64 has none: it is converted to F32).
DType kept_dtype(const std::string& name) {
  if (name == "I64") return DType::i64;
  if (name == "F16") return DType::f16;
  if (name == "BF16") return DType::bf16;
  if (name == "I8") return DType::i8;
  return DType::f32;
}

// Converts n F64 elements to float. memcpy: src may be unaligned.
void convert_to_f32(const unsigned char* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) {
    double d;
    std::memcpy(&d, src + 8 * i, 8);
    dst[i] = static_cast<float>(d);
  }
}

// ---------------------------------------------------------------- saving

using OrderedJson = nlohmann::ordered_json;

// The reference writer's order: larger element size first (keeps every tensor aligned), then name.
std::vector<const std::pair<std::string, Tensor>*> data_order(
    const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  std::vector<const std::pair<std::string, Tensor>*> order;
  std::set<std::string> seen;
  for (const auto& entry : tensors) {
    const auto& [name, t] = entry;
    if (!t.defined()) fail("save_safetensors: {}: tensor {:?} is undefined", path, name);
    if (name == "__metadata__") fail("save_safetensors: {}: '__metadata__' is reserved, not a tensor name", path);
    if (!seen.insert(name).second) fail("save_safetensors: {}: tensor name {:?} appears twice", path, name);
    order.push_back(&entry);
  }
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    size_t size_a = dtype_size(a->second.dtype()), size_b = dtype_size(b->second.dtype());
    return size_a != size_b ? size_a > size_b : a->first < b->first;
  });
  return order;
}

// The JSON header padded with spaces to a multiple of 8 bytes.
std::string header_text(const std::string& path,
                        const std::vector<const std::pair<std::string, Tensor>*>& order,
                        const std::map<std::string, std::string>& metadata) {
  OrderedJson header = OrderedJson::object();
  std::map<std::string, std::string> with_checksums = metadata;
  for (const auto& [key, value] : metadata)
    if (key.starts_with(kChecksumPrefix))
      fail("save_safetensors: {}: metadata key {:?}: the prefix {:?} is reserved for checksums", path, key,
           kChecksumPrefix);
  for (const auto* entry : order) {
    const Tensor& t = entry->second;
    uint32_t crc = crc32c(raw_bytes(t), static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
    with_checksums[checksum_key(entry->first)] = fmt::format("{:08x}", crc);
  }
  if (!with_checksums.empty()) header["__metadata__"] = with_checksums;
  uint64_t offset = 0;
  for (const auto* entry : order) {
    const Tensor& t = entry->second;
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[entry->first] = {{"dtype", file_dtype_name(t.dtype())},
                            {"shape", std::vector<int64_t>(t.shape().begin(), t.shape().end())},
                            {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception&) {
    fail("save_safetensors: {}: a tensor name or metadata string is not valid UTF-8", path);
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  auto order = data_order(path, tensors);
  std::string header = header_text(path, order, metadata);
  uint64_t header_length = header.size();

  AtomicFile out(path);
  out.write(&header_length, 8);
  out.write(header);
  for (const auto* entry : order) {
    const Tensor& t = entry->second;
    out.write(raw_bytes(t), static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
  }
  out.commit();
}

// ---------------------------------------------------------------- loading

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// One tensor as the header describes it; offsets count from the start of the data part.
struct TensorEntry {
  std::string name;
  std::string dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

// A JSON value that must be an integer in [0, 2^63): shape dims and data offsets.
uint64_t non_negative_integer(const std::string& path, const std::string& name, const char* field,
                              const nlohmann::json& v) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail("{}: tensor {:?}: {} holds {}, expected non-negative integers", path, name, field, v.dump());
  return v.get<uint64_t>();
}

TensorEntry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& info) {
  if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
    fail("{}: tensor {:?}: expected an object with dtype, shape and data_offsets, found {}", path, name,
         info.dump());
  TensorEntry e;
  e.name = name;
  const auto& dtype = info["dtype"];
  const auto& shape = info["shape"];
  const auto& offsets = info["data_offsets"];
  if (!dtype.is_string()) fail("{}: tensor {:?}: dtype is {}, expected a string", path, name, dtype.dump());
  e.dtype = dtype.get<std::string>();
  size_t element_size = readable_dtype_size(e.dtype);
  if (element_size == 0)
    fail("{}: tensor {:?} has dtype {:?}; tapegrad reads F32, I64, F16, BF16, I8 and F64", path, name, e.dtype);
  if (!shape.is_array() || shape.size() > Shape::kMaxDims)
    fail("{}: tensor {:?}: shape is {}, expected a list of at most {} sizes", path, name, shape.dump(),
         Shape::kMaxDims);
  for (const auto& d : shape) e.shape.push_back(static_cast<int64_t>(non_negative_integer(path, name, "shape", d)));
  // Checked: a [2^62] F32 tensor needs 2^64 bytes, which must not wrap to 0 and match an empty range.
  uint64_t needed = 0;
  try {
    needed = static_cast<uint64_t>(checked_mul(e.shape.numel(), static_cast<int64_t>(element_size), "bytes"));
  } catch (const Error&) {
    fail("{}: tensor {:?}: shape {} of {} is too large (more than 2^63 bytes)", path, name, shape.dump(), e.dtype);
  }
  if (!offsets.is_array() || offsets.size() != 2)
    fail("{}: tensor {:?}: data_offsets is {}, expected [begin, end]", path, name, offsets.dump());
  e.begin = non_negative_integer(path, name, "data_offsets", offsets[0]);
  e.end = non_negative_integer(path, name, "data_offsets", offsets[1]);
  if (e.end < e.begin)
    fail("{}: tensor {:?}: data_offsets [{}, {}] end before they begin", path, name, e.begin, e.end);
  if (e.end - e.begin != needed)
    fail("{}: tensor {:?}: data_offsets [{}, {}] hold {} bytes, but {} {} needs {}", path, name, e.begin,
         e.end, e.end - e.begin, e.dtype, e.shape, needed);
  return e;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const nlohmann::json& m) {
  std::map<std::string, std::string> metadata;
  if (!m.is_object()) fail("{}: __metadata__ is {}, expected an object of strings", path, m.dump());
  for (const auto& [key, value] : m.items()) {
    if (!value.is_string())
      fail("{}: __metadata__ {:?} is {}, expected a string", path, key, value.dump());
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Parses the header text; duplicate top-level names are an error (JSON parsers keep one silently).
nlohmann::json parse_header(const std::string& path, const std::string& text) {
  std::set<std::string> names;
  std::string duplicate;
  auto check_names = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text, check_names);
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}: the header is not valid JSON (error at byte {} of {})", path, e.byte, text.size());
  } catch (const nlohmann::json::out_of_range&) {  // a number too large for a double: 1e999
    fail("{}: the header holds a number out of range, expected tensor offsets and shapes", path);
  }
  if (!header.is_object()) fail("{}: the header is {}, expected a JSON object", path, header.type_name());
  if (!duplicate.empty()) fail("{}: tensor {:?} appears twice in the header", path, duplicate);
  return header;
}

// The tensors must tile [0, data_bytes) exactly, as the reference reader requires.
void check_layout(const std::string& path, std::vector<TensorEntry>& entries, uint64_t data_bytes) {
  std::sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry& e : entries) {
    if (e.end > data_bytes)
      fail("{}: tensor {:?}: data_offsets [{}, {}] run past the end of the data ({} bytes)", path, e.name,
           e.begin, e.end, data_bytes);
    if (e.begin < expected_begin)
      fail("{}: tensor {:?}: data_offsets [{}, {}] overlap tensor {:?} [{}, {}]", path, e.name, e.begin, e.end,
           previous->name, previous->begin, previous->end);
    if (e.begin > expected_begin)
      fail("{}: tensor {:?} starts at byte {} of the data, leaving a gap after byte {}", path, e.name, e.begin,
           expected_begin);
    expected_begin = e.end;
    previous = &e;
  }
  if (expected_begin != data_bytes)
    fail("{}: the data part has {} bytes but the tensors end at byte {}", path, data_bytes, expected_begin);
}

// Moves the "crc32c.<name>" entries out of the metadata (callers see only their own entries) and parses them.
std::map<std::string, uint32_t> take_checksums(const std::string& path, std::map<std::string, std::string>& metadata,
                                               const std::vector<TensorEntry>& entries) {
  std::set<std::string> names;
  for (const TensorEntry& e : entries) names.insert(e.name);
  std::map<std::string, uint32_t> checksums;
  for (auto it = metadata.begin(); it != metadata.end();) {
    if (!it->first.starts_with(kChecksumPrefix)) {
      ++it;
      continue;
    }
    std::string name = it->first.substr(kChecksumPrefix.size());
    const std::string& text = it->second;
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (text.size() != 8 || ec != std::errc() || end != text.data() + text.size())
      fail("{}: metadata {:?} is {:?}, expected a CRC-32C as 8 hex digits", path, it->first, text.substr(0, 40));
    if (!names.count(name)) fail("{}: metadata {:?} is the checksum of a tensor the file does not have", path, it->first);
    checksums[name] = value;
    it = metadata.erase(it);
  }
  return checksums;
}

void read_exactly(const std::string& path, std::FILE* f, void* into, uint64_t bytes, const char* what) {
  if (bytes > 0 && std::fread(into, 1, bytes, f) != bytes)
    fail("{}: cannot read {} ({} bytes): {}", path, what, bytes, std::ferror(f) ? std::strerror(errno) : "file ends early");
}

// Throws when the file stores a checksum for the tensor and its bytes do not match it.
void verify_checksum(const std::string& path, const TensorEntry& e, const void* bytes, size_t n,
                     const std::map<std::string, uint32_t>& checksums) {
  auto it = checksums.find(e.name);
  if (it == checksums.end()) return;  // files from other writers (PyTorch, older tapegrad) have none
  uint32_t found = crc32c(bytes, n);
  if (found != it->second)
    fail("{}: tensor {:?}: the data is corrupted (CRC-32C {:08x}, the file says {:08x})", path, e.name, found,
         it->second);
}

Tensor read_tensor(const std::string& path, std::FILE* f, uint64_t data_start, const TensorEntry& e,
                   const std::map<std::string, uint32_t>& checksums) {
  bool kept_as_is = e.dtype != "F64";
  Tensor t = empty(e.shape, kept_dtype(e.dtype));
  if (std::fseek(f, static_cast<long>(data_start + e.begin), SEEK_SET) != 0)
    fail("{}: cannot seek to tensor {:?}: {}", path, e.name, std::strerror(errno));
  std::string what = fmt::format("tensor {:?}", e.name);
  if (kept_as_is) {
    read_exactly(path, f, t.raw_data(), e.end - e.begin, what.c_str());
    verify_checksum(path, e, t.raw_data(), e.end - e.begin, checksums);
  } else {
    std::vector<unsigned char> raw(e.end - e.begin);
    read_exactly(path, f, raw.data(), raw.size(), what.c_str());
    verify_checksum(path, e, raw.data(), raw.size(), checksums);
    convert_to_f32(raw.data(), t.numel(), t.f32());
  }
  return t;
}

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(::fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) fail("{}: not a regular file", path);
  uint64_t file_bytes = static_cast<uint64_t>(st.st_size);
  if (file_bytes < 8)
    fail("{}: the file has {} bytes, too short for the 8-byte header length of a safetensors file", path,
         file_bytes);

  uint64_t header_length = 0;
  read_exactly(path, file.get(), &header_length, 8, "the header length");
  if (header_length > file_bytes - 8)
    fail("{}: the header length is {} bytes, but only {} bytes follow it", path, header_length, file_bytes - 8);
  if (header_length > kMaxHeaderBytes)
    fail("{}: the header length is {} bytes, more than the {} a safetensors header may have", path,
         header_length, kMaxHeaderBytes);
  std::string text(header_length, '\0');
  read_exactly(path, file.get(), text.data(), header_length, "the header");

  SafetensorsFile result;
  std::vector<TensorEntry> entries;
  nlohmann::json header = parse_header(path, text);
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") result.metadata = parse_metadata(path, info);
    else entries.push_back(parse_entry(path, name, info));
  }
  uint64_t data_start = 8 + header_length;
  check_layout(path, entries, file_bytes - data_start);
  std::map<std::string, uint32_t> checksums = take_checksums(path, result.metadata, entries);
  for (const TensorEntry& e : entries)
    result.tensors[e.name] = read_tensor(path, file.get(), data_start, e, checksums);
  return result;
}

}  // namespace tg
