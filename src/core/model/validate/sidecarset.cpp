// SidecarSet validation (§6), after OpenKruise's pkg/webhook/sidecarset/validating and the parts
// of Kubernetes' ValidatePodCreate that apply to sidecar containers and volumes. The JSON shape
// is checked in shape.cpp, the pod fields in pod_fields.cpp, conflicts between SidecarSets in
// conflicts.cpp.

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/quantity.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/validate.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

#include "rules.hpp"

namespace injector {
namespace {

using namespace validation;

// ---- rule 1: metadata ----

void validate_metadata(Sink& sink, const Json& meta) {
  const std::string name = member_string(meta, "name");
  if (name.empty()) {
    sink.required("metadata.name", "name or generateName is required");
  } else {
    const bool ok = std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!ok) {
      sink.invalid("metadata.name", name,
                   "sidecarset name must consist of alphanumeric characters or '-' (e.g. "
                   "'example-com', regex used for validation is '^[a-zA-Z0-9\\-]+$')");
    }
    if (name.size() > 63) {
      sink.invalid("metadata.name", name, "must be no more than 63 characters");
    }
  }
  if (!member_string(meta, "namespace").empty()) {
    sink.forbidden("metadata.namespace", "not allowed on this type");
  }
  for (const auto& [k, v] : member(meta, "labels").items()) {
    for (const auto& e : qualified_name_errors(k)) {
      sink.invalid("metadata.labels", k, e);
    }
    for (const auto& e : label_value_errors(v.is_string() ? v.get<std::string>() : "")) {
      sink.invalid("metadata.labels", v, e);
    }
  }
  std::size_t total = 0;
  for (const auto& [k, v] : member(meta, "annotations").items()) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& e : qualified_name_errors(lower)) {
      sink.invalid("metadata.annotations", k, e);
    }
    total += k.size() + (v.is_string() ? v.get_ref<const std::string&>().size() : 0);
  }
  if (total > 256 * 1024) {
    sink.add("metadata.annotations", "Too long: must have at most 262144 bytes");
  }
}

// ---- selectors (rule 4) ----

// OpenKruise validateSelector: Kubernetes validation, non-empty, convertible.
void validate_selector(Sink& sink, const Json& j, const std::string& field) {
  auto parsed = parse_label_selector(j, field);
  if (!parsed) {
    return;  // reported by the shape check
  }
  const auto errs = validate_label_selector(*parsed, field);
  for (const auto& e : errs) {
    const auto colon = e.find(": ");
    sink.add(e.substr(0, colon), e.substr(colon + 2));
  }
  if (parsed->empty()) {
    sink.invalid(field, j, "empty selector is not valid for sidecarset.");
  }
  // metav1.LabelSelectorAsSelector fails on exactly what the validation above rejects; upstream
  // adds one more Invalid error at `<field>.selector` for it.
  if (!errs.empty()) {
    std::string why;
    for (const auto& r : parsed->expressions) {
      if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
        why = dq(r.op) + " is not a valid label selector operator";
        break;
      }
    }
    sink.invalid(field + ".selector", j, why.empty() ? "cannot be converted" : why);
  }
}

// ---- rule 6: update strategy ----

bool int_or_percent_set(const Json& v) {
  return v.is_string() || (v.is_number_integer() && v.get<std::int64_t>() != 0);
}

void validate_positive_int_or_percent(Sink& sink, const Json& v, const std::string& field) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    const bool ok =
        s.size() >= 2 && s.back() == '%' &&
        std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) {
      sink.invalid(field, v,
                   "a valid percent string must be a numeric string followed by an ending '%' "
                   "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    }
  } else if (v.is_number_integer() && v.get<std::int64_t>() < 0) {
    sink.invalid(field, v, "must be greater than or equal to 0");
  }
}

void validate_update_strategy(Sink& sink, const Json& u) {
  if (member_string(u, "type") != "RollingUpdate") {
    return;
  }
  const std::string f = "spec.updateStrategy";
  if (int_or_percent_set(member(u, "partition")) && has(u, "selector")) {
    sink.add(f, "Partition and Selector cannot be used together");
  }
  if (has(u, "selector")) {
    validate_selector(sink, member(u, "selector"), f + ".selector");
  }
  for (const char* k : {"partition", "maxUnavailable"}) {
    if (has(u, k)) {
      validate_positive_int_or_percent(sink, member(u, k), f + "." + k);
    }
  }
  const Json& prio = member(u, "priorityStrategy");
  if (prio.is_object()) {
    const Json& weights = list(prio, "weightPriority");
    const Json& orders = list(prio, "orderPriority");
    const std::string pf = f + ".priorityStrategy";
    if (!weights.empty() && !orders.empty()) {
      sink.required(pf, "only one of weightPriority and orderPriority can be used");
    }
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const Json& w = weights[i];
      const Json& weight = member(w, "weight");
      if (!weight.is_number_integer() || weight.get<std::int64_t>() < 0 ||
          weight.get<std::int64_t>() > 100) {
        sink.required(pf, "weight must be valid number in the range 1-100");
      }
      const Json& sel = member(w, "matchSelector");
      auto parsed = sel.is_object() ? parse_label_selector(sel, pf) : Result<LabelSelector>();
      if (!sel.is_object() || !parsed || parsed->empty()) {
        sink.required(pf, "selector can not be empty");
      } else if (!validate_label_selector(*parsed, idx(pf + ".weightPriority", i)).empty()) {
        sink.required(pf, "invalid selector");
      }
    }
    for (const auto& o : orders) {
      if (member_string(o, "orderedKey").empty()) {
        sink.required(pf, "order key can not be empty");
      }
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& term : list(u, "scatterStrategy")) {
    const std::string k = member_string(term, "key");
    const std::string v = member_string(term, "value");
    if (k.empty() || v.empty()) {
      sink.required(f + ".scatterStrategy", "key and value can not be empty");
    } else if (!seen.emplace(k, v).second) {
      sink.required(f + ".scatterStrategy", "duplicated key=" + k + " value=" + v);
    }
  }
}

// ---- rules 9, 10 and the hot-upgrade rule ----

// OpenKruise validateObjectFieldSelector + ConvertDownwardAPIFieldLabel for transferEnv.
void validate_transfer_env(Sink& sink, const Json& c, const std::string& p) {
  const Json& entries = list(c, "transferEnv");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Json& ref = member(member(entries[i], "sourceContainerNameFrom"), "fieldRef");
    if (!ref.is_object()) {
      continue;
    }
    const std::string f = idx(p + ".transferEnv", i) + ".fieldRef";
    const std::string api = member_string(ref, "apiVersion");
    const std::string path = member_string(ref, "fieldPath");
    if (api.empty()) {
      sink.required(f + ".apiVersion");
      continue;
    }
    if (path.empty()) {
      sink.required(f + ".fieldPath");
      continue;
    }
    if (api != "v1") {
      sink.invalid(f + ".fieldPath", path,
                   "error converting fieldPath: unsupported pod version: " + api);
      continue;
    }
    std::string_view key;
    std::string_view kind;
    const std::string_view fp = path;
    for (std::string_view prefix : {"metadata.labels", "metadata.annotations"}) {
      if (fp.starts_with(prefix) && fp.size() > prefix.size() + 4 &&
          fp.substr(prefix.size(), 2) == "['" && fp.ends_with("']")) {
        kind = prefix;
        key = fp.substr(prefix.size() + 2, fp.size() - prefix.size() - 4);
      }
    }
    if (kind.empty()) {
      sink.invalid(f + ".fieldPath", path,
                   "error converting fieldPath: field label not supported: " + path);
      continue;
    }
    std::string k(key);
    if (kind == "metadata.annotations") {
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    }
    for (const auto& e : qualified_name_errors(k)) {
      sink.invalid(f, std::string(key), e);
    }
  }
}

void validate_resources_policy_of(Sink& sink, const Json& c, const std::string& p, bool init) {
  if (!has(c, "resourcesPolicy")) {
    return;
  }
  const std::string f = p + ".resourcesPolicy";
  if (init && member_string(c, "restartPolicy") != "Always") {
    sink.forbidden(f, "resourcesPolicy is only supported for containers with RestartPolicy Always");
    return;
  }
  const Json& res = member(c, "resources");
  if (!member(res, "limits").empty() || !member(res, "requests").empty()) {
    sink.invalid(f, member(c, "resourcesPolicy"),
                 "resourcesPolicy and resources cannot be configured together");
    return;
  }
  for (const auto& msg : validate_resources_policy(member(c, "resourcesPolicy"), f)) {
    // Messages start with the field path (resources.hpp contract).
    const auto colon = msg.find(": ");
    if (colon != std::string::npos && msg.starts_with(f)) {
      sink.add(msg.substr(0, colon), msg.substr(colon + 2));
    } else {
      sink.add(f, msg);
    }
  }
}

void validate_hot_upgrade(Sink& sink, const Json& c, const std::string& p) {
  const Json& u = member(c, "upgradeStrategy");
  if (member_string(u, "upgradeType") == "HotUpgrade" &&
      member_string(u, "hotUpgradeEmptyImage").empty()) {
    sink.required(p + ".upgradeStrategy.hotUpgradeEmptyImage",
                  "container " + dq(member_string(c, "name")) +
                      ": hotUpgradeEmptyImage is required for HotUpgrade");
  }
}

void validate_containers(Sink& sink, const Json& spec) {
  const Json& init = list(spec, "initContainers");
  const Json& containers = list(spec, "containers");
  if (init.empty() && containers.empty()) {
    sink.required("spec", "no initContainer or container defined for SidecarSet");
    return;
  }
  std::map<std::string, const Json*> volumes;
  for (const auto& v : list(spec, "volumes")) {
    volumes.emplace(member_string(v, "name"), &v);
  }
  std::set<std::string> names;
  auto unique_name = [&](const Json& c, const std::string& p) {
    const std::string n = member_string(c, "name");
    if (!n.empty() && !names.insert(n).second) {
      sink.add(p + ".name", "Duplicate value: " + dq(n));
    }
  };
  for (std::size_t i = 0; i < init.size(); ++i) {
    const std::string p = idx("spec.initContainers", i);
    validate_resources_policy_of(sink, init[i], p, true);
    validate_hot_upgrade(sink, init[i], p);
    validate_container(sink, init[i], p, true, volumes);
    unique_name(init[i], p);
  }
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const Json& c = containers[i];
    const std::string p = idx("spec.containers", i);
    const std::string policy = member_string(c, "podInjectPolicy");
    if (policy != "BeforeAppContainer" && policy != "AfterAppContainer") {
      sink.invalid(p + ".podInjectPolicy", policy, "unsupported pod inject policy");
      sink.upstream("spec.container.podInjectPolicy: Invalid value: " + go_quoted(policy) +
                    ": unsupported pod inject policy");
    }
    const std::string share = member_string(member(c, "shareVolumePolicy"), "type");
    if (share != "enabled" && share != "disabled") {
      sink.invalid(p + ".shareVolumePolicy", member(c, "shareVolumePolicy"),
                   "unsupported share volume policy");
      // The bad value is the Go struct, printed with %#v.
      sink.upstream(
          "spec.container.shareVolumePolicy: Invalid value: v1beta1.ShareVolumePolicy{Type:" +
          go_quoted(share) + "}: unsupported share volume policy");
    }
    validate_transfer_env(sink, c, p);
    validate_resources_policy_of(sink, c, p, false);
    validate_hot_upgrade(sink, c, p);
    validate_container(sink, c, p, false, volumes);
    unique_name(c, p);
  }
}

// ---- rule 12: patchPodMetadata (the whitelist is not applied: no ConfigMap offline) ----

void validate_patch_pod_metadata(Sink& sink, const Json& spec) {
  std::set<std::string> keys;
  const Json& patches = list(spec, "patchPodMetadata");
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const Json& patch = patches[i];
    const std::string f = idx("spec.patchPodMetadata", i);
    const Json& annotations = member(patch, "annotations");
    if (!annotations.is_object() || annotations.empty()) {
      sink.required(f, "no annotations defined for SidecarSet");
    } else {
      for (const auto& [k, v] : annotations.items()) {
        std::string lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (const auto& e : qualified_name_errors(lower)) {
          sink.invalid(f + ".annotations", k, e);
        }
      }
    }
    const std::string policy = member_string(patch, "patchPolicy");
    if (policy.empty()) {
      sink.required(f, "no patchPolicy defined for patchPodMetadata");
    } else if (policy != "Retain" && policy != "Overwrite" && policy != "MergePatchJson") {
      sink.unsupported(f + ".patchPolicy", policy, {"MergePatchJson", "Overwrite", "Retain"});
    }
    if (annotations.is_object()) {
      for (const auto& [k, v] : annotations.items()) {
        if (!keys.insert(k).second) {
          sink.required(f, "patch annotation[" + k + "] already exist");
        }
      }
    }
  }
}

}  // namespace

std::string canary_upstream_problem(const Json& sidecarset, std::string_view detail) {
  const Json& annotations = member(member(sidecarset, "metadata"), "annotations");
  std::string map = "map[string]string{";
  std::vector<std::pair<std::string, std::string>> sorted;
  if (annotations.is_object()) {
    for (const auto& [k, v] : annotations.items()) {
      sorted.emplace_back(k, v.is_string() ? v.get<std::string>() : std::string());
    }
  }
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    map += (i == 0 ? "" : ", ") + go_quoted(sorted[i].first) + ":" + go_quoted(sorted[i].second);
  }
  return "metadata: Invalid value: " + map + "}: " + std::string(detail);
}

namespace {

void validate_canary(Sink& sink, const Json& ss, const SidecarSetLookup& lookup) {
  if (!is_canary(ss)) {
    return;
  }
  const Json& meta = member(ss, "metadata");
  const std::string base = member_string(member(meta, "annotations"), kCanaryBaseAnnotation);
  const std::string f = "metadata.annotations[" + std::string(kCanaryBaseAnnotation) + "]";
  // Upstream reports every canary problem on `metadata`, the annotations as the bad value.
  auto problem = [&](const std::string& field, const Json& value, const std::string& detail) {
    sink.invalid(field, value, detail);
    sink.upstream(canary_upstream_problem(ss, detail));
  };
  if (base == member_string(meta, "name")) {
    problem(f, base, "base sidecarSet cannot be itself");
  } else if (const Json* b = lookup ? lookup(base) : nullptr; b == nullptr) {
    problem(f, base,
            "fetch base sidecarSet[" + base + "] failed: sidecarsets.apps.kruise.io " + dq(base) +
                " not found");
  } else if (is_canary(*b)) {
    problem(f, base, "base sidecarSet cannot be canary");
  }
  const std::string type = member_string(member(member(ss, "spec"), "updateStrategy"), "type");
  if (type != "NotUpdate") {
    problem("spec.updateStrategy.type", type,
            "RollingUpdate is not supported for canary sidecarSet");
  }
}

void validate_injection_strategy(Sink& sink, const Json& ss, const RevisionResolver& resolver) {
  const Json& spec = member(ss, "spec");
  const Json& revision = member(member(spec, "injectionStrategy"), "revision");
  if (!revision.is_object()) {
    return;
  }
  const std::string f = "spec.injectionStrategy.revision";
  if (!has(revision, "revisionName") && !has(revision, "customVersion")) {
    sink.invalid(f, revision, "revisionName and customVersion cannot be empty simultaneously");
  } else if (resolver) {
    // Upstream reports the restored SidecarSet as the bad value, nil when not found, under the
    // path `revision` (validateSidecarSetInjectionStrategy).
    if (const std::string why = resolver(ss); !why.empty()) {
      sink.add("revision",
               "Invalid value: \"null\": Cannot find specific ControllerRevision, err: " + why);
    }
  }
  // Without a resolver the ControllerRevision is resolved per pod (files).
  const std::string policy = member_string(revision, "policy");
  if (!policy.empty() && policy != "Always" && policy != "Partial") {
    sink.invalid(f + ".policy", policy,
                 "Invalid policy " + policy + ", supported: [Always, Partial]");
  }
}

}  // namespace

std::vector<FieldProblem> validate_sidecarset(const Json& ss, const SidecarSetLookup& lookup,
                                              const RevisionResolver& resolver) {
  Sink sink;
  check_shape(sink, ss);
  if (!sink.out.empty()) {
    return sink.out;  // the object would not even decode
  }
  const Json& spec = member(ss, "spec");
  validate_metadata(sink, member(ss, "metadata"));
  validate_canary(sink, ss, lookup);
  // Rule 3: native sidecars cannot be upgraded in place.
  if (member_string(member(spec, "updateStrategy"), "type") == "RollingUpdate") {
    for (const auto& c : list(spec, "initContainers")) {
      if (member_string(c, "restartPolicy") == "Always") {
        sink.required("spec.updateStrategy",
                      "The initContainer in-place upgrade is not currently supported.");
      }
    }
  }
  if (!has(spec, "selector")) {
    sink.required("spec.selector", "no selector defined for SidecarSet");
  } else {
    validate_selector(sink, member(spec, "selector"), "spec.selector");
  }
  if (has(spec, "namespaceSelector")) {
    validate_selector(sink, member(spec, "namespaceSelector"), "spec.namespaceSelector");
  }
  validate_injection_strategy(sink, ss, resolver);
  validate_update_strategy(sink, member(spec, "updateStrategy"));
  validate_volumes(sink, list(spec, "volumes"));
  validate_containers(sink, spec);
  validate_patch_pod_metadata(sink, spec);
  return sink.out;
}

}  // namespace injector
