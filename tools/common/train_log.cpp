#include "tools/common/train_log.hpp"

#include <charconv>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace tg {

namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields(1);
  for (char c : line) {
    if (c == ',') fields.emplace_back();
    else fields.back() += c;
  }
  return fields;
}

double parse_value(const std::string& text, const std::string& where) {
  if (text == "nan") return NAN;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    fail("{}: expected a number, found '{}'", where, text);
  return value;
}

std::string join(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out.append(i ? "," : "").append(fields[i]);
  return out;
}

}  // namespace

TrainLog::TrainLog(std::string path, std::vector<std::string> columns)
    : path_(std::move(path)), columns_(std::move(columns)) {}

TrainLog TrainLog::resume(std::string path, std::vector<std::string> columns, double up_to) {
  TrainLog log(path, columns);
  std::ifstream in(path);
  if (path.empty() || !in) return log;  // nothing logged yet
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) return log;
  if (lines[0] != join(columns))
    fail("{}:1: found header '{}', expected '{}' to continue this log", path, lines[0], join(columns));
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> fields = split_commas(lines[i]);
    std::string where = fmt::format("{}:{}", path, i + 1);
    if (fields.size() != columns.size())
      fail("{}: found {} values, expected {}", where, fields.size(), columns.size());
    std::vector<double> row;
    for (const std::string& field : fields) row.push_back(parse_value(field, where));
    if (row[0] <= up_to) log.rows_.push_back(std::move(row));
  }
  return log;
}

void TrainLog::add(const std::vector<double>& values) {
  if (values.size() != columns_.size())
    fail("train log: a row of {} values, expected {} ({})", values.size(), columns_.size(), join(columns_));
  rows_.push_back(values);
  if (!path_.empty()) write_file_atomic(path_, to_csv());
}

std::vector<double> TrainLog::column(const std::string& name) const {
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (columns_[c] != name) continue;
    std::vector<double> values;
    for (const auto& row : rows_) values.push_back(row[c]);
    return values;
  }
  fail("train log: no column '{}', expected one of {}", name, join(columns_));
}

std::string TrainLog::to_csv() const {
  std::string out = join(columns_) + "\n";
  for (const auto& row : rows_) {
    std::vector<std::string> fields;
    for (double value : row) fields.push_back(fmt::format("{:.6g}", value));
    out += join(fields) + "\n";
  }
  return out;
}

}  // namespace tg
