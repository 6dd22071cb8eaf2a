#pragma once
// What the validation files share: safe reads of the raw object and the Sink that collects
// problems in field.Error form. Internal to src/core/model/validate/.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "injector/json.hpp"
#include "injector/model/validate.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

namespace injector::validation {

inline bool has(const Json& obj, std::string_view key) { return !member(obj, key).is_null(); }

inline const Json& list(const Json& obj, std::string_view key) {
  static const Json kEmpty = Json::array();
  const Json& v = member(obj, key);
  return v.is_array() ? v : kEmpty;
}

inline std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

inline std::string idx(const std::string& field, std::size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

inline std::string json_text(const Json& v) {
  return v.is_string() ? dq(v.get<std::string>()) : v.dump();
}

struct Sink {
  std::vector<FieldProblem> out;
  void add(std::string field, std::string message) {
    out.push_back(FieldProblem{std::move(field), std::move(message)});
  }
  void invalid(const std::string& field, const Json& value, const std::string& detail) {
    add(field, "Invalid value: " + json_text(value) + (detail.empty() ? "" : ": " + detail));
  }
  /// OpenKruise's own rendering of the problem just added (FieldProblem::upstream).
  void upstream(std::string text) { out.back().upstream = std::move(text); }
  void required(const std::string& field, const std::string& detail = {}) {
    add(field, "Required value" + (detail.empty() ? "" : ": " + detail));
  }
  void forbidden(const std::string& field, const std::string& detail) {
    add(field, "Forbidden: " + detail);
  }
  void unsupported(const std::string& field, const std::string& value,
                   std::initializer_list<std::string_view> supported) {
    std::string msg = "Unsupported value: " + dq(value) + ": supported values: ";
    bool first = true;
    for (auto s : supported) {
      msg += (first ? "" : ", ") + dq(s);
      first = false;
    }
    add(field, msg);
  }
};

/// The integer fields of a probe.
inline constexpr const char* kProbeInts[] = {"initialDelaySeconds", "timeoutSeconds",
                                             "periodSeconds", "successThreshold",
                                             "failureThreshold"};

/// A canary SidecarSet: canary annotation "true" and a base named.
inline bool is_canary(const Json& ss) {
  const Json& ann = member(member(ss, "metadata"), "annotations");
  return member_string(ann, kCanaryAnnotation) == "true" &&
         !member_string(ann, kCanaryBaseAnnotation).empty();
}

}  // namespace injector::validation
