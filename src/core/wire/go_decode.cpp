// Go encoding/json's scanner (scanner.go), decoder string handling (decode.go unquote) and
// compact (indent.go), for byte-compatible reading of what OpenKruise unmarshals.
#include "injector/wire/go_decode.hpp"

#include <cstdint>

#include "injector/wire/go_json.hpp"

namespace injector {
namespace {

constexpr std::size_t kMaxDepth = 10000;  // scanner.go maxNestingDepth
constexpr std::string_view kUnexpectedEnd = "unexpected end of JSON input";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void append_utf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

// scanner.go quoteChar: strconv.Quote of the byte read as the rune U+00XX, in single quotes.
std::string quote_char(unsigned char c) {
  if (c == '\'') {
    return "'\\''";
  }
  if (c == '"') {
    return "'\"'";
  }
  std::string s = "'";
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\a':
      s += "\\a";
      break;
    case '\b':
      s += "\\b";
      break;
    case '\f':
      s += "\\f";
      break;
    case '\n':
      s += "\\n";
      break;
    case '\r':
      s += "\\r";
      break;
    case '\t':
      s += "\\t";
      break;
    case '\v':
      s += "\\v";
      break;
    case '\\':
      s += "\\\\";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        s += "\\x";
        s += kHex[c >> 4];
        s += kHex[c & 0xF];
      } else if (c < 0x80) {
        s += static_cast<char>(c);
      } else if (c < 0xA1 || c == 0xAD) {
        s += "\\u00";  // C1 controls, NO-BREAK SPACE and SOFT HYPHEN are not unicode.IsPrint
        s += kHex[c >> 4];
        s += kHex[c & 0xF];
      } else {
        append_utf8(s, c);
      }
  }
  return s + "'";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : t_(text) {}

  std::expected<GoValue, std::string> run() {
    GoValue root;
    std::vector<std::pair<GoValue*, std::size_t>> open;  // containers being filled, their start
    while (true) {
      // A value is expected here (stateBeginValue).
      skip_space();
      if (eof()) {
        return fail_end();
      }
      GoValue* slot = &root;
      if (!open.empty()) {
        GoValue& parent = *open.back().first;
        if (parent.kind == GoValue::Kind::kArray) {
          slot = &parent.items.emplace_back();
        } else {
          slot = &parent.members.back().second;
        }
      }
      const char c = t_[i_];
      bool opened = false;
      if (c == '{' || c == '[') {
        slot->kind = c == '{' ? GoValue::Kind::kObject : GoValue::Kind::kArray;
        open.emplace_back(slot, i_);
        if (open.size() > kMaxDepth) {
          return fail_char("exceeded max depth");
        }
        ++i_;
        skip_space();
        if (eof()) {
          return fail_end();
        }
        const char close = c == '{' ? '}' : ']';
        if (t_[i_] != close) {
          if (c == '{' && !read_key(*slot)) {
            return std::unexpected(error_);
          }
          continue;  // the first element (or member value) follows
        }
        opened = true;  // empty container: closed right below
      } else if (!scan_scalar(*slot)) {
        return std::unexpected(error_);
      }
      // stateEndValue: close containers, or move on to the next element.
      bool next_value = false;
      if (opened) {
        finish(open);
      }
      while (!next_value) {
        skip_space();
        if (open.empty()) {
          if (!eof()) {
            return fail_char("after top-level value");
          }
          return root;
        }
        if (eof()) {
          return fail_end();
        }
        GoValue& parent = *open.back().first;
        const char d = t_[i_];
        if (parent.kind == GoValue::Kind::kObject) {
          if (d == ',') {
            ++i_;
            skip_space();
            if (!read_key(parent)) {
              return std::unexpected(error_);
            }
            next_value = true;
          } else if (d == '}') {
            finish(open);
          } else {
            return fail_char("after object key:value pair");
          }
        } else if (d == ',') {
          ++i_;
          next_value = true;
        } else if (d == ']') {
          finish(open);
        } else {
          return fail_char("after array element");
        }
      }
    }
  }

 private:
  bool eof() const { return i_ >= t_.size(); }
  void skip_space() {
    while (!eof() && is_space(t_[i_])) {
      ++i_;
    }
  }
  std::unexpected<std::string> fail_end() { return std::unexpected(std::string(kUnexpectedEnd)); }
  // The scanner's error for the byte at i_; at the end of the input Go feeds a space instead.
  std::unexpected<std::string> fail_char(std::string_view context) {
    const unsigned char c = eof() ? ' ' : static_cast<unsigned char>(t_[i_]);
    error_ = "invalid character " + quote_char(c) + " " + std::string(context);
    return std::unexpected(error_);
  }
  bool fail(std::string_view context) {
    (void)fail_char(context);
    return false;
  }

  void finish(std::vector<std::pair<GoValue*, std::size_t>>& open) {
    ++i_;
    auto [v, start] = open.back();
    v->raw = t_.substr(start, i_ - start);
    open.pop_back();
  }

  // At a member's key (after '{' or ','): the key string and its ':'.
  bool read_key(GoValue& object) {
    if (eof()) {
      error_ = std::string(kUnexpectedEnd);
      return false;
    }
    if (t_[i_] != '"') {
      return fail("looking for beginning of object key string");
    }
    GoValue key;
    if (!scan_string(key)) {
      return false;
    }
    object.members.push_back(GoMember{go_unquote(key), GoValue{}});
    skip_space();
    if (eof()) {
      error_ = std::string(kUnexpectedEnd);
      return false;
    }
    if (t_[i_] != ':') {
      return fail("after object key");
    }
    ++i_;
    return true;
  }

  bool scan_scalar(GoValue& v) {
    const char c = t_[i_];
    if (c == '"') {
      return scan_string(v);
    }
    if (c == '-' || is_digit(c)) {
      return scan_number(v);
    }
    if (c == 't') {
      return scan_literal(v, "true", GoValue::Kind::kBool);
    }
    if (c == 'f') {
      return scan_literal(v, "false", GoValue::Kind::kBool);
    }
    if (c == 'n') {
      return scan_literal(v, "null", GoValue::Kind::kNull);
    }
    return fail("looking for beginning of value");
  }

  bool scan_string(GoValue& v) {
    const std::size_t start = i_++;
    while (true) {
      if (eof()) {
        error_ = std::string(kUnexpectedEnd);
        return false;
      }
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        break;
      }
      if (c < 0x20) {
        return fail("in string literal");
      }
      if (c == '\\') {
        ++i_;
        if (eof() || std::string_view("bfnrt\\/\"u").find(t_[i_]) == std::string_view::npos) {
          return fail("in string escape code");
        }
        if (t_[i_] == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++i_;
            if (eof() || !is_hex(t_[i_])) {
              return fail("in \\u hexadecimal character escape");
            }
          }
        }
      }
      ++i_;
    }
    v.kind = GoValue::Kind::kString;
    v.raw = t_.substr(start, i_ - start);
    return true;
  }

  bool scan_number(GoValue& v) {
    const std::size_t start = i_;
    auto digits = [&] {
      while (!eof() && is_digit(t_[i_])) {
        ++i_;
      }
    };
    if (t_[i_] == '-') {
      ++i_;
      if (eof() || !is_digit(t_[i_])) {
        return fail("in numeric literal");
      }
    }
    if (t_[i_] == '0') {
      ++i_;
    } else {
      digits();
    }
    if (!eof() && t_[i_] == '.') {
      ++i_;
      if (eof() || !is_digit(t_[i_])) {
        return fail("after decimal point in numeric literal");
      }
      digits();
    }
    if (!eof() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (!eof() && (t_[i_] == '+' || t_[i_] == '-')) {
        ++i_;
      }
      if (eof() || !is_digit(t_[i_])) {
        return fail("in exponent of numeric literal");
      }
      digits();
    }
    v.kind = GoValue::Kind::kNumber;
    v.raw = t_.substr(start, i_ - start);
    return true;
  }

  bool scan_literal(GoValue& v, std::string_view word, GoValue::Kind kind) {
    const std::size_t start = i_++;
    for (std::size_t k = 1; k < word.size(); ++k, ++i_) {
      if (eof() || t_[i_] != word[k]) {
        return fail("in literal " + std::string(word) + " (expecting '" + word[k] + "')");
      }
    }
    v.kind = kind;
    v.raw = t_.substr(start, i_ - start);
    return true;
  }

  std::string_view t_;
  std::size_t i_ = 0;
  std::string error_;
};

unsigned hex_value(char c) {
  if (is_digit(c)) {
    return static_cast<unsigned>(c - '0');
  }
  return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

// getu4: the code unit of the `\uXXXX` at s[i], or -1 when there is none.
long get_u4(std::string_view s, std::size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') {
    return -1;
  }
  unsigned v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    if (!is_hex(s[i + k])) {
      return -1;
    }
    v = v * 16 + hex_value(s[i + k]);
  }
  return static_cast<long>(v);
}

}  // namespace

std::expected<GoValue, std::string> go_parse(std::string_view text) { return Parser(text).run(); }

std::string go_unquote(const GoValue& v) {
  // The scanner has checked the literal: quotes around, escapes well formed.
  const std::string_view s = v.raw.substr(1, v.raw.size() - 2);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      const char e = s[i + 1];
      if (e != 'u') {
        switch (e) {
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          default:
            out += e;  // \\ \/ \"
        }
        i += 2;
        continue;
      }
      auto r = static_cast<char32_t>(get_u4(s, i));
      i += 6;
      if (r >= 0xD800 && r < 0xE000) {
        // utf16.DecodeRune with the next escape, else U+FFFD for this one alone.
        const long r2 = get_u4(s, i);
        if (r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
          r = 0x10000 + ((r - 0xD800) << 10) + (static_cast<char32_t>(r2) - 0xDC00);
          i += 6;
        } else {
          r = 0xFFFD;
        }
      }
      append_utf8(out, r);
      continue;
    }
    const std::size_t n = utf8_length(s, i);
    if (n == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void append_go_compact(std::string& out, const GoValue& value) {
  const std::string_view s = value.raw;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!in_string) {
      if (!is_space(static_cast<char>(c))) {
        out += static_cast<char>(c);
        in_string = c == '"';
      }
      continue;
    }
    if (c == '\\') {
      out += s.substr(i, 2);
      ++i;
    } else if (c == '<' || c == '>' || c == '&') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out += (static_cast<unsigned char>(s[i + 2]) & 1) != 0 ? "\\u2029" : "\\u2028";
      i += 2;
    } else {
      out += static_cast<char>(c);
      in_string = c != '"';
    }
  }
}

std::string_view go_type_name(const GoValue& value) {
  switch (value.kind) {
    case GoValue::Kind::kObject:
      return "object";
    case GoValue::Kind::kArray:
      return "array";
    case GoValue::Kind::kString:
      return "string";
    case GoValue::Kind::kBool:
      return "bool";
    default:
      return "number";
  }
}

}  // namespace injector
