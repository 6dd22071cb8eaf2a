#pragma once
// The reading side of Go's encoding/json, for the pod annotations OpenKruise decodes with it:
// the scanner's syntax rules and error texts, string unquoting, and what json.Marshal prints for a
// json.RawMessage (compacted, HTML-escaped).

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace injector {

struct GoMember;

/// One JSON value as Go's scanner reads it. `raw` is its exact text within the parsed input, which
/// must outlive the value.
struct GoValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string_view raw;
  std::vector<GoMember> members;  // objects: unquoted keys, in order, repeats kept
  std::vector<GoValue> items;     // arrays
};

/// One member of an object. A struct rather than std::pair: a pair of the still incomplete
/// GoValue inside GoValue is not portable (clang with libstdc++ rejects it).
struct GoMember {
  std::string first;  // the unquoted key
  GoValue second;
};

/// Parses `text` as json.Unmarshal checks it before decoding anything (RFC 8259, Go's 10000
/// nesting limit, bytes of invalid UTF-8 allowed in strings). The error is Go's SyntaxError text:
/// `invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`, ...
std::expected<GoValue, std::string> go_parse(std::string_view text);

/// The Go string a string value decodes to: escapes resolved, invalid UTF-8 bytes and unpaired
/// surrogate escapes replaced by U+FFFD.
std::string go_unquote(const GoValue& string_value);

/// Appends the raw text of `value` as json.Marshal prints a json.RawMessage: white space outside
/// strings removed, `<` `>` `&` U+2028 U+2029 inside strings escaped as \u003c ..., the rest (key
/// order, number spelling, escapes) byte for byte.
void append_go_compact(std::string& out, const GoValue& value);

/// Go's name for the JSON type of `value` in UnmarshalTypeError texts ("cannot unmarshal object
/// into Go value of type string"): object, array, string, number, bool (null never fails).
std::string_view go_type_name(const GoValue& value);

}  // namespace injector
