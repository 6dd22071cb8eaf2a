#pragma once
// Tolerant reads of raw Kubernetes objects: a missing key, a null or a value of the wrong type
// reads as absent. Shape errors are reported by validation, never by these accessors.

#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

/// obj[key], or a null Json when obj is not an object or has no such key.
inline const Json& member(const Json& obj, std::string_view key) {
  static const Json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

/// obj[key] when it is a string, else "".
inline std::string member_string(const Json& obj, std::string_view key) {
  const Json& v = member(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

}  // namespace injector
