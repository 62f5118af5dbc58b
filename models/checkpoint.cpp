#include "models/checkpoint.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/safetensors.hpp"
#include "core/tape.hpp"
#include "nn/embedding.hpp"
#include "models/limits.hpp"

namespace tg::models {

namespace {

using Metadata = std::map<std::string, std::string>;

constexpr const char* kStateFormat = "tapegrad-train-state";
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optim.";
constexpr const char* kExtraPrefix = "extra.";

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// JSON text of a value, or one clear error (nlohmann refuses strings that are not UTF-8).
std::string dump_json(const nlohmann::json& value, const std::string& path, const char* what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    fail("{}: cannot write the {} as JSON: {}", path, what, e.what());
  }
}

const std::string& require_entry(const Metadata& metadata, const std::string& key, const std::string& path) {
  auto it = metadata.find(key);
  if (it == metadata.end()) fail("{}: metadata '{}' is missing", path, key);
  return it->second;
}

nlohmann::json parse_json(const std::string& text, const std::string& key, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    fail("{}: metadata '{}' is not valid JSON: '{}'", path, key, text.substr(0, 60));
  }
}

std::vector<std::string> parse_string_list(const Metadata& metadata, const std::string& key,
                                           const std::string& path) {
  nlohmann::json list = parse_json(require_entry(metadata, key, path), key, path);
  if (!list.is_array()) fail("{}: metadata '{}' is {}, expected a JSON list of strings", path, key, list.type_name());
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string())
      fail("{}: metadata '{}' holds {}, expected only strings", path, key, item.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

int64_t parse_count(const Metadata& metadata, const std::string& key, const std::string& path) {
  const std::string& text = require_entry(metadata, key, path);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0)
    fail("{}: metadata '{}' is '{}', expected a non-negative integer", path, key, text);
  return value;
}

std::array<uint64_t, 4> parse_rng(const Metadata& metadata, const std::string& path) {
  std::array<uint64_t, 4> state{};
  for (int i = 0; i < 4; ++i) {
    std::string key = fmt::format("rng.{}", i);
    const std::string& text = require_entry(metadata, key, path);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), state[i]);
    if (ec != std::errc() || end != text.data() + text.size())
      fail("{}: metadata '{}' is '{}', expected an unsigned 64-bit integer", path, key, text);
  }
  return state;
}

// The first field in which two configs differ, for "config differs" errors.
std::string config_difference(const nlohmann::json& there, const nlohmann::json& here) {
  if (there.is_object() && here.is_object()) {
    for (const auto& [key, value] : here.items()) {
      if (!there.contains(key)) return fmt::format("{} is absent there, {} here", key, value.dump());
      if (there[key] != value) return fmt::format("{} is {} there, {} here", key, there[key].dump(), value.dump());
    }
    for (const auto& [key, value] : there.items())
      if (!here.contains(key)) return fmt::format("{} is {} there, absent here", key, value.dump());
  }
  return fmt::format("{} there, {} here", there.dump(), here.dump());
}

// Throws on the first tensor that does not fit the model's parameters; see load_parameters.
// The first nan or inf of a parameter (float16 and bfloat16 ones widened first), or nothing: integer
// tensors (an int8 table) hold none. One check for loading and for saving.
struct NonFinite {
  int64_t index;
  float value;
};
std::optional<NonFinite> first_nonfinite(const Tensor& t) {
  if (!is_floating(t.dtype())) return std::nullopt;
  NoGradGuard no_grad;  // a look at the values, not an op of the model
  const Tensor as_f32 = t.dtype() == DType::f32 ? t : t.to(DType::f32);
  const float* p = as_f32.f32();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) return NonFinite{i, p[i]};
  return std::nullopt;
}

void check_parameters(const nn::Module& model, const std::map<std::string, Tensor>& tensors,
                      std::string_view source) {
  std::set<std::string> expected;
  for (const auto& [name, param] : model.named_parameters()) {
    expected.insert(name);
    auto it = tensors.find(name);
    if (it == tensors.end()) fail("{}: missing tensor '{}'", source, name);
    const Tensor& value = it->second;
    if (!(value.dtype() == param.dtype() || (is_floating(value.dtype()) && is_floating(param.dtype()))))
      fail("{}: tensor '{}' has dtype {}, the model expects {}", source, name, dtype_name(value.dtype()),
           dtype_name(param.dtype()));
    if (!(value.shape() == param.shape()))
      fail("{}: tensor '{}' has shape {}, the model expects {}", source, name, value.shape(), param.shape());
    if (auto bad = first_nonfinite(value))
      fail("{}: tensor '{}' holds {} at {}, expected finite parameters", source, name, bad->value,
           position_of(bad->index, value.shape()));
  }
  for (const auto& [name, value] : tensors)
    if (!expected.count(name)) fail("{}: unexpected tensor '{}' (the model has no such parameter)", source, name);
}

// A model file may hold a smaller embedding table (tg-classify quantize): float16 or bfloat16, or
// int8 with its per-row "<prefix>weight_scale". Each nn::Embedding of the model takes the dtype its
// table has in the file, so the model in memory is as small as the file.
void adopt_embedding_dtypes(nn::Module& module, const std::map<std::string, Tensor>& tensors,
                            const std::string& prefix) {
  for (auto& [name, child] : module.named_children()) {
    const std::string path = prefix + name + ".";
    if (auto* embedding = dynamic_cast<nn::Embedding*>(child)) {
      auto it = tensors.find(path + "weight");
      if (it != tensors.end()) {
        const DType dtype = it->second.dtype();
        if (dtype == DType::i8 && tensors.count(path + "weight_scale")) embedding->quantize_per_row();
        if (dtype == DType::f16 || dtype == DType::bf16) embedding->to(dtype);
      }
    }
    adopt_embedding_dtypes(*child, tensors, path);
  }
}

// Every size field of a model file's config, range-checked before anything is built from it (a config
// saying dim 2^62 or ngrams -1 is an error here, not a crash or a hang later). Fields the kind does not
// use are left to the model's from_json, which also checks their types.
void validate_config(const std::string& path, const std::string& kind, const nlohmann::json& config,
                     const std::map<std::string, Tensor>& tensors) {
  using namespace limits;
  int64_t vocab = config_integer(config, kVocab, path);
  int64_t width = 0;  // the embedding's width: the embedding alone holds vocab * width parameters
  if (kind == "classifier") {
    config_integer(config, kClasses, path);
    width = config_integer(config, kDim, path);
    config_integer(config, kHidden, path);
    config_integer(config, kLayers, path);
    if (config.contains("ngrams")) config_integer(config, kNgrams, path);
    if (config.contains("max_len")) config_integer(config, kMaxLen, path);
  } else if (kind == "charlm") {
    width = config_integer(config, kDim, path, "emb");
    config_integer(config, kHidden, path);
    config_integer(config, kLayers, path);
  } else {
    fail("{}: kind is '{}', expected 'classifier' or 'charlm'", path, kind);
  }
  // A config cannot describe a model larger than the parameters the file holds: building it would
  // allocate (and initialise) memory the file never fills.
  int64_t held = 0;
  for (const auto& [name, t] : tensors) held += t.numel();
  int64_t implied = checked_mul(vocab, width, "config vocab_size x dim");
  if (implied > held)
    fail("{}: the config describes an embedding of {} x {} = {} parameters, but the file holds {} in all", path,
         vocab, width, implied, held);
}

}  // namespace

// ---- model files ----

void save_model(const std::string& path, const nn::Module& model, const ModelInfo& info) {
  // A model with nan or inf weights would load and predict nan: refuse to write it (the old file stays).
  for (const auto& [name, param] : model.named_parameters())
    if (auto bad = first_nonfinite(param))
      fail("{}: not saved: parameter '{}' holds {} at {} (training diverged)", path, name, bad->value,
           position_of(bad->index, param.shape()));
  Metadata metadata = {
      {"format", kCheckpointFormat},
      {"tapegrad.version", kCheckpointVersion},
      {"kind", info.kind},
      {"config", dump_json(info.config, path, "config")},
      {"vocab", dump_json(info.vocab, path, "vocabulary")},
  };
  if (!info.labels.empty()) metadata["labels"] = dump_json(info.labels, path, "labels");
  save_safetensors(path, model.named_parameters(), metadata);
}

ModelFile read_model_file(const std::string& path, std::string_view expected_kind) {
  SafetensorsFile file = load_safetensors(path);
  const Metadata& metadata = file.metadata;
  auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kCheckpointFormat)
    fail("{}: not a tapegrad model (metadata 'format' is {}, expected 'tapegrad')", path,
         format == metadata.end() ? "missing" : "'" + format->second + "'");
  ModelFile out;
  out.path = path;
  out.info.kind = require_entry(metadata, "kind", path);
  if (!expected_kind.empty() && out.info.kind != expected_kind)
    fail("{}: kind is '{}', expected '{}'", path, out.info.kind, expected_kind);
  out.info.config = parse_json(require_entry(metadata, "config", path), "config", path);
  if (!out.info.config.is_object())
    fail("{}: metadata 'config' is {}, expected a JSON object", path, out.info.config.type_name());
  validate_config(path, out.info.kind, out.info.config, file.tensors);
  out.info.vocab = parse_string_list(metadata, "vocab", path);
  if (metadata.count("labels")) out.info.labels = parse_string_list(metadata, "labels", path);
  out.tensors = std::move(file.tensors);
  return out;
}

void load_parameters(nn::Module& model, const std::map<std::string, Tensor>& tensors, std::string_view source) {
  adopt_embedding_dtypes(model, tensors, "");
  check_parameters(model, tensors, source);
  model.load_state_dict(tensors, /*strict=*/true);
}

void load_parameters(nn::Module& model, const ModelFile& file) { load_parameters(model, file.tensors, file.path); }

// ---- training state ----

std::string state_path(const std::string& model_path) { return model_path + ".state.safetensors"; }

void save_train_state(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                      const ModelInfo& info, const TrainState& state) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, param] : model.named_parameters()) tensors.emplace_back(kModelPrefix + name, param);
  for (const auto& [name, buffer] : optimizer.state_tensors()) tensors.emplace_back(kOptimPrefix + name, buffer);

  Metadata metadata = {
      {"format", kStateFormat},
      {"tapegrad.version", kCheckpointVersion},
      {"kind", info.kind},
      {"config", dump_json(info.config, path, "config")},
      {"epoch", std::to_string(state.epoch)},
      {"step", std::to_string(state.step)},
  };
  for (int i = 0; i < 4; ++i) metadata[fmt::format("rng.{}", i)] = std::to_string(state.rng[i]);
  for (const auto& [key, value] : optimizer.state_metadata()) metadata[kOptimPrefix + key] = value;
  for (const auto& [key, value] : state.extra) metadata[kExtraPrefix + key] = value;
  save_safetensors(path, tensors, metadata);
}

TrainState load_train_state(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                            const ModelInfo& info) {
  SafetensorsFile file = load_safetensors(path);
  const Metadata& metadata = file.metadata;
  auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kStateFormat)
    fail("{}: not a tapegrad training state (metadata 'format' is {}, expected '{}')", path,
         format == metadata.end() ? "missing" : "'" + format->second + "'", kStateFormat);
  const std::string& kind = require_entry(metadata, "kind", path);
  if (kind != info.kind) fail("{}: kind is '{}', expected '{}'", path, kind, info.kind);
  nlohmann::json config = parse_json(require_entry(metadata, "config", path), "config", path);
  if (config != info.config)
    fail("{}: config differs from the run being resumed: {}", path, config_difference(config, info.config));

  TrainState state;
  state.epoch = parse_count(metadata, "epoch", path);
  state.step = parse_count(metadata, "step", path);
  state.rng = parse_rng(metadata, path);
  Metadata optim_metadata;
  for (const auto& [key, value] : metadata) {
    if (starts_with(key, kOptimPrefix)) optim_metadata[key.substr(std::string_view(kOptimPrefix).size())] = value;
    if (starts_with(key, kExtraPrefix)) state.extra[key.substr(std::string_view(kExtraPrefix).size())] = value;
  }
  std::map<std::string, Tensor> params, optim_tensors;
  for (const auto& [name, tensor] : file.tensors) {
    if (starts_with(name, kModelPrefix)) params[name.substr(std::string_view(kModelPrefix).size())] = tensor;
    else if (starts_with(name, kOptimPrefix)) optim_tensors[name.substr(std::string_view(kOptimPrefix).size())] = tensor;
    else fail("{}: unexpected tensor '{}' (expected names starting 'model.' or 'optim.')", path, name);
  }
  // Check everything before changing anything: the parameters, then the optimizer (which itself changes
  // nothing when it throws), and only then copy the parameters.
  check_parameters(model, params, path);
  try {
    optimizer.load_state(optim_tensors, optim_metadata);
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
  model.load_state_dict(params, /*strict=*/true);
  return state;
}

}  // namespace tg::models
