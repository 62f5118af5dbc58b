#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.hpp"
#include "models/dataset.hpp"
#include "tests/scratch.hpp"

namespace {

std::string data(const std::string& name) { return TG_TEST_DIR "/data/text/" + name; }

std::vector<std::string> labels_of(const std::vector<tg::models::Example>& examples) {
  std::vector<std::string> labels;
  for (const auto& e : examples) labels.push_back(e.label);
  return labels;
}

}  // namespace

using Strings = std::vector<std::string>;

// ---- readers ----

// Lines as std::getline splits them: '\r' before a '\n' dropped, no last line after a final '\n', an
// unterminated last line kept, a Windows-1252 line decoded, a line longer than the 64 KiB read chunk whole.
TEST_CASE("read_utf8_lines splits a file into lines as getline does") {
  tg::test::TempDir dir;
  auto lines_of = [&](const std::string& bytes) {
    const std::string path = dir.file("lines.txt");
    std::ofstream(path, std::ios::binary) << bytes;
    return tg::models::read_utf8_lines(path);
  };
  CHECK(lines_of("").empty());
  CHECK(lines_of("\n") == Strings{""});
  CHECK(lines_of("a\r\n\nb") == Strings{"a", "", "b"});
  CHECK(lines_of("a\nb\n") == Strings{"a", "b"});
  CHECK(lines_of("r\r\r\n") == Strings{"r\r"});
  CHECK(lines_of("caf\xe9\n") == Strings{"caf\u00e9"});
  const std::string long_line(200000, 'x');
  CHECK(lines_of("a\n" + long_line + "\nz") == Strings{"a", long_line, "z"});
  CHECK(tg::test::error_of([&] { tg::models::read_utf8_lines(dir.file("absent.txt")); })
            .find("cannot open") != std::string::npos);
}

TEST_CASE("fasttext reader takes the label, skips blank lines and trims the text") {
  auto examples = tg::models::read_fasttext(data("reviews.ft"));
  REQUIRE(examples.size() == 3);
  CHECK(labels_of(examples) == Strings{"pos", "neg", "pos"});
  CHECK(examples[0].text == "a warm and funny little film");
  CHECK(examples[1].text == "the plot goes nowhere at all");
  CHECK(examples[2].text == "quietly moving , with a strong cast");
}

TEST_CASE("fasttext reader refuses a line with several labels, naming file:line, instead of keeping one") {
  CHECK_THROWS_WITH_AS(tg::models::read_fasttext(data("multi_label.ft")),
                       doctest::Contains("multi_label.ft:2: a second label '__label__bad' after '__label__neg', "
                                         "expected one label per line (multi-label data is not supported)"),
                       tg::Error);
}

TEST_CASE("read_dataset names the format it detected and what it read") {
  auto tsv = tg::models::read_dataset(data("sentiment_header.tsv"));
  CHECK(tsv.format == tg::models::Format::tsv);
  CHECK(tsv.examples.size() == 3);
  CHECK(tsv.summary == data("sentiment_header.tsv") + ": TSV with header, 3 examples, 2 labels");
  CHECK(tg::models::read_dataset(data("label_first.tsv")).summary ==
        data("label_first.tsv") + ": TSV without header, 3 examples, 2 labels");
  CHECK(tg::models::read_dataset(data("reviews.ft")).summary ==
        data("reviews.ft") + ": fastText (__label__<label> text), 3 examples, 2 labels");
  CHECK(tg::models::read_dataset(data("questions.label")).summary.find(": TREC (COARSE labels), 4 examples") !=
        std::string::npos);
  CHECK(tg::models::read_dataset(data("header.csv")).summary.find(": CSV with header,") != std::string::npos);
  CHECK(tg::models::read_dataset(data("news.csv")).summary.find(": CSV without header,") != std::string::npos);
  // --train toys.pos reads toys.neg too, and says so.
  auto toys = tg::models::read_dataset(data("toys.pos"));
  CHECK(toys.format == tg::models::Format::classfiles);
  CHECK(toys.summary.starts_with(data("toys.pos") + ": one file per class (label = extension), also read " +
                                 data("toys.neg") + ", "));
  CHECK(tg::models::read_dataset(data("toys")).summary.starts_with(
      data("toys") + ": one file per class (label = extension): " + data("toys.neg") + ", " + data("toys.pos")));
  // A forced format is used as given.
  CHECK(tg::models::read_dataset(data("questions.label"), tg::models::Format::trec, {.trec_fine = true})
            .summary.find("COARSE:fine") != std::string::npos);
}

TEST_CASE("fasttext reader accepts another label prefix") {
  auto examples = tg::models::read_fasttext(data("at_prefix.txt"), "@");
  CHECK(labels_of(examples) == Strings{"pos", "neg"});
  CHECK(examples[1].text == "dull from start to end");
}

TEST_CASE("tsv reader skips a header and takes the named label column") {
  auto examples = tg::models::read_tsv(data("sentiment_header.tsv"));
  REQUIRE(examples.size() == 3);
  CHECK(labels_of(examples) == Strings{"1", "0", "1"});
  CHECK(examples[0].text == "a bright , clever comedy");
}

TEST_CASE("tsv reader without a header finds the label in the first or the last column") {
  auto first = tg::models::read_tsv(data("label_first.tsv"));
  CHECK(labels_of(first) == Strings{"pos", "neg", "neg"});
  CHECK(first[2].text == "slow and long");
  auto last = tg::models::read_tsv(data("label_last.tsv"));
  CHECK(labels_of(last) == Strings{"pos", "neg", "neg"});
  CHECK(last[0].text == "a bright clever comedy");
}

TEST_CASE("tsv reader leaves an id column out of the text") {
  auto examples = tg::models::read_tsv(data("id_text_label.tsv"));
  REQUIRE(examples.size() == 2);
  CHECK(examples[0].text == "green tea is calming");
  CHECK(examples[1].label == "food");
}

TEST_CASE("class files reader labels each line by its file extension and decodes Windows-1252") {
  for (std::string path : {data("toys"), data("toys.pos"), data("toys.neg")}) {
    CAPTURE(path);
    auto examples = tg::models::read_class_files(path);
    REQUIRE(examples.size() == 4);
    std::map<std::string, int> per_label;
    for (const auto& e : examples) ++per_label[e.label];
    CHECK(per_label == std::map<std::string, int>{{"neg", 2}, {"pos", 2}});
  }
  auto examples = tg::models::read_class_files(data("toys"));
  // toys.neg line 3 is "\x93caf\xe9\x94 ... na\xefve ... \x85": curly quotes, e acute, i diaeresis, ellipsis.
  const std::string expected = "\u201ccaf\u00e9\u201d scenes with a na\u00efve hero \u2026 not good";
  bool found = false;
  for (const auto& e : examples) found = found || e.text == expected;
  CHECK(found);
  for (const auto& e : examples) CHECK(tg::models::is_valid_utf8(e.text));
}

TEST_CASE("trec reader takes the coarse label, or the fine one on request") {
  auto coarse = tg::models::read_trec(data("questions.label"));
  CHECK(labels_of(coarse) == Strings{"NUM", "LOC", "HUM", "DESC"});
  CHECK(coarse[0].text == "How many legs does a spider have ?");
  auto fine = tg::models::read_trec(data("questions.label"), true);
  CHECK(labels_of(fine) == Strings{"NUM:count", "LOC:city", "HUM:ind", "DESC:def"});
}

TEST_CASE("csv reader handles quoted commas, doubled quotes, backslashes and line breaks in fields") {
  auto examples = tg::models::read_csv(data("news.csv"));
  REQUIRE(examples.size() == 3);
  CHECK(labels_of(examples) == Strings{"1", "2", "1"});
  // A backslash is AG News's line break, even before an 'n': "day\nearly" is "day" + "nearly".
  CHECK(examples[0].text == "Storm closes harbor Boats stayed home, and \"everyone\" waited. A calmer day nearly over.");
  CHECK(examples[1].text == "Team wins, again The score was 3-1 'after' extra time");
  CHECK(examples[2].text == "Two lines first part\nsecond part");
}

TEST_CASE("csv reader skips a header of column names") {
  auto examples = tg::models::read_csv(data("header.csv"));
  CHECK(labels_of(examples) == Strings{"spam", "ham"});
  CHECK(examples[0].text == "win a free prize now");
}

TEST_CASE("to_utf8 keeps valid UTF-8 and decodes other lines as Windows-1252") {
  CHECK(tg::models::to_utf8("caf\u00e9") == "caf\u00e9");
  CHECK(tg::models::to_utf8("caf\xe9") == "caf\u00e9");
  CHECK(tg::models::to_utf8("\x80 \x96 \x97") == "\u20ac \u2013 \u2014");
  CHECK(tg::models::is_valid_utf8("plain ascii"));
  CHECK_FALSE(tg::models::is_valid_utf8("caf\xe9"));
}

// ---- format detection ----

TEST_CASE("detect_format recognises each format from content and name") {
  CHECK(tg::models::detect_format(data("reviews.ft")) == tg::models::Format::fasttext);
  CHECK(tg::models::detect_format(data("sentiment_header.tsv")) == tg::models::Format::tsv);
  CHECK(tg::models::detect_format(data("label_first.tsv")) == tg::models::Format::tsv);
  CHECK(tg::models::detect_format(data("questions.label")) == tg::models::Format::trec);
  CHECK(tg::models::detect_format(data("news.csv")) == tg::models::Format::csv);
  CHECK(tg::models::detect_format(data("header.csv")) == tg::models::Format::csv);
  CHECK(tg::models::detect_format(data("toys")) == tg::models::Format::classfiles);
  CHECK(tg::models::detect_format(data("toys.pos")) == tg::models::Format::classfiles);
  tg::models::ReadOptions at_prefix{.label_prefix = "@"};
  CHECK(tg::models::detect_format(data("at_prefix.txt"), at_prefix) == tg::models::Format::fasttext);
}

TEST_CASE("detect_format does not take a sentence that starts with a quote for CSV") {
  // toys.pos starts with '" gentle " and kind , a story': a quote, but no quoted field and comma.
  CHECK(tg::models::detect_format(data("toys.pos")) == tg::models::Format::classfiles);
}

TEST_CASE("after detection from the first line, a bad line further down is reported by number") {
  CHECK_THROWS_WITH_AS(tg::models::read_examples(data("no_label.ft")),
                       doctest::Contains("no_label.ft:2: expected a label"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_examples(data("bad_trec.label")), doctest::Contains("bad_trec.label:2:"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_examples(data("bad_columns.tsv")), doctest::Contains("bad_columns.tsv:3:"),
                       tg::Error);
}

TEST_CASE("read_examples detects the format or uses the one it is given") {
  CHECK(tg::models::read_examples(data("questions.label")).size() == 4);
  tg::models::ReadOptions fine{.trec_fine = true};
  CHECK(tg::models::read_examples(data("questions.label"), tg::models::Format::trec, fine)[0].label == "NUM:count");
  // Forced: a TREC file read as fastText fails on its first line.
  CHECK_THROWS_WITH_AS(tg::models::read_examples(data("questions.label"), tg::models::parse_format("fasttext")),
                       doctest::Contains("questions.label:1: expected a label '__label__<name>'"), tg::Error);
}

TEST_CASE("parse_format knows the five names and lists them for an unknown one") {
  for (auto f : {tg::models::Format::fasttext, tg::models::Format::tsv, tg::models::Format::classfiles,
                 tg::models::Format::trec, tg::models::Format::csv})
    CHECK(tg::models::parse_format(tg::models::format_name(f)) == f);
  CHECK_THROWS_WITH_AS(tg::models::parse_format("json"),
                       doctest::Contains("unknown data format 'json', expected one of: fasttext, tsv, classfiles, "
                                         "trec, csv"),
                       tg::Error);
}

TEST_CASE("detect_format says what it saw and lists the formats when none fits") {
  CHECK_THROWS_WITH_AS(tg::models::detect_format(data("mystery.txt")), doctest::Contains("'just some words'"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::detect_format(data("mystery.txt")),
                       doctest::Contains("one of: fasttext, tsv, classfiles, trec, csv"), tg::Error);
}

// ---- errors ----

TEST_CASE("a missing file is reported with the system's reason") {
  CHECK_THROWS_WITH_AS(tg::models::read_examples(data("nothing_here.txt")),
                       doctest::Contains(("cannot open '" + data("nothing_here.txt") + "': No such file or directory").c_str()),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_tsv(data("nothing_here.tsv")), doctest::Contains("No such file or directory"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_class_files(data("nothing_here")), doctest::Contains("nothing_here.<label>"),
                       tg::Error);
}

TEST_CASE("an empty file and a header without rows are errors") {
  for (auto format :
       {tg::models::Format::fasttext, tg::models::Format::tsv, tg::models::Format::trec, tg::models::Format::csv}) {
    CAPTURE(tg::models::format_name(format));
    CHECK_THROWS_WITH_AS(tg::models::read_examples(data("empty.txt"), format), doctest::Contains("empty.txt: the file is empty"),
                         tg::Error);
  }
  CHECK_THROWS_WITH_AS(tg::models::detect_format(data("empty.txt")), doctest::Contains("the file is empty"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_tsv(data("header_only.tsv")), doctest::Contains("no examples after the header"),
                       tg::Error);
}

TEST_CASE("a fasttext line without a label names the file, line and expected prefix") {
  CHECK_THROWS_WITH_AS(tg::models::read_fasttext(data("no_label.ft")),
                       doctest::Contains("no_label.ft:2: expected a label '__label__<name>' at the start of the "
                                         "line, found 'no'"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_fasttext(data("empty_label.ft")), doctest::Contains("empty_label.ft:1:"),
                       tg::Error);
}

TEST_CASE("a tsv line with the wrong column count names the file and line") {
  CHECK_THROWS_WITH_AS(tg::models::read_tsv(data("bad_columns.tsv")),
                       doctest::Contains("bad_columns.tsv:3: expected 2 tab-separated columns, found 1"), tg::Error);
}

TEST_CASE("a tsv header without a label column is an error") {
  CHECK_THROWS_WITH_AS(tg::models::read_tsv(data("unlabelled.tsv")),
                       doctest::Contains("unlabelled.tsv:1: the header has no label column"), tg::Error);
}

TEST_CASE("a trec line without COARSE:fine names the file and line") {
  CHECK_THROWS_WITH_AS(tg::models::read_trec(data("bad_trec.label")),
                       doctest::Contains("bad_trec.label:2: expected a label 'COARSE:fine'"), tg::Error);
}

TEST_CASE("csv errors name the file and line: column count, unclosed quote, text after a quote") {
  CHECK_THROWS_WITH_AS(tg::models::read_csv(data("bad_columns.csv")),
                       doctest::Contains("bad_columns.csv:3: expected 3 comma-separated columns, found 2"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_csv(data("unclosed.csv")),
                       doctest::Contains("unclosed.csv:2: a quoted field is not closed"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::read_csv(data("after_quote.csv")),
                       doctest::Contains("after_quote.csv:2: expected ',' after the closing quote of column 2"),
                       tg::Error);
}

// ---- the real corpora beside the checkout (optional) ----

namespace {

std::string shared(const std::string& name) { return std::string(TG_SHARED_DATA) + "/" + name; }

std::set<std::string> label_set(const std::vector<tg::models::Example>& examples) {
  std::set<std::string> labels;
  for (const auto& e : examples) labels.insert(e.label);
  return labels;
}

bool present(const std::string& path) {
  if (std::filesystem::exists(path)) return true;
  MESSAGE("skipped: " << path << " is absent");
  return false;
}

}  // namespace

TEST_CASE("real corpora: SST-2, rt-polarity, TREC and AG News read with plausible counts and labels") {
  if (present(shared("sst2/dev.tsv"))) {
    CHECK(tg::models::detect_format(shared("sst2/dev.tsv")) == tg::models::Format::tsv);
    auto dev = tg::models::read_examples(shared("sst2/dev.tsv"));
    CHECK(dev.size() == 872);
    CHECK(label_set(dev) == std::set<std::string>{"0", "1"});
    CHECK(tg::models::read_examples(shared("sst2/train.tsv")).size() == 67349);
    // The GLUE test split has no labels: its header says index/sentence.
    CHECK_THROWS_WITH_AS(tg::models::read_examples(shared("sst2/test.tsv")), doctest::Contains("no label column"),
                         tg::Error);
  }
  if (present(shared("rt-polaritydata/rt-polarity.pos"))) {
    CHECK(tg::models::detect_format(shared("rt-polaritydata/rt-polarity")) == tg::models::Format::classfiles);
    auto rt = tg::models::read_examples(shared("rt-polaritydata/rt-polarity"));
    CHECK(rt.size() == 10662);
    CHECK(label_set(rt) == std::set<std::string>{"neg", "pos"});
    CHECK(std::all_of(rt.begin(), rt.end(), [](const auto& e) { return tg::models::is_valid_utf8(e.text); }));
  }
  if (present(shared("trec/train_5500.label"))) {
    auto train = tg::models::read_examples(shared("trec/train_5500.label"));
    CHECK(train.size() == 5452);
    CHECK(label_set(train) == std::set<std::string>{"ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"});
    CHECK(label_set(tg::models::read_trec(shared("trec/train_5500.label"), true)).size() == 50);
    CHECK(tg::models::read_examples(shared("trec/TREC_10.label")).size() == 500);
  }
  if (present(shared("ag_news/test.csv"))) {
    auto news = tg::models::read_examples(shared("ag_news/test.csv"));
    CHECK(news.size() == 7600);
    CHECK(label_set(news) == std::set<std::string>{"1", "2", "3", "4"});
    CHECK(std::none_of(news.begin(), news.end(), [](const auto& e) { return e.text.find('\\') != e.text.npos; }));
  }
}
