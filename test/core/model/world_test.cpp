#include "injector/model/world.hpp"

#include <fstream>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>

#include "injector/model/hash.hpp"
#include "injector/model/load.hpp"

using injector::Json;
using injector::Labels;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(INJECTOR_SOURCE_DIR) + "/fixtures/load/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<injector::Document> docs_of(std::string_view text, std::string_view file) {
  auto docs = injector::parse_documents(text, file);
  REQUIRE(docs.has_value());
  return *docs;
}

std::vector<std::string> problems_of(std::string_view text) {
  auto built = injector::build_world(docs_of(text, "f.yaml"), 1);
  REQUIRE_FALSE(built.has_value());
  std::vector<std::string> out;
  for (const auto& p : built.error()) {
    out.push_back(p.to_string());
  }
  return out;
}

}  // namespace

TEST_CASE("build_world loads SidecarSets, namespaces and revisions") {
  auto built = injector::build_world(docs_of(read_fixture("mixed.yaml"), "mixed.yaml"), 7);
  REQUIRE(built.has_value());
  CHECK(built->notes == std::vector<std::string>{
                            "skipped kind ConfigMap (apiVersion v1) in mixed.yaml: document 6"});
  const injector::World& w = *built->world;
  CHECK(w.generation == 7);
  REQUIRE(w.sidecarsets.size() == 3);
  CHECK(w.sidecarsets[0].name == "alpha");
  CHECK(w.sidecarsets[1].name == "carried");
  CHECK(w.sidecarsets[2].name == "dns");

  // §5.1 vector: the defaulted {dns-f, dns:1.0} container.
  const auto& dns = w.sidecarsets[2];
  CHECK(dns.hash == "6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684");
  CHECK(dns.hash_without_image ==
        "82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94");
  CHECK(dns.object["metadata"]["annotations"]["kruise.io/sidecarset-hash"] == dns.hash);
  CHECK(dns.object["apiVersion"] == "apps.kruise.io/v1beta1");
  CHECK(dns.object["spec"]["containers"][0]["podInjectPolicy"] == "BeforeAppContainer");
  CHECK(dns.origin.file == "mixed.yaml");
  CHECK(dns.origin.document == 0);
  CHECK_FALSE(dns.paused);
  CHECK_FALSE(dns.namespace_selector.has_value());
  REQUIRE(dns.selector.has_value());
  CHECK(dns.selector->match_labels ==
        std::vector<std::pair<std::string, std::string>>{{"app", "web"}});

  // Present hash annotations are kept verbatim.
  CHECK(w.sidecarsets[1].hash == "kept-hash");
  CHECK(w.sidecarsets[1].hash_without_image == "kept-without-image");

  // v1alpha1: converted, custom version moved, paused read.
  const auto& alpha = w.sidecarsets[0];
  CHECK(alpha.paused);
  CHECK(alpha.object["spec"]["customVersion"] == "v2");
  REQUIRE(alpha.namespace_selector.has_value());
  CHECK(alpha.namespace_selector->match_labels == std::vector<std::pair<std::string, std::string>>{
                                                      {"kubernetes.io/metadata.name", "team-b"}});
  CHECK(w.find("alpha") == &alpha);
  CHECK(w.find("missing") == nullptr);

  CHECK(w.namespace_labels("team-a") ==
        Labels{{"env", "prod"}, {"kubernetes.io/metadata.name", "team-a"}});
  CHECK(w.namespace_labels("other") == Labels{{"kubernetes.io/metadata.name", "other"}});

  REQUIRE(w.revisions.size() == 1);
  const auto& r = w.revisions[0];
  CHECK(r.name == "dns-7f9c6d");
  CHECK(r.namespace_name == "kruise-system");
  CHECK(r.revision == 3);
  CHECK(r.creation_timestamp == "2024-01-02T03:04:05Z");
  CHECK(r.labels.at("apps.kruise.io/sidecarset-custom-version") == "v1");
  CHECK(r.annotations == Json::parse(R"({"kruise.io/sidecarset-hash":"old"})"));
  CHECK(r.data["spec"]["containers"][0]["image"] == "dns:0.9");
  CHECK(r.origin.document == 4);
}

TEST_CASE("build_world reports every problem and builds nothing") {
  CHECK(
      problems_of(read_fixture("invalid.yaml")) ==
      std::vector<std::string>{
          R"(f.yaml: document 1: sidecarset "match-all": spec.selector: Invalid value: {}: empty selector is not valid for sidecarset.)",
          R"(f.yaml: document 2: sidecarset "no-image": spec.containers[0].image: Required value)",
          R"(f.yaml: document 3: sidecarset "hot": spec.containers[0].upgradeStrategy.hotUpgradeEmptyImage: Required value: container "envoy": hotUpgradeEmptyImage is required for HotUpgrade)",
      });
}

TEST_CASE("build_world rejects duplicate names, conflicts and bad objects") {
  const char* two = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: a}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: agent:1}]
---
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: a}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: other, image: agent:1}]
)";
  CHECK(
      problems_of(two) ==
      std::vector<std::string>{
          R"(f.yaml: document 2: sidecarset "a": metadata.name: Duplicate value: SidecarSet a is also defined in f.yaml: document 1)"});

  const char* conflict = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: a}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: agent:1}]
---
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: b}
spec:
  selector: {matchExpressions: [{key: app, operator: In, values: [web, db]}]}
  containers: [{name: agent, image: agent:2}]
)";
  CHECK(
      problems_of(conflict) ==
      std::vector<std::string>{
          R"(f.yaml: document 1: sidecarset "a": spec.containers[0].name: container agent already exist in b)",
          R"(f.yaml: document 2: sidecarset "b": spec.containers[0].name: container agent already exist in a)"});

  CHECK(problems_of("just: text\n---\n- 1\n") ==
        std::vector<std::string>{
            "f.yaml: document 1: kind: Required value: not a Kubernetes object",
            "f.yaml: document 2: kind: Required value: not a Kubernetes object"});
  CHECK(problems_of("apiVersion: v1\nkind: Namespace\nmetadata: {}\n") ==
        std::vector<std::string>{"f.yaml: document 1: metadata.name: Required value"});
  CHECK(problems_of("apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: r}\n"
                    "revision: one\n") ==
        std::vector<std::string>{"f.yaml: document 1: revision: must be an integer"});
  CHECK(problems_of("apiVersion: apps/v1\nkind: ControllerRevision\n"
                    "metadata: {name: r, namespace: kruise-system}\n---\n"
                    "apiVersion: apps/v1\nkind: ControllerRevision\n"
                    "metadata: {name: r, namespace: kruise-system}\n") ==
        std::vector<std::string>{"f.yaml: document 2: metadata.name: Duplicate value: "
                                 "ControllerRevision kruise-system/r is also defined in f.yaml: "
                                 "document 1"});
  CHECK(problems_of("apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {}\n") ==
        std::vector<std::string>{"f.yaml: document 1: metadata.name: Required value"});
}

TEST_CASE("an empty input builds an empty World") {
  auto built = injector::build_world({}, 3);
  REQUIRE(built.has_value());
  CHECK(built->world->sidecarsets.empty());
  CHECK(built->world->candidates("default", {{"app", "web"}}).empty());
}

// §7 item 28: namespaceSelector against Namespace objects' labels.
TEST_CASE("namespace selectors match the namespace's labels") {
  const char* text = R"(
apiVersion: v1
kind: Namespace
metadata: {name: app1, labels: {app: app1}}
---
apiVersion: v1
kind: Namespace
metadata: {name: app2, labels: {app: app2}}
)";
  auto built = injector::build_world(docs_of(text, "ns.yaml"), 1);
  REQUIRE(built.has_value());
  const auto& w = *built->world;
  struct Case {
    const char* ns;
    const char* selector;
    bool matches;
  };
  const Case cases[] = {
      {"app1", R"({"matchLabels":{"app":"app1"}})", true},
      {"app2", R"({"matchLabels":{"app":"app1"}})", false},
      {"app1", R"({"matchLabels":{"kubernetes.io/metadata.name":"app1"}})", true},
      {"unlisted", R"({"matchLabels":{"kubernetes.io/metadata.name":"unlisted"}})", true},
      {"unlisted", R"({"matchLabels":{"app":"app1"}})", false},
      {"app1", "{}", true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.ns << " " << c.selector) {
      auto s = injector::parse_label_selector(Json::parse(c.selector), "s");
      REQUIRE(s.has_value());
      auto m = injector::selector_matches(*s, w.namespace_labels(c.ns));
      REQUIRE(m.has_value());
      CHECK(*m == c.matches);
    }
  }
}

namespace {

injector::SidecarSet make_set(std::string name, const char* selector, const char* ns_selector) {
  injector::SidecarSet s;
  s.name = std::move(name);
  if (selector != nullptr) {
    s.selector = *injector::parse_label_selector(Json::parse(selector), "s");
  }
  if (ns_selector != nullptr) {
    s.namespace_selector = *injector::parse_label_selector(Json::parse(ns_selector), "n");
  }
  return s;
}

}  // namespace

TEST_CASE("match index buckets and anchors") {
  std::vector<injector::SidecarSet> sets;
  sets.push_back(make_set("a", R"({"matchLabels":{"app":"web","team":"x"}})", nullptr));
  sets.push_back(make_set("b", R"({"matchLabels":{"app":"web"}})",
                          R"({"matchLabels":{"kubernetes.io/metadata.name":"ns1"}})"));
  sets.push_back(
      make_set("c", R"({"matchExpressions":[{"key":"tier","operator":"In","values":["f","g"]}]})",
               R"({"matchExpressions":[{"key":"kubernetes.io/metadata.name",
                                "operator":"In","values":["ns2","ns1"]}]})"));
  sets.push_back(make_set("d", R"({"matchExpressions":[{"key":"x","operator":"Exists"}]})",
                          R"({"matchLabels":{"env":"prod"}})"));
  sets.push_back(make_set("e", nullptr, nullptr));
  injector::World w;
  w.sidecarsets = std::move(sets);
  w.index = injector::build_match_index(w.sidecarsets);
  const auto& idx = w.index;
  CHECK(idx.namespace_buckets ==
        std::vector<std::vector<std::string>>{{""}, {"ns1"}, {"ns1", "ns2"}, {""}, {""}});
  CHECK(idx.by_namespace.at("") == std::vector<std::uint32_t>{0, 3, 4});
  CHECK(idx.by_namespace.at("ns1") == std::vector<std::uint32_t>{1, 2});
  // "a" is anchored on its rarer label team=x, not on the shared app=web.
  CHECK(idx.by_label.at("team\x1fx") == std::vector<std::uint32_t>{0});
  CHECK(idx.by_label.at("app\x1fweb") == std::vector<std::uint32_t>{1});
  CHECK(idx.by_label.at("tier\x1f"
                        "f") == std::vector<std::uint32_t>{2});
  CHECK(idx.by_label.at("tier\x1fg") == std::vector<std::uint32_t>{2});
  CHECK(idx.unanchored == std::vector<std::uint32_t>{3, 4});

  CHECK(w.candidates("ns1", {{"app", "web"}, {"team", "x"}}) ==
        std::vector<std::uint32_t>{0, 1, 3, 4});
  // The label side is smaller here, so "a" (anchored on team=x) is left out.
  CHECK(w.candidates("ns2", {{"tier", "g"}}) == std::vector<std::uint32_t>{2, 3, 4});
  // Many label anchors but a small namespace side: the namespace buckets are returned.
  CHECK(w.candidates("ns9", {{"app", "web"}, {"team", "x"}, {"tier", "f"}}) ==
        std::vector<std::uint32_t>{0, 3, 4});
}

namespace {

// Exact matching as the engine does it (§2.2): nil/empty pod selector matches nothing.
bool really_matches(const injector::World& w, const injector::SidecarSet& s, std::string_view ns,
                    const Labels& labels) {
  if (!s.selector || s.selector->empty()) {
    return false;
  }
  if (s.namespace_selector) {
    auto m = injector::selector_matches(*s.namespace_selector, w.namespace_labels(ns));
    if (!m || !*m) {
      return false;
    }
  }
  auto m = injector::selector_matches(*s.selector, labels);
  return m && *m;
}

}  // namespace

TEST_CASE("candidates are a sorted superset of the matches (randomised against a full scan)") {
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* keys[] = {"app", "team", "tier", "zone"};
  const char* values[] = {"a", "b", "c"};
  const char* ops[] = {"In", "NotIn", "Exists", "DoesNotExist"};
  std::vector<injector::SidecarSet> sets;
  for (int i = 0; i < 400; ++i) {
    Json sel = Json::object();
    const int labels = pick(3);
    for (int k = 0; k < labels; ++k) {
      sel["matchLabels"][keys[pick(4)]] = values[pick(3)];
    }
    const int exprs = pick(3);
    for (int k = 0; k < exprs; ++k) {
      const char* op = ops[pick(4)];
      Json e = {{"key", keys[pick(4)]}, {"operator", op}};
      if (std::string_view(op) == "In" || std::string_view(op) == "NotIn") {
        e["values"] = Json::array({values[pick(3)], values[pick(3)]});
      }
      sel["matchExpressions"].push_back(e);
    }
    Json ns = nullptr;
    switch (pick(4)) {
      case 0:
        ns = {{"matchLabels", {{"kubernetes.io/metadata.name", "ns" + std::to_string(pick(3))}}}};
        break;
      case 1:
        ns = {{"matchExpressions",
               Json::array({{{"key", "kubernetes.io/metadata.name"},
                             {"operator", "In"},
                             {"values", {"ns0", "ns" + std::to_string(pick(3))}}}})}};
        break;
      case 2:
        ns = {{"matchLabels", {{"env", values[pick(3)]}}}};
        break;
      default:
        break;
    }
    char name[16];
    std::snprintf(name, sizeof name, "s%04d", i);
    sets.push_back(make_set(name, pick(10) == 0 ? nullptr : sel.dump().c_str(),
                            ns.is_null() ? nullptr : ns.dump().c_str()));
  }
  injector::World w;
  w.sidecarsets = std::move(sets);
  w.namespaces["ns1"] = Labels{{"env", "a"}, {"kubernetes.io/metadata.name", "ns1"}};
  w.index = injector::build_match_index(w.sidecarsets);

  std::size_t matched = 0;
  for (int trial = 0; trial < 500; ++trial) {
    Labels labels;
    for (const char* k : keys) {
      if (pick(2) == 0) {
        labels[k] = values[pick(3)];
      }
    }
    const std::string ns = "ns" + std::to_string(pick(4));
    const auto cands = w.candidates(ns, labels);
    REQUIRE(std::is_sorted(cands.begin(), cands.end()));
    REQUIRE(std::adjacent_find(cands.begin(), cands.end()) == cands.end());
    for (std::uint32_t i = 0; i < w.sidecarsets.size(); ++i) {
      if (really_matches(w, w.sidecarsets[i], ns, labels)) {
        ++matched;
        INFO("sidecarset " << w.sidecarsets[i].name << " in " << ns);
        REQUIRE(std::binary_search(cands.begin(), cands.end(), i));
      }
    }
  }
  CHECK(matched > 100);  // the random selectors do match now and then
}

TEST_CASE("candidates stay small with 10,000 anchored SidecarSets") {
  std::vector<injector::SidecarSet> sets;
  for (int i = 0; i < 10000; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "s%05d", i);
    const std::string sel = R"({"matchLabels":{"app":"app-)" + std::to_string(i) + R"("}})";
    sets.push_back(make_set(name, sel.c_str(), nullptr));
  }
  injector::World w;
  w.sidecarsets = std::move(sets);
  w.index = injector::build_match_index(w.sidecarsets);
  CHECK(w.candidates("default", {{"app", "app-42"}, {"other", "x"}}) ==
        std::vector<std::uint32_t>{42});
  CHECK(w.candidates("default", {{"other", "x"}}).empty());
}

namespace {

// Replaces one random node of `j` with a random value of another type.
void mutate(Json& j, std::mt19937& rng) {
  Json* node = &j;
  while ((node->is_object() || node->is_array()) && !node->empty() && rng() % 4 != 0) {
    const std::size_t i = rng() % node->size();
    node = node->is_object() ? &std::next(node->begin(), static_cast<std::ptrdiff_t>(i)).value()
                             : &(*node)[i];
  }
  switch (rng() % 7) {
    case 0:
      *node = nullptr;
      break;
    case 1:
      *node = static_cast<int>(rng() % 100000) - 50;
      break;
    case 2:
      *node = "x-" + std::to_string(rng() % 10);
      break;
    case 3:
      *node = Json::array({"a", 1});
      break;
    case 4:
      *node = Json::object({{"name", "n"}, {"image", "i"}});
      break;
    case 5:
      *node = rng() % 2 == 0;
      break;
    default:
      *node = 0.5;
      break;
  }
}

}  // namespace

TEST_CASE("build_world never throws on mutated objects and never half-loads") {
  const auto base = docs_of(read_fixture("mixed.yaml"), "mixed.yaml");
  std::mt19937 rng(2024);
  std::size_t built = 0;
  std::size_t rejected = 0;
  for (int round = 0; round < 1500; ++round) {
    auto docs = base;
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) {
      mutate(docs[rng() % docs.size()].object, rng);
    }
    std::expected<injector::WorldBuild, std::vector<injector::Problem>> result;
    REQUIRE_NOTHROW(result = injector::build_world(docs, 1));
    if (result) {
      ++built;
      REQUIRE(result->world != nullptr);
      for (const auto& s : result->world->sidecarsets) {
        REQUIRE_FALSE(s.hash.empty());
        REQUIRE(s.object["metadata"]["annotations"].contains("kruise.io/sidecarset-hash"));
      }
    } else {
      ++rejected;
      REQUIRE_FALSE(result.error().empty());
      for (const auto& p : result.error()) {
        REQUIRE_FALSE(p.message.empty());
        REQUIRE_NOTHROW(p.to_string());
      }
    }
  }
  CHECK(built > 0);
  CHECK(rejected > 0);
}

namespace {

const char* kTypos = R"(apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: typos, labelz: {a: b}}
spec:
  namespace: ns-1
  selectr: {matchLabels: {app: web}}
  selector: {matchLabels: {app: web}, matchExpression: []}
  containers:
  - name: agent
    image: agent:1
    imagePullPolicyy: Always
    volumeMount: [{name: logs, mountPath: /logs}]
    volumeMounts: [{name: logs, mountPath: /logs, readonly: true}]
  volumes: [{name: logs, emptyDir: {}, emptydir: {}}]
  updateStrategy: {type: RollingUpdate, partitions: 1}
  customVersion: v2
  revisionHistoryLimit: 5
  revisionHistoryLimit: 7
)";

std::vector<std::string> texts(const std::vector<injector::Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    out.push_back(p.to_string());
  }
  return out;
}

}  // namespace

TEST_CASE("unknown and duplicate SidecarSet fields are warnings, or problems when strict") {
  const std::vector<std::string> want = {
      R"(f.yaml: document 1: sidecarset "typos": unknown field "metadata.labelz")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.selectr")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.selector.matchExpression")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.containers[0].imagePullPolicyy")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.containers[0].volumeMount")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.containers[0].volumeMounts[0].readonly")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.volumes[0].emptydir")",
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.updateStrategy.partitions")",
      // v1alpha1 has `namespace` and no `customVersion`.
      R"(f.yaml: document 1: sidecarset "typos": unknown field "spec.customVersion")",
      R"(f.yaml: document 1: sidecarset "typos": duplicate field "spec.revisionHistoryLimit")",
  };
  auto warned = injector::build_world(docs_of(kTypos, "f.yaml"), 1);
  REQUIRE(warned.has_value());
  CHECK(warned->world->sidecarsets.size() == 1);
  CHECK(texts(warned->warnings) == want);

  auto strict = injector::build_world(docs_of(kTypos, "f.yaml"), 1, {.strict_fields = true});
  REQUIRE_FALSE(strict.has_value());
  CHECK(texts(strict.error()) == want);
}

TEST_CASE("apps.kruise.io kinds and versions that are not served are problems") {
  const std::string ss = "metadata: {name: a}\nspec: {selector: {matchLabels: {app: web}}}\n";
  CHECK(
      problems_of("apiVersion: apps.kruise.io/v1\nkind: SidecarSet\n" + ss) ==
      std::vector<std::string>{
          R"(f.yaml: document 1: no matches for kind "SidecarSet" in version "apps.kruise.io/v1")"});
  CHECK(
      problems_of("apiVersion: apps.kruise.io/v1beta1\nkind: sidecarset\n" + ss) ==
      std::vector<std::string>{
          R"(f.yaml: document 1: no matches for kind "sidecarset" in version "apps.kruise.io/v1beta1")"});
  CHECK(problems_of("apiVersion: apps/v1\nkind: SidecarSet\n" + ss) ==
        std::vector<std::string>{
            R"(f.yaml: document 1: no matches for kind "SidecarSet" in version "apps/v1")"});
  // Other Kruise kinds of served versions, and other groups, are skipped with a note.
  auto skipped = injector::build_world(
      docs_of("apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata: {name: c}\n",
              "f.yaml"),
      1);
  REQUIRE(skipped.has_value());
  CHECK(skipped->notes ==
        std::vector<std::string>{
            "skipped kind CloneSet (apiVersion apps.kruise.io/v1alpha1) in f.yaml: document 1"});
}

TEST_CASE("two Namespaces of one name are a problem") {
  CHECK(problems_of("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n"
                    "apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {a: b}}\n") ==
        std::vector<std::string>{"f.yaml: document 2: metadata.name: Duplicate value: Namespace "
                                 "team is also defined in f.yaml: document 1"});
}

TEST_CASE("hash annotations that do not match the spec are kept, with a warning naming both") {
  const char* text = R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: edited
  annotations: {kruise.io/sidecarset-hash: old-hash}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: agent:2}]
)";
  auto built = injector::build_world(docs_of(text, "f.yaml"), 1);
  REQUIRE(built.has_value());
  const auto& s = built->world->sidecarsets.at(0);
  CHECK(s.hash == "old-hash");
  // Only the hash that was given is checked; the other one is computed.
  REQUIRE(built->warnings.size() == 1);
  CHECK(built->warnings[0].field == "metadata.annotations[kruise.io/sidecarset-hash]");
  CHECK(built->warnings[0].message ==
        R"("old-hash" does not match the spec, whose hash is ")" +
            injector::sidecarset_hash(s.object["spec"]) +
            R"("; the annotation is used, as OpenKruise's pod webhook copies it)");
}

TEST_CASE("a World built on several threads is the one built on one") {
  // Enough SidecarSets for several slices, with every kind of per-object outcome: valid ones,
  // v1alpha1 ones converted, unknown fields, stale hash annotations, invalid objects and a
  // conflict, spread over the whole input.
  std::string text;
  for (int i = 0; i < 1200; ++i) {
    const std::string n = std::to_string(i);
    const std::string api = i % 3 == 0 ? "apps.kruise.io/v1alpha1" : "apps.kruise.io/v1beta1";
    text += "apiVersion: " + api + "\nkind: SidecarSet\nmetadata:\n  name: ss-" + n + "\n";
    if (i % 7 == 0) {
      text += "  annotations: {kruise.io/sidecarset-hash: stale-" + n + "}\n";
    }
    text += "spec:\n  selector: {matchLabels: {app: a" + std::to_string(i % 500) + "}}\n";
    if (i % 11 == 0) {
      text += "  unknownField: 1\n";
    }
    const std::string image = i % 13 == 0 ? "" : "agent:" + n;
    // i and i + 500 share a selector; every 97th pair also shares a container name.
    const std::string container = i % 97 == 0 ? "shared" : "c-" + n;
    text += "  containers: [{name: " + container + ", image: '" + image + "'}]\n---\n";
  }
  auto build = [&](unsigned threads) {
    injector::BuildOptions options;
    options.threads = threads;
    return injector::build_world_tolerant(docs_of(text, "many.yaml"), 1, options);
  };
  const auto one = build(1);
  const auto four = build(4);
  REQUIRE(one.build.world->sidecarsets.size() > 1000);
  REQUIRE_FALSE(one.problems.empty());
  REQUIRE_FALSE(one.build.warnings.empty());
  auto lines = [](const std::vector<injector::Problem>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) {
      out.push_back(p.to_string());
    }
    return out;
  };
  CHECK(lines(four.problems) == lines(one.problems));
  CHECK(lines(four.build.warnings) == lines(one.build.warnings));
  REQUIRE(four.build.world->sidecarsets.size() == one.build.world->sidecarsets.size());
  for (std::size_t i = 0; i < one.build.world->sidecarsets.size(); ++i) {
    CHECK(four.build.world->sidecarsets[i].object == one.build.world->sidecarsets[i].object);
  }
  // The strict build fails the same way too.
  injector::BuildOptions strict;
  strict.threads = 4;
  auto failed = injector::build_world(docs_of(text, "many.yaml"), 1, strict);
  REQUIRE_FALSE(failed.has_value());
  auto failed_one = injector::build_world(docs_of(text, "many.yaml"), 1);
  REQUIRE_FALSE(failed_one.has_value());
  CHECK(lines(failed.error()) == lines(failed_one.error()));
}
