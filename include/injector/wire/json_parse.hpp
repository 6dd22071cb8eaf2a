#pragma once
// Fast JSON text -> Json for the request hot path (RapidJSON's reader, nlohmann's document).

#include <cstddef>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

struct JsonSyntaxError {
  std::size_t byte = 0;   // 1-based position of the offending byte, as nlohmann reports it
  bool too_deep = false;  // an object or array opened past max_depth there
};

/// Parses one JSON document (RFC 8259, UTF-8 validated, nothing but white space after it) into
/// the same Json that Json::parse would build: key order kept, a repeated key keeps its first
/// position and its last value, non-negative integers unsigned, doubles at full precision.
/// RapidJSON's reader is several times faster than nlohmann's lexer on AdmissionReviews.
/// `max_depth` (0: none) refuses a document whose objects and arrays nest deeper, as an error
/// with `too_deep` at the bracket that goes too deep; the parser itself never recurses.
std::expected<Json, JsonSyntaxError> parse_json(std::string_view text, std::size_t max_depth = 0);

}  // namespace injector
