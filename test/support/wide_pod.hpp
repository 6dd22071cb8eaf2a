#pragma once
// A pod CREATE review (fixtures/reviews/create-v1.json) with one dimension widened to N items:
// labels, annotations, env vars of the first container, containers, or volumes. Shared by the
// linearity test and dimension_bench.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "injector/json.hpp"

namespace injector::testing {

enum class Dimension : std::int64_t { kLabels, kAnnotations, kEnv, kContainers, kVolumes };

inline const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::kLabels:
      return "labels";
    case Dimension::kAnnotations:
      return "annotations";
    case Dimension::kEnv:
      return "env";
    case Dimension::kContainers:
      return "containers";
    case Dimension::kVolumes:
      return "volumes";
  }
  return "?";
}

inline const Json& base_review(const std::string& source_dir) {
  static const Json review = [&] {
    const std::string path = source_dir + "/fixtures/reviews/create-v1.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return Json::parse(text.str());
  }();
  return review;
}

// Appends a member without ordered_json's linear search for an existing key (the keys are new),
// so building a wide pod is itself linear.
inline void append_member(Json& object, std::string key, std::string value) {
  if (!object.is_object()) {
    object = Json::object();
  }
  static_cast<Json::object_t::Container&>(object.get_ref<Json::object_t&>())
      .emplace_back(std::move(key), Json(std::move(value)));
}

// The compact review body, as the API server sends it, with `n` more items in `dimension`; env
// values and label/annotation values are padded to `value_bytes` when it is larger than theirs;
// `short_labels` makes labels as small as they come (`l<i>: v`).
inline std::string wide_review_body(const std::string& source_dir, Dimension dimension,
                                    std::int64_t n, std::size_t value_bytes = 0,
                                    bool short_labels = false) {
  const auto padded = [&](std::string v) {
    if (v.size() < value_bytes) {
      v.append(value_bytes - v.size(), 'x');
    }
    return v;
  };
  Json review = base_review(source_dir);
  Json& pod = review["request"]["object"];
  Json& metadata = pod["metadata"];
  Json& spec = pod["spec"];
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    switch (dimension) {
      case Dimension::kLabels:
        if (short_labels) {
          append_member(metadata["labels"], "l" + k, "v");  // 100,000 of them: 1.4 MB
        } else {
          append_member(metadata["labels"], "k" + k + ".example.com/l", padded("v" + k));
        }
        break;
      case Dimension::kAnnotations:
        append_member(metadata["annotations"], "a" + k + ".example.com/x", padded("value-" + k));
        break;
      case Dimension::kEnv:
        spec["containers"][0]["env"].push_back(Json{{"name", "E" + k}, {"value", padded("v" + k)}});
        break;
      case Dimension::kContainers: {
        Json container = spec["containers"][0];
        container["name"] = "c" + k;
        spec["containers"].push_back(std::move(container));
        break;
      }
      case Dimension::kVolumes:
        spec["volumes"].push_back(Json{{"name", "vol" + k}, {"emptyDir", Json::object()}});
        break;
    }
  }
  return review.dump();
}

// One SidecarSet selecting the fixture pod (app: web), with a container, env and a volume.
inline const char* kWidePodSidecarSet =
    "apiVersion: apps.kruise.io/v1beta1\n"
    "kind: SidecarSet\n"
    "metadata:\n"
    "  name: agent\n"
    "spec:\n"
    "  selector:\n"
    "    matchLabels:\n"
    "      app: web\n"
    "  containers:\n"
    "  - name: agent\n"
    "    image: registry.example.com/agent:1.4\n"
    "    env:\n"
    "    - name: AGENT_MODE\n"
    "      value: sidecar\n"
    "    volumeMounts:\n"
    "    - name: agent-data\n"
    "      mountPath: /var/lib/agent\n"
    "  volumes:\n"
    "  - name: agent-data\n"
    "    emptyDir: {}\n";

}  // namespace injector::testing
