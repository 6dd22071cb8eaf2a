#pragma once
// explain's two renderings: text for people, JSON for tools (one shape, stable keys).

#include <string>
#include <vector>

#include "cli/workload/manifests.hpp"
#include "injector/explain/explain.hpp"

namespace injector::cli {

struct ExplainedObject {
  const ObjectReport& object;
  Explanation explanation;
};

/// One block per object: a header naming it and its namespace, then one entry per SidecarSet.
std::string explanations_text(const std::vector<ExplainedObject>& objects);

/// `{"objects": [...]}`, pretty-printed, one entry per object (see docs/testing.md).
std::string explanations_json(const std::vector<ExplainedObject>& objects);

/// `found: ConfigMap "a", Service "b"` for the input that holds no pod.
std::string describe_kinds(const std::vector<InputDocument>& docs);

}  // namespace injector::cli
