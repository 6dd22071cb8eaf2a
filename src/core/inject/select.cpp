// Which SidecarSets select a pod (§2.2 of the SidecarSet spec): candidates in name order, paused
// skipped, namespace and pod selectors, the revision to inject, canaries replacing their base.

#include <map>
#include <random>

#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"
#include "steps.hpp"

namespace injector {
namespace inject_steps {
namespace {

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

}  // namespace

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

}  // namespace inject_steps

using inject_steps::canary_bases;
using inject_steps::prefix;
using inject_steps::selecting_live;

bool is_active(const Json& pod) { return inactive_reason(pod).empty(); }

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

}  // namespace injector
