#include "models/tokenize.hpp"

#include "core/error.hpp"

namespace tg::models {

// ---- UTF-8 ----

int utf8_sequence_length(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u; };
  auto continuation = [&](size_t i, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(i) >= low && byte(i) <= high;
  };
  if (at >= text.size()) return 0;
  unsigned lead = byte(at);
  if (lead < 0x80) return 1;
  // The second byte's range excludes overlong forms, surrogates (ED A0..BF) and > U+10FFFF.
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(at + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(at + 1, low, high) && continuation(at + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(at + 1, low, high) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
  }
  return 0;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

// One character of the input: its code point and the bytes it came from. An invalid byte is
// one character with code point U+FFFD (the replacement character) and that single byte.
struct Char {
  char32_t code_point;
  std::string_view bytes;
};

std::vector<Char> split_utf8(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());  // at most one character a byte
  for (size_t at = 0; at < text.size();) {
    int length = utf8_sequence_length(text, at);
    std::string_view bytes = text.substr(at, length > 0 ? length : 1);
    char32_t cp = 0xFFFD;
    if (length == 1) cp = static_cast<unsigned char>(bytes[0]);
    if (length > 1) {
      cp = static_cast<unsigned char>(bytes[0]) & (0xFF >> (length + 1));
      for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(bytes[k]) & 0x3F);
    }
    chars.push_back({cp, bytes});
    at += bytes.size();
  }
  return chars;
}

}  // namespace

std::string lowercase_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// ---- tokenizers ----

std::vector<std::string> tokenize_whitespace(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (!is_ascii_space(c)) {
      current += c;
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

namespace {

enum class CharClass { space, punctuation, word };

CharClass classify(char32_t cp) {
  if (cp < 0x80) {
    if (is_ascii_space(static_cast<char>(cp))) return CharClass::space;
    bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return alnum ? CharClass::word : CharClass::punctuation;
  }
  if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A)) return CharClass::space;
  if ((cp >= 0xA1 && cp <= 0xBF) || (cp >= 0x2010 && cp <= 0x205E)) return CharClass::punctuation;
  return CharClass::word;
}

bool is_digit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// Does the punctuation character chars[i] stay inside the word around it?
bool joins_word(const std::vector<Char>& chars, size_t i) {
  if (i == 0 || i + 1 >= chars.size()) return false;
  char32_t before = chars[i - 1].code_point, c = chars[i].code_point, after = chars[i + 1].code_point;
  if (c == '\'' || c == 0x2019 || c == '-')
    return classify(before) == CharClass::word && classify(after) == CharClass::word;
  if (c == '.' || c == ',') return is_digit(before) && is_digit(after);
  return false;
}

void append_lowercase(std::string& out, const Char& ch) {
  char32_t cp = ch.code_point;
  bool ascii_capital = cp >= 'A' && cp <= 'Z';
  bool latin1_capital = cp >= 0xC0 && cp <= 0xDE && cp != 0xD7;  // 0xD7 is '×'
  if (cp < 0x80) {  // one byte, appended as one (most text: += of a string_view is a call per character)
    out.push_back(static_cast<char>(ascii_capital ? cp + 0x20 : cp));
  } else if (latin1_capital) {
    append_utf8(out, cp + 0x20);
  } else {
    out += ch.bytes;
  }
}

}  // namespace

std::vector<std::string> tokenize_basic(std::string_view text) {
  std::vector<Char> chars = split_utf8(text);
  std::vector<std::string> tokens;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < chars.size(); ++i) {
    CharClass kind = classify(chars[i].code_point);
    if (kind == CharClass::space) {
      end_word();
    } else if (kind == CharClass::word || joins_word(chars, i)) {
      append_lowercase(word, chars[i]);
    } else {
      end_word();
      tokens.emplace_back(chars[i].bytes);
    }
  }
  end_word();
  return tokens;
}

std::vector<std::string> tokenize_chars(std::string_view text) {
  std::vector<std::string> tokens;
  for (const Char& ch : split_utf8(text)) tokens.emplace_back(ch.bytes);
  return tokens;
}

std::vector<int64_t> byte_ids(std::string_view text) {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (char c : text) ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

// ---- choosing one by name ----

std::vector<std::string> tokenize(std::string_view text, Tokenizer tokenizer) {
  switch (tokenizer) {
    case Tokenizer::whitespace: return tokenize_whitespace(text);
    case Tokenizer::basic: return tokenize_basic(text);
    case Tokenizer::chars: return tokenize_chars(text);
  }
  fail("tokenize: unknown tokenizer {}", static_cast<int>(tokenizer));
}

const char* tokenizer_name(Tokenizer tokenizer) {
  switch (tokenizer) {
    case Tokenizer::whitespace: return "whitespace";
    case Tokenizer::basic: return "basic";
    case Tokenizer::chars: return "chars";
  }
  return "?";
}

Tokenizer parse_tokenizer(std::string_view name) {
  for (Tokenizer t : {Tokenizer::whitespace, Tokenizer::basic, Tokenizer::chars})
    if (name == tokenizer_name(t)) return t;
  fail("tokenizer: unknown tokenizer '{}', expected one of: whitespace, basic, chars", name);
}

}  // namespace tg::models
