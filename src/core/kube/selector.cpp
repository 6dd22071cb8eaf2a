#include "injector/kube/selector.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace injector {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` (apimachinery qualifiedNameFmt / labelValueFmt).
bool matches_qualified_part(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
bool matches_dns_label(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

std::string max_len_msg(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

std::string dq(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

}  // namespace

std::vector<std::string> dns1123_label_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) {
    errs.push_back(max_len_msg(63));
  }
  if (!matches_dns_label(value)) {
    errs.emplace_back(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return errs;
}

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) {
    errs.push_back(max_len_msg(253));
  }
  bool ok = !value.empty();
  std::size_t start = 0;
  while (ok && start <= value.size()) {
    const std::size_t dot = value.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? value.size() : dot;
    ok = matches_dns_label(value.substr(start, end - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (!ok) {
    errs.emplace_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
        "')");
  }
  return errs;
}

std::vector<std::string> qualified_name_errors(std::string_view name) {
  // apimachinery validation.IsQualifiedName: [prefix/]name.
  std::vector<std::string> errs;
  std::string_view prefix;
  std::string_view part = name;
  const auto slash = name.find('/');
  if (slash != std::string_view::npos) {
    if (name.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " + std::string(kQualifiedNameMsg));
      return errs;
    }
    prefix = name.substr(0, slash);
    part = name.substr(slash + 1);
    if (prefix.empty()) {
      errs.emplace_back("prefix part must be non-empty");
    } else {
      for (const auto& e : dns1123_subdomain_errors(prefix)) {
        errs.push_back("prefix part " + e);
      }
    }
  }
  if (part.empty()) {
    errs.emplace_back("name part must be non-empty");
  } else if (part.size() > 63) {
    errs.push_back("name part " + max_len_msg(63));
  }
  if (!part.empty() && !matches_qualified_part(part)) {
    errs.push_back("name part " + std::string(kQualifiedNameMsg));
  }
  return errs;
}

std::vector<std::string> label_value_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) {
    errs.push_back(max_len_msg(63));
  }
  if (!value.empty() && !matches_qualified_part(value)) {
    errs.emplace_back(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  }
  return errs;
}

Result<LabelSelector> parse_label_selector(const Json& j, std::string_view field) {
  const std::string f(field);
  if (!j.is_object()) {
    return fail("invalid_selector", f + ": must be an object");
  }
  LabelSelector s;
  if (auto it = j.find("matchLabels"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return fail("invalid_selector", f + ".matchLabels: must be an object");
    }
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        return fail("invalid_selector", f + ".matchLabels." + k + ": must be a string");
      }
      s.match_labels.emplace_back(k, v.get<std::string>());
    }
    std::sort(s.match_labels.begin(), s.match_labels.end());
  }
  if (auto it = j.find("matchExpressions"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      return fail("invalid_selector", f + ".matchExpressions: must be an array");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& e = (*it)[i];
      const std::string ef = f + ".matchExpressions[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        return fail("invalid_selector", ef + ": must be an object");
      }
      LabelRequirement r;
      for (const char* key : {"key", "operator"}) {
        auto kv = e.find(key);
        if (kv == e.end() || kv->is_null()) {
          continue;
        }
        if (!kv->is_string()) {
          return fail("invalid_selector", ef + "." + key + ": must be a string");
        }
        (std::string_view(key) == "key" ? r.key : r.op) = kv->get<std::string>();
      }
      if (auto vs = e.find("values"); vs != e.end() && !vs->is_null()) {
        if (!vs->is_array()) {
          return fail("invalid_selector", ef + ".values: must be an array");
        }
        for (std::size_t k = 0; k < vs->size(); ++k) {
          if (!(*vs)[k].is_string()) {
            return fail("invalid_selector",
                        ef + ".values[" + std::to_string(k) + "]: must be a string");
          }
          r.values.push_back((*vs)[k].get<std::string>());
        }
      }
      s.expressions.push_back(std::move(r));
    }
  }
  return s;
}

Result<bool> selector_matches(const LabelSelector& s, const Labels& labels) {
  auto unmet = first_unmet(s, labels);
  if (!unmet) {
    return std::unexpected(unmet.error());
  }
  return !unmet->has_value();
}

Result<std::optional<UnmetRequirement>> first_unmet(const LabelSelector& s, const Labels& labels) {
  // Evaluate every operator first so an unknown one is an error even when an earlier requirement
  // already fails: LabelSelectorAsSelector converts the whole selector before matching.
  for (const auto& r : s.expressions) {
    if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
      return fail("invalid_selector", dq(r.op) + " is not a valid label selector operator");
    }
  }
  auto value_of = [&](const std::string& key) -> std::optional<std::string> {
    auto it = labels.find(key);
    if (it == labels.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  for (const auto& [k, v] : s.match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      return UnmetRequirement{"matchLabels." + k, k, "=", {v}, value_of(k)};
    }
  }
  for (std::size_t i = 0; i < s.expressions.size(); ++i) {
    const auto& r = s.expressions[i];
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool in_values =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    bool ok = false;
    if (r.op == "In") {
      ok = in_values;
    } else if (r.op == "NotIn") {
      ok = !in_values;
    } else if (r.op == "Exists") {
      ok = has;
    } else {
      ok = !has;
    }
    if (!ok) {
      return UnmetRequirement{"matchExpressions[" + std::to_string(i) + "]", r.key, r.op, r.values,
                              value_of(r.key)};
    }
  }
  return std::optional<UnmetRequirement>{};
}

std::vector<std::string> validate_label_selector(const LabelSelector& s, std::string_view field) {
  // metav1validation.ValidateLabelSelector with default options (invalid label values rejected).
  std::vector<std::string> out;
  const std::string f(field);
  for (const auto& [k, v] : s.match_labels) {
    for (const auto& e : qualified_name_errors(k)) {
      out.push_back(f + ".matchLabels: Invalid value: " + dq(k) + ": " + e);
    }
    for (const auto& e : label_value_errors(v)) {
      out.push_back(f + ".matchLabels: Invalid value: " + dq(v) + ": " + e);
    }
  }
  for (std::size_t i = 0; i < s.expressions.size(); ++i) {
    const auto& r = s.expressions[i];
    const std::string ef = f + ".matchExpressions[" + std::to_string(i) + "]";
    if (r.op == "In" || r.op == "NotIn") {
      if (r.values.empty()) {
        out.push_back(ef +
                      ".values: Required value: must be specified when `operator` is 'In' or "
                      "'NotIn'");
      }
    } else if (r.op == "Exists" || r.op == "DoesNotExist") {
      if (!r.values.empty()) {
        out.push_back(ef +
                      ".values: Forbidden: may not be specified when `operator` is 'Exists' or "
                      "'DoesNotExist'");
      }
    } else {
      out.push_back(ef + ".operator: Invalid value: " + dq(r.op) +
                    ": not a valid selector operator");
    }
    for (const auto& e : qualified_name_errors(r.key)) {
      out.push_back(ef + ".key: Invalid value: " + dq(r.key) + ": " + e);
    }
    for (std::size_t k = 0; k < r.values.size(); ++k) {
      for (const auto& e : label_value_errors(r.values[k])) {
        out.push_back(ef + ".values[" + std::to_string(k) + "]: Invalid value: " + dq(r.values[k]) +
                      ": " + e);
      }
    }
  }
  return out;
}

Labels labels_of(const Json& obj) {
  Labels out;
  if (!obj.is_object()) {
    return out;
  }
  for (const auto& [k, v] : obj.items()) {
    if (v.is_string()) {
      out.emplace(k, v.get<std::string>());
    }
  }
  return out;
}

namespace {

// The allowed values a selector pins per key; `all` stands for upstream's "ALL" (Exists).
struct Allowed {
  std::vector<std::string> values;
  bool all = false;
};

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// isDisjoint(first, second) of OpenKruise pkg/util/selector.go.
bool disjoint(const LabelSelector& first, const LabelSelector& second) {
  std::unordered_map<std::string, Allowed> allowed;
  for (const auto& [k, v] : first.match_labels) {
    allowed[k] = Allowed{{v}, false};
  }
  for (const auto& r : first.expressions) {
    if (r.op == "In") {
      auto& a = allowed[r.key];
      a.values.insert(a.values.end(), r.values.begin(), r.values.end());
    } else if (r.op == "Exists") {
      allowed[r.key] = Allowed{{}, true};
    }
  }
  for (const auto& [k, v] : second.match_labels) {
    auto it = allowed.find(k);
    if (it != allowed.end() && !it->second.all && !contains(it->second.values, v)) {
      return true;
    }
  }
  for (const auto& r : second.expressions) {
    auto it = allowed.find(r.key);
    const bool ok = it != allowed.end();
    if (r.op == "In") {
      if (ok && !it->second.all &&
          std::none_of(r.values.begin(), r.values.end(),
                       [&](const std::string& x) { return contains(it->second.values, x); })) {
        return true;
      }
    } else if (r.op == "NotIn") {
      // NotIn covering every allowed value; "ALL" is never covered.
      if (ok && !it->second.all &&
          std::all_of(it->second.values.begin(), it->second.values.end(),
                      [&](const std::string& x) { return contains(r.values, x); })) {
        return true;
      }
    } else if (r.op == "Exists") {
      if (!ok) {
        return true;
      }
    } else if (r.op == "DoesNotExist") {
      if (ok) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool selectors_overlap(const LabelSelector& a, const LabelSelector& b) {
  return !(disjoint(a, b) || disjoint(b, a));
}

}  // namespace injector
