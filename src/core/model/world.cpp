// build_world: documents -> converted, defaulted, hashed, validated SidecarSets, namespaces and
// ControllerRevisions, plus the match index (§2.2).

#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "injector/model/fields.hpp"
#include "injector/model/hash.hpp"
#include "injector/model/load.hpp"
#include "injector/model/validate.hpp"
#include "parallel.hpp"

namespace injector {
namespace {

std::string where(const Origin& o) {
  return o.document < 0 ? o.file : o.file + ": document " + std::to_string(o.document + 1);
}

struct Loaded {
  Origin origin;
  Json object;
  std::string name;
  bool valid = true;
};

Result<ControllerRevision> read_revision(const Json& obj, const Origin& origin) {
  ControllerRevision r;
  const Json& meta = member(obj, "metadata");
  r.name = member_string(meta, "name");
  r.namespace_name = member_string(meta, "namespace");
  r.labels = labels_of(member(meta, "labels"));
  if (member(meta, "annotations").is_object()) {
    r.annotations = member(meta, "annotations");
  }
  r.creation_timestamp = member_string(meta, "creationTimestamp");
  const Json& rev = member(obj, "revision");
  if (!rev.is_null() && !rev.is_number_integer()) {
    return fail("revision", "revision: must be an integer");
  }
  r.revision = rev.is_null() ? 0 : rev.get<std::int64_t>();
  if (!member(obj, "data").is_null()) {
    r.data = member(obj, "data");
  }
  if (r.name.empty()) {
    return fail("revision", "metadata.name: Required value");
  }
  r.origin = origin;
  return r;
}

std::optional<LabelSelector> selector_of(const Json& spec, std::string_view key) {
  const Json& j = member(spec, key);
  if (j.is_null()) {
    return std::nullopt;
  }
  auto s = parse_label_selector(j, key);
  // Validation ran before; a selector that could not be read never reaches here.
  return s ? std::optional<LabelSelector>(std::move(*s)) : std::nullopt;
}

// Gives back the spare capacity that reading and defaulting left in an object's members, arrays
// and strings: a World holds thousands of SidecarSets for its whole life. Members are moved into
// an exact-size vector by hand: ordered_map's own shrink_to_fit would copy every subtree (its
// keys are const). Iterative, as objects may nest deeply in fields the engine does not know.
void shrink(Json& root) {
  std::vector<Json*> todo{&root};
  while (!todo.empty()) {
    Json* j = todo.back();
    todo.pop_back();
    if (j->is_object()) {
      auto& members = static_cast<Json::object_t::Container&>(j->get_ref<Json::object_t&>());
      if (members.capacity() > members.size()) {
        Json::object_t::Container exact;
        exact.reserve(members.size());
        for (auto& [k, v] : members) {
          exact.emplace_back(std::string(k), std::move(v));
        }
        members.swap(exact);
      }
      for (auto& member : members) {
        todo.push_back(&member.second);
      }
    } else if (j->is_array()) {
      auto& items = j->get_ref<Json::array_t&>();
      items.shrink_to_fit();
      for (auto& item : items) {
        todo.push_back(&item);
      }
    } else if (j->is_string()) {
      j->get_ref<std::string&>().shrink_to_fit();
    }
  }
}

SidecarSet make_sidecarset(Loaded&& l) {
  shrink(l.object);
  SidecarSet s;
  s.name = l.name;
  s.origin = std::move(l.origin);
  s.object = std::move(l.object);
  const Json& spec = member(s.object, "spec");
  s.selector = selector_of(spec, "selector");
  s.namespace_selector = selector_of(spec, "namespaceSelector");
  s.paused = member(member(spec, "injectionStrategy"), "paused") == Json(true);
  const Json& ann = member(member(s.object, "metadata"), "annotations");
  s.hash = member_string(ann, kHashAnnotation);
  s.hash_without_image = member_string(ann, kHashWithoutImageAnnotation);
  return s;
}

// The two §5.1 hashes of a spec.
struct Hashes {
  std::string hash, without_image;
};

// Writes the §5.1 hashes when the object does not carry them. Present ones are kept verbatim, as
// OpenKruise's pod webhook copies what the SidecarSet carries; one that does not match the spec
// (an exported object edited afterwards) gets a warning naming both.
void ensure_hashes(Json& ss, const Hashes& hashes, const Origin& origin, const std::string& name,
                   std::vector<Problem>& warnings) {
  Json& meta = ss["metadata"];
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    meta["annotations"] = Json::object();
  }
  Json& ann = meta["annotations"];
  for (auto [key, hash] : {std::pair{kHashAnnotation, &hashes.hash},
                           std::pair{kHashWithoutImageAnnotation, &hashes.without_image}}) {
    const std::string& computed = *hash;
    auto it = ann.find(std::string(key));
    if (it == ann.end()) {
      ann[std::string(key)] = computed;
    } else if (*it != computed) {
      warnings.push_back(
          Problem{origin, name, "metadata.annotations[" + std::string(key) + "]",
                  it->dump() + " does not match the spec, whose hash is \"" + computed +
                      "\"; the annotation is used, as OpenKruise's pod webhook copies it"});
    }
  }
}

// kubectl's answer for a kind the API server does not serve (RESTMapper's NoKindMatchError).
std::optional<std::string> unserved_kruise_kind(std::string_view kind, std::string_view api) {
  const std::string_view group = "apps.kruise.io/";
  const bool kruise = api.starts_with(group);
  const bool served_version = api == "apps.kruise.io/v1alpha1" || api == "apps.kruise.io/v1beta1";
  std::string lower(kind);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  // A kruise kind in a version that does not exist, or a misspelt SidecarSet anywhere.
  if ((kruise && !served_version) || (lower == "sidecarset" && kind != "SidecarSet") ||
      (kind == "SidecarSet" && !served_version)) {
    return "no matches for kind \"" + std::string(kind) + "\" in version \"" + std::string(api) +
           "\"";
  }
  return std::nullopt;
}

// Creation order for rule 14 in tolerant builds: the API server admitted the older SidecarSet
// first (RFC 3339 UTC timestamps compare as text); ties and objects without one by name.
bool admitted_before(const Loaded& a, const Loaded& b) {
  const std::string ta = member_string(member(a.object, "metadata"), "creationTimestamp");
  const std::string tb = member_string(member(b.object, "metadata"), "creationTimestamp");
  return ta != tb ? ta < tb : a.name < b.name;
}

enum class Mode { kStrict, kTolerant };

struct Built {
  WorldBuild build;
  std::vector<Problem> problems;
};

Built build(std::vector<Document> documents, std::uint64_t generation, Mode mode,
            BuildOptions options) {
  Built out;
  std::vector<Problem>& problems = out.problems;
  std::vector<Problem>& warnings = out.build.warnings;
  std::map<std::string, Origin> namespace_origins;
  auto world = std::make_shared<World>();
  world->generation = generation;
  world->revision_namespace = options.revision_namespace;
  std::vector<Loaded> loaded;
  std::map<std::string, std::size_t, std::less<>> by_name;
  std::map<std::string, Origin> revision_origins;

  // What each SidecarSet document needs on its own (unknown fields, conversion, defaulting) is
  // done first, spread over options.threads; the loop below then runs in document order.
  struct Kind {
    std::string kind, api;
    std::vector<std::string> unknown_fields;  // of a SidecarSet, before conversion
  };
  std::vector<Kind> kinds(documents.size());
  for_each_index(documents.size(), options.threads, [&](std::size_t i) {
    Json& obj = documents[i].object;
    Kind& k = kinds[i];
    k.kind = member_string(obj, "kind");
    k.api = member_string(obj, "apiVersion");
    if (obj.is_object() && k.kind == "SidecarSet" && !unserved_kruise_kind(k.kind, k.api)) {
      k.unknown_fields = unknown_sidecarset_fields(obj);
      convert_to_v1beta1(obj);
      default_sidecarset(obj);
    }
  });

  for (std::size_t d = 0; d < documents.size(); ++d) {
    Document& doc = documents[d];
    Json& obj = doc.object;
    const std::string& kind = kinds[d].kind;
    const std::string& api = kinds[d].api;
    if (!obj.is_object() || kind.empty()) {
      problems.push_back(
          Problem{doc.origin, "", "kind", "Required value: not a Kubernetes object"});
      continue;
    }
    if (auto unserved = unserved_kruise_kind(kind, api)) {
      problems.push_back(Problem{doc.origin, "", "", *unserved});
      continue;
    }
    if (kind == "SidecarSet") {
      // Reported as the API server reports them with fieldValidation=Warn (or Strict).
      const std::string name = member_string(member(obj, "metadata"), "name");
      std::vector<Problem>& field_reports = options.strict_fields ? problems : warnings;
      for (const std::string& f : kinds[d].unknown_fields) {
        field_reports.push_back(Problem{doc.origin, name, "", "unknown field \"" + f + "\""});
      }
      for (const std::string& f : doc.duplicate_fields) {
        field_reports.push_back(Problem{doc.origin, name, "", "duplicate field \"" + f + "\""});
      }
      Loaded l{doc.origin, std::move(obj), "", true};
      l.name = member_string(member(l.object, "metadata"), "name");
      if (!l.name.empty()) {
        if (auto [it, inserted] = by_name.emplace(l.name, loaded.size()); !inserted) {
          problems.push_back(Problem{l.origin, l.name, "metadata.name",
                                     "Duplicate value: SidecarSet " + l.name +
                                         " is also defined in " +
                                         where(loaded[it->second].origin)});
          l.valid = false;
          // Strict: neither copy is used. Tolerant: the first one stays.
          loaded[it->second].valid = mode == Mode::kTolerant && loaded[it->second].valid;
        }
      }
      loaded.push_back(std::move(l));
    } else if (kind == "Namespace" && api == "v1") {
      const std::string name = member_string(member(obj, "metadata"), "name");
      if (name.empty()) {
        problems.push_back(Problem{doc.origin, "", "metadata.name", "Required value"});
        continue;
      }
      if (auto [it, inserted] = namespace_origins.emplace(name, doc.origin); !inserted) {
        problems.push_back(Problem{
            doc.origin, "", "metadata.name",
            "Duplicate value: Namespace " + name + " is also defined in " + where(it->second)});
        continue;
      }
      Labels labels = labels_of(member(member(obj, "metadata"), "labels"));
      // The API server always labels a namespace with its own name.
      labels.insert_or_assign(std::string(kNamespaceNameLabel), name);
      world->namespaces.insert_or_assign(name, std::move(labels));
    } else if (kind == "ControllerRevision" && api == "apps/v1") {
      auto r = read_revision(obj, doc.origin);
      if (!r) {
        const std::string& m = r.error().message;
        const auto colon = m.find(": ");
        problems.push_back(Problem{doc.origin, "", m.substr(0, colon), m.substr(colon + 2)});
        continue;
      }
      // The API server keeps one object per namespace/name.
      const std::string id = r->namespace_name + "/" + r->name;
      if (auto [it, inserted] = revision_origins.emplace(id, doc.origin); !inserted) {
        problems.push_back(Problem{doc.origin, "", "metadata.name",
                                   "Duplicate value: ControllerRevision " + id +
                                       " is also defined in " + where(it->second)});
        continue;
      }
      world->revisions.push_back(std::move(*r));
    } else {
      out.build.notes.push_back("skipped kind " + kind + " (apiVersion " + api + ") in " +
                                where(doc.origin));
    }
  }

  SidecarSetLookup lookup = [&](std::string_view name) -> const Json* {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &loaded[it->second].object;
  };
  std::vector<std::vector<FieldProblem>> validated(loaded.size());
  for_each_index(loaded.size(), options.threads, [&](std::size_t i) {
    validated[i] = validate_sidecarset(loaded[i].object, lookup);
  });
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    Loaded& l = loaded[i];
    auto& found = validated[i];
    if (!found.empty()) {
      l.valid = false;
    }
    for (auto& p : found) {
      problems.push_back(Problem{l.origin, l.name, std::move(p.field), std::move(p.message)});
    }
  }
  // Rule 14 among the SidecarSets that passed rules 1-13 (upstream runs it only then). Strict:
  // every member of a conflicting pair is a problem. Tolerant: as the API server would have
  // admitted them, the older one stays and the newer one is the problem.
  std::vector<std::size_t> valid_index;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].valid) {
      valid_index.push_back(i);
    }
  }
  if (mode == Mode::kTolerant) {
    std::sort(valid_index.begin(), valid_index.end(),
              [&](std::size_t a, std::size_t b) { return admitted_before(loaded[a], loaded[b]); });
  }
  std::vector<const Json*> valid;
  valid.reserve(valid_index.size());
  for (std::size_t i : valid_index) {
    valid.push_back(&loaded[i].object);
  }
  auto conflicts =
      mode == Mode::kStrict ? validate_conflicts(valid) : validate_conflicts_in_order(valid);
  for (std::size_t k = 0; k < conflicts.size(); ++k) {
    Loaded& l = loaded[valid_index[k]];
    if (!conflicts[k].empty()) {
      l.valid = false;
    }
    for (auto& p : conflicts[k]) {
      problems.push_back(
          Problem{l.origin, l.name, std::move(p.field), std::move(p.message), "conflict"});
    }
  }
  if (mode == Mode::kStrict && !problems.empty()) {
    return out;
  }

  world->sidecarsets.reserve(static_cast<std::size_t>(
      std::count_if(loaded.begin(), loaded.end(), [](const Loaded& l) { return l.valid; })));
  std::vector<Hashes> hashes(loaded.size());
  for_each_index(loaded.size(), options.threads, [&](std::size_t i) {
    if (loaded[i].valid) {
      const Json& spec = member(loaded[i].object, "spec");
      hashes[i] = Hashes{sidecarset_hash(spec), sidecarset_hash_without_image(spec)};
    }
  });
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    Loaded& l = loaded[i];
    if (!l.valid) {
      continue;
    }
    ensure_hashes(l.object, hashes[i], l.origin, l.name, warnings);
    world->sidecarsets.push_back(make_sidecarset(std::move(l)));
  }
  std::sort(world->sidecarsets.begin(), world->sidecarsets.end(),
            [](const SidecarSet& a, const SidecarSet& b) { return a.name < b.name; });
  world->index = build_match_index(world->sidecarsets);
  out.build.world = std::move(world);
  return out;
}

}  // namespace

std::expected<WorldBuild, std::vector<Problem>> build_world(std::vector<Document> documents,
                                                            std::uint64_t generation,
                                                            BuildOptions options) {
  Built built = build(std::move(documents), generation, Mode::kStrict, options);
  if (!built.problems.empty()) {
    return std::unexpected(std::move(built.problems));
  }
  return std::move(built.build);
}

TolerantWorldBuild build_world_tolerant(std::vector<Document> documents, std::uint64_t generation,
                                        BuildOptions options) {
  Built built = build(std::move(documents), generation, Mode::kTolerant, std::move(options));
  return TolerantWorldBuild{std::move(built.build), std::move(built.problems)};
}

Labels World::namespace_labels(std::string_view ns) const {
  if (auto it = namespaces.find(ns); it != namespaces.end()) {
    return it->second;
  }
  Labels l;
  l.emplace(std::string(kNamespaceNameLabel), std::string(ns));
  return l;
}

const SidecarSet* World::find(std::string_view name) const {
  auto it = std::lower_bound(sidecarsets.begin(), sidecarsets.end(), name,
                             [](const SidecarSet& s, std::string_view n) { return s.name < n; });
  return it != sidecarsets.end() && it->name == name ? &*it : nullptr;
}

namespace {

std::string anchor_key(std::string_view k, std::string_view v) {
  std::string out(k);
  out += '\x1f';
  out += v;
  return out;
}

// The field index of OpenKruise's SidecarSet informer (pkg/util/fieldindex/register.go).
std::vector<std::string> namespace_buckets(const SidecarSet& s) {
  if (!s.namespace_selector) {
    return {""};
  }
  for (const auto& [k, v] : s.namespace_selector->match_labels) {
    if (k == kNamespaceNameLabel) {
      return {v};
    }
  }
  for (const auto& r : s.namespace_selector->expressions) {
    if (r.key == kNamespaceNameLabel && r.op == "In") {
      return r.values;
    }
  }
  return {""};
}

}  // namespace

MatchIndex build_match_index(const std::vector<SidecarSet>& sidecarsets) {
  MatchIndex index;
  // Anchor each SidecarSet on its rarest matchLabels pair, so that popular labels (app=web) do
  // not put thousands of SidecarSets in one bucket when a rarer label is also required.
  std::unordered_map<std::string, std::size_t> frequency;
  for (const auto& s : sidecarsets) {
    if (s.selector) {
      for (const auto& [k, v] : s.selector->match_labels) {
        ++frequency[anchor_key(k, v)];
      }
    }
  }
  index.namespace_buckets.reserve(sidecarsets.size());
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    const SidecarSet& s = sidecarsets[i];
    auto buckets = namespace_buckets(s);
    std::sort(buckets.begin(), buckets.end());
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    for (const auto& b : buckets) {
      index.by_namespace[b].push_back(id);
    }
    index.namespace_buckets.push_back(std::move(buckets));

    std::vector<std::string> anchors;
    if (s.selector) {
      const std::string* best = nullptr;
      std::size_t best_count = 0;
      std::string key;
      for (const auto& [k, v] : s.selector->match_labels) {
        key = anchor_key(k, v);
        const std::size_t c = frequency[key];
        if (best == nullptr || c < best_count) {
          anchors.assign(1, key);
          best = &anchors.front();
          best_count = c;
        }
      }
      if (anchors.empty()) {
        // Every `In` requirement must hold, so any one of them is an anchor: its values.
        for (const auto& r : s.selector->expressions) {
          if (r.op == "In") {
            for (const auto& v : r.values) {
              anchors.push_back(anchor_key(r.key, v));
            }
            break;
          }
        }
      }
    }
    if (anchors.empty()) {
      index.unanchored.push_back(id);
      continue;
    }
    std::sort(anchors.begin(), anchors.end());
    anchors.erase(std::unique(anchors.begin(), anchors.end()), anchors.end());
    for (const auto& a : anchors) {
      index.by_label[a].push_back(id);
    }
  }
  return index;
}

std::vector<std::uint32_t> World::candidates(std::string_view ns, const Labels& labels) const {
  static const std::vector<std::uint32_t> kNone;
  auto bucket = [&](std::string_view name) -> const std::vector<std::uint32_t>& {
    auto it = index.by_namespace.find(std::string(name));
    return it == index.by_namespace.end() ? kNone : it->second;
  };
  const auto& in_ns = bucket(ns);
  const auto& cluster = bucket("");

  std::vector<const std::vector<std::uint32_t>*> label_lists{&index.unanchored};
  std::size_t label_total = index.unanchored.size();
  for (const auto& [k, v] : labels) {
    auto it = index.by_label.find(anchor_key(k, v));
    if (it != index.by_label.end()) {
      label_lists.push_back(&it->second);
      label_total += it->second.size();
    }
  }

  std::vector<std::uint32_t> out;
  if (in_ns.size() + cluster.size() <= label_total) {
    // The namespace side is smaller: its union is already a superset of the matches.
    out.reserve(in_ns.size() + cluster.size());
    std::merge(in_ns.begin(), in_ns.end(), cluster.begin(), cluster.end(), std::back_inserter(out));
  } else {
    out.reserve(label_total);
    for (const auto* l : label_lists) {
      for (std::uint32_t id : *l) {
        const auto& buckets = index.namespace_buckets[id];
        const bool in_scope = std::any_of(buckets.begin(), buckets.end(),
                                          [&](const auto& b) { return b.empty() || b == ns; });
        if (in_scope) {
          out.push_back(id);
        }
      }
    }
    std::sort(out.begin(), out.end());
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace injector
