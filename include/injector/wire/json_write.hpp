#pragma once
// Compact JSON text, byte for byte what `Json::dump(-1, ' ', false, error_handler_t::replace)`
// writes, appended to a caller's buffer.
//
// The review's answer is written into one buffer (patch, base64, envelope) instead of being built
// as a document and dumped; strings of printable ASCII, nearly all of a pod, are copied in runs.

#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

/// Appends `value` as compact JSON to `out`.
void append_json(std::string& out, const Json& value);

/// Appends `text` as a JSON string (quotes included) to `out`, escaped as Json::dump escapes it;
/// invalid UTF-8 is replaced by U+FFFD as error_handler_t::replace does.
void append_json_string(std::string& out, std::string_view text);

/// `value` as compact JSON.
std::string write_json(const Json& value);

}  // namespace injector
