#include <doctest/doctest.h>

#include "core/error.hpp"
#include "models/tokenize.hpp"

using Tokens = std::vector<std::string>;

TEST_CASE("whitespace tokenizer splits on runs of spaces, tabs and newlines and keeps punctuation") {
  CHECK(tg::models::tokenize_whitespace("  Don't\tpanic,  ok?\n") == Tokens{"Don't", "panic,", "ok?"});
  CHECK(tg::models::tokenize_whitespace("").empty());
  CHECK(tg::models::tokenize_whitespace(" \t\r\n ").empty());
}

TEST_CASE("basic tokenizer lowercases and splits punctuation from words") {
  CHECK(tg::models::tokenize_basic("Hello, World!") == Tokens{"hello", ",", "world", "!"});
  CHECK(tg::models::tokenize_basic("(a great film...)") == Tokens{"(", "a", "great", "film", ".", ".", ".", ")"});
  CHECK(tg::models::tokenize_basic("\"Quoted\"") == Tokens{"\"", "quoted", "\""});
}

TEST_CASE("basic tokenizer keeps apostrophes and hyphens inside words but not at their edges") {
  CHECK(tg::models::tokenize_basic("Don't stop") == Tokens{"don't", "stop"});
  CHECK(tg::models::tokenize_basic("it's a well-made film") == Tokens{"it's", "a", "well-made", "film"});
  CHECK(tg::models::tokenize_basic("'quoted' -- dash") == Tokens{"'", "quoted", "'", "-", "-", "dash"});
  CHECK(tg::models::tokenize_basic("the dogs' bowls") == Tokens{"the", "dogs", "'", "bowls"});
  // The typographic apostrophe U+2019 counts as an apostrophe.
  CHECK(tg::models::tokenize_basic("don\u2019t") == Tokens{"don\u2019t"});
}

TEST_CASE("basic tokenizer keeps decimal points and thousands separators between digits") {
  CHECK(tg::models::tokenize_basic("It costs 3.50, or 1,000 in all.") ==
        Tokens{"it", "costs", "3.50", ",", "or", "1,000", "in", "all", "."});
}

TEST_CASE("basic tokenizer lowercases Latin-1 capitals and splits Unicode punctuation") {
  CHECK(tg::models::tokenize_basic("\u00c9T\u00c9 Caf\u00e9") == Tokens{"\u00e9t\u00e9", "caf\u00e9"});
  // U+2026 (ellipsis) and U+2014 (em dash) are punctuation; U+00A0 (no-break space) separates.
  CHECK(tg::models::tokenize_basic("wait\u2026 no\u2014yes\u00a0ok") ==
        Tokens{"wait", "\u2026", "no", "\u2014", "yes", "ok"});
  // Letters outside Latin-1 are word characters, left as they are.
  CHECK(tg::models::tokenize_basic("\u0414\u0430 \u65e5\u672c") == Tokens{"\u0414\u0430", "\u65e5\u672c"});
}

TEST_CASE("character tokenizer yields one token per UTF-8 code point") {
  CHECK(tg::models::tokenize_chars("n\u00e9 \u65e5!") == Tokens{"n", "\u00e9", " ", "\u65e5", "!"});
  CHECK(tg::models::tokenize_chars("\U0001F600x") == Tokens{"\U0001F600", "x"});
  CHECK(tg::models::tokenize_chars("").empty());
}

TEST_CASE("character tokenizer keeps an invalid byte as a token of its own") {
  Tokens tokens = tg::models::tokenize_chars("a\xe9z");
  REQUIRE(tokens.size() == 3);
  CHECK(tokens[1] == "\xe9");
}

TEST_CASE("byte ids are the unsigned byte values of the text") {
  CHECK(tg::models::byte_ids("A\u00e9") == std::vector<int64_t>{65, 0xC3, 0xA9});
  CHECK(tg::models::byte_ids("\xff") == std::vector<int64_t>{255});
}

TEST_CASE("utf8_sequence_length accepts valid sequences and rejects overlong, surrogate and cut ones") {
  CHECK(tg::models::utf8_sequence_length("a", 0) == 1);
  CHECK(tg::models::utf8_sequence_length("\u00e9", 0) == 2);
  CHECK(tg::models::utf8_sequence_length("\u20ac", 0) == 3);
  CHECK(tg::models::utf8_sequence_length("\U0001F600", 0) == 4);
  CHECK(tg::models::utf8_sequence_length("\xc0\xaf", 0) == 0);      // overlong '/'
  CHECK(tg::models::utf8_sequence_length("\xed\xa0\x80", 0) == 0);  // a UTF-16 surrogate
  CHECK(tg::models::utf8_sequence_length("\xe2\x82", 0) == 0);      // cut short
  CHECK(tg::models::utf8_sequence_length("\x85", 0) == 0);          // a lone continuation byte
}

TEST_CASE("append_utf8 encodes code points of every length") {
  std::string out;
  for (char32_t cp : {U'a', U'\u00e9', U'\u20ac', U'\U0001F600'}) tg::models::append_utf8(out, cp);
  CHECK(out == "a\u00e9\u20ac\U0001F600");
}

TEST_CASE("tokenizers are chosen by name and an unknown name lists the valid ones") {
  CHECK(tg::models::parse_tokenizer("basic") == tg::models::Tokenizer::basic);
  CHECK(tg::models::tokenize("A b", tg::models::parse_tokenizer("whitespace")) == Tokens{"A", "b"});
  CHECK(tg::models::tokenize("ab", tg::models::parse_tokenizer("chars")) == Tokens{"a", "b"});
  for (auto t : {tg::models::Tokenizer::whitespace, tg::models::Tokenizer::basic, tg::models::Tokenizer::chars})
    CHECK(tg::models::parse_tokenizer(tg::models::tokenizer_name(t)) == t);
  CHECK_THROWS_WITH_AS(tg::models::parse_tokenizer("spacy"),
                       doctest::Contains("unknown tokenizer 'spacy', expected one of: whitespace, basic, chars"),
                       tg::Error);
}
