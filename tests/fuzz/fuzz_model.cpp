// libFuzzer target: the model loader as the tools use it: read_model_file (metadata and config checks),
// build the model from the config, load its parameters, and run it on one short input.
#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "models/batching.hpp"
#include "models/charlm.hpp"
#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "models/preprocess.hpp"
#include "models/vocab.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

void load_and_run(const std::string& path) {
  tg::models::ModelFile file = tg::models::read_model_file(path);
  if (file.info.kind == "classifier") {
    tg::models::ClassifierConfig config = tg::models::ClassifierConfig::from_json(file.info.config, path);
    tg::models::Preprocessing preprocessing = tg::models::Preprocessing::from_json(file.info.config, path);
    tg::models::Vocab vocab = tg::models::Vocab::from_lines(file.info.vocab, path);
    if (vocab.size() != config.vocab_size) return;
    tg::models::TextClassifier model(config);
    tg::models::load_parameters(model, file);
    model.eval();
    std::vector<tg::models::EncodedExample> one{
        {tg::models::text_ids("the film was not good at all", vocab, preprocessing), 0}};
    std::vector<tg::models::Batch> batches = tg::models::eval_batches(one, 1);
    tg::Tensor p = model.predict_proba(batches[0].tokens, batches[0].lengths);
    for (int64_t i = 0; i < p.numel(); ++i)
      if (!(p.f32()[i] >= 0 && p.f32()[i] <= 1)) __builtin_trap();  // a nan from finite parameters
  } else {
    tg::models::CharLMConfig config = tg::models::CharLMConfig::from_json(file.info.config, path);
    tg::models::CharVocab vocab = tg::models::CharVocab::from_tokens(file.info.vocab, path);
    if (vocab.size() != config.vocab_size) return;
    tg::models::CharLM model(config);
    tg::models::load_parameters(model, file);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = tg::fuzz::write_input(data, size, "m.safetensors");
  try {
    load_and_run(path);
  } catch (const tg::Error&) {
  }
  return 0;
}
