// SidecarSet injection into a Pod on CREATE, after OpenKruise's pod webhook
// (pkg/webhook/pod/mutating/sidecarset.go, sidecarset_hotupgrade.go, sidecarset_resources.go and
// pkg/control/sidecarcontrol/util.go). The pod stays raw JSON and is never copied: what injection
// assigns is recorded as Edits and diffed into a patch, so fields we do not know survive
// untouched. Selection is in select.cpp, building the sidecars in sidecars.cpp; this file merges
// what was built into the pod.
//
// Where we knowingly differ, always so that a reinvoked review of our own output yields no op
// (reinvocationPolicy IfNeeded):
// - a hash-annotation entry that would change only its updateTimestamp keeps the old entry;
// - a MergePatchJson that leaves the parsed value unchanged keeps the existing bytes, and one
//   that changes it (or is written onto an absent annotation) writes what the library settles on
//   when merging again;
// - an updateTimestamp within the zero second re-encodes as null at once;
// - Partial keeps the candidate the pod already records instead of drawing again;
// - resourcesPolicy also ignores the `-1`/`-2` names of matched hot sidecars as targets.
// SidecarSets are visited in name order (upstream: informer map order), a mount naming a
// volume the SidecarSet lacks is skipped with a warning rather than a nil dereference, and a
// `null` hash or hot-upgrade working annotation reads as empty (upstream panics on its nil map).

#include "injector/inject/inject.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "injector/inject/annotations.hpp"
#include "injector/inject/pod_shape.hpp"
#include "injector/patch/edits.hpp"
#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"
#include "steps.hpp"

namespace injector {

bool is_native_sidecar(const Json& container) {
  return member_string(container, "restartPolicy") == "Always";
}

bool is_hot_upgrade(const Json& container) {
  return member_string(member(container, "upgradeStrategy"), "upgradeType") == "HotUpgrade";
}

void add_sidecar_names(const Json& spec, std::set<std::string>& names) {
  for (const char* list : {"containers", "initContainers"}) {
    const Json& containers = member(spec, list);
    if (!containers.is_array()) {
      continue;
    }
    for (const Json& c : containers) {
      const std::string name = member_string(c, "name");
      names.insert(name);
      if (is_hot_upgrade(c)) {
        names.insert(name + "-1");
        names.insert(name + "-2");
      }
    }
  }
}

namespace {

using inject_steps::Build;
using inject_steps::is_injected;
using inject_steps::items;
using inject_steps::PendingVolume;
using inject_steps::prefix;
using inject_steps::PreState;
using inject_steps::Produced;

// mergeSidecarContainers: a same-name pod container is replaced in place; the rest go before
// (BeforeAppContainer) or after (AfterAppContainer, and "" on the pod path) the pod's list.
// Replacing one of the pod's own containers (not an earlier injection of ours) is warned about:
// the user's container silently becomes the sidecar.
std::vector<Edits::Element> merge_containers(const Json& origin,
                                             const std::vector<Produced>& injected,
                                             std::vector<std::string>& warnings) {
  std::vector<Edits::Element> kept(origin.is_array() ? origin.size() : 0);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    kept[i].from = i;
    index[member_string(origin[i], "name")] = i;
  }
  std::vector<Edits::Element> before;
  std::vector<Edits::Element> after;
  for (const auto& p : injected) {
    if (auto it = index.find(member_string(p.container, "name")); it != index.end()) {
      Edits::Element& slot = kept[it->second];
      const Json& current = slot.replaced ? slot.value : origin[it->second];
      if (!is_injected(current) && current != p.container) {
        warnings.push_back(prefix(p.sidecarset) + "container " +
                           go_quote(member_string(p.container, "name")) +
                           " replaces the pod's container of the same name");
      }
      slot.replaced = true;
      slot.value = p.container;
    } else {
      (p.policy == "BeforeAppContainer" ? before : after)
          .push_back({Edits::npos, false, p.container});
    }
  }
  before.insert(before.end(), std::make_move_iterator(kept.begin()),
                std::make_move_iterator(kept.end()));
  before.insert(before.end(), std::make_move_iterator(after.begin()),
                std::make_move_iterator(after.end()));
  return before;
}

// Names that resourcesPolicy must not aggregate: every matched SidecarSet's containers and init
// containers, plus the `-1`/`-2` names of hot pairs so that a reinvoked review sees the same
// targets as the first one.
std::set<std::string> sidecar_names(const std::vector<SuitableSidecarSet>& matched) {
  std::set<std::string> names;
  for (const auto& s : matched) {
    add_sidecar_names(s.spec, names);
  }
  return names;
}

// util.MergeVolumes: the pod's own volumes win, then the first pending volume of a name. A pod
// volume that differs from the SidecarSet's of the same name is warned about: the sidecar then
// mounts something its SidecarSet did not describe.
void merge_volumes(Edits& edits, const Json& spec, std::vector<PendingVolume>& pending,
                   std::vector<std::string>& warnings) {
  const Json& vols = member(spec, "volumes");
  // The pod's volumes by name (the first of a name), viewed in the pod itself; a pod may hold
  // tens of thousands, the SidecarSets a few.
  std::unordered_map<std::string_view, const Json*> own;
  std::vector<Edits::Element> merged;
  if (vols.is_array()) {
    own.reserve(vols.size());
    merged.reserve(vols.size() + pending.size());
    for (std::size_t i = 0; i < vols.size(); ++i) {
      const Json& name = member(vols[i], "name");
      own.emplace(name.is_string() ? std::string_view(name.get_ref<const std::string&>()) : "",
                  &vols[i]);
      merged.push_back({i, false, Json()});
    }
  }
  std::set<std::string> added;
  std::set<std::string> warned;
  const std::size_t before = merged.size();
  for (auto& p : pending) {
    const std::string name = member_string(p.volume, "name");
    const auto it = own.find(name);
    if (it == own.end()) {
      if (added.insert(name).second) {
        merged.push_back({Edits::npos, false, std::move(p.volume)});
      }
    } else if (*it->second != p.volume && warned.insert(name).second) {
      warnings.push_back(prefix(p.sidecarset) + "volume " + go_quote(name) +
                         " differs from the pod's volume of that name; the pod's is kept");
    }
  }
  if (merged.size() != before) {
    edits.set_array({"spec", "volumes"}, std::move(merged));
  }
}

// mergeSidecarSecrets: the pod's secrets de-duplicated by name, then the sidecars' new ones.
// Written only when that changes the list (Go would also turn an empty list into nil).
void merge_secrets(Edits& edits, const Json& spec, const std::vector<Json>& pending) {
  Json secrets = Json::array();
  std::set<std::string> names;
  for (const Json* s : items(spec, "imagePullSecrets")) {
    if (names.insert(member_string(*s, "name")).second) {
      secrets.push_back(*s);
    }
  }
  for (const auto& s : pending) {
    if (names.insert(member_string(s, "name")).second) {
      secrets.push_back(s);
    }
  }
  if (!secrets.empty() && secrets != member(spec, "imagePullSecrets")) {
    edits.set({"spec", "imagePullSecrets"}, std::move(secrets));
  }
}

// §2.6: what was built goes into the pod; nothing is assembled when no container was produced
// (upstream returns early, keeping only the metadata patch). Returns whether it was; the pod's
// annotations are then `annotations` with the hash, list and hot-upgrade entries set.
bool assemble(Edits& edits, Json& annotations, const Json& spec, Build& build,
              const PreState& pre) {
  if (build.containers.empty() && build.init_containers.empty()) {
    return false;
  }
  std::stable_sort(build.init_containers.begin(), build.init_containers.end(),
                   [](const Produced& a, const Produced& b) {
                     return member_string(a.container, "name") < member_string(b.container, "name");
                   });
  if (!build.init_containers.empty()) {
    edits.set_array(
        {"spec", "initContainers"},
        merge_containers(member(spec, "initContainers"), build.init_containers, build.warnings));
  }
  // EnableSortSidecarContainerByName is off by default: containers keep their build order.
  if (!build.containers.empty()) {
    edits.set_array({"spec", "containers"},
                    merge_containers(member(spec, "containers"), build.containers, build.warnings));
  }
  merge_volumes(edits, spec, build.volumes, build.warnings);
  merge_secrets(edits, spec, build.secrets);
  annotations[std::string(kHashAnnotation)] = encode_upgrade_specs(pre.hashes);
  annotations[std::string(kHashWithoutImageAnnotation)] =
      encode_upgrade_specs(pre.hashes_without_image);
  std::string list;
  for (auto it = pre.injected_list.begin(); it != pre.injected_list.end(); ++it) {
    list += (it == pre.injected_list.begin() ? "" : ",") + *it;
  }
  annotations[std::string(kInjectedListAnnotation)] = list;
  for (const auto& [k, v] : build.annotations) {
    annotations[k] = v;
  }
  return true;
}

}  // namespace

Result<Injection> inject(const World& world, const Json& pod, std::string_view request_namespace,
                         const InjectOptions& options) {
  if (auto shape = check_pod_shape(pod); !shape) {
    return std::unexpected(shape.error());
  }
  Injection result;
  if (options.with_pod) {
    result.pod = pod;
  }
  if (!is_active(pod)) {
    return result;
  }
  const Json& metadata = member(pod, "metadata");
  std::string ns = member_string(metadata, "namespace");
  const bool fill_namespace = ns.empty() && !request_namespace.empty();
  if (ns.empty()) {
    ns = std::string(request_namespace);
  }
  const Labels labels = labels_of(member(metadata, "labels"));
  // The hashes this pod already records (an invalid annotation is reported below, once we know
  // some SidecarSet matched, as upstream does).
  const UpgradeSpecs recorded =
      parse_upgrade_specs(member_string(member(metadata, "annotations"), kHashAnnotation))
          .value_or(UpgradeSpecs{});
  auto selection =
      inject_steps::select(world, ns.empty() ? "default" : ns, labels, options.seed, recorded);
  if (!selection) {
    return std::unexpected(selection.error());
  }
  const auto& matched = selection->matched;
  result.warnings = std::move(selection->warnings);
  if (matched.empty()) {
    return result;
  }
  if (std::string why = no_app_containers(pod); !why.empty()) {
    // Left for the API server to reject: a pod made only of sidecars would hide its own error.
    result.warnings.push_back("pod not mutated: " + why + " (the API server rejects it)");
    return result;
  }
  for (const auto& s : matched) {
    result.matched.push_back(s.live->name);
  }

  // §2.4: patchPodMetadata first, for every matched SidecarSet, even if nothing is injected.
  const Json& original_annotations = member(metadata, "annotations");
  Json annotations = original_annotations.is_object() ? original_annotations : Json::object();
  for (const auto& s : matched) {
    if (auto r = patch_pod_metadata(annotations, member(s.spec, "patchPodMetadata")); !r) {
      return fail(r.error().code, prefix(s.live->name) + r.error().message);
    }
  }
  auto pre = inject_steps::read_pre_state(
      annotations, "pod(" + ns + "/" + member_string(metadata, "name") + ")");
  if (!pre) {
    return std::unexpected(pre.error());
  }

  const Json& spec = member(pod, "spec");
  inject_steps::PodView view;
  view.containers = &member(spec, "containers");
  view.labels = labels;
  view.annotations = &annotations;
  const auto excluded = sidecar_names(matched);
  for (const Json* c : items(spec, "initContainers")) {
    if (is_native_sidecar(*c) && !excluded.contains(member_string(*c, "name"))) {
      view.resource_candidates.push_back(c);
    }
  }
  for (const Json* c : items(spec, "containers")) {
    if (!excluded.contains(member_string(*c, "name"))) {
      view.resource_candidates.push_back(c);
    }
  }
  auto build = inject_steps::build_sidecars(matched, view, rfc3339_utc(options.now), *pre);
  if (!build) {
    return std::unexpected(build.error());
  }
  // Upstream merges each list on its own and leaves a cross-list clash to kube-apiserver
  // ("Duplicate value", kruise #2013); it is denied here with the SidecarSet that causes it.
  std::vector<AddedContainer> added;
  for (const auto* list : {&build->init_containers, &build->containers}) {
    for (const auto& p : *list) {
      added.push_back(
          {member_string(p.container, "name"), list == &build->init_containers, p.sidecarset});
    }
  }
  if (auto unique = check_unique_names(spec, added); !unique) {
    return std::unexpected(unique.error());
  }

  // Only what injection assigns is recorded and diffed; the pod itself is never copied.
  Edits edits;
  const bool metadata_patched = annotations != original_annotations &&
                                !(annotations.empty() && original_annotations.is_null());
  if (metadata_patched) {
    edits.set({"metadata", "annotations"}, Json());  // assigned first, its value comes below
  }
  if (assemble(edits, annotations, spec, *build, *pre) || metadata_patched) {
    edits.set({"metadata", "annotations"}, std::move(annotations));
  }
  if (fill_namespace && edits.changes(pod)) {
    // The Go handler sets metadata.namespace from the request before mutating, so it shows up
    // in the patch whenever the pod changes at all.
    edits.set({"metadata", "namespace"}, std::string(request_namespace));
  }
  result.patch = edits.diff(pod);
  if (options.with_pod) {
    edits.apply(result.pod);
  }
  // What selection left out is news on every review; what the build did only when it changed
  // the pod (a reinvoked review of our own output must not repeat the first one's warnings).
  if (!result.patch.empty()) {
    for (auto* list : {&selection->replaced, &build->warnings}) {
      result.warnings.insert(result.warnings.end(), list->begin(), list->end());
    }
  }
  return result;
}

}  // namespace injector
