// resourcesPolicy (§3.9): OpenKruise pkg/webhook/pod/mutating/sidecarset_resources.go, its
// expression calculator pkg/util/calculator (a goyacc grammar, lexer.go, calculator.y) and the
// load-time checks of pkg/webhook/sidecarset/validating (validateResourcesPolicy). Results,
// rounding and error texts follow those sources, since they reach the pod and the user.
#include "injector/inject/resources.hpp"

#include "injector/inject/calculator.hpp"
#include "injector/wire/json_access.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <re2/re2.h>

namespace injector {
namespace {

using Value = CalcValue;

// ---- policy access --------------------------------------------------------------------------

std::string string_of(const Json& j) { return j.is_string() ? j.get<std::string>() : ""; }

// The name regex; the CRD defaults an absent one to ".*".
std::string name_regex(const Json& policy) {
  const Json& r = member(policy, "targetContainersNameRegex");
  return r.is_null() ? ".*" : string_of(r);
}

// Go regexp's compile error text for what RE2 reports ("error parsing regexp: missing closing ]:
// `[a`"); RE2 and Go's regexp/syntax share their parser design and error fragments.
std::string go_regexp_error(const RE2& re) {
  std::string what;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      what = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      what = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      what = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      what = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      what = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      what = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      what = "trailing backslash at end of expression";
      break;
    case RE2::ErrorRepeatArgument:
      what = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      what = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      what = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      what = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      what = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      what = "invalid named capture";
      break;
    case RE2::ErrorPatternTooLarge:
      what = "expression too large";
      break;
    default:
      what = re.error();
      break;
  }
  const std::string arg =
      re.error_code() == RE2::ErrorTrailingBackslash ? std::string() : re.error_arg();
  return "error parsing regexp: " + what + ": `" + arg + "`";
}

RE2::Options go_regexp_options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

// Compiles with RE2 and reports a failure as Go's regexp.Compile would. RE2 also accepts \C (any
// byte), which Go's regexp/syntax rejects; that one is checked by hand (outside \Q...\E).
std::optional<std::string> go_regexp_problem(std::string_view pattern, const RE2& re) {
  if (!re.ok()) {
    return go_regexp_error(re);
  }
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') {
      continue;
    }
    if (pattern[i + 1] == 'Q') {
      const auto end = pattern.find("\\E", i + 2);
      if (end == std::string_view::npos) {
        break;
      }
      i = end + 1;
    } else if (pattern[i + 1] == 'C') {
      return "error parsing regexp: invalid escape sequence: `\\C`";
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

// ---- aggregation ----------------------------------------------------------------------------

struct Amounts {
  std::map<std::string, Quantity> limits;
  std::map<std::string, Quantity> requests;
};

constexpr std::string_view kCpu = "cpu";
constexpr std::string_view kMemory = "memory";

bool is_go_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// A pod quantity as resource.Quantity.UnmarshalJSON reads it (quoted or bare, trimmed).
Result<std::optional<Quantity>> pod_quantity(const Json& container, std::string_view kind,
                                             std::string_view resource) {
  const Json& list = member(member(container, "resources"), kind);
  if (!list.is_object() || !list.contains(resource)) {
    return std::nullopt;
  }
  const Json& v = list.at(std::string(resource));
  if (v.is_null()) {
    return Quantity{};  // "null" decodes to a zero quantity that is present in the map
  }
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
    while (!text.empty() && is_go_space(text.back())) {
      text.pop_back();
    }
    std::size_t b = 0;
    while (b < text.size() && is_go_space(text[b])) {
      ++b;
    }
    text.erase(0, b);
  } else if (v.is_number()) {
    text = v.dump();
  }
  auto q = parse_quantity_go(text);
  if (!q || (!v.is_string() && !v.is_number())) {
    return fail("invalid_quantity",
                "container " + go_quoted(string_of(member(container, "name"))) + ": resources." +
                    std::string(kind) + "." + std::string(resource) + ": " +
                    (q ? std::string("must be a string or number") : q.error()));
  }
  return std::optional<Quantity>(std::move(*q));
}

// aggregateResourcesBySum / aggregateResourcesByMax. A limit missing on any target leaves the
// aggregate unlimited (absent); a missing request counts as zero.
Result<Amounts> aggregate(const std::vector<const Json*>& targets, std::string_view mode) {
  Amounts out;
  if (mode != "sum" && mode != "max") {
    return out;  // aggregateResources' switch has no default: both lists stay empty
  }
  const bool sum = mode == "sum";
  for (std::string_view res : {kCpu, kMemory}) {
    const std::string key(res);
    Quantity limit = quantity_from_int(0, QuantityFormat::kDecimalSI);
    Quantity request = quantity_from_int(0, QuantityFormat::kDecimalSI);
    std::optional<Quantity> max_limit;
    std::optional<Quantity> max_request;
    bool all_have_limit = true;
    for (const Json* c : targets) {
      auto l = pod_quantity(*c, "limits", res);
      if (!l) {
        return std::unexpected(l.error());
      }
      auto r = pod_quantity(*c, "requests", res);
      if (!r) {
        return std::unexpected(r.error());
      }
      if (!*l) {
        all_have_limit = false;
      } else if (sum) {
        if (!add_quantity(limit, **l)) {
          return fail("resources_policy", "aggregated " + key + " limit out of range");
        }
      } else if (!max_limit || compare_quantities(**l, *max_limit) > 0) {
        max_limit = **l;
      }
      if (!*r) {
        continue;
      }
      if (sum) {
        if (!add_quantity(request, **r)) {
          return fail("resources_policy", "aggregated " + key + " request out of range");
        }
      } else if (!max_request || compare_quantities(**r, *max_request) > 0) {
        max_request = **r;
      }
    }
    if (sum) {
      if (all_have_limit) {
        out.limits[key] = limit;
      }
      if (quantity_sign(request) != 0) {
        out.requests[key] = request;
      }
    } else {
      if (all_have_limit && max_limit) {
        out.limits[key] = *max_limit;
      }
      if (max_request) {
        out.requests[key] = *max_request;
      }
    }
  }
  return out;
}

// `\bmemory\b` (Go's ASCII word boundary).
bool mentions_memory(std::string_view expr) {
  auto word = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  for (auto at = expr.find(kMemory); at != std::string_view::npos;
       at = expr.find(kMemory, at + 1)) {
    const bool before = at == 0 || !word(expr[at - 1]);
    const std::size_t end = at + kMemory.size();
    const bool after = end == expr.size() || !word(expr[end]);
    if (before && after) {
      return true;
    }
  }
  return false;
}

// Field-error helpers in apimachinery's field.Error form.
std::string invalid(std::string_view path, std::string_view value_text, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + std::string(value_text) + ": " +
         std::string(detail);
}

std::string type_name(const Json& j) {
  if (j.is_string()) {
    return "string";
  }
  if (j.is_boolean()) {
    return "boolean";
  }
  if (j.is_number_integer()) {
    return "integer";
  }
  if (j.is_number()) {
    return "number";
  }
  if (j.is_array()) {
    return "array";
  }
  if (j.is_object()) {
    return "object";
  }
  return "null";
}

// The CRD schema's type check (structural schema validation in the API server).
bool check_type(std::vector<std::string>& out, const Json& j, std::string_view path,
                bool want_object) {
  if (want_object ? j.is_object() : j.is_string()) {
    return true;
  }
  const std::string t = type_name(j);
  out.push_back(invalid(path, go_quoted(t),
                        std::string(path) + " in body must be of type " +
                            (want_object ? "object" : "string") + ": " + go_quoted(t)));
  return false;
}

void check_expressions(std::vector<std::string>& out, const Json& exprs, const std::string& path) {
  if (!check_type(out, exprs, path, true)) {
    return;
  }
  for (std::string_view res : {kCpu, kMemory}) {
    const Json& e = member(exprs, res);
    const std::string p = path + "." + std::string(res);
    if (e.is_null() || !check_type(out, e, p, false)) {
      continue;
    }
    const std::string text = e.get<std::string>();
    if (text.empty()) {
      continue;
    }
    if (auto err = check_resource_expression(text, res)) {
      out.push_back(invalid(p, go_quoted(text), *err));
    }
  }
}

}  // namespace

std::optional<std::string> check_resource_expression(std::string_view expr,
                                                     std::string_view variable) {
  if (expr.empty()) {
    return std::nullopt;
  }
  Value one;
  one.number = 1.0;
  auto r = calculate(expr, {{std::string(variable), one}});
  if (!r) {
    return "invalid expression: " + r.error();
  }
  return std::nullopt;
}

Result<std::optional<Quantity>> evaluate_resource_expression(std::string_view expr,
                                                             const Quantity& aggregated,
                                                             bool is_limit) {
  if (expr.empty()) {
    if (is_limit) {
      return std::optional<Quantity>();
    }
    return std::optional<Quantity>(quantity_from_int(0, QuantityFormat::kDecimalSI));
  }
  const bool memory = mentions_memory(expr);
  Value var;
  var.is_quantity = true;
  var.quantity = aggregated;
  auto r = calculate(expr, {{std::string(memory ? kMemory : kCpu), var}});
  if (!r) {
    return fail("resources_policy",
                "failed to parse expression " + go_quoted(expr) + ": " + r.error());
  }
  if (r->is_quantity) {
    return std::optional<Quantity>(std::move(r->quantity));
  }
  // A plain number is cores (kept as milli-cores) or bytes.
  if (!memory) {
    return std::optional<Quantity>(
        quantity_from_milli(go_float_to_int64(r->number * 1000), QuantityFormat::kDecimalSI));
  }
  return std::optional<Quantity>(
      quantity_from_int(go_float_to_int64(r->number), QuantityFormat::kDecimalSI));
}

std::vector<std::string> validate_resources_policy(const Json& policy, std::string_view field) {
  std::vector<std::string> out;
  const std::string f(field);
  if (!check_type(out, policy, f, true)) {
    return out;
  }
  // targetContainersMode: required, enum sum|max (the CRD schema enforces both).
  const std::string mode_path = f + ".targetContainersMode";
  const Json& mode = member(policy, "targetContainersMode");
  if (mode.is_null()) {
    out.push_back(mode_path + ": Required value");
  } else if (check_type(out, mode, mode_path, false) && mode != "sum" && mode != "max") {
    out.push_back(mode_path + ": Unsupported value: " + go_quoted(mode.get<std::string>()) +
                  ": supported values: \"sum\", \"max\"");
  }
  // targetContainersNameRegex: absent defaults to ".*"; an explicit "" is rejected.
  const std::string regex_path = f + ".targetContainersNameRegex";
  const Json& regex = member(policy, "targetContainersNameRegex");
  if (!regex.is_null() && check_type(out, regex, regex_path, false)) {
    const std::string pattern = regex.get<std::string>();
    if (pattern.empty()) {
      out.push_back(regex_path + ": Required value: invalid empty regex");
    } else {
      RE2 re(pattern, go_regexp_options());
      if (auto problem = go_regexp_problem(pattern, re)) {
        out.push_back(
            invalid(regex_path, go_quoted(pattern), "invalid regex pattern: " + *problem));
      }
    }
  }
  const std::string expr_path = f + ".resourcesExpr";
  const Json& exprs = member(policy, "resourcesExpr");
  if (exprs.is_null()) {
    out.push_back(expr_path + ": Required value");
    return out;
  }
  if (!check_type(out, exprs, expr_path, true)) {
    return out;
  }
  const Json& limits = member(exprs, "limits");
  const Json& requests = member(exprs, "requests");
  if (limits.is_null() && requests.is_null()) {
    // field.Invalid prints the ResourcesExpr struct as JSON: both pointers nil, so "{}".
    out.push_back(
        invalid(expr_path, "{}", "at least one of limits or requests must be configured"));
    return out;
  }
  if (!limits.is_null()) {
    check_expressions(out, limits, expr_path + ".limits");
  }
  if (!requests.is_null()) {
    check_expressions(out, requests, expr_path + ".requests");
  }
  return out;
}

Result<Json> compute_resources(const Json& policy, const std::vector<const Json*>& candidates) {
  const std::string pattern = name_regex(policy);
  RE2 re(pattern, go_regexp_options());
  if (auto problem = go_regexp_problem(pattern, re)) {
    return fail("resources_policy", "failed to get target containers: invalid regex pattern " +
                                        go_quoted(pattern) + ": " + *problem);
  }
  std::vector<const Json*> targets;
  for (const Json* c : candidates) {
    if (RE2::PartialMatch(string_of(member(*c, "name")), re)) {
      targets.push_back(c);
    }
  }
  if (targets.empty()) {
    return fail("resources_policy", "no containers match the regex pattern " + go_quoted(pattern));
  }
  auto amounts = aggregate(targets, string_of(member(policy, "targetContainersMode")));
  if (!amounts) {
    return std::unexpected(amounts.error());
  }

  const Json& exprs = member(policy, "resourcesExpr");
  Json resources = Json::object();
  struct Part {
    std::string_view key;
    bool is_limit;
    const std::map<std::string, Quantity>* aggregated;
    std::string_view label;
  };
  const Part parts[] = {{"limits", true, &amounts->limits, "limits"},
                        {"requests", false, &amounts->requests, "requests"}};
  for (const Part& part : parts) {
    const Json& e = member(exprs, part.key);
    if (e.is_null()) {
      continue;
    }
    Json list = Json::object();
    for (std::string_view res : {kCpu, kMemory}) {
      const std::string text = string_of(member(e, res));
      if (text.empty()) {
        continue;
      }
      auto it = part.aggregated->find(std::string(res));
      Quantity value;  // a missing request is a zero quantity
      if (it != part.aggregated->end()) {
        value = it->second;
      } else if (part.is_limit) {
        continue;  // unlimited aggregate: the sidecar gets no limit either
      }
      auto result = evaluate_resource_expression(text, value, part.is_limit);
      if (!result) {
        return fail("resources_policy",
                    "failed to evaluate " + std::string(res == kCpu ? "CPU" : "memory") + " " +
                        std::string(part.label) + " expression: " + result.error().message);
      }
      if (*result) {
        list[std::string(res)] = format_quantity(**result);
      }
    }
    if (!list.empty()) {
      resources[std::string(part.key)] = std::move(list);
    }
  }
  return resources;
}

}  // namespace injector
