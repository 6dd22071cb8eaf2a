// SidecarSet injection into a Pod on CREATE, after OpenKruise's pod webhook
// (pkg/webhook/pod/mutating/sidecarset.go, sidecarset_hotupgrade.go, sidecarset_resources.go and
// pkg/control/sidecarcontrol/util.go). The pod stays raw JSON: the mutated copy is computed, then
// diffed into a patch, so fields we do not know survive untouched.
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
#include "injector/wire/json_access.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "injector/inject/annotations.hpp"
#include "injector/inject/hot_upgrade.hpp"
#include "injector/inject/pod_shape.hpp"
#include "injector/inject/resources.hpp"
#include "injector/inject/revision.hpp"
#include "injector/patch/edits.hpp"
#include "injector/wire/go_json.hpp"

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

bool is_active(const Json& pod) { return inactive_reason(pod).empty(); }

namespace {

constexpr std::string_view kInjectedEnv = "IS_INJECTED";

// Fields of a SidecarContainer that are not part of corev1.Container: they configure injection
// and never reach the pod (Go drops them when it copies sidecar.Container).
constexpr std::string_view kSidecarOnlyFields[] = {"podInjectPolicy",   "upgradeStrategy",
                                                   "shareVolumePolicy", "shareVolumeDevicePolicy",
                                                   "transferEnv",       "resourcesPolicy"};

const Json& null_json() {
  static const Json kNull;
  return kNull;
}

// Elements of `obj[key]` when it is an array; anything else reads as empty.
std::vector<const Json*> items(const Json& obj, std::string_view key) {
  std::vector<const Json*> out;
  const Json& v = member(obj, key);
  if (v.is_array()) {
    for (const auto& e : v) {
      out.push_back(&e);
    }
  }
  return out;
}

std::string prefix(std::string_view sidecarset) {
  return "sidecarset " + go_quote(sidecarset) + ": ";
}

// sidecarcontrol.IsInjectedSidecarContainerInPod: env IS_INJECTED=true marks our own sidecars.
bool is_injected(const Json& container) {
  for (const Json* env : items(container, "env")) {
    if (member_string(*env, "name") == kInjectedEnv && member_string(*env, "value") == "true") {
      return true;
    }
  }
  return false;
}

// util.MergeEnvVar: appends the envs whose name is not present yet (first occurrence wins).
void merge_env(Json& env, const std::vector<Json>& additional) {
  std::set<std::string> names;
  for (const auto& e : env) {
    names.insert(member_string(e, "name"));
  }
  for (const auto& e : additional) {
    if (names.insert(member_string(e, "name")).second) {
      env.push_back(e);
    }
  }
}

// `metadata.labels['k']` / `metadata.annotations['k']` (fieldpath.SplitMaybeSubscriptedPath).
std::optional<std::pair<std::string, std::string>> split_subscript(const std::string& path) {
  const auto open = path.find("['");
  if (open == std::string::npos || path.size() < open + 4 || path.substr(path.size() - 2) != "']") {
    return std::nullopt;
  }
  return std::make_pair(path.substr(0, open), path.substr(open + 2, path.size() - open - 4));
}

// The `$(VAR)` names of a subPathExpr, as regex \$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\) finds them.
std::vector<std::string> subpath_vars(const std::string& expr) {
  auto first_ok = [](char c) {
    return c == '-' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  auto rest_ok = [&](char c) { return first_ok(c) || (c >= '0' && c <= '9'); };
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 1 < expr.size();) {
    if (expr[i] == '$' && expr[i + 1] == '(' && i + 2 < expr.size() && first_ok(expr[i + 2])) {
      std::size_t j = i + 3;
      while (j < expr.size() && rest_ok(expr[j])) {
        ++j;
      }
      if (j < expr.size() && expr[j] == ')') {
        out.push_back(expr.substr(i + 2, j - i - 2));
        i = j + 1;
        continue;
      }
    }
    ++i;
  }
  return out;
}

// What the pod looked like before injection, for the per-container computations.
struct PodView {
  const Json* containers = nullptr;  // original spec.containers (array or null)
  Labels labels;
  const Json* annotations = nullptr;  // after patchPodMetadata
  std::vector<const Json*> resource_candidates;
};

struct Produced {
  Json container;
  std::string policy;
  std::string sidecarset;  // for warnings
};

struct PendingVolume {
  Json volume;
  std::string sidecarset;  // for warnings
};

struct Build {
  std::vector<Produced> containers;
  std::vector<Produced> init_containers;
  std::vector<PendingVolume> volumes;
  std::vector<Json> secrets;
  std::map<std::string, std::string> annotations;  // hot-upgrade versions and working map
  std::vector<std::string> warnings;
};

// GetSidecarTransferEnvs: whole EnvVars copied from a pod container, names in sorted order.
// Upstream skips what it cannot find without a word; the user is told with a warning (`where`
// names the SidecarSet and container), since a sidecar missing its configuration is a surprise.
std::vector<Json> transfer_envs(const Json& sidecar, const PodView& pod, const std::string& where,
                                std::vector<std::string>& warnings) {
  std::vector<Json> out;
  if (!member(sidecar, "transferEnv").is_array() || member(sidecar, "transferEnv").empty()) {
    return out;  // the common case: no index of the pod's envs is needed
  }
  std::map<std::string, const Json*> index;  // "<container>/<env>", last one wins like a Go map
  std::set<std::string> containers;
  if (pod.containers != nullptr && pod.containers->is_array()) {
    for (const auto& c : *pod.containers) {
      containers.insert(member_string(c, "name"));
      for (const Json* env : items(c, "env")) {
        index[member_string(c, "name") + "/" + member_string(*env, "name")] = env;
      }
    }
  }
  for (const Json* t : items(sidecar, "transferEnv")) {
    std::string source = member_string(*t, "sourceContainerName");
    const Json& from = member(member(*t, "sourceContainerNameFrom"), "fieldRef");
    if (from.is_object()) {
      const std::string path = member_string(from, "fieldPath");
      auto split = split_subscript(path);
      if (!split || (split->first != "metadata.labels" && split->first != "metadata.annotations")) {
        // upstream logs "unsupported fieldPath" and skips the entry (validation refuses it, a
        // ControllerRevision's stored spec may still hold it)
        warnings.push_back(where + "transferEnv fieldPath " + go_quote(path) +
                           " is not supported; skipped");
        continue;
      }
      if (split->first == "metadata.labels") {
        auto it = pod.labels.find(split->second);
        source = it == pod.labels.end() ? "" : it->second;
      } else {
        source = member_string(pod.annotations ? *pod.annotations : null_json(), split->second);
      }
      if (source.empty()) {
        warnings.push_back(where + "transferEnv source " + path + " is not set; skipped");
        continue;
      }
    }
    std::set<std::string> names;
    if (!member_string(*t, "envName").empty()) {
      names.insert(member_string(*t, "envName"));
    }
    for (const Json* n : items(*t, "envNames")) {
      if (n->is_string()) {
        names.insert(n->get<std::string>());
      }
    }
    if (!containers.contains(source)) {
      warnings.push_back(where + "transferEnv source container " + go_quote(source) +
                         " is not in the pod; skipped");
      continue;
    }
    for (const auto& name : names) {
      if (auto it = index.find(source + "/" + name); it != index.end()) {
        out.push_back(*it->second);
      } else {
        warnings.push_back(where + "transferEnv: container " + go_quote(source) + " has no env " +
                           go_quote(name) + "; skipped");
      }
    }
  }
  return out;
}

// GetInjectedVolumeMountsAndEnvs / GetInjectedVolumeDevices: mounts (and devices) of the app
// containers, i.e. every pod container without IS_INJECTED=true, plus the envs that the
// subPathExpr of a shared mount references in its own container.
struct Shared {
  std::vector<Json> mounts;
  std::vector<Json> envs;
  std::vector<Json> devices;
};

Shared shared_from_pod(const Json& sidecar, const PodView& pod) {
  Shared out;
  const bool share_mounts =
      member_string(member(sidecar, "shareVolumePolicy"), "type") == "enabled";
  const bool share_devices =
      member_string(member(sidecar, "shareVolumeDevicePolicy"), "type") == "enabled";
  if ((!share_mounts && !share_devices) || pod.containers == nullptr ||
      !pod.containers->is_array()) {
    return out;
  }
  for (const auto& app : *pod.containers) {
    if (is_injected(app)) {
      continue;
    }
    if (share_mounts) {
      for (const Json* m : items(app, "volumeMounts")) {
        out.mounts.push_back(*m);
        for (const auto& var : subpath_vars(member_string(*m, "subPathExpr"))) {
          for (const Json* env : items(app, "env")) {
            if (member_string(*env, "name") == var) {
              out.envs.push_back(*env);  // util.GetContainerEnvVar: the first with that name
              break;
            }
          }
        }
      }
    }
    if (share_devices) {
      for (const Json* d : items(app, "volumeDevices")) {
        out.devices.push_back(*d);
      }
    }
  }
  return out;
}

// One SidecarSet container or init container, merged as buildSidecars does (§2.5 b-g).
Result<Json> prepare(const Json& sidecar, const std::string& sidecarset, const Json& volumes,
                     const PodView& pod, Build& build) {
  if (!sidecar.is_object()) {
    // Loaded SidecarSets are validated; a ControllerRevision's stored spec is not.
    return fail("invalid_sidecarset", prefix(sidecarset) + "a container is not an object");
  }
  Json c = sidecar;
  const std::string name = member_string(sidecar, "name");
  if (const Json& policy = member(sidecar, "resourcesPolicy"); !policy.is_null()) {
    auto resources = compute_resources(policy, pod.resource_candidates);
    if (!resources) {
      return fail(resources.error().code, prefix(sidecarset) + "container " + go_quote(name) +
                                              ": resourcesPolicy: " + resources.error().message);
    }
    c["resources"] = std::move(*resources);  // replaced, not merged (§3.9)
  }
  Shared shared = shared_from_pod(sidecar, pod);
  const std::string where = prefix(sidecarset) + "container " + go_quote(name) + ": ";
  std::vector<Json> transfers = transfer_envs(sidecar, pod, where, build.warnings);
  {
    // transferEnvs = MergeEnvVar(transferEnvs, subPathExpr envs)
    Json merged = Json::array();
    for (auto& t : transfers) {
      merged.push_back(t);
    }
    merge_env(merged, shared.envs);
    transfers.assign(merged.begin(), merged.end());
  }

  // Volumes the sidecar's own mounts and devices reference; unknown names are skipped.
  auto pull_volume = [&](const Json& ref, std::string_view kind) {
    const std::string vol = member_string(ref, "name");
    if (volumes.is_array()) {
      for (const auto& v : volumes) {
        if (member_string(v, "name") == vol) {
          build.volumes.push_back({v, sidecarset});
          return;
        }
      }
    }
    build.warnings.push_back(where + std::string(kind) + " " + go_quote(vol) +
                             " names no volume of the SidecarSet; not injected");
  };
  for (const Json* m : items(sidecar, "volumeMounts")) {
    pull_volume(*m, "volumeMount");
  }
  for (const Json* d : items(sidecar, "volumeDevices")) {
    pull_volume(*d, "volumeDevice");
  }

  // util.MergeVolumeMounts: own mounts win by mountPath (also over own device paths).
  std::set<std::string> paths;
  for (const Json* m : items(sidecar, "volumeMounts")) {
    paths.insert(member_string(*m, "mountPath"));
  }
  for (const Json* d : items(sidecar, "volumeDevices")) {
    paths.insert(member_string(*d, "devicePath"));
  }
  if (!shared.mounts.empty()) {
    Json& mounts = c["volumeMounts"];
    if (!mounts.is_array()) {
      mounts = Json::array();
    }
    for (const auto& m : shared.mounts) {
      if (paths.insert(member_string(m, "mountPath")).second) {
        mounts.push_back(m);
      }
    }
    if (mounts.empty()) {
      c.erase("volumeMounts");
    }
  }

  // IS_INJECTED is appended unconditionally, then the transferred envs that are new.
  Json& env = c["env"];
  if (!env.is_array()) {
    env = Json::array();
  }
  env.push_back(Json{{"name", kInjectedEnv}, {"value", "true"}});
  merge_env(env, transfers);

  if (!shared.devices.empty()) {
    std::set<std::string> device_paths;
    for (const Json* d : items(sidecar, "volumeDevices")) {
      device_paths.insert(member_string(*d, "devicePath"));
    }
    for (const Json* m : items(c, "volumeMounts")) {
      device_paths.insert(member_string(*m, "mountPath"));
    }
    Json& devices = c["volumeDevices"];
    if (!devices.is_array()) {
      devices = Json::array();
    }
    for (const auto& d : shared.devices) {
      if (device_paths.insert(member_string(d, "devicePath")).second) {
        devices.push_back(d);
      }
    }
    if (devices.empty()) {
      c.erase("volumeDevices");
    }
  }
  for (auto field : kSidecarOnlyFields) {
    c.erase(std::string(field));
  }
  return c;
}

// Emits the prepared container, or its hot-upgrade pair, into `out`.
void emit(const Json& spec_container, Json prepared, const std::string& sidecarset,
          std::vector<Produced>& out, std::map<std::string, std::string>& working, bool hot,
          Build& build) {
  const std::string policy = member_string(spec_container, "podInjectPolicy");
  if (!hot) {
    out.push_back({std::move(prepared), policy, sidecarset});
    return;
  }
  auto pair = hot_upgrade_pair(
      prepared, member_string(member(spec_container, "upgradeStrategy"), "hotUpgradeEmptyImage"));
  const std::string name = member_string(spec_container, "name");
  // The pod shows two containers the SidecarSet never named (§4).
  build.warnings.push_back(prefix(sidecarset) + "hot-upgrade container " + go_quote(name) +
                           " is injected as " + go_quote(name + "-1") + " and " +
                           go_quote(name + "-2"));
  out.push_back({std::move(pair.working), policy, sidecarset});
  out.push_back({std::move(pair.empty), policy, sidecarset});
  for (auto& [k, v] : pair.annotations) {
    build.annotations[k] = v;
  }
  // Merged into the pod's existing map so several hot sidecars never overwrite each other.
  working[member_string(spec_container, "name")] = member_string(spec_container, "name") + "-1";
  build.annotations[std::string(kWorkingHotUpgradeAnnotation)] = encode_string_map(working);
}

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

struct Selection {
  std::vector<SuitableSidecarSet> matched;
  std::vector<std::string> warnings;  // what selection left out that the user may expect
  std::vector<std::string> replaced;  // how the selected ones differ from the live SidecarSets
};

// Whether `s` selects the pod by its namespace and pod selectors; a selector that cannot be
// evaluated is an error naming the field.
Result<bool> selects(const SidecarSet& s, const Labels& ns_labels, const Labels& labels) {
  auto miss = selector_miss(s, ns_labels, labels);
  if (!miss) {
    return std::unexpected(miss.error());
  }
  return !miss->has_value();
}

// §2.2: candidates in name order, paused skipped, namespace and pod selectors. A paused
// SidecarSet that would select the pod is reported in `paused` (when given).
Result<std::vector<const SidecarSet*>> selecting_live(const World& world, std::string_view ns,
                                                      const Labels& labels,
                                                      std::vector<std::string>* paused) {
  std::vector<const SidecarSet*> out;
  const Labels ns_labels = world.namespace_labels(ns);
  for (std::uint32_t idx : world.candidates(ns, labels)) {
    const SidecarSet& s = world.sidecarsets.at(idx);
    if (s.paused) {
      // Upstream skips paused SidecarSets before their selectors; one that cannot be evaluated
      // is not an error here either.
      if (paused != nullptr && selects(s, ns_labels, labels).value_or(false)) {
        paused->push_back(prefix(s.name) +
                          "injection is paused (spec.injectionStrategy.paused); not injected");
      }
      continue;
    }
    auto ok = selects(s, ns_labels, labels);
    if (!ok) {
      return std::unexpected(ok.error());
    }
    if (*ok) {
      out.push_back(&s);
    }
  }
  return out;
}

// Base name -> canary name, for the canaries among `selected` (a canary replaces its base).
std::map<std::string, std::string> canary_bases(const std::vector<const SidecarSet*>& selected) {
  std::map<std::string, std::string> bases;
  for (const SidecarSet* s : selected) {
    const Json& anns = member(member(s->object, "metadata"), "annotations");
    if (member_string(anns, kCanaryAnnotation) == "true" &&
        !member_string(anns, kCanaryBaseAnnotation).empty()) {
      bases.emplace(member_string(anns, kCanaryBaseAnnotation), s->name);
    }
  }
  return bases;
}

// selecting_live, then each SidecarSet's revision, then canaries replace their base. A base
// replaced by its canary and a revision other than the latest are reported as warnings.
Result<Selection> select(const World& world, const std::string& ns, const Labels& labels,
                         std::uint64_t seed, const UpgradeSpecs& recorded) {
  Selection out;
  auto live = selecting_live(world, ns, labels, &out.warnings);
  if (!live) {
    return std::unexpected(live.error());
  }
  std::mt19937_64 rng(seed);  // Partial's randomness, reproducible per review
  for (const SidecarSet* s : *live) {
    auto it = recorded.find(s->name);
    auto suitable =
        suitable_revision(world, *s, labels, rng, it == recorded.end() ? "" : it->second.hash);
    if (!suitable) {
      return std::unexpected(suitable.error());
    }
    out.matched.push_back(std::move(*suitable));
  }
  const auto bases = canary_bases(*live);
  std::erase_if(out.matched, [&](const SuitableSidecarSet& s) {
    auto base = bases.find(s.live->name);
    if (base == bases.end()) {
      return false;
    }
    out.replaced.push_back(prefix(s.live->name) + "replaced by its canary " +
                           go_quote(base->second));
    return true;
  });
  for (const auto& s : out.matched) {
    if (s.from_history) {
      out.replaced.push_back(prefix(s.live->name) + "injected at revision " +
                             go_quote(s.controller_revision) + ", not the latest");
    }
  }
  return out;
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

// Keeps the existing hash entry when only its timestamp would change, so a reinvoked review of
// an injected pod yields no op (the API server reinvokes with reinvocationPolicy IfNeeded).
void put_entry(UpgradeSpecs& specs, const std::string& name, UpgradeSpec entry) {
  if (auto it = specs.find(name); it != specs.end()) {
    UpgradeSpec old = it->second;
    old.update_timestamp = entry.update_timestamp;
    if (old == entry) {
      return;
    }
  }
  specs[name] = std::move(entry);
}

// What the pod already records (§2.5 pre-state), read after patchPodMetadata as upstream does.
struct PreState {
  UpgradeSpecs hashes;
  UpgradeSpecs hashes_without_image;
  std::map<std::string, std::string> working;  // hot-upgrade working containers
  std::set<std::string> injected_list;
};

Result<PreState> read_pre_state(const Json& annotations, const std::string& pod_ref) {
  PreState pre;
  for (auto [key, target] : {std::pair{kHashAnnotation, &pre.hashes},
                             std::pair{kHashWithoutImageAnnotation, &pre.hashes_without_image}}) {
    const std::string value = member_string(annotations, key);
    auto parsed = parse_upgrade_specs(value);
    if (!parsed) {
      return fail("invalid_pod", pod_ref + " invalid annotations[" + std::string(key) + "] value " +
                                     value + ", unmarshal failed: " + parsed.error().message);
    }
    *target = std::move(*parsed);
  }
  pre.working = parse_string_map(member_string(annotations, kWorkingHotUpgradeAnnotation));
  if (const std::string list = member_string(annotations, kInjectedListAnnotation); !list.empty()) {
    // strings.Split keeps empty fields and sets.String keeps them too: upstream's exact union.
    std::size_t start = 0;
    while (true) {
      const auto comma = list.find(',', start);
      pre.injected_list.insert(list.substr(start, comma - start));
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return pre;
}

// buildSidecars on CREATE: every matched SidecarSet's init containers, pull secrets and
// containers, merged and paired; `pre` gains this review's hash entries and list names.
Result<Build> build_sidecars(const std::vector<SuitableSidecarSet>& matched, const PodView& view,
                             const std::string& now, PreState& pre) {
  Build build;
  for (const auto& s : matched) {
    const std::string& name = s.live->name;
    pre.injected_list.insert(name);
    const Json& volumes = member(s.spec, "volumes");
    std::set<std::string> sidecar_list;
    bool injecting = false;
    for (const Json* ic : items(s.spec, "initContainers")) {
      const bool native = is_native_sidecar(*ic);
      if (native) {
        sidecar_list.insert(member_string(*ic, "name"));  // only native sidecars (#1719)
      }
      auto prepared = prepare(*ic, name, volumes, view, build);
      if (!prepared) {
        return std::unexpected(prepared.error());
      }
      emit(*ic, std::move(*prepared), name, build.init_containers, pre.working,
           native && is_hot_upgrade(*ic), build);
      injecting = true;
    }
    for (const Json* secret : items(s.spec, "imagePullSecrets")) {
      build.secrets.push_back(*secret);
    }
    for (const Json* c : items(s.spec, "containers")) {
      sidecar_list.insert(member_string(*c, "name"));
      auto prepared = prepare(*c, name, volumes, view, build);
      if (!prepared) {
        return std::unexpected(prepared.error());
      }
      emit(*c, std::move(*prepared), name, build.containers, pre.working, is_hot_upgrade(*c),
           build);
      injecting = true;
    }
    if (injecting) {
      std::vector<std::string> list(sidecar_list.begin(), sidecar_list.end());
      put_entry(pre.hashes, name, UpgradeSpec{now, s.hash, name, list, s.controller_revision});
      put_entry(pre.hashes_without_image, name,
                UpgradeSpec{now, s.hash_without_image, name, list, ""});
    }
  }
  return build;
}

// util.MergeVolumes: the pod's own volumes win, then the first pending volume of a name. A pod
// volume that differs from the SidecarSet's of the same name is warned about: the sidecar then
// mounts something its SidecarSet did not describe.
void merge_volumes(Edits& edits, const Json& spec, std::vector<PendingVolume>& pending,
                   std::vector<std::string>& warnings) {
  const Json& vols = member(spec, "volumes");
  std::map<std::string, const Json*> own;
  std::vector<Edits::Element> merged;
  if (vols.is_array()) {
    for (std::size_t i = 0; i < vols.size(); ++i) {
      own.emplace(member_string(vols[i], "name"), &vols[i]);
      merged.push_back({i, false, Json()});
    }
  }
  std::set<std::string> names;
  std::set<std::string> warned;
  for (const auto& [name, volume] : own) {
    names.insert(name);
  }
  const std::size_t before = merged.size();
  for (auto& p : pending) {
    const std::string name = member_string(p.volume, "name");
    if (names.insert(name).second) {
      merged.push_back({Edits::npos, false, std::move(p.volume)});
    } else if (auto it = own.find(name);
               it != own.end() && *it->second != p.volume && warned.insert(name).second) {
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

Result<std::vector<const SidecarSet*>> selecting_sidecarsets(const World& world,
                                                             std::string_view ns,
                                                             const Labels& labels) {
  auto live = selecting_live(world, ns.empty() ? "default" : ns, labels, nullptr);
  if (!live) {
    return live;
  }
  const auto bases = canary_bases(*live);
  std::erase_if(*live, [&](const SidecarSet* s) { return bases.contains(s->name); });
  return live;
}

std::string inactive_reason(const Json& pod) {
  const std::string phase = member_string(member(pod, "status"), "phase");
  if (phase == "Succeeded" || phase == "Failed") {
    return "status.phase " + phase;
  }
  if (!member(member(pod, "metadata"), "deletionTimestamp").is_null()) {
    return "metadata.deletionTimestamp is set";
  }
  return "";
}

Result<std::optional<SelectorMiss>> selector_miss(const SidecarSet& s, const Labels& ns_labels,
                                                  const Labels& labels) {
  if (s.namespace_selector) {
    auto unmet = first_unmet(*s.namespace_selector, ns_labels);
    if (!unmet) {
      return fail(unmet.error().code,
                  prefix(s.name) + "spec.namespaceSelector: " + unmet.error().message);
    }
    if (*unmet) {
      return SelectorMiss{"spec.namespaceSelector", std::move(*unmet)};
    }
  }
  // A nil or empty pod selector matches nothing (PodMatchedSidecarSet).
  if (!s.selector || s.selector->empty()) {
    return SelectorMiss{"spec.selector", std::nullopt};
  }
  auto unmet = first_unmet(*s.selector, labels);
  if (!unmet) {
    return fail(unmet.error().code, prefix(s.name) + "spec.selector: " + unmet.error().message);
  }
  if (*unmet) {
    return SelectorMiss{"spec.selector", std::move(*unmet)};
  }
  return std::optional<SelectorMiss>{};
}

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
  auto selection = select(world, ns.empty() ? "default" : ns, labels, options.seed, recorded);
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
  auto pre = read_pre_state(annotations, "pod(" + ns + "/" + member_string(metadata, "name") + ")");
  if (!pre) {
    return std::unexpected(pre.error());
  }

  const Json& spec = member(pod, "spec");
  PodView view;
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
  auto build = build_sidecars(matched, view, rfc3339_utc(options.now), *pre);
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
