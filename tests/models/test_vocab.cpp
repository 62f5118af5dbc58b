#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "core/error.hpp"
#include "models/vocab.hpp"
#include "tests/scratch.hpp"

using Tokens = std::vector<std::string>;

namespace {

// "b" 3 times, "a" 2, "c" 2 (first seen after "a"), "d" 1.
std::vector<Tokens> small_corpus() { return {{"b", "a", "b"}, {"c", "a", "b"}, {"d", "c"}}; }

}  // namespace

TEST_CASE("a new vocab holds only <pad> = 0 and <unk> = 1") {
  tg::models::Vocab vocab;
  CHECK(vocab.size() == 2);
  CHECK(vocab.word(0) == "<pad>");
  CHECK(vocab.word(1) == "<unk>");
  CHECK(vocab.id("<pad>") == tg::models::Vocab::kPad);
  CHECK(vocab.id("anything") == tg::models::Vocab::kUnk);
}

TEST_CASE("vocab orders words by count, ties by first appearance") {
  tg::models::Vocab vocab = tg::models::Vocab::build(small_corpus());
  CHECK(vocab.to_lines() == Tokens{"<pad>", "<unk>", "b", "a", "c", "d"});
  CHECK(vocab.id("c") == 4);
  CHECK(vocab.word(4) == "c");
  CHECK(vocab.words() == vocab.to_lines());
}

TEST_CASE("vocab min_count drops rare words and unknown words map to <unk>") {
  tg::models::Vocab vocab = tg::models::Vocab::build(small_corpus(), {.min_count = 2});
  CHECK(vocab.size() == 5);
  CHECK_FALSE(vocab.contains("d"));
  CHECK(vocab.id("d") == tg::models::Vocab::kUnk);
  CHECK(vocab.encode({"b", "d", "zzz", "a"}) == std::vector<int64_t>{2, 1, 1, 3});
}

TEST_CASE("vocab max_size counts the specials and keeps the most frequent words") {
  tg::models::Vocab vocab = tg::models::Vocab::build(small_corpus(), {.max_size = 4});
  CHECK(vocab.to_lines() == Tokens{"<pad>", "<unk>", "b", "a"});
  CHECK(tg::models::Vocab::build(small_corpus(), {.max_size = 2}).size() == 2);
  CHECK_THROWS_WITH_AS(tg::models::Vocab::build(small_corpus(), {.max_size = 1}), doctest::Contains("max_size 1"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::Vocab::build(small_corpus(), {.min_count = 0}), doctest::Contains("min_count"),
                       tg::Error);
}

TEST_CASE("vocab does not add the special tokens twice when the text contains them") {
  tg::models::Vocab vocab = tg::models::Vocab::build({{"<unk>", "<unk>", "x", "<pad>"}});
  CHECK(vocab.to_lines() == Tokens{"<pad>", "<unk>", "x"});
}

TEST_CASE("word counts accumulate and remember first appearance") {
  tg::models::WordCounts counts;
  counts.add(Tokens{"y", "x", "y"});
  counts.add("x", 5);
  CHECK(counts.count("x") == 6);
  CHECK(counts.count("y") == 2);
  CHECK(counts.count("never") == 0);
  REQUIRE(counts.entries().size() == 2);
  CHECK(counts.entries()[0].first == "y");
}

// WordCounts keeps its own hash table, which grows at 512, 1024, ... tokens: over several growths, every
// token keeps its index and count (checked against std::map), and a count() of an unseen token is 0.
TEST_CASE("word counts stay right while their table grows") {
  tg::models::WordCounts counts;
  std::map<std::string, std::pair<size_t, int64_t>> expected;  // token -> (index, count)
  for (int pass = 0; pass < 3; ++pass)
    for (int k = 0; k < 5000; ++k) {
      if (pass > 0 && k % (pass + 1) != 0) continue;  // later passes see some tokens again
      const std::string token = std::to_string(k * 7919 % 5000) + "w";
      const size_t index = counts.add(token, k % 3 + 1);
      auto it = expected.try_emplace(token, index, 0).first;  // a token seen before keeps its first index
      CHECK(it->second.first == index);
      it->second.second += k % 3 + 1;
    }
  REQUIRE(counts.entries().size() == expected.size());
  for (const auto& [token, index_count] : expected) {
    CHECK(counts.entries()[index_count.first].first == token);
    CHECK(counts.count(token) == index_count.second);
  }
  CHECK(counts.count("5000w") == 0);
  CHECK(counts.count("") == 0);
  CHECK(tg::models::WordCounts().count("x") == 0);
}

TEST_CASE("vocab word() rejects an id out of range") {
  tg::models::Vocab vocab;
  CHECK_THROWS_WITH_AS(vocab.word(2), doctest::Contains("id 2 is out of range"), tg::Error);
  CHECK_THROWS_AS(vocab.word(-1), tg::Error);
}

TEST_CASE("vocab survives to_lines/from_lines and save/load, even tokens with newlines") {
  tg::models::Vocab vocab = tg::models::Vocab::build({{"caf\u00e9", "two words", "\n", "back\\slash", "a"}});
  tg::models::Vocab copy = tg::models::Vocab::from_lines(vocab.to_lines());
  CHECK(copy.to_lines() == vocab.to_lines());

  tg::test::TempDir dir;
  std::string path = dir.file("roundtrip.txt");
  vocab.save(path);
  tg::models::Vocab loaded = tg::models::Vocab::load(path);
  CHECK(loaded.to_lines() == vocab.to_lines());
  CHECK(loaded.id("\n") == vocab.id("\n"));
  // The file is plain text: one token per line, so the line count is the vocab size.
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  CHECK(lines == vocab.size());
}

TEST_CASE("vocab loading fails without <pad> and <unk> in the first two places") {
  CHECK_THROWS_WITH_AS(tg::models::Vocab::load(TG_TEST_DIR "/data/text/vocab_no_specials.txt"),
                       doctest::Contains("vocab_no_specials.txt:1: expected '<pad>'"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::Vocab::from_lines({"<pad>", "hello"}, "ckpt"),
                       doctest::Contains("ckpt:2: expected '<unk>'"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::Vocab::from_lines({"<pad>"}, "ckpt"), doctest::Contains("ckpt"), tg::Error);
}

TEST_CASE("vocab loading fails on a repeated token and on a missing file") {
  CHECK_THROWS_WITH_AS(tg::models::Vocab::from_lines({"<pad>", "<unk>", "a", "b", "a"}, "v.txt"),
                       doctest::Contains("v.txt:5: token 'a' already appeared at line 3"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::Vocab::load("no/such/vocab.txt"),
                       doctest::Contains("cannot open 'no/such/vocab.txt': No such file or directory"),
                       tg::Error);
}

TEST_CASE("label set indexes labels in sorted order whatever order they arrive in") {
  tg::models::LabelSet labels({"pos", "neg", "pos", "mixed"});
  CHECK(labels.names() == Tokens{"mixed", "neg", "pos"});
  CHECK(labels.index("neg") == 1);
  CHECK(labels.name(2) == "pos");
  CHECK(tg::models::LabelSet({"neg", "pos"}).names() == tg::models::LabelSet({"pos", "neg"}).names());
}

TEST_CASE("label set sorts integer labels numerically") {
  tg::models::LabelSet labels({"10", "2", "1"});
  CHECK(labels.names() == Tokens{"1", "2", "10"});
  // Mixed labels fall back to string order.
  CHECK(tg::models::LabelSet({"10", "2", "x"}).names() == Tokens{"10", "2", "x"});
}

TEST_CASE("label set rejects an unknown label, listing the known ones") {
  tg::models::LabelSet labels({"pos", "neg"});
  CHECK_THROWS_WITH_AS(labels.index("meh"), doctest::Contains("unknown label 'meh', expected one of: neg, pos"),
                       tg::Error);
  CHECK_THROWS_AS(labels.name(2), tg::Error);
}

TEST_CASE("label set round-trips through lines and rejects unsorted lines") {
  tg::models::LabelSet labels({"b", "a", "c"});
  CHECK(tg::models::LabelSet::from_lines(labels.to_lines()).names() == labels.names());
  CHECK_THROWS_WITH_AS(tg::models::LabelSet::from_lines({"b", "a"}, "ckpt"), doctest::Contains("ckpt"), tg::Error);
}
