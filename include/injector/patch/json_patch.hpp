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
  /// Parses RFC 6901 text ("" or "/a/b~1c"); fails on a missing leading "/" or a "~" not followed
  /// by "0" or "1".
  static Result<Pointer> parse(std::string_view text);
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
/// Member order is ignored (see json_equal). Never a negative index; never a whole-document op
/// when both roots are objects (a pod) — other roots that differ may get a `replace` of "".
Json diff(const Json& from, const Json& to);

/// The ops diff() would give for the member at `path`, appended to `ops` (a JSON array).
void diff_into(const Json& from, const Json& to, const Pointer& path, Json& ops);

/// JSON equality as RFC 6902 §4.6 (`test`) defines it: object members compared regardless of
/// order (`Json` itself compares insertion order), arrays element by element, numbers by value.
bool json_equal(const Json& a, const Json& b);

/// Applies `patch` to `doc` (add, remove, replace, copy, move, test). Errors name the failing op.
Result<Json> apply_patch(const Json& doc, const Json& patch);

}  // namespace injector
