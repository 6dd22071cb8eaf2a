#pragma once
// What the API server accepts in a response's `warnings` and `auditAnnotations`
// (k8s.io/apiserver endpoints/filters/warning.go, admission/plugin/webhook/mutating/dispatcher.go).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace injector {

/// At most this many warnings go into one response; the last kept one says how many were left.
inline constexpr std::size_t kMaxWarnings = 10;
/// The API server truncates a warning to 256 runes once the total passes 4 KiB; ours never need
/// that: each is cut at this many runes, at a UTF-8 character boundary, ending in "...".
inline constexpr std::size_t kMaxWarningRunes = 256;
/// The API server's total for all warnings of a request.
inline constexpr std::size_t kMaxWarningBytes = 4096;

/// `warnings` as the API server forwards them all: control characters (which make it drop a
/// warning) become spaces, invalid UTF-8 becomes U+FFFD, empty and duplicate ones are dropped,
/// each is cut at kMaxWarningRunes, and past kMaxWarnings or kMaxWarningBytes the rest is
/// replaced by one "N more warnings not shown".
std::vector<std::string> bound_warnings(const std::vector<std::string>& warnings);

/// Whether `key` survives as an audit annotation: the API server stores it as
/// `<webhook name>/<key>`, which must be a qualified name, so `key` is a name part: 1..63
/// characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric, no `/`.
bool is_audit_annotation_key(std::string_view key);

}  // namespace injector
