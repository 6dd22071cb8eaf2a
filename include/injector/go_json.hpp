#pragma once
// Byte-exact Go `encoding/json` encoding helpers (OpenKruise writes annotations with it).

#include <string>
#include <string_view>

namespace injector {

/// Appends `s` as a Go (>= 1.22) encoding/json string literal: quotes, `\"` `\\` `\n` `\r` `\t`
/// `\b` `\f`, other control characters as \u00XX, and HTML escaping of `<` `>` `&` as \u003c
/// \u003e \u0026, plus U+2028/U+2029 as \u2028/\u2029 (encoding/json's default HTMLEscape
/// behaviour). Invalid UTF-8 bytes become \ufffd, as Go does.
void append_go_string(std::string& out, std::string_view s);

/// `append_go_string` into a fresh string.
std::string go_quote(std::string_view s);

}  // namespace injector
