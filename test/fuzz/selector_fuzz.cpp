// Fuzz target: label selectors. The input is JSON `{"selector": <metav1.LabelSelector>,
// "labels": {...}}`. Properties: parse_label_selector() and validate_label_selector() never
// throw and shape errors have a message; a selector that validates matches without error; the
// match agrees with a plain reading of metav1.LabelSelector (every matchLabels pair present, In:
// key present with a listed value, NotIn: key absent or value not listed, Exists, DoesNotExist);
// a selector made only of matchLabels matches exactly its own labels.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "injector/kube/selector.hpp"

namespace {

using injector::Json;
constexpr std::string_view kTarget = "selector_fuzz";

bool reference_match(const injector::LabelSelector& s, const injector::Labels& labels) {
  for (const auto& [k, v] : s.match_labels) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      return false;
    }
  }
  for (const auto& r : s.expressions) {
    const auto it = labels.find(r.key);
    const bool listed = it != labels.end() &&
                        std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    if ((r.op == "In" && !listed) || (r.op == "NotIn" && listed) ||
        (r.op == "Exists" && it == labels.end()) ||
        (r.op == "DoesNotExist" && it != labels.end())) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Json doc = Json::parse(input.begin(), input.end(), nullptr, false);
  if (doc.is_discarded()) {
    return 0;
  }
  try {
    auto s = injector::parse_label_selector(fuzz::field(doc, "selector"), "spec.selector");
    const injector::Labels labels = injector::labels_of(fuzz::field(doc, "labels"));
    if (!s) {
      if (s.error().message.empty()) {
        fuzz::violated(kTarget, "a shape error without a message", input);
      }
      return 0;
    }
    const auto problems = injector::validate_label_selector(*s, "spec.selector");
    const auto matched = injector::selector_matches(*s, labels);
    if (problems.empty() && !matched) {
      fuzz::violated(kTarget, "a valid selector fails to match", input);
    }
    if (matched && *matched != reference_match(*s, labels)) {
      fuzz::violated(kTarget, "the match disagrees with metav1.LabelSelector", input);
    }
    if (!matched && matched.error().message.empty()) {
      fuzz::violated(kTarget, "a match error without a message", input);
    }
    if (s->expressions.empty()) {
      const injector::Labels own(s->match_labels.begin(), s->match_labels.end());
      const auto self = injector::selector_matches(*s, own);
      if (!self || !*self) {
        fuzz::violated(kTarget, "matchLabels do not match their own labels", input);
      }
    }
    (void)injector::selectors_overlap(*s, *s);
    for (const auto& [k, v] : labels) {
      (void)injector::qualified_name_errors(k);
      (void)injector::label_value_errors(v);
      (void)injector::dns1123_subdomain_errors(k);
      (void)injector::dns1123_label_errors(v);
    }
  } catch (...) {
    fuzz::violated(kTarget, "a selector function threw", input);
  }
  return 0;
}
