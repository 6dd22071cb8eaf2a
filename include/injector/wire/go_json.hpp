#pragma once
// Byte-exact Go `encoding/json` encoding helpers (OpenKruise writes annotations with it).

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// Appends `s` as a Go (>= 1.22) encoding/json string literal: quotes, `\"` `\\` `\n` `\r` `\t`
/// `\b` `\f`, other control characters as \u00XX, and HTML escaping of `<` `>` `&` as \u003c
/// \u003e \u0026, plus U+2028/U+2029 as \u2028/\u2029 (encoding/json's default HTMLEscape
/// behaviour). Invalid UTF-8 bytes become \ufffd, as Go does.
void append_go_string(std::string& out, std::string_view s);

/// Length of the valid UTF-8 sequence starting at s[i] (utf8.DecodeRune's size), or 0 when it is
/// invalid there (Go then reads one byte as U+FFFD).
std::size_t utf8_length(std::string_view s, std::size_t i);

/// `append_go_string` into a fresh string.
std::string go_quote(std::string_view s);

/// Appends the members of object `obj` for which `keep(value)` holds as Go encodes a map: keys
/// sorted by their bytes (ordered_json keeps insertion order), `write(out, value)` per value.
template <class Keep, class Write>
void append_go_map(std::string& out, const Json& obj, Keep&& keep, Write&& write) {
  std::vector<const std::string*> keys;
  keys.reserve(obj.size());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (keep(it.value())) {
      keys.push_back(&it.key());
    }
  }
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
  out += '{';
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    append_go_string(out, *keys[i]);
    out += ':';
    write(out, obj.at(*keys[i]));
  }
  out += '}';
}

}  // namespace injector
