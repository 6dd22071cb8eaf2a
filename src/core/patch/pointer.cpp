// RFC 6901 JSON Pointers.

#include <string>
#include <string_view>

#include "injector/patch/json_patch.hpp"

namespace injector {

Pointer Pointer::child(std::string_view token) const {
  Pointer p = *this;
  p.tokens_.emplace_back(token);
  return p;
}

Pointer Pointer::child(std::size_t index) const { return child(std::to_string(index)); }

Pointer Pointer::append_end() const { return child("-"); }

std::string Pointer::str() const {
  std::string out;
  for (const auto& token : tokens_) {
    out += '/';
    // RFC 6901 §3: `~` is written `~0` and `/` is written `~1`.
    for (const char c : token) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

Result<Pointer> Pointer::parse(std::string_view text) {
  Pointer p;
  if (text.empty()) {
    return p;
  }
  if (text.front() != '/') {
    return fail("invalid_pointer", "invalid JSON pointer \"" + std::string(text) +
                                       "\": must be empty or start with \"/\"");
  }
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      p.tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token += text[i];
      continue;
    }
    // RFC 6901 §4: decode `~1` then `~0`; any other `~` sequence is an error.
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token += text[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    return fail("invalid_pointer", "invalid JSON pointer \"" + std::string(text) +
                                       "\": \"~\" must be followed by \"0\" or \"1\"");
  }
  return p;
}

}  // namespace injector
