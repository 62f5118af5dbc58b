#pragma once
// Labelled text datasets: read a file in one of five formats into (text, label) examples.
//
//   fasttext    __label__pos a great movie          (one label per line: several are refused)
//   tsv         sentence<TAB>label                  (header optional; label column first or last)
//   classfiles  rt-polarity.pos, rt-polarity.neg    (one file per class; label = file extension)
//   trec        NUM:dist How far is it ?            (label NUM, or NUM:dist with trec_fine)
//   csv         "3","Title","Description"           (RFC 4180; label = first column)
//
//   auto examples = tg::models::read_examples("data/train.tsv");   // format detected from the content
//
// Every line is decoded to UTF-8: a line that is valid UTF-8 stays as it is, any other line is
// read as Windows-1252 (the encoding of rt-polarity), so the texts handed on are always UTF-8.
// Lines end at '\n' only ('\r' before it is dropped); blank lines are skipped.
// Bad input throws tg::Error naming file:line, what was found and what was expected.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tg::models {

struct Example {
  std::string text;   // UTF-8, not tokenized
  std::string label;
};

enum class Format { fasttext, tsv, classfiles, trec, csv };

const char* format_name(Format format);
// "fasttext" | "tsv" | "classfiles" | "trec" | "csv"; any other name throws, listing the valid ones.
Format parse_format(std::string_view name);

struct ReadOptions {
  std::string label_prefix = "__label__";  // fasttext
  bool trec_fine = false;                   // trec: label "NUM:dist" instead of "NUM"
};

// Guesses the format from the first non-blank line of the file and its name (the reader then
// checks every line, so a bad line further down is reported by its number):
//  - the line starts with the label prefix ("__label__")                 -> fasttext
//  - it starts with a token like "NUM:dist"                              -> trec
//  - it starts with a quoted field and a comma ("3","..."), or the name ends .csv -> csv
//  - it has a tab                                                        -> tsv
//  - `path` is "stem" or "stem.x" and files "stem.<label>" exist for >= 2 labels -> classfiles
// Throws "cannot open ..." for a missing file, or a message quoting the first line and listing
// the formats when none fits.
Format detect_format(const std::string& path, const ReadOptions& options = {});

std::vector<Example> read_examples(const std::string& path, Format format, const ReadOptions& options = {});
std::vector<Example> read_examples(const std::string& path, const ReadOptions& options = {});  // detects

// What a tool reads and says it read: the examples and one line naming the format and the counts,
//   "sst2/train.tsv: TSV with header, 67349 examples, 2 labels"
//   "data/rt-polarity.pos: one file per class (label = extension), also read data/rt-polarity.neg, ..."
struct Dataset {
  std::vector<Example> examples;
  Format format = Format::fasttext;
  std::string summary;
};
// Detects the format unless one is given.
Dataset read_dataset(const std::string& path, std::optional<Format> format = std::nullopt,
                     const ReadOptions& options = {});

// The readers behind read_examples().
// A line with a second label ("__label__a __label__b text") is refused with its line number: the
// classifiers here are single-label.
std::vector<Example> read_fasttext(const std::string& path, std::string_view label_prefix = "__label__");
// A first line whose fields are all known column names (sentence, text, label, ...) is a header;
// then the column named label/class/... holds the labels, and id/index columns are left out of the
// text. Without a header, the label column is the first or the last, whichever looks like a label
// (a short token without spaces, few distinct values). The other columns joined by a space are the text.
std::vector<Example> read_tsv(const std::string& path);
// `path` is "dir/stem" or one of the files "dir/stem.<label>"; every file "dir/stem.<label>"
// (label without dots) is read, in sorted order of the labels.
std::vector<Example> read_class_files(const std::string& path);
std::vector<Example> read_trec(const std::string& path, bool fine_labels = false);
// Label = first column; text = the other columns joined by a space. A header whose fields are all
// known column names is skipped. In the text, a backslash becomes a space (AG News writes line
// breaks as "\" or "\n" and escapes "$" as "\$") and an HTML number written without its '&'
// ("#39;", as AG News has it) becomes its character.
std::vector<Example> read_csv(const std::string& path);

// The files `path` stands for in the classfiles format: "dir/stem.<label>" for each label, sorted.
// Empty if there are fewer than two such files.
std::vector<std::string> class_files(const std::string& path);

// ---- encoding ----
bool is_valid_utf8(std::string_view text);
// `line` as UTF-8: returned as it is when it is valid UTF-8, else decoded as Windows-1252
// (bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D, unassigned there, become U+0081 ... as in Latin-1).
std::string to_utf8(std::string_view line);
// The file's lines, each passed through to_utf8, '\r' at the end of a line dropped.
// Throws "cannot open 'x.txt': No such file or directory".
std::vector<std::string> read_utf8_lines(const std::string& path);

}  // namespace tg::models
