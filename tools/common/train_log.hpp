#pragma once
// The per-epoch (or per-eval) CSV log of a training run (--log FILE):
//   epoch,step,train_loss,train_acc,valid_acc,valid_f1,seconds
//   1,219,0.5123,0.7421,0.8012,0.7998,3.41
// The whole file is rewritten atomically after each row, so it is always complete and readable
// while the run goes on, and a crash never leaves half a line. The rows are kept in memory too,
// so the same object feeds the --plot SVG.
//
//   tg::TrainLog log("run.csv", {"epoch", "step", "train_loss", "valid_acc", "seconds"});
//   log.add({1, 219, 0.51, 0.80, 3.4});
//   plot_series = {{"train loss", log.column("epoch"), log.column("train_loss")}, ...};
//
// For --resume, TrainLog::resume(path, columns, up_to) reads an existing log (with the same header)
// and keeps its rows whose first column is <= up_to, so the resumed run continues the file.
#include <string>
#include <vector>

namespace tg {

class TrainLog {
 public:
  // path empty: rows are kept in memory only (for a plot without a log file).
  TrainLog(std::string path, std::vector<std::string> columns);

  static TrainLog resume(std::string path, std::vector<std::string> columns, double up_to);

  // Appends one row (one value per column, else tg::Error) and rewrites the file.
  void add(const std::vector<double>& values);

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::vector<double>>& rows() const { return rows_; }
  std::vector<double> column(const std::string& name) const;  // tg::Error for an unknown name

  // The CSV text: the header and every row; values with up to 6 significant digits.
  std::string to_csv() const;

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> rows_;
};

}  // namespace tg
