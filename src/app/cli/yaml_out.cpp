#include "cli/yaml_out.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace injector {
namespace {

// Scalars every YAML 1.1 reader (yaml-cpp, PyYAML, kubectl's go-yaml v2 heritage) resolves to a
// bool or null; YAML 1.2's core schema is a subset. Compared lowercased.
constexpr std::array<std::string_view, 11> kReserved = {"true", "false", "yes",  "no", "on", "off",
                                                        "y",    "n",     "null", "~",  "="};

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-' || c == ':' || c == '@' || c == '=' || c == '+' ||
         c == '%' || c == ' ';
}

// Plain only when no reader can mistake it: starts with a letter, '_' or '/' (so no number,
// timestamp, indicator or sign), ASCII from a small set, no `: ` / ` #`, no edge spaces.
bool can_be_plain(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  char first = s.front();
  bool letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
  if (!letter && first != '_' && first != '/') {
    return false;
  }
  if (s.back() == ' ' || s.back() == ':') {
    return false;
  }
  if (!std::all_of(s.begin(), s.end(), plain_char)) {
    return false;
  }
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return false;
  }
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return std::find(kReserved.begin(), kReserved.end(), lower) == kReserved.end();
}

void append_hex_escape(std::string& out, std::uint32_t cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += kHex[(cp >> shift) & 0xF];
  }
}

// Length of the UTF-8 sequence at s[i] and its code point; 0 when invalid.
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = b < 0x80           ? 1
                    : (b >> 5) == 0x6  ? 2
                    : (b >> 4) == 0xE  ? 3
                    : (b >> 3) == 0x1E ? 4
                                       : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) {
      return 0;
    }
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return len;
}

// YAML double-quoted scalar. UTF-8 is written as is except code points YAML treats as line
// breaks or non-printable (C0, DEL, C1 incl. NEL, LS, PS, BOM), which get \uXXXX escapes.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
      ++i;
      continue;
    }
    if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    std::size_t len = decode_utf8(s, i, cp);
    if (len == 0) {
      append_hex_escape(out, 0xFFFD);  // invalid UTF-8, replaced as encoding/json would
      ++i;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) {
      append_hex_escape(out, cp);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
  return out;
}

// A literal block (`|`) keeps multi-line text (scripts, configs) readable. Only used when the
// first line starts with a visible character (so indentation is detected without an indicator)
// and every character is printable; the chomping indicator preserves the trailing newlines.
bool can_be_literal(std::string_view s) {
  if (s.find('\n') == std::string_view::npos || s.front() == ' ' || s.front() == '\t' ||
      s.front() == '\n') {
    return false;
  }
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    std::size_t len = decode_utf8(s, i, cp);
    if (len == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) ||
        cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) {
      return false;
    }
    i += len;
  }
  return true;
}

void append_literal(std::string& out, std::string_view s, int indent) {
  std::size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') {
    ++trailing;
  }
  out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += '\n';
  std::string_view body = s.substr(0, s.size() - trailing);
  std::string pad(static_cast<std::size_t>(indent), ' ');
  std::size_t start = 0;
  while (true) {
    std::size_t nl = body.find('\n', start);
    std::string_view line =
        body.substr(start, nl == std::string_view::npos ? body.size() - start : nl - start);
    if (!line.empty()) {
      out += pad;
      out += line;
    }
    out += '\n';
    if (nl == std::string_view::npos) {
      break;
    }
    start = nl + 1;
  }
  // `|+` keeps the line breaks after the last content line: one is already written.
  for (std::size_t k = 1; k < trailing; ++k) {
    out += '\n';
  }
}

std::string key_text(const std::string& key) { return can_be_plain(key) ? key : quote(key); }

void emit_mapping(const Json& obj, int indent, bool first_inline, std::string& out);
void emit_sequence(const Json& arr, int indent, bool first_inline, std::string& out);

// A scalar or empty collection after `key: ` or `- `; `indent` is where a literal block's
// lines go. Ends the line.
void emit_inline(const Json& v, int indent, std::string& out) {
  if (v.is_object()) {
    out += "{}\n";
  } else if (v.is_array()) {
    out += "[]\n";
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (can_be_plain(s)) {
      out += s;
      out += '\n';
    } else if (can_be_literal(s)) {
      append_literal(out, s, indent);
    } else {
      out += quote(s);
      out += '\n';
    }
  } else if (v.is_boolean()) {
    out += v.get<bool>() ? "true\n" : "false\n";
  } else if (v.is_null()) {
    out += "null\n";
  } else {
    out += v.dump();  // numbers: JSON's text is a YAML 1.2 core int/float
    out += '\n';
  }
}

void emit_mapping(const Json& obj, int indent, bool first_inline, std::string& out) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  bool first = true;
  for (const auto& [key, value] : obj.items()) {
    if (!(first && first_inline)) {
      out += pad;
    }
    first = false;
    out += key_text(key);
    out += ':';
    if (value.is_object() && !value.empty()) {
      out += '\n';
      emit_mapping(value, indent + 2, false, out);
    } else if (value.is_array() && !value.empty()) {
      // kubectl style: a sequence under a key starts at the key's column.
      out += '\n';
      emit_sequence(value, indent, false, out);
    } else {
      out += ' ';
      emit_inline(value, indent + 2, out);
    }
  }
}

void emit_sequence(const Json& arr, int indent, bool first_inline, std::string& out) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  bool first = true;
  for (const Json& item : arr) {
    if (!(first && first_inline)) {
      out += pad;
    }
    first = false;
    out += "- ";
    if (item.is_object() && !item.empty()) {
      emit_mapping(item, indent + 2, true, out);
    } else if (item.is_array() && !item.empty()) {
      emit_sequence(item, indent + 2, true, out);
    } else {
      emit_inline(item, indent + 2, out);
    }
  }
}

}  // namespace

std::string to_yaml(const Json& doc) {
  std::string out;
  if (doc.is_object() && !doc.empty()) {
    emit_mapping(doc, 0, false, out);
  } else if (doc.is_array() && !doc.empty()) {
    emit_sequence(doc, 0, false, out);
  } else {
    emit_inline(doc, 2, out);
  }
  return out;
}

}  // namespace injector
