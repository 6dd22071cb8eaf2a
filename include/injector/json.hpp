#pragma once
// Shared vocabulary of the core: the JSON document type and the error channel.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace injector {

/// JSON document type of the core. Insertion-ordered, so a pod read from the wire is written back
/// with its keys in the order they came (the `inject` CLI prints the pod the API server would see).
using Json = nlohmann::ordered_json;

/// An error from untrusted input. `code` is short and stable (for tests and metrics); `message`
/// names the offending object and field, e.g.
/// `sidecarset "log-agent": spec.selector.matchExpressions[0].operator "Has" is not supported`.
struct Error {
  std::string code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for `return fail("code", "message");` in functions returning Result<T>.
inline std::unexpected<Error> fail(std::string code, std::string message) {
  return std::unexpected<Error>(Error{std::move(code), std::move(message)});
}

}  // namespace injector
