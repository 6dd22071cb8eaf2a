#include "injector/inject/revision.hpp"

#include <charconv>
#include <tuple>

#include "injector/model/hash.hpp"
#include "injector/wire/go_json.hpp"

namespace injector {
namespace {

std::string prefix(const SidecarSet& s) { return "sidecarset " + go_quote(s.name) + ": "; }

const Json* find_path(const Json& j, std::initializer_list<const char*> path) {
  const Json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) {
      return nullptr;
    }
    auto it = cur->find(key);
    if (it == cur->end()) {
      return nullptr;
    }
    cur = &*it;
  }
  return cur;
}

std::string string_at(const Json& j, std::initializer_list<const char*> path) {
  const Json* v = find_path(j, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

// The subset of a strategic merge patch that SidecarSet revisions use: `"$patch": "replace"`
// replaces the whole object (upstream stores data.spec with that directive); other objects merge
// key by key, null deletes, anything else replaces. Lists are replaced, not merged by key, which
// is all the stored {"spec": {"$patch": "replace", ...}} shape needs.
Json strategic_merge(Json target, const Json& patch) {
  if (!patch.is_object()) {
    return patch;
  }
  if (auto it = patch.find("$patch"); it != patch.end() && *it == "replace") {
    Json replaced = patch;
    replaced.erase("$patch");
    return replaced;
  }
  if (!target.is_object()) {
    target = Json::object();
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key() == "$patch") {
      continue;
    }
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      Json current = target.contains(it.key()) ? target[it.key()] : Json();
      target[it.key()] = strategic_merge(std::move(current), *it);
    }
  }
  return target;
}

// history.SortControllerRevisions order: revision, then creationTimestamp, then name; the last
// one is the newest.
bool older(const ControllerRevision& a, const ControllerRevision& b) {
  return std::tie(a.revision, a.creation_timestamp, a.name) <
         std::tie(b.revision, b.creation_timestamp, b.name);
}

// util.ParsePercentageAsFloat64: "<float>%" -> float/100.
std::optional<double> parse_percentage(const std::string& s) {
  if (s.size() < 2 || s.back() != '%') {
    return std::nullopt;
  }
  double value = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size() - 1;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last) {
    return std::nullopt;
  }
  return value / 100.0;
}

// Go's rand.Float64 range [0, 1) from 53 random bits.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

SuitableSidecarSet latest_revision(const SidecarSet& live) {
  SuitableSidecarSet s;
  s.live = &live;
  s.spec = live.spec();
  s.hash = live.hash;
  s.hash_without_image = live.hash_without_image;
  s.controller_revision = string_at(live.object, {"status", "latestRevision"});
  return s;
}

Result<const ControllerRevision*> find_revision(const World& world, const SidecarSet& live) {
  const Json* revision = find_path(live.spec(), {"injectionStrategy", "revision"});
  const Json* name = revision != nullptr ? find_path(*revision, {"revisionName"}) : nullptr;
  if (name != nullptr && name->is_string()) {
    const auto& wanted = name->get_ref<const std::string&>();
    for (const auto& r : world.revisions) {
      if (r.namespace_name == world.revision_namespace && r.name == wanted) {
        return &r;
      }
    }
    return fail("revision_not_found",
                prefix(live) + "injectionStrategy.revision.revisionName: " + "ControllerRevision " +
                    go_quote(world.revision_namespace + "/" + wanted) + " not found");
  }
  const Json* version = revision != nullptr ? find_path(*revision, {"customVersion"}) : nullptr;
  const std::string wanted =
      version != nullptr && version->is_string() ? version->get<std::string>() : "";
  const ControllerRevision* best = nullptr;
  for (const auto& r : world.revisions) {
    if (r.namespace_name != world.revision_namespace) {
      continue;
    }
    auto owner = r.labels.find(kRevisionOwnerLabel);
    auto custom = r.labels.find(kCustomVersionLabel);
    if (owner == r.labels.end() || owner->second != live.name || custom == r.labels.end() ||
        custom->second != wanted) {
      continue;
    }
    if (best == nullptr || older(*best, r)) {
      best = &r;
    }
  }
  if (best == nullptr) {
    return fail("revision_not_found",
                prefix(live) + "injectionStrategy.revision.customVersion: no ControllerRevision " +
                    "in namespace " + world.revision_namespace + " with labels " +
                    std::string(kRevisionOwnerLabel) + "=" + live.name + "," +
                    std::string(kCustomVersionLabel) + "=" + wanted);
  }
  return best;
}

SuitableSidecarSet restore_revision(const SidecarSet& live, const ControllerRevision& revision) {
  Json restored = strategic_merge(live.object, revision.data);
  SuitableSidecarSet s;
  s.live = &live;
  s.spec =
      restored.contains("spec") && restored["spec"].is_object() ? restored["spec"] : Json::object();
  s.from_history = true;
  s.controller_revision = revision.name;  // status.latestRevision = revision name
  // Hashes come from the revision's annotations (they copy the SidecarSet's at that time);
  // upstream recomputes them when missing.
  auto annotation = [&](std::string_view key) -> std::optional<std::string> {
    if (revision.annotations.is_object()) {
      auto it = revision.annotations.find(std::string(key));
      if (it != revision.annotations.end() && it->is_string()) {
        return it->get<std::string>();
      }
    }
    return std::nullopt;
  };
  s.hash = annotation(kHashAnnotation).value_or(sidecarset_hash(s.spec));
  s.hash_without_image =
      annotation(kHashWithoutImageAnnotation).value_or(sidecarset_hash_without_image(s.spec));
  return s;
}

Result<SuitableSidecarSet> suitable_revision(const World& world, const SidecarSet& live,
                                             const Labels& pod_labels, std::mt19937_64& rng,
                                             std::string_view recorded_hash) {
  const Json& spec = live.spec();
  const Json* revision = find_path(spec, {"injectionStrategy", "revision"});
  if (revision == nullptr || !revision->is_object() ||
      (!find_path(*revision, {"revisionName"}) && !find_path(*revision, {"customVersion"}))) {
    return latest_revision(live);
  }
  auto found = find_revision(world, live);
  if (!found) {
    return std::unexpected(found.error());
  }
  SuitableSidecarSet history = restore_revision(live, **found);

  const Json* paused = find_path(spec, {"updateStrategy", "paused"});
  if (paused != nullptr && paused->is_boolean() && paused->get<bool>()) {
    return history;
  }
  if (string_at(*revision, {"policy"}) != "Partial") {
    return history;  // Always (and anything else)
  }
  if (const Json* sel = find_path(spec, {"updateStrategy", "selector"});
      sel != nullptr && !sel->is_null()) {
    auto selector = parse_label_selector(*sel, "spec.updateStrategy.selector");
    if (!selector) {
      return fail(selector.error().code, prefix(live) + selector.error().message);
    }
    auto matched = selector_matches(*selector, pod_labels);
    if (!matched) {
      return fail(matched.error().code,
                  prefix(live) + "spec.updateStrategy.selector: " + matched.error().message);
    }
    if (!*matched) {
      return history;  // pods outside the canary selector always get the pinned revision
    }
  }
  // selectRevisionRandomly: an int (or no) partition means latest; "p%" means history with
  // probability p (rand.Float64() <= p).
  const Json* partition = find_path(spec, {"updateStrategy", "partition"});
  if (partition == nullptr || !partition->is_string()) {
    return latest_revision(live);
  }
  auto probability = parse_percentage(partition->get<std::string>());
  if (!probability) {
    return fail("invalid_partition", prefix(live) + "spec.updateStrategy.partition: invalid " +
                                         "percentage " + go_quote(partition->get<std::string>()));
  }
  // Not upstream: a pod that already records one of the two candidates (the API server
  // reinvoking us on our own output) keeps it; a fresh draw could flip it and the review would
  // not be idempotent.
  if (!recorded_hash.empty() && recorded_hash == history.hash) {
    return history;
  }
  if (!recorded_hash.empty() && recorded_hash == live.hash) {
    return latest_revision(live);
  }
  if (uniform01(rng) <= *probability) {
    return history;
  }
  return latest_revision(live);
}

}  // namespace injector
