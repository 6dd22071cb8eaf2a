#pragma once
// YAML 1.1 scalar resolution exactly as Kubernetes reads manifests: kubectl and the API server
// convert YAML with sigs.k8s.io/yaml over gopkg.in/yaml.v2, whose resolve.go types plain scalars
// by YAML 1.1 rules (`0400` is octal 256, `yes`/`on`/`Y` are booleans, `1_000` is 1000), and whose
// convertToJSONableObject turns map keys into JSON object keys.

#include <expected>
#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

/// A plain (unquoted, untagged) scalar as go-yaml v2 resolves it: null, a bool, an int64, a
/// uint64 (past int64), a double (NaN and infinities included) or, failing all, the text itself.
Json resolve_plain_scalar(std::string_view text);

/// A scalar with an explicit core tag (`!!int 0400`, `!!str 0400`, `!!float 1`). Tags outside
/// the core schema keep the text. Error when the text is not of the tag's kind, worded as
/// go-yaml's: "cannot decode !!str `abc` as a !!int".
std::expected<Json, std::string> resolve_tagged_scalar(std::string_view tag, std::string_view text);

/// A resolved scalar value as it reads back from the JSON sigs.k8s.io/yaml writes: doubles that
/// encoding/json prints without a fraction or exponent (integral, below 1e21) are integers.
/// Error for NaN and infinities, which encoding/json refuses ("json: unsupported value: NaN").
std::expected<Json, std::string> json_scalar_value(const Json& resolved);

/// A resolved scalar map key as sigs.k8s.io/yaml turns it into a JSON object key: strings as
/// they are, booleans "true"/"false", integers in decimal, doubles as Go's
/// strconv.FormatFloat(f, 'g', -1, 32) (`.inf`, `-.inf`, `.nan` for the specials). Error for a
/// null key and for integers past int64, which sigs.k8s.io/yaml does not support either.
std::expected<std::string, std::string> json_object_key(const Json& resolved);

/// Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest digits that read back as the same
/// float32, in %e form when the exponent is below -4 or at least 6.
std::string format_float32_g(double f);

}  // namespace injector
