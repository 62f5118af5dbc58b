#include "tools/common/resume.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/random.hpp"

namespace tg {

namespace {

constexpr std::string_view kFixed = "fixed.";
constexpr std::string_view kChangeable = "changeable.";

const std::string* find_extra(const models::TrainState& state, std::string_view prefix, const std::string& name) {
  auto it = state.extra.find(std::string(prefix) + name);
  return it == state.extra.end() ? nullptr : &it->second;
}

}  // namespace

void store_settings(const RunSettings& settings, models::TrainState& state) {
  for (const auto& [name, value] : settings.fixed) state.extra[std::string(kFixed) + name] = value;
  for (const auto& [name, value] : settings.changeable) state.extra[std::string(kChangeable) + name] = value;
}

std::string compare_settings(const std::string& path, const RunSettings& here, const models::TrainState& saved) {
  for (const auto& [name, value] : here.fixed) {
    const std::string* there = find_extra(saved, kFixed, name);
    if (!there) fail("{}: has no '{}' setting, expected a state saved by this tool", path, name);
    if (*there != value) {
      if (value.size() > 40 || there->size() > 40)  // the vocabulary: too long to print
        fail("{}: the {} differs from the run being resumed (it cannot change on --resume)", path, name);
      fail("{}: --{} is {} here but {} in the run being resumed (it cannot change on --resume)", path, name, value,
           *there);
    }
  }
  std::string changed;
  for (const auto& [name, value] : here.changeable) {
    const std::string* there = find_extra(saved, kChangeable, name);
    if (there && *there != value) changed += fmt::format("{}--{} {} (was {})", changed.empty() ? "" : ", ", name, value, *there);
  }
  return changed;
}

Resumed resume_training(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                        const models::ModelInfo& info, const RunSettings& here, double lr) {
  if (!std::filesystem::exists(path))
    fail("--resume: no training state '{}' (a run writes it with --save-state, or when it is itself a --resume)",
         path);
  Resumed out;
  // load_train_state changes nothing when it throws. compare_settings runs after it (the settings are in
  // the same file): when it throws, the tool stops, so the loaded model is never trained or saved.
  out.state = models::load_train_state(path, model, optimizer, info);
  std::string changed = compare_settings(path, here, out.state);
  optimizer.set_lr(lr);
  default_generator().set_state(out.state.rng);
  std::string where = out.state.epoch > 0 ? fmt::format("after epoch {} (step {})", out.state.epoch, out.state.step)
                                          : fmt::format("at step {}", out.state.step);
  out.banner = fmt::format("resuming {} {}; kept: the model, the optimizer's moments, the step and the random "
                           "state; from this command line: {}",
                           path, where, changed.empty() ? "nothing changed" : changed);
  return out;
}

double extra_number(const models::TrainState& state, const std::string& key, double fallback, const std::string& path) {
  auto it = state.extra.find(key);
  if (it == state.extra.end()) return fallback;
  const std::string& text = it->second;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    fail("{}: '{}' is '{}', expected a finite number", path, key, text.substr(0, 40));
  return value;
}

std::string setting_text(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);  // fmt's shortest round-trip form
}

}  // namespace tg
