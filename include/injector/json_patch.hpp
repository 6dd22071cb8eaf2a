#pragma once
// RFC 6902 JSON Patch generation and RFC 6901 JSON Pointers.

#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// An RFC 6901 pointer built from unescaped tokens; `/` and `~` are escaped only when printed.
class Pointer {
 public:
  Pointer() = default;
  Pointer child(std::string_view token) const;
  Pointer child(std::size_t index) const;
  Pointer append_end() const;  // the "-" token of RFC 6902 `add`
  std::string str() const;     // "" for the root, else "/a/b~1c"
  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  std::vector<std::string> tokens_;
};

/// Minimal RFC 6902 ops that turn `from` into `to` (a JSON array; empty when equal). Objects are
/// diffed key by key; arrays whose old elements survive in order get `add` ops (appends as `/-`)
/// plus nested diffs, arrays of named objects are aligned by `name`, anything else is a `replace`.
/// Never a whole-document op, never a negative index.
Json diff(const Json& from, const Json& to);

/// Applies `patch` to `doc` (add, remove, replace, copy, move, test). Errors name the failing op.
Result<Json> apply_patch(const Json& doc, const Json& patch);

}  // namespace injector
