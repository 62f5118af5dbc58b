#pragma once
// Tokenizers: a line of UTF-8 text in, a list of tokens out.
//
//   tokenize_whitespace("Don't panic, ok?")  -> {"Don't", "panic,", "ok?"}
//   tokenize_basic("Don't panic, ok?")       -> {"don't", "panic", ",", "ok", "?"}
//   tokenize_chars("né!")                    -> {"n", "é", "!"}
//   byte_ids("né")                           -> {110, 195, 169}
//
// The classifier tools pick one by name (--tokenizer basic) through parse_tokenizer().
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tg::models {

// Splits on ASCII whitespace (space, tab, CR, LF, VT, FF); no token is empty.
std::vector<std::string> tokenize_whitespace(std::string_view text);

// Like torchtext's basic_english / fastText's preprocessing scripts:
//  - lowercases A-Z and the Latin-1 capitals (À..Þ), leaves other characters as they are;
//  - every punctuation character becomes a token of its own ("ok?" -> "ok", "?"), except
//    an apostrophe or hyphen between two letters/digits ("don't", "jean-claude", "o'brien") and
//    a '.' or ',' between two digits ("3.5", "10,000");
//  - punctuation means ASCII punctuation, the Latin-1 signs U+00A1..U+00BF and the general
//    punctuation block U+2010..U+205E (dashes, curly quotes, '…'); U+2019 counts as an apostrophe;
//  - other non-ASCII characters (letters such as 'é', CJK, ...) are word characters.
std::vector<std::string> tokenize_basic(std::string_view text);

// One token per UTF-8 code point. A byte that is not part of a valid UTF-8 sequence becomes a
// one-byte token of its own (so any input gives some output; nothing is dropped).
std::vector<std::string> tokenize_chars(std::string_view text);

// The bytes of the text as ids 0..255 (a byte-level char LM needs no vocabulary).
std::vector<int64_t> byte_ids(std::string_view text);

// ASCII whitespace: space, \t, \n, \v, \f, \r (what C's isspace means in the "C" locale, and what
// fastText and GloVe split words on).
inline bool is_ascii_space(char c) { return c == ' ' || static_cast<unsigned char>(c - '\t') <= '\r' - '\t'; }

// A-Z lowered to a-z; every other byte as it is.
std::string lowercase_ascii(std::string_view text);

// UTF-8 helpers. utf8_sequence_length: the length in bytes of the UTF-8 sequence starting at
// text[at] if it is a valid one (shortest form, no surrogates, <= U+10FFFF), else 0.
int utf8_sequence_length(std::string_view text, size_t at);
void append_utf8(std::string& out, char32_t code_point);

enum class Tokenizer { whitespace, basic, chars };

std::vector<std::string> tokenize(std::string_view text, Tokenizer tokenizer);
const char* tokenizer_name(Tokenizer tokenizer);
// "whitespace" | "basic" | "chars"; any other name throws, listing the valid ones.
Tokenizer parse_tokenizer(std::string_view name);

}  // namespace tg::models
