// Conflicts between SidecarSets that may select the same pod (rule 7): the same container,
// volume or patched annotation defined differently.

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/quantity.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/validate.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

#include "sink.hpp"

namespace injector {

using namespace validation;

namespace {

struct ConflictView {
  std::string name;
  std::string base;  // canary base, "" when not a canary
  LabelSelector selector;
  std::optional<LabelSelector> namespace_selector;
  std::set<std::string> open_keys;  // keys with an In/Exists expression (widen matchLabels)
};

ConflictView view_of(const Json& ss) {
  ConflictView v;
  const Json& meta = member(ss, "metadata");
  v.name = member_string(meta, "name");
  if (is_canary(ss)) {
    v.base = member_string(member(meta, "annotations"), kCanaryBaseAnnotation);
  }
  const Json& spec = member(ss, "spec");
  if (auto s = parse_label_selector(member(spec, "selector"), "spec.selector")) {
    v.selector = std::move(*s);
  }
  for (const auto& r : v.selector.expressions) {
    if (r.op == "In" || r.op == "Exists") {
      v.open_keys.insert(r.key);
    }
  }
  if (has(spec, "namespaceSelector")) {
    if (auto s =
            parse_label_selector(member(spec, "namespaceSelector"), "spec.namespaceSelector")) {
      v.namespace_selector = std::move(*s);
    }
  }
  return v;
}

// isSidecarSetNamespaceOverlapping + IsSelectorOverlapping, minus a canary/base pair.
bool may_collide(const ConflictView& a, const ConflictView& b) {
  if (a.base == b.name || b.base == a.name) {
    return false;
  }
  if (a.namespace_selector && b.namespace_selector &&
      !selectors_overlap(*a.namespace_selector, *b.namespace_selector)) {
    return false;
  }
  return selectors_overlap(a.selector, b.selector);
}

std::string pair_key(std::string_view k, std::string_view v) {
  std::string out(k);
  out += '\x1f';
  out += v;
  return out;
}

// The SidecarSets holding one container name, volume name or annotation key. Comparing every
// holder with every other is quadratic (10,000 SidecarSets each with an `istio-proxy` for its own
// app would take minutes), so once a name has more than a few holders they are also indexed by
// their matchLabels pairs: when every holder pins key k and SidecarSet i pins k=v (with no
// In/Exists widening it), only holders with k=v can overlap i (upstream isDisjoint rejects a
// matchLabels value outside i's). Most names have one holder, and then that index would cost
// more memory than everything else here, so it is built only past kIndexFrom holders.
struct Holders {
  static constexpr std::size_t kIndexFrom = 8;

  std::vector<std::size_t> all;     // ascending
  std::vector<std::string> detail;  // per holder: volume definition / patch policy
  struct Index {
    std::unordered_map<std::string, std::size_t> with_key;
    std::unordered_map<std::string, std::vector<std::size_t>> by_pair;
  };
  std::unique_ptr<Index> index;

  void add(std::size_t i, const std::vector<ConflictView>& views, std::string d) {
    if (!all.empty() && all.back() == i) {
      return;
    }
    all.push_back(i);
    detail.push_back(std::move(d));
    if (index) {
      add_to_index(i, views[i]);
    } else if (all.size() > kIndexFrom) {
      index = std::make_unique<Index>();
      for (std::size_t j : all) {
        add_to_index(j, views[j]);
      }
    }
  }

  const std::string& detail_of(std::size_t j) const {
    return detail[static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), j) -
                                           all.begin())];
  }
  std::string& last_detail() { return detail.back(); }

  const std::vector<std::size_t>& candidates(const ConflictView& v) const {
    static const std::vector<std::size_t> kNone;
    const std::vector<std::size_t>* best = &all;
    if (!index) {
      return *best;
    }
    for (const auto& [k, val] : v.selector.match_labels) {
      auto wk = index->with_key.find(k);
      if (v.open_keys.contains(k) || wk == index->with_key.end() || wk->second != all.size()) {
        continue;
      }
      auto it = index->by_pair.find(pair_key(k, val));
      const auto& list_for = it == index->by_pair.end() ? kNone : it->second;
      if (list_for.size() < best->size()) {
        best = &list_for;
      }
    }
    return *best;
  }

 private:
  void add_to_index(std::size_t i, const ConflictView& v) {
    for (const auto& [k, val] : v.selector.match_labels) {
      ++index->with_key[k];
      index->by_pair[pair_key(k, val)].push_back(i);
    }
  }
};

// Go's reflect.DeepEqual ignores key order; compare volumes by their sorted-key text.
// (nlohmann::json keeps its keys sorted; converting to it is a copy, not a print and a parse).
std::string canonical(const Json& v) { return nlohmann::json(v).dump(); }

}  // namespace

namespace {

// Rule 14 over a growing set: add() registers a SidecarSet's containers, volumes and annotation
// keys, problems_of() checks one against those registered (never against itself). Indices are
// positions in `sidecarsets`, added in ascending order.
class ConflictChecker {
 public:
  explicit ConflictChecker(const std::vector<const Json*>& sidecarsets) : sets_(sidecarsets) {
    views_.reserve(sets_.size());
    for (const Json* ss : sets_) {
      views_.push_back(view_of(*ss));
    }
  }

  void add(std::size_t i) {
    const Json& spec = member(*sets_[i], "spec");
    for (const char* k : {"initContainers", "containers"}) {
      for (const auto& c : list(spec, k)) {
        containers_[member_string(c, "name")].add(i, views_, "");
      }
    }
    for (const auto& v : list(spec, "volumes")) {
      volumes_[member_string(v, "name")].add(i, views_, canonical(v));
    }
    for (const auto& p : list(spec, "patchPodMetadata")) {
      const std::string policy = member_string(p, "patchPolicy");
      if (policy == "Retain") {
        continue;
      }
      for (const auto& [key, value] : member(p, "annotations").items()) {
        Holders& h = annotations_[key];
        if (!h.all.empty() && h.all.back() == i) {
          if (policy == "Overwrite") {
            h.last_detail() = policy;
          }
          continue;
        }
        h.add(i, views_, policy);
      }
    }
  }

  std::vector<FieldProblem> problems_of(std::size_t i) const {
    std::vector<FieldProblem> out;
    const Json& spec = member(*sets_[i], "spec");
    // Upstream compares init containers with init containers and containers with containers; a
    // name shared across the two lists would also give the pod a duplicate name, so any shared
    // container name is a conflict here.
    for (const char* k : {"initContainers", "containers"}) {
      const Json& cs = list(spec, k);
      for (std::size_t c = 0; c < cs.size(); ++c) {
        const std::string name = member_string(cs[c], "name");
        if (const auto* other = first_other(containers_, name, i,
                                            [](const Holders&, std::size_t) { return true; })) {
          const std::string detail = "container " + name + " already exist in " + other->name;
          out.push_back(
              FieldProblem{idx(std::string("spec.") + k, c) + ".name", detail,
                           "spec.containers: Invalid value: " + go_quoted(name) + ": " + detail});
        }
      }
    }
    const Json& vs = list(spec, "volumes");
    for (std::size_t v = 0; v < vs.size(); ++v) {
      const std::string name = member_string(vs[v], "name");
      const std::string mine = canonical(vs[v]);
      auto differs = [&](const Holders& h, std::size_t j) { return h.detail_of(j) != mine; };
      if (const auto* other = first_other(volumes_, name, i, differs)) {
        const std::string detail =
            "volume " + name + " is in conflict with sidecarset " + other->name;
        out.push_back(
            FieldProblem{idx("spec.volumes", v), detail,
                         "spec.volumes: Invalid value: " + go_quoted(name) + ": " + detail});
      }
    }
    const Json& patches = list(spec, "patchPodMetadata");
    for (std::size_t p = 0; p < patches.size(); ++p) {
      const std::string policy = member_string(patches[p], "patchPolicy");
      if (policy == "Retain") {
        continue;
      }
      for (const auto& [key, value] : member(patches[p], "annotations").items()) {
        auto overwrites = [&](const Holders& h, std::size_t j) {
          return policy == "Overwrite" || h.detail_of(j) == "Overwrite";
        };
        if (const auto* other = first_other(annotations_, key, i, overwrites)) {
          const std::string detail =
              "annotation " + key + " is in conflict with sidecarset " + other->name;
          out.push_back(FieldProblem{
              idx("spec.patchPodMetadata", p), detail,
              "spec.patchPodMetadata: Invalid value: " + go_quoted(key) + ": " + detail});
        }
      }
    }
    return out;
  }

 private:
  using HolderMap = std::unordered_map<std::string, Holders>;

  // The first other holder of `key` (in index order) that may select the same pods and passes
  // `conflicts`.
  template <class Conflicts>
  const ConflictView* first_other(const HolderMap& map, const std::string& key, std::size_t self,
                                  Conflicts&& conflicts) const {
    const auto it = map.find(key);
    if (it == map.end()) {
      return nullptr;
    }
    for (std::size_t j : it->second.candidates(views_[self])) {
      if (j != self && conflicts(it->second, j) && may_collide(views_[self], views_[j])) {
        return &views_[j];
      }
    }
    return nullptr;
  }

  const std::vector<const Json*>& sets_;
  std::vector<ConflictView> views_;
  HolderMap containers_;
  HolderMap volumes_;
  HolderMap annotations_;  // non-Retain keys only, as upstream
};

}  // namespace

std::vector<std::vector<FieldProblem>> validate_conflicts(
    const std::vector<const Json*>& sidecarsets) {
  ConflictChecker checker(sidecarsets);
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    checker.add(i);
  }
  std::vector<std::vector<FieldProblem>> out(sidecarsets.size());
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    out[i] = checker.problems_of(i);
  }
  return out;
}

std::vector<FieldProblem> validate_conflicts_with(const Json& sidecarset,
                                                  const std::vector<const Json*>& others) {
  const std::string name = member_string(member(sidecarset, "metadata"), "name");
  std::vector<const Json*> sets;
  sets.reserve(others.size() + 1);
  for (const Json* other : others) {
    if (member_string(member(*other, "metadata"), "name") != name) {
      sets.push_back(other);
    }
  }
  sets.push_back(&sidecarset);
  ConflictChecker checker(sets);
  for (std::size_t i = 0; i + 1 < sets.size(); ++i) {
    checker.add(i);
  }
  return checker.problems_of(sets.size() - 1);
}

std::vector<std::vector<FieldProblem>> validate_conflicts_in_order(
    const std::vector<const Json*>& sidecarsets) {
  ConflictChecker checker(sidecarsets);
  std::vector<std::vector<FieldProblem>> out(sidecarsets.size());
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    out[i] = checker.problems_of(i);
    if (out[i].empty()) {
      checker.add(i);
    }
  }
  return out;
}

}  // namespace injector
