#pragma once
// Kubernetes label selectors (metav1.LabelSelector) as OpenKruise evaluates them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

using Labels = std::map<std::string, std::string, std::less<>>;

struct LabelRequirement {
  std::string key;
  std::string op;  // kept verbatim: "In", "NotIn", "Exists", "DoesNotExist" or anything else
  std::vector<std::string> values;
};

struct LabelSelector {
  std::vector<std::pair<std::string, std::string>> match_labels;  // sorted by key
  std::vector<LabelRequirement> expressions;                      // spec order

  bool empty() const { return match_labels.empty() && expressions.empty(); }
};

/// Reads a metav1.LabelSelector object. Fails on a wrong JSON shape (naming `field`, e.g.
/// `spec.selector.matchLabels.app: must be a string`); operators are NOT checked here, so that an
/// object OpenKruise admission lets through (e.g. updateStrategy.selector under NotUpdate) loads.
Result<LabelSelector> parse_label_selector(const Json& j, std::string_view field);

/// Label-selector semantics (all matchLabels AND all expressions). An unknown operator is an error
/// naming it, with apimachinery's LabelSelectorAsSelector text:
/// `"badOp" is not a valid label selector operator`. An empty selector matches
/// everything here; callers that treat empty as "nothing" (the pod selector) check `empty()`.
Result<bool> selector_matches(const LabelSelector& s, const Labels& labels);

/// One requirement of a selector that a set of labels fails, and the labels' value for its key.
struct UnmetRequirement {
  std::string term;  // `matchLabels.app` or `matchExpressions[1]` (relative to the selector)
  std::string key;
  std::string op;                    // "=" for a matchLabels entry, else the expression's operator
  std::vector<std::string> values;   // the wanted value(s)
  std::optional<std::string> value;  // the labels' value for `key`, nullopt when absent
};

/// The first requirement `labels` fail, in selector_matches' order (matchLabels by key, then
/// expressions in spec order); nullopt when the selector matches. Errors as selector_matches
/// (selector_matches is this function's `!has_value()`).
Result<std::optional<UnmetRequirement>> first_unmet(const LabelSelector& s, const Labels& labels);

/// Kubernetes validation of a selector: keys are qualified names, values valid label values,
/// operators known, In/NotIn need values, Exists/DoesNotExist none. Returns one message per
/// problem, each prefixed with `field` (e.g. `spec.selector.matchExpressions[0].operator: ...`).
std::vector<std::string> validate_label_selector(const LabelSelector& s, std::string_view field);

/// Reads a `{"k":"v"}` labels object (missing/null gives an empty map).
Labels labels_of(const Json& obj);

/// OpenKruise's `util.IsSelectorOverlapping` heuristic (§6 rule 14): true unless one selector
/// pins a key to values the other excludes (a=h vs a=i, a In[i,j], a NotIn[h], a DoesNotExist),
/// or the second requires `Exists` on a key the first does not constrain. Selectors on different
/// keys overlap.
bool selectors_overlap(const LabelSelector& a, const LabelSelector& b);

/// apimachinery IsQualifiedName: one message per problem, empty when valid.
std::vector<std::string> qualified_name_errors(std::string_view name);

/// apimachinery IsValidLabelValue: one message per problem, empty when valid.
std::vector<std::string> label_value_errors(std::string_view value);

/// apimachinery IsDNS1123Subdomain: one message per problem, empty when valid.
std::vector<std::string> dns1123_subdomain_errors(std::string_view value);

/// apimachinery IsDNS1123Label: one message per problem, empty when valid.
std::vector<std::string> dns1123_label_errors(std::string_view value);

}  // namespace injector
