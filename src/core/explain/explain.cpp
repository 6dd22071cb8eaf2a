// Each SidecarSet's verdict follows the pod webhook's own order (§2.1, §2.2): inactive pods are
// skipped, then paused SidecarSets, then the namespace and pod selectors, then the revision,
// then canaries replace their base; what is left is what inject() injected. The decisions are the
// pipeline's functions (selector_miss, suitable_revision) and inject()'s result, never a second
// copy of the rules.

#include "injector/explain/explain.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "additions.hpp"
#include "injector/inject/annotations.hpp"
#include "injector/inject/pod_shape.hpp"
#include "injector/inject/revision.hpp"
#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : std::string(sep)) + parts[i];
  }
  return out;
}

std::string labels_text(const Labels& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) {
    parts.push_back(k + "=" + v);
  }
  return parts.empty() ? "none" : join(parts, ", ");
}

// `app=db`, `tier In [a, b]`, `tier Exists`.
std::string requirement_text(const UnmetRequirement& u) {
  if (u.op == "=") {
    return u.key + "=" + (u.values.empty() ? "" : u.values.front());
  }
  if (u.op == "In" || u.op == "NotIn") {
    return u.key + " " + u.op + " [" + join(u.values, ", ") + "]";
  }
  return u.key + " " + u.op;
}

// `spec.selector.matchLabels.app wants app=db; the pod has app="web"`.
std::string miss_text(const SelectorMiss& miss, const std::string& subject) {
  if (!miss.unmet) {
    return miss.selector + " is empty or missing, so it selects no pod";
  }
  const UnmetRequirement& u = *miss.unmet;
  std::string has = u.value ? "has " + u.key + "=" + go_quote(*u.value) : "has no label " + u.key;
  return miss.selector + "." + u.term + " wants " + requirement_text(u) + "; " + subject + " " +
         has;
}

std::string namespace_subject(const Explanation& out) {
  return "namespace " + go_quote(out.namespace_name);
}

std::string namespace_note(const Explanation& out) {
  if (out.namespace_listed) {
    return " (its labels: " + labels_text(out.namespace_labels) + ")";
  }
  return " (no Namespace object given for it, so its only label is " +
         labels_text(out.namespace_labels) + ")";
}

void set_miss(SidecarSetExplanation& e, const SelectorMiss& miss, const Explanation& out) {
  e.selector = miss.selector;
  e.unmet = miss.unmet;
  if (miss.selector == "spec.namespaceSelector") {
    e.code = reason::kNamespaceMismatch;
    e.message = miss_text(miss, namespace_subject(out)) + namespace_note(out);
  } else {
    e.code = miss.unmet ? reason::kSelectorMismatch : reason::kNoSelector;
    e.message = miss_text(miss, "the pod");
  }
}

// The SidecarSets loading left out: every problem of each, and whether one is a rule-14 conflict.
struct LeftOut {
  std::vector<std::string> problems;
  bool conflict = false;
};

std::map<std::string, LeftOut> left_out_by_name(const std::vector<Problem>& problems) {
  std::map<std::string, LeftOut> out;
  for (const Problem& p : problems) {
    if (p.object.empty()) {
      continue;  // not a SidecarSet (a Namespace, a ControllerRevision, an unserved kind)
    }
    LeftOut& l = out[p.object];
    l.problems.push_back(p.field.empty() ? p.message : p.field + ": " + p.message);
    l.conflict = l.conflict || p.code == "conflict";
  }
  return out;
}

SidecarSetExplanation explain_left_out(const std::string& name, const LeftOut& l) {
  SidecarSetExplanation e;
  e.name = name;
  if (l.conflict) {
    e.code = reason::kConflict;
    e.message =
        "conflicts with another SidecarSet, so admission refuses it: " + join(l.problems, "; ");
  } else {
    e.code = reason::kInvalid;
    e.message = "fails SidecarSet validation, so admission refuses it: " + join(l.problems, "; ");
  }
  return e;
}

// The canary among the injected SidecarSets that replaced `base` ("" if none).
std::string canary_of(const World& world, const Injection& injection, const std::string& base) {
  for (const std::string& name : injection.matched) {
    const SidecarSet* s = world.find(name);
    const Json& anns = member(member(s->object, "metadata"), "annotations");
    if (member_string(anns, kCanaryAnnotation) == "true" &&
        member_string(anns, kCanaryBaseAnnotation) == base) {
      return name;
    }
  }
  return "";
}

// The spec inject() used for `s`: the live one, or the ControllerRevision the pod's hash entry
// points to when its hash is not the live one's.
Json injected_spec(const World& world, const SidecarSet& s, const UpgradeSpecs& written,
                   std::string& revision) {
  if (auto it = written.find(s.name); it != written.end() && it->second.hash != s.hash) {
    if (auto found = find_revision(world, s); found) {
      revision = (*found)->name;
      return restore_revision(s, **found).spec;
    }
  }
  return s.spec();
}

struct Context {
  const World& world;
  const Json& pod;
  const Labels& labels;
  const Explanation& out;
  const Result<Injection>& injected;
  const UpgradeSpecs& recorded;  // the pod's own hash annotation
  const UpgradeSpecs& written;   // the injected pod's
  const InjectOptions& options;
  std::set<std::string>& claimed_volumes;
};

// A SidecarSet that selects the pod: its revision, then what inject() made of it.
void explain_selected(const Context& c, const SidecarSet& s, SidecarSetExplanation& e) {
  std::mt19937_64 rng(c.options.seed);
  auto it = c.recorded.find(s.name);
  auto suitable =
      suitable_revision(c.world, s, c.labels, rng, it == c.recorded.end() ? "" : it->second.hash);
  if (!suitable) {
    e.code = suitable.error().code == "revision_not_found" ? reason::kRevisionMissing
             : suitable.error().code == "invalid_selector" ? reason::kSelectorError
                                                           : reason::kDenies;
    e.message = suitable.error().message + "; the webhook denies the pod";
    return;
  }
  if (!c.injected) {
    const std::string& why = c.injected.error().message;
    const bool own = why.starts_with("sidecarset " + go_quote(s.name) + ": ");
    e.code = own ? reason::kDenies : reason::kPodDenied;
    e.message = own ? why + "; the webhook denies the pod"
                    : "selects the pod, but the webhook denies the pod: " + why;
    return;
  }
  const Injection& injection = *c.injected;
  if (std::find(injection.matched.begin(), injection.matched.end(), s.name) ==
      injection.matched.end()) {
    if (std::string canary = canary_of(c.world, injection, s.name); !canary.empty()) {
      e.code = reason::kReplacedByCanary;
      e.message = "replaced by its canary " + go_quote(canary) + " (annotation " +
                  std::string(kCanaryBaseAnnotation) + ")";
    } else {
      e.code = reason::kNoAppContainers;
      e.message = "selects the pod, but the webhook leaves it alone: " + no_app_containers(c.pod) +
                  " (the API server rejects it)";
    }
    return;
  }
  const Json spec = injected_spec(c.world, s, c.written, e.revision);
  const bool changed = explain_detail::attribute(spec, c.pod, injection.pod, c.claimed_volumes, e);
  if (!changed && it != c.recorded.end()) {
    e.code = reason::kAlreadyInjected;
    e.message = "selects the pod, which already carries it (annotation " +
                std::string(kHashAnnotation) + " hash " + go_quote(it->second.hash) +
                "): injecting again changes nothing";
    return;
  }
  e.applies = true;
  e.code = reason::kInjects;
  e.message = "selects the pod" + (e.revision.empty()
                                       ? std::string()
                                       : " and injects ControllerRevision " + go_quote(e.revision) +
                                             " (spec.injectionStrategy.revision)");
}

SidecarSetExplanation explain_one(const Context& c, const SidecarSet& s, bool candidate) {
  SidecarSetExplanation e;
  e.name = s.name;
  if (!c.out.inactive.empty()) {
    e.code = reason::kPodInactive;
    e.message =
        "the pod is not active (" + c.out.inactive + "); OpenKruise injects active pods only";
    return e;
  }
  auto miss = selector_miss(s, c.out.namespace_labels, c.labels);
  if (s.paused) {
    e.code = reason::kPaused;
    e.message = "spec.injectionStrategy.paused is true, so it injects nothing";
    if (miss && !*miss) {
      e.message += " (its selectors select this pod)";
    } else if (miss) {
      e.message +=
          " (nor do its selectors select this pod: " +
          miss_text(**miss, (*miss)->selector == "spec.selector" ? std::string("the pod")
                                                                 : namespace_subject(c.out)) +
          ")";
    }
    return e;
  }
  if (!miss) {
    // The webhook evaluates only the candidates its namespace and label index yields (§2.2), so
    // a broken selector of another SidecarSet never denies this pod.
    e.code = candidate ? reason::kSelectorError : reason::kSelectorMismatch;
    e.message = candidate ? miss.error().message + "; the webhook denies the pod"
                          : "its selectors pin a namespace or label value this pod does not have "
                            "(" +
                                miss.error().message + ", never evaluated for this pod)";
    return e;
  }
  if (*miss) {
    set_miss(e, **miss, c.out);
    return e;
  }
  explain_selected(c, s, e);
  return e;
}

}  // namespace

Explanation explain(const World& world, const std::vector<Problem>& left_out, const Json& pod,
                    std::string_view request_namespace, const InjectOptions& options) {
  Explanation out;
  const Json& metadata = member(pod, "metadata");
  out.namespace_name = member_string(metadata, "namespace");
  if (out.namespace_name.empty()) {
    out.namespace_name = request_namespace.empty() ? "default" : std::string(request_namespace);
  }
  out.namespace_labels = world.namespace_labels(out.namespace_name);
  out.namespace_listed = world.namespaces.find(out.namespace_name) != world.namespaces.end();
  out.inactive = inactive_reason(pod);
  InjectOptions with_pod = options;
  with_pod.with_pod = true;
  const Result<Injection> injected = inject(world, pod, request_namespace, with_pod);
  if (!injected) {
    out.denied = injected.error();
  } else {
    out.patch_ops = injected->patch.size();
    out.warnings = injected->warnings;
  }
  const Labels labels = labels_of(member(metadata, "labels"));
  const std::string recorded_text = member_string(member(metadata, "annotations"), kHashAnnotation);
  const UpgradeSpecs recorded = parse_upgrade_specs(recorded_text).value_or(UpgradeSpecs{});
  const UpgradeSpecs written =
      injected ? parse_upgrade_specs(
                     member_string(member(member(injected->pod, "metadata"), "annotations"),
                                   kHashAnnotation))
                     .value_or(UpgradeSpecs{})
               : UpgradeSpecs{};
  const auto candidates = world.candidates(out.namespace_name, labels);
  const std::set<std::uint32_t> candidate_set(candidates.begin(), candidates.end());
  std::set<std::string> claimed;
  Context context{world, pod, labels, out, injected, recorded, written, options, claimed};
  const bool shape_ok = check_pod_shape(pod).has_value();
  for (std::uint32_t i = 0; i < world.sidecarsets.size(); ++i) {
    const SidecarSet& s = world.sidecarsets[i];
    if (!shape_ok) {
      SidecarSetExplanation e;
      e.name = s.name;
      e.code = reason::kPodDenied;
      e.message = "the webhook denies the pod before any SidecarSet is looked at: " +
                  injected.error().message;
      out.sidecarsets.push_back(std::move(e));
      continue;
    }
    out.sidecarsets.push_back(explain_one(context, s, candidate_set.contains(i)));
  }
  for (const auto& [name, l] : left_out_by_name(left_out)) {
    if (world.find(name) != nullptr) {
      // A second object of a name already loaded: the first one stands.
      out.warnings.push_back("sidecarset " + go_quote(name) +
                             ": a second object of this name was " +
                             "left out: " + join(l.problems, "; "));
      continue;
    }
    out.sidecarsets.push_back(explain_left_out(name, l));
  }
  std::stable_sort(out.sidecarsets.begin(), out.sidecarsets.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace injector
