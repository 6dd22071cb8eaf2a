#include "injector/model/cluster.hpp"

#include <catch2/catch.hpp>

#include "injector/model/world.hpp"

using injector::ClusterObjects;
using injector::Json;

namespace {

std::shared_ptr<const Json> object(const char* text) {
  return std::make_shared<const Json>(Json::parse(text));
}

// A SidecarSet as the API server lists it (items of a CRD list carry kind and apiVersion).
std::shared_ptr<const Json> sidecarset(const std::string& name, const std::string& created,
                                       const std::string& container, const std::string& image,
                                       const std::string& app = "web") {
  Json ss = {
      {"apiVersion", "apps.kruise.io/v1beta1"},
      {"kind", "SidecarSet"},
      {"metadata", {{"name", name}, {"creationTimestamp", created}, {"resourceVersion", "7"}}},
      {"spec",
       {{"selector", {{"matchLabels", {{"app", app}}}}},
        {"containers", {{{"name", container}, {"image", image}}}}}}};
  if (image.empty()) {
    ss["spec"]["containers"][0].erase("image");
  }
  return std::make_shared<const Json>(std::move(ss));
}

std::vector<std::string> names(const injector::World& w) {
  std::vector<std::string> out;
  for (const auto& s : w.sidecarsets) {
    out.push_back(s.name);
  }
  return out;
}

std::vector<std::string> problems(const injector::TolerantWorldBuild& b) {
  std::vector<std::string> out;
  for (const auto& p : b.problems) {
    out.push_back(p.to_string());
  }
  return out;
}

}  // namespace

TEST_CASE("cluster World: a bad SidecarSet is left out, the others serve") {
  ClusterObjects objects;
  objects.sidecarsets = {sidecarset("good", "2024-01-01T00:00:00Z", "agent", "agent:1"),
                         sidecarset("bad", "2024-01-01T00:00:00Z", "proxy", ""),
                         sidecarset("other", "2024-01-02T00:00:00Z", "dns", "dns:1", "api")};
  auto built = injector::build_cluster_world(objects, 4);
  REQUIRE(built.build.world);
  CHECK(built.build.world->generation == 4);
  CHECK(names(*built.build.world) == std::vector<std::string>{"good", "other"});
  CHECK(problems(built) ==
        std::vector<std::string>{
            R"(cluster: sidecarset "bad": spec.containers[0].image: Required value)"});
  // Defaulted and hashed as from files.
  const auto* good = built.build.world->find("good");
  REQUIRE(good != nullptr);
  CHECK(good->hash.size() == 64);
  CHECK(good->object["spec"]["containers"][0]["podInjectPolicy"] == "BeforeAppContainer");
}

TEST_CASE("cluster World: of a conflicting pair the older SidecarSet stays") {
  struct Case {
    const char* what;
    std::string a_created, b_created;
    std::vector<std::string> kept;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"a older",
       "2024-01-01T00:00:00Z",
       "2024-02-01T00:00:00Z",
       {"a"},
       R"(cluster: sidecarset "b": spec.containers[0].name: container agent already exist in a)"},
      {"b older",
       "2024-03-01T00:00:00Z",
       "2024-02-01T00:00:00Z",
       {"b"},
       R"(cluster: sidecarset "a": spec.containers[0].name: container agent already exist in b)"},
      {"same second: by name",
       "2024-01-01T00:00:00Z",
       "2024-01-01T00:00:00Z",
       {"a"},
       R"(cluster: sidecarset "b": spec.containers[0].name: container agent already exist in a)"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      ClusterObjects objects;
      objects.sidecarsets = {sidecarset("b", c.b_created, "agent", "agent:2"),
                             sidecarset("a", c.a_created, "agent", "agent:1")};
      auto built = injector::build_cluster_world(objects, 1);
      CHECK(names(*built.build.world) == c.kept);
      CHECK(problems(built) == std::vector<std::string>{c.problem});
    }
  }
}

TEST_CASE("cluster World: namespaces, revisions and list items without kind") {
  ClusterObjects objects;
  objects.sidecarsets = {sidecarset("mesh", "2024-01-01T00:00:00Z", "proxy", "proxy:1")};
  // Built-in list items come without kind and apiVersion.
  objects.namespaces = {object(R"({"metadata": {"name": "shop", "labels": {"mesh": "on"}}})")};
  objects.revisions = {object(R"({"metadata": {"name": "mesh-abc", "namespace": "kruise-system",
      "labels": {"kruise.io/sidecarset-name": "mesh"}}, "revision": 2,
      "data": {"spec": {"containers": []}}})")};
  auto built = injector::build_cluster_world(objects, 2);
  CHECK(built.problems.empty());
  const auto& w = *built.build.world;
  CHECK(w.namespace_labels("shop") ==
        injector::Labels{{"kubernetes.io/metadata.name", "shop"}, {"mesh", "on"}});
  REQUIRE(w.revisions.size() == 1);
  CHECK(w.revisions[0].name == "mesh-abc");
  CHECK(w.revisions[0].namespace_name == "kruise-system");
  CHECK(w.revisions[0].revision == 2);
}

TEST_CASE("cluster World: v1alpha1 objects and v1alpha1 fields kept under v1beta1 are converted") {
  struct Case {
    const char* what;
    const char* object;
  };
  const std::vector<Case> cases = {
      {"served as v1alpha1", R"({"apiVersion": "apps.kruise.io/v1alpha1", "kind": "SidecarSet",
          "metadata": {"name": "x"}, "spec": {"namespace": "team-b",
          "selector": {"matchLabels": {"app": "web"}}, "containers": [{"name": "c", "image": "i"}]}})"},
      {"stored without conversion",
       R"({"apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
          "metadata": {"name": "x"}, "spec": {"namespace": "team-b",
          "selector": {"matchLabels": {"app": "web"}}, "containers": [{"name": "c", "image": "i"}]}})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      ClusterObjects objects;
      objects.sidecarsets = {object(c.object)};
      auto built = injector::build_cluster_world(objects, 1);
      REQUIRE(built.problems.empty());
      const auto& ss = built.build.world->sidecarsets.at(0);
      CHECK(ss.object["apiVersion"] == "apps.kruise.io/v1beta1");
      CHECK_FALSE(ss.object["spec"].contains("namespace"));
      REQUIRE(ss.namespace_selector.has_value());
      CHECK(ss.namespace_selector->match_labels == std::vector<std::pair<std::string, std::string>>{
                                                       {"kubernetes.io/metadata.name", "team-b"}});
    }
  }
}

TEST_CASE("cluster World: a v1alpha1 custom-version label kept under v1beta1 is converted") {
  struct Case {
    const char* what;
    const char* object;
    const char* version;
  };
  const std::vector<Case> cases = {
      {"stored without conversion", R"({"apiVersion": "apps.kruise.io/v1beta1",
          "kind": "SidecarSet", "metadata": {"name": "x", "labels":
          {"apps.kruise.io/sidecarset-custom-version": "v7"}}, "spec": {
          "selector": {"matchLabels": {"app": "web"}}, "containers": [{"name": "c", "image": "i"}]}})",
       "v7"},
      {"a v1beta1 customVersion stays", R"({"apiVersion": "apps.kruise.io/v1beta1",
          "kind": "SidecarSet", "metadata": {"name": "x", "labels":
          {"apps.kruise.io/sidecarset-custom-version": "v7"}}, "spec": {"customVersion": "v8",
          "selector": {"matchLabels": {"app": "web"}}, "containers": [{"name": "c", "image": "i"}]}})",
       "v8"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      ClusterObjects objects;
      objects.sidecarsets = {object(c.object)};
      auto built = injector::build_cluster_world(objects, 1);
      REQUIRE(built.problems.empty());
      const auto& ss = built.build.world->sidecarsets.at(0);
      CHECK(ss.object["apiVersion"] == "apps.kruise.io/v1beta1");
      CHECK(ss.object.at("spec").value("customVersion", "") == c.version);
    }
  }
}

TEST_CASE("cluster World: empty stores build an empty World; the shared objects are not touched") {
  ClusterObjects objects;
  auto empty = injector::build_cluster_world(objects, 1);
  REQUIRE(empty.build.world);
  CHECK(empty.build.world->sidecarsets.empty());
  CHECK(empty.problems.empty());

  objects.sidecarsets = {sidecarset("good", "2024-01-01T00:00:00Z", "agent", "agent:1")};
  const Json before = *objects.sidecarsets[0];
  auto built = injector::build_cluster_world(objects, 2);
  CHECK(*objects.sidecarsets[0] == before);
  CHECK_FALSE(objects.sidecarsets[0]->at("metadata").contains("annotations"));
  CHECK(built.build.world->sidecarsets.at(0).object["metadata"]["annotations"].contains(
      "kruise.io/sidecarset-hash"));
}

TEST_CASE("cluster World: revisions are looked up where they were listed") {
  ClusterObjects objects;
  objects.sidecarsets = {sidecarset("good", "2024-01-01T00:00:00Z", "agent", "agent:1")};
  CHECK(injector::build_cluster_world(objects, 1).build.world->revision_namespace ==
        "kruise-system");
  CHECK(injector::build_cluster_world(objects, 1, "ops").build.world->revision_namespace == "ops");
}
