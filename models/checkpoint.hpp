#pragma once
// Checkpoints: a trained model in one safetensors file, and the training state beside it for --resume.
//
// The model file holds ONLY the parameters, under their PyTorch state_dict names, so in PyTorch
//   model.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)
// works. Everything else a tool needs to rebuild the model is text in "__metadata__":
//   "format": "tapegrad", "tapegrad.version": "0.1.0", "kind": "classifier" | "charlm",
//   "config": the model config as JSON, "vocab": JSON list of tokens (charlm: the characters),
//   "labels": JSON list of label names (classifier only).
//
//   tg::models::ModelInfo info{.kind = "classifier", .config = config_json, .vocab = vocab.to_lines(),
//                      .labels = labels.to_lines()};
//   tg::models::save_model("model.safetensors", model, info);
//
//   tg::models::ModelFile file = tg::models::read_model_file("model.safetensors", "classifier");
//   TextClassifier model(ClassifierConfig::from_json(file.info.config));   // build from the config
//   tg::models::load_parameters(model, file);                                      // then fill it
//
// The training state, "<model>.state.safetensors" (see state_path), holds what an uninterrupted run
// would still have in memory after an epoch: the model's CURRENT parameters (the model file may keep
// an earlier, better epoch) as "model.<name>", the optimizer's buffers as "optim.param.<i>.<buffer>",
// and in its metadata the optimizer's metadata (prefixed "optim."), the step and epoch counts, the state of
// tg::default_generator() as four u64 in decimal, the model's kind and config, and any tool-specific
// entries (TrainState::extra). Restoring all of it gives bit-identical parameters to a run that never
// stopped, with the same seed and thread count.
//
// Every file is written atomically (a temporary file, then a rename): a failed save leaves the old
// file or no file. Load errors are tg::Error with one line naming the file and what is wrong.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.hpp"
#include "nn/module.hpp"
#include "optim/optimizer.hpp"

namespace tg::models {

inline constexpr const char* kCheckpointFormat = "tapegrad";
inline constexpr const char* kCheckpointVersion = "0.1.0";

// What a model file says about the model besides its parameters.
struct ModelInfo {
  std::string kind;                  // "classifier" | "charlm"
  nlohmann::json config;             // the model's config, written by the model's to_json()
  std::vector<std::string> vocab;    // tokens in id order (charlm: characters)
  std::vector<std::string> labels;   // class names in index order; empty for models without labels
};

// A model file as read from disk: its info and its parameters by name.
struct ModelFile {
  std::string path;
  ModelInfo info;
  std::map<std::string, Tensor> tensors;
};

// Writes model.named_parameters() and `info` as metadata, atomically.
void save_model(const std::string& path, const nn::Module& model, const ModelInfo& info);

// Reads a model file and checks its metadata: "format" is "tapegrad", "kind" is `expected_kind`
// (when not empty), "config" is a JSON object, "vocab" and "labels" (when present) JSON lists of strings.
// Errors: "model.safetensors: kind is 'charlm', expected 'classifier'" and the like.
ModelFile read_model_file(const std::string& path, std::string_view expected_kind = "");

// Copies the file's tensors into the model's parameters (keeping their requires_grad). Every parameter
// must be present with the same shape and a float dtype (converted to the parameter's), and no other
// tensor may be there. An nn::Embedding first takes the dtype of its table in the file: float16 or
// bfloat16 (Module::to), or int8 with "<name>.weight_scale" (Embedding::quantize_per_row), as
// `tg-classify quantize` writes. The first
// problem found throws, naming the file and the tensor:
//   "model.safetensors: missing tensor 'fc.bias'"
//   "model.safetensors: unexpected tensor 'lstm.weight_ih_l1'"
//   "model.safetensors: tensor 'fc.weight' has shape [2, 64], the model expects [1, 64]"
// Nothing is copied unless all tensors fit.
void load_parameters(nn::Module& model, const ModelFile& file);
// The same check and copy for any name -> tensor map; `source` names the origin in errors.
void load_parameters(nn::Module& model, const std::map<std::string, Tensor>& tensors,
                     std::string_view source);

// ---- training state (--resume) ----

struct TrainState {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // optimizer steps taken
  std::array<uint64_t, 4> rng{};  // tg::default_generator().state() at the moment of saving
  std::map<std::string, std::string> extra;  // tool-specific, e.g. "best_valid_acc"
};

// "<model_path>.state.safetensors".
std::string state_path(const std::string& model_path);

// Writes model parameters, optimizer state and `state` (+ info.kind and info.config) atomically.
// `state.rng` is written as given: fill it from tg::default_generator().state() before calling.
void save_train_state(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                      const ModelInfo& info, const TrainState& state);

// Reads a state file written by save_train_state, checks that its kind and config equal `info`'s
// ("run.state.safetensors: config differs from the run being resumed: dim is 32 there, 64 here"),
// restores the model parameters and the optimizer state, and returns the counters, the RNG state and
// the extra entries (the caller restores tg::default_generator() with set_state(state.rng)).
// Nothing is changed when it throws.
TrainState load_train_state(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                            const ModelInfo& info);

}  // namespace tg::models
