// One pod against the World: which SidecarSets select it (the webhook's own selection), whether
// each is recorded in the pod's hash annotations at its current hash, and what its sidecars
// request.

#include "injector/audit/audit.hpp"

#include <set>

#include "injector/inject/annotations.hpp"
#include "injector/inject/inject.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/selector.hpp"
#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

std::vector<const Json*> items(const Json& obj, std::string_view key) {
  std::vector<const Json*> out;
  if (const Json& v = member(obj, key); v.is_array()) {
    for (const auto& e : v) {
      out.push_back(&e);
    }
  }
  return out;
}

// A resource quantity as the API server stores it: a string, or a JSON number (an untyped
// client may send one). Absent or null is nullopt.
Result<std::optional<Quantity>> quantity_of(const Json& list, std::string_view resource) {
  const Json& v = member(list, resource);
  if (v.is_null()) {
    return std::optional<Quantity>();
  }
  auto q = parse_quantity(v.is_string() ? v.get<std::string>() : v.dump());
  if (!q) {
    return std::unexpected(q.error());
  }
  return std::optional<Quantity>(std::move(*q));
}

// One resource of a container: its request, else its limit (Kubernetes defaults a missing
// request to the limit), else nothing.
Result<void> add_request(Quantity& total, const Json& resources, std::string_view resource,
                         int times) {
  for (const char* list : {"requests", "limits"}) {
    auto q = quantity_of(member(resources, list), resource);
    if (!q) {
      return std::unexpected(q.error());
    }
    if (*q) {
      for (int i = 0; i < times; ++i) {
        if (!add_quantity(total, **q)) {
          return fail("invalid_quantity",
                      "the sum of " + std::string(resource) + " requests does not fit a quantity");
        }
      }
      return {};
    }
  }
  return {};
}

// Names resourcesPolicy does not aggregate: every selecting SidecarSet's (init) containers and
// the `-1`/`-2` names of hot pairs, as injection excludes them.
std::set<std::string> sidecar_names(const std::vector<const SidecarSet*>& selected) {
  std::set<std::string> names;
  for (const SidecarSet* s : selected) {
    add_sidecar_names(s->spec(), names);
  }
  return names;
}

Result<Requests> sidecar_requests(const SidecarSet& s, const std::vector<const Json*>& targets) {
  Requests out;
  auto add = [&](const Json& c) -> Result<void> {
    const std::string name = member_string(c, "name");
    Json resources = member(c, "resources");
    if (const Json& policy = member(c, "resourcesPolicy"); !policy.is_null()) {
      auto computed = compute_resources(policy, targets);
      if (!computed) {
        return fail(computed.error().code, "container " + go_quote(name) +
                                               ": resourcesPolicy: " + computed.error().message);
      }
      resources = std::move(*computed);
    }
    const int times = is_hot_upgrade(c) ? 2 : 1;
    for (auto [resource, total] : {std::pair{"cpu", &out.cpu}, std::pair{"memory", &out.memory}}) {
      if (auto r = add_request(*total, resources, resource, times); !r) {
        return fail(r.error().code, "container " + go_quote(name) + ": " + r.error().message);
      }
    }
    return {};
  };
  for (const Json* ic : items(s.spec(), "initContainers")) {
    if (is_native_sidecar(*ic)) {
      if (auto r = add(*ic); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  for (const Json* c : items(s.spec(), "containers")) {
    if (auto r = add(*c); !r) {
      return std::unexpected(r.error());
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(SidecarStatus status) {
  switch (status) {
    case SidecarStatus::kOk:
      return "ok";
    case SidecarStatus::kMissing:
      return "missing";
    case SidecarStatus::kOutdated:
      return "outdated";
  }
  return "ok";
}

Result<PodVerdict> audit_pod(const World& world, const Json& pod) {
  PodVerdict out;
  const Json& metadata = member(pod, "metadata");
  out.namespace_name = member_string(metadata, "namespace");
  out.name = member_string(metadata, "name");
  out.active = is_active(pod);
  if (!out.active) {
    return out;
  }
  const Labels labels = labels_of(member(metadata, "labels"));
  auto selected = selecting_sidecarsets(world, out.namespace_name, labels);
  if (!selected) {
    return std::unexpected(selected.error());
  }
  const Json& annotations = member(metadata, "annotations");
  const UpgradeSpecs hashes =
      parse_upgrade_specs(member_string(annotations, kHashAnnotation)).value_or(UpgradeSpecs{});
  const UpgradeSpecs without_image =
      parse_upgrade_specs(member_string(annotations, kHashWithoutImageAnnotation))
          .value_or(UpgradeSpecs{});

  const std::set<std::string> excluded = sidecar_names(*selected);
  std::vector<const Json*> targets;
  const Json& spec = member(pod, "spec");
  for (const Json* c : items(spec, "initContainers")) {
    if (is_native_sidecar(*c) && !excluded.contains(member_string(*c, "name"))) {
      targets.push_back(c);
    }
  }
  for (const Json* c : items(spec, "containers")) {
    if (!excluded.contains(member_string(*c, "name"))) {
      targets.push_back(c);
    }
  }

  for (const SidecarSet* s : *selected) {
    SidecarSetVerdict v;
    v.sidecarset = s->name;
    // A SidecarSet without containers injects nothing and records nothing (buildSidecars).
    const bool injects =
        !items(s->spec(), "containers").empty() || !items(s->spec(), "initContainers").empty();
    if (auto it = hashes.find(s->name); it == hashes.end()) {
      v.status = injects ? SidecarStatus::kMissing : SidecarStatus::kOk;
    } else if (it->second.hash != s->hash) {
      v.status = SidecarStatus::kOutdated;
      auto plain = without_image.find(s->name);
      v.image_only = plain != without_image.end() && plain->second.hash == s->hash_without_image;
    }
    if (auto r = sidecar_requests(*s, targets); r) {
      v.requests = std::move(*r);
    } else {
      v.requests_error = r.error().message;
    }
    out.sidecarsets.push_back(std::move(v));
  }
  return out;
}

}  // namespace injector
