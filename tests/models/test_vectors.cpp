// Reading pretrained word vectors and filling an embedding table from them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "models/vectors.hpp"
#include "nn/embedding.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
using tg::test::error_of;

namespace {

std::string data_file(const std::string& name) { return std::string(TG_TEST_DIR) + "/data/vectors/" + name; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<float> row_of(const tg::models::WordVectors& v, const std::string& word) {
  const float* row = v.find(word);
  REQUIRE(row != nullptr);
  return std::vector<float>(row, row + v.dim);
}

// A word2vec binary file in a fresh temporary directory, removed at the end of the test.
struct BinaryFile {
  tg::test::TempDir dir;
  std::string path = dir.file("vectors.bin");

  BinaryFile(const std::vector<std::pair<std::string, std::vector<float>>>& entries, int64_t dim,
             bool newline_after_each = true, size_t cut_bytes = 0) {
    std::string bytes = fmt::format("{} {}\n", entries.size(), dim);
    for (const auto& [word, values] : entries) {
      bytes += word + " ";
      bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
      if (newline_after_each) bytes += "\n";
    }
    bytes.resize(bytes.size() - cut_bytes);
    std::ofstream(path, std::ios::binary) << bytes;
  }
};

}  // namespace

TEST_CASE("word2vec text with a header is read in file order and detected as word2vec text") {
  tg::models::WordVectors v = tg::models::read_vectors(data_file("word2vec.txt"));
  CHECK(v.format == tg::models::VectorFormat::word2vec_text);
  CHECK(v.dim == 3);
  CHECK(v.words == std::vector<std::string>{"zorp", "blick", "quux", "Frobo"});
  CHECK(v.values.size() == 12);
  CHECK(row_of(v, "zorp") == std::vector<float>{0.5f, -1.25f, 2.0f});
  CHECK(row_of(v, "blick") == std::vector<float>{1e-3f, 0.0f, 0.0f});
  CHECK(row_of(v, "Frobo") == std::vector<float>{0.125f, 0.25f, 0.375f});
  CHECK(v.find("frobo") == nullptr);
  CHECK(v.index.at("quux") == 2);
  CHECK(v.warnings.empty());
}

TEST_CASE("GloVe text has no header; trailing spaces, CRLF, blank lines and UTF-8 words are fine") {
  tg::models::WordVectors v = tg::models::read_vectors(data_file("glove.txt"));
  CHECK(v.format == tg::models::VectorFormat::glove);
  CHECK(v.dim == 4);
  CHECK(v.words == std::vector<std::string>{"zorp", "blick", "w\xc3\xbcmpel", "quux"});
  CHECK(row_of(v, "blick") == std::vector<float>{-1, -2, -3, -4});
  CHECK(row_of(v, "w\xc3\xbcmpel") == std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f});
  CHECK(row_of(v, "quux") == std::vector<float>{0, 0, 0, 1});
}

TEST_CASE("a fastText .vec file reads like word2vec text") {
  tg::models::WordVectors v =
      tg::models::read_vectors(data_file("fasttext.vec"), {.format = tg::models::VectorFormat::fasttext_vec});
  CHECK(v.dim == 2);
  CHECK(v.words == std::vector<std::string>{"zorp", "blick", "quux"});
  CHECK(row_of(v, "blick") == std::vector<float>{-0.5f, -0.25f});
  CHECK(tg::models::read_vectors(data_file("fasttext.vec")).values == v.values);  // auto-detected the same
}

TEST_CASE("word2vec binary is detected and read back bit for bit, with or without newlines") {
  std::vector<std::pair<std::string, std::vector<float>>> entries = {
      {"zorp", {0.1f, -2.5e-7f, 3.3f}}, {"blick", {1e30f, -0.0f, 10.0f / 3}}, {"\xc3\xa9tat", {-1, 0, 1}}};
  for (bool newlines : {true, false}) {
    CAPTURE(newlines);
    BinaryFile file(entries, 3, newlines);
    tg::models::WordVectors v = tg::models::read_vectors(file.path);
    CHECK(v.format == tg::models::VectorFormat::word2vec_binary);
    CHECK(v.dim == 3);
    REQUIRE(v.size() == 3);
    for (const auto& [word, values] : entries) {
      CAPTURE(word);
      CHECK(std::memcmp(v.find(word), values.data(), 3 * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("a named format is used as given, and a wrong one fails at the first line it cannot read") {
  std::string path = data_file("glove.txt");
  CHECK(contains(error_of([&] { tg::models::read_vectors(path, {.format = tg::models::VectorFormat::word2vec_text}); }),
                 path + ":1: expected a header 'word_count dimension', found \"zorp 0.1 0.2 0.3 0.4\""));
  // Read as GloVe, the header "4 3" is a word "4" with one value, so line 2 has too many.
  path = data_file("word2vec.txt");
  CHECK(error_of([&] { tg::models::read_vectors(path, {.format = tg::models::VectorFormat::glove}); }) ==
        path + ":2: expected 1 values after the word, found 3");
}

TEST_CASE("max_words keeps only the first words of the file") {
  tg::models::WordVectors text = tg::models::read_vectors(data_file("word2vec.txt"), {.max_words = 2});
  CHECK(text.words == std::vector<std::string>{"zorp", "blick"});
  CHECK(text.values.size() == 6);
  CHECK(tg::models::read_vectors(data_file("glove.txt"), {.max_words = 3}).size() == 3);
  // The limit stops before the broken line 3, so the file reads without error.
  CHECK(tg::models::read_vectors(data_file("short_row.txt"), {.max_words = 2}).size() == 2);
  BinaryFile binary({{"a", {1, 2}}, {"b", {3, 4}}, {"c", {5, 6}}}, 2);
  tg::models::WordVectors v = tg::models::read_vectors(binary.path, {.max_words = 1});
  CHECK(v.words == std::vector<std::string>{"a"});
  CHECK(v.values == std::vector<float>{1, 2});
}

TEST_CASE("a repeated word keeps its first vector and the repeats are reported in one warning line") {
  std::string path = data_file("repeats.txt");
  tg::models::WordVectors v = tg::models::read_vectors(path);
  CHECK(v.words == std::vector<std::string>{"zorp", "blick", "quux"});
  CHECK(row_of(v, "zorp") == std::vector<float>{1, 2});
  CHECK(row_of(v, "blick") == std::vector<float>{3, 4});
  CHECK(v.values.size() == 6);
  REQUIRE(v.warnings.size() == 1);
  CHECK(contains(v.warnings[0], path + ": 2 repeated words ignored"));
  CHECK(contains(v.warnings[0], "\"zorp\" (line 3)"));
  CHECK(contains(v.warnings[0], "\"blick\" (line 5)"));
  CHECK_FALSE(contains(v.warnings[0], "\n"));
}

TEST_CASE("a malformed vectors file is an error naming file:line, what was found and what was expected") {
  auto error_for = [](const std::string& name, tg::models::VectorReadOptions options = {}) {
    return error_of([&] { tg::models::read_vectors(data_file(name), options); });
  };
  std::string dir = data_file("");
  CHECK(error_for("short_row.txt") == dir + "short_row.txt:3: expected 3 values after the word, found 2");
  CHECK(error_for("bad_number.txt") ==
        dir + "bad_number.txt:2: value 2 after \"blick\" is \"0.5x\", expected a float32 number");
  CHECK(error_for("ends_early.txt") == dir + "ends_early.txt:5: the header says 5 words, but the file ends after 3");
  CHECK(error_for("extra_lines.txt") == dir + "extra_lines.txt:4: the header says 2 words, but more lines follow");
  CHECK(error_for("glove.txt", {.expected_dim = 50}) == dir + "glove.txt:1: expected 50 values after the word, found 4");
  CHECK(error_for("word2vec.txt", {.expected_dim = 50}) ==
        dir + "word2vec.txt:1: the header gives dimension 3, expected 50");
  CHECK(error_for("header_only.txt") == dir + "header_only.txt:2: the header says 3 words, but the file ends after 0");
  CHECK(error_for("empty.txt") == dir + "empty.txt: the file is empty, expected word vectors");
  CHECK(contains(error_for("no_such_file.txt"), dir + "no_such_file.txt: cannot open: "));
  CHECK(contains(error_for("word2vec.txt", {.max_words = -1}), "max_words is -1"));
}

TEST_CASE("a truncated word2vec binary file is an error naming the word and what is missing") {
  // Header "2 3\n" (4 bytes), "zorp " + 12 bytes + "\n", "blick " + 12 bytes - 5 cut off.
  BinaryFile cut({{"zorp", {1, 2, 3}}, {"blick", {4, 5, 6}}}, 3, false, 5);
  CHECK(error_of([&] { tg::models::read_vectors(cut.path); }) ==
        cut.path + ": word 2 (byte 21): expected 3 float32 values after \"blick\", but the file ends after 7 bytes");
  BinaryFile missing_word({{"zorp", {1, 2, 3}}, {"blick", {4, 5, 6}}}, 3, true, 19);
  CHECK(error_of([&] { tg::models::read_vectors(missing_word.path); }) ==
        missing_word.path + ": word 2 (byte 22): the header says 2 words, but the file ends after 1");
}

TEST_CASE("a word with a line break inside is quoted and escaped, so the error stays on one line") {
  BinaryFile file({{"zo\nrp", {1, 2}}}, 2);
  CHECK(error_of([&] { tg::models::read_vectors(file.path); }) ==
        file.path + ": word 1 (byte 4): expected a word and a space, found \"zo\\nrp\"");
}

TEST_CASE("format names round-trip, and an unknown name is an error listing the known ones") {
  for (auto f :
       {tg::models::VectorFormat::auto_detect, tg::models::VectorFormat::word2vec_text, tg::models::VectorFormat::glove,
        tg::models::VectorFormat::word2vec_binary, tg::models::VectorFormat::fasttext_vec})
    CHECK(tg::models::parse_vector_format(tg::models::vector_format_name(f)) == f);
  CHECK(contains(error_of([] { tg::models::parse_vector_format("gloves"); }),
                 "unknown format \"gloves\", expected auto"));
}

TEST_CASE("fill_embedding copies found rows, zeroes the padding row and draws the missing ones") {
  tg::models::WordVectors v = tg::models::read_vectors(data_file("word2vec.txt"));  // zorp, blick, quux, Frobo; dim 3
  std::vector<std::string> vocab = {"<pad>", "<unk>", "zorp", "QUUX", "nothere", "blick", "frobo"};
  const int64_t rows = static_cast<int64_t>(vocab.size());
  auto row = [&](const std::vector<float>& table, int64_t id) {
    return std::vector<float>(table.begin() + id * 3, table.begin() + (id + 1) * 3);
  };

  SUBCASE("exact matches only") {
    std::vector<float> table(rows * 3, 9.0f);
    tg::Generator gen(7);
    tg::models::Coverage c = tg::models::fill_embedding(table.data(), vocab, v, {}, gen);
    CHECK(c.total == rows - 2);  // every word but <pad> and <unk>
    CHECK(c.found == 2);         // zorp, blick
    CHECK(c.found_lowercase == 0);
    CHECK(c.missing_sample == std::vector<std::string>{"QUUX", "nothere", "frobo"});  // never <unk>
    CHECK(row(table, 0) == std::vector<float>{0, 0, 0});
    CHECK(row(table, 2) == row_of(v, "zorp"));
    CHECK(row(table, 5) == row_of(v, "blick"));
    for (int64_t id : {1, 3, 4, 6})
      for (float x : row(table, id)) CHECK((x >= -0.25f && x < 0.25f));
    CHECK(row(table, 1) != row(table, 3));
    CHECK(contains(c.summary(), "found 2 of 5 words (40.0%)"));
    CHECK(contains(c.low_coverage_warning(), "warning: the vectors cover only 40.0% of the 5 words (below 50%)"));
  }
  SUBCASE("the lowercase fallback matches QUUX to quux, but not frobo to Frobo") {
    std::vector<float> table(rows * 3, 9.0f);
    tg::models::Coverage c = tg::models::fill_embedding(table.data(), vocab, v, {.lowercase_fallback = true});
    CHECK(c.found == 3);  // zorp, blick, and QUUX as quux; "frobo" has no vector ("Frobo" does)
    CHECK(c.found_lowercase == 1);
    CHECK(row(table, 3) == row_of(v, "quux"));
    CHECK(c.missing_sample == std::vector<std::string>{"nothere", "frobo"});
    CHECK(c.low_coverage_warning().empty());  // 3 of 5: not low
  }
  SUBCASE("missing rows can be left as they are") {
    std::vector<float> table(rows * 3, 9.0f);
    tg::models::fill_embedding(table.data(), vocab, v, {.init_missing = false});
    CHECK(row(table, 4) == std::vector<float>{9, 9, 9});
    CHECK(row(table, 0) == std::vector<float>{0, 0, 0});
  }
  SUBCASE("the same seed draws the same missing rows") {
    std::vector<float> a(rows * 3), b(rows * 3);
    tg::Generator gen_a(42), gen_b(42);
    tg::models::fill_embedding(a.data(), vocab, v, {}, gen_a);
    tg::models::fill_embedding(b.data(), vocab, v, {}, gen_b);
    CHECK(a == b);
  }
  SUBCASE("a missing sample is capped, and no padding row can be asked for") {
    std::vector<float> table(rows * 3, 9.0f);
    tg::models::Coverage c =
        tg::models::fill_embedding(table.data(), vocab, v, {.padding_id = -1, .missing_sample_size = 2});
    CHECK(c.total == rows - 2);  // <pad> and <unk> are still not words
    CHECK(c.missing_sample == std::vector<std::string>{"QUUX", "nothere"});
    CHECK(contains(c.summary(), "missing: \"QUUX\", \"nothere\", ..."));
    for (float x : row(table, 0)) CHECK((x >= -0.25f && x < 0.25f));  // row 0 is an ordinary row now
  }
  SUBCASE("a vector the file has for <unk> is used, still without counting it") {
    tg::models::WordVectors with_unk = v;
    with_unk.words.push_back("<unk>");
    with_unk.index["<unk>"] = with_unk.size() - 1;
    with_unk.values.insert(with_unk.values.end(), {7, 8, 9});
    std::vector<float> table(rows * 3);
    tg::models::Coverage c = tg::models::fill_embedding(table.data(), vocab, with_unk);
    CHECK(row(table, 1) == std::vector<float>{7, 8, 9});
    CHECK(c.found == 2);
    CHECK(c.total == rows - 2);
  }
}

TEST_CASE("fill_embedding on a tensor checks its shape and fills a parameter that requires grad") {
  tg::models::WordVectors v = tg::models::read_vectors(data_file("word2vec.txt"));
  std::vector<std::string> vocab = {"<pad>", "zorp", "quux"};
  tg::Tensor weight = tg::ones({3, 3});
  weight.requires_grad_();
  tg::models::Coverage c = tg::models::fill_embedding(weight, vocab, v);
  CHECK(c.found == 2);
  CHECK(weight.requires_grad());
  CHECK(weight.is_leaf());
  CHECK(weight.to_vector() == std::vector<float>{0, 0, 0, 0.5f, -1.25f, 2, 3.75f, 4.5f, -6});

  tg::Tensor wrong = tg::zeros({3, 4});
  CHECK(error_of([&] { tg::models::fill_embedding(wrong, vocab, v); }) ==
        "fill_embedding: table has shape [3, 4], expected [3, 3] (3 words, vectors of dimension 3)");
}

TEST_CASE("the real GloVe 50d subset reads completely and agrees with a plain stream parser") {
  std::string path = std::string(TG_SHARED_DATA) + "/glove-6B-50d-subset/glove.6B.50d.top2445.txt";
  if (!fs::exists(path)) {
    MESSAGE("skipped: " << path << " is absent");
    return;
  }
  tg::models::WordVectors v = tg::models::read_vectors(path, {.expected_dim = 50});
  CHECK(v.format == tg::models::VectorFormat::glove);
  CHECK(v.warnings.empty());

  // An independent, slow reading of the same file with iostreams.
  std::ifstream in(path);
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    REQUIRE(n < v.size());
    CHECK(v.words[n] == word);
    std::vector<float> expected;
    for (std::string value; fields >> value;) expected.push_back(std::strtof(value.c_str(), nullptr));
    CHECK(expected == std::vector<float>(v.row(n), v.row(n) + 50));
    ++n;
  }
  CHECK(n == v.size());
}

// ---------------------------------------------------------------- writing, and reading back

TEST_CASE("every format round-trips exactly: words, order and float32 values") {
  tg::test::TempDir dir;
  // Values that need all 9 significant digits, tiny and huge ones, a negative zero.
  std::vector<float> values = {0.1f, -1.0f / 3.0f, 1e-30f, 3.4e38f, -0.0f, 123456.789f,
                               2.0f / 7.0f, -5e-8f, 1.0f, 0.0f, 65504.0f, -2.5f};
  tg::models::WordVectors v = tg::models::make_vectors({"the", "Ünïcode", "a"}, values, 4, "made");
  for (tg::models::VectorFormat format :
       {tg::models::VectorFormat::glove, tg::models::VectorFormat::word2vec_text,
        tg::models::VectorFormat::fasttext_vec, tg::models::VectorFormat::word2vec_binary}) {
    CAPTURE(tg::models::vector_format_name(format));
    const std::string path = dir.file(std::string(tg::models::vector_format_name(format)) + ".txt");
    tg::models::write_vectors(path, v, format);
    tg::models::WordVectors back = tg::models::read_vectors(path);  // detected, not told
    CHECK(back.words == v.words);
    CHECK(back.dim == 4);
    REQUIRE(back.values.size() == values.size());
    CHECK(std::memcmp(back.values.data(), values.data(), values.size() * sizeof(float)) == 0);
    CHECK((back.format == format || (format == tg::models::VectorFormat::fasttext_vec &&
                                     back.format == tg::models::VectorFormat::word2vec_text)));
  }
  std::ifstream w2v(dir.file("word2vec-text.txt"));
  std::string header;
  std::getline(w2v, header);
  CHECK(header == "3 4");
}

TEST_CASE("writing a word with whitespace, or an empty or repeated word, is refused and writes nothing") {
  tg::test::TempDir dir;
  CHECK(contains(error_of([] { tg::models::make_vectors({"a", "a"}, {1, 2}, 1); }), "word \"a\" appears twice"));
  CHECK(contains(error_of([] { tg::models::make_vectors({"a"}, {1, 2}, 1); }), "2 values for 1 words of dimension 1"));
  tg::models::WordVectors v = tg::models::make_vectors({"ok", "new york"}, {1, 2}, 1);
  const std::string path = dir.file("out.vec");
  CHECK(contains(error_of([&] { tg::models::write_vectors(path, v, tg::models::VectorFormat::glove); }),
                 "word 1 \"new york\" has whitespace in it"));
  CHECK(dir.listing().empty());
}

TEST_CASE("a checkpoint's embedding and vocab are a vector set") {
  tg::test::TempDir dir;
  // A tiny classifier: its embedding.weight rows are the vocab's words.
  struct Tiny : tg::nn::Module {
    tg::nn::Embedding embedding{4, 2};
    Tiny() {
      register_module("embedding", embedding);
      const float rows[] = {0, 0, 1, 2, 3, 4, 5, 6};
      std::copy(rows, rows + 8, embedding.weight.f32());
    }
  };
  Tiny tiny;
  const std::string path = dir.file("m.safetensors");
  const nlohmann::json config = tg::models::ClassifierConfig{.vocab_size = 4, .dim = 2}.to_json();
  tg::models::save_model(path, tiny, {.kind = "classifier", .config = config, .vocab = {"<pad>", "<unk>", "good", "bad"}, .labels = {}});
  tg::models::WordVectors v = tg::models::read_checkpoint_vectors(path);
  CHECK(v.words == std::vector<std::string>{"<pad>", "<unk>", "good", "bad"});
  CHECK(row_of(v, "bad") == std::vector<float>{5, 6});
  tg::models::save_model(path, tiny,
                         {.kind = "classifier", .config = config, .vocab = {"<pad>", "<unk>"}, .labels = {}});
  CHECK(contains(error_of([&] { tg::models::read_checkpoint_vectors(path); }), "the vocab has 2 tokens, embedding.weight has 4 rows"));
}
