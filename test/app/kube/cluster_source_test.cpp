// Cluster mode's source against the fake API server: discovery, readiness, one build for a big
// first list, bad SidecarSets left out and reported, changes reaching the World.

#include "kube/cluster_source.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "fake_apiserver.hpp"
#include "injector/model/world.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::FakeApiServer;

const testing::TlsFiles& tls() { return testing::process_tls_files("cluster_source_test"); }

const std::string kBeta = "/apis/apps.kruise.io/v1beta1/sidecarsets";
const std::string kAlpha = "/apis/apps.kruise.io/v1alpha1/sidecarsets";
const std::string kNamespaces = "/api/v1/namespaces";
const std::string kRevisions = "/apis/apps/v1/namespaces/kruise-system/controllerrevisions";

json sidecarset(const std::string& name, const std::string& image,
                const std::string& api = "apps.kruise.io/v1beta1") {
  json ss = {{"apiVersion", api},
             {"kind", "SidecarSet"},
             {"metadata", {{"name", name}, {"creationTimestamp", "2024-01-01T00:00:00Z"}}},
             {"spec",
              {{"selector", {{"matchLabels", {{"app", "web"}}}}},
               {"namespaceSelector", {{"matchLabels", {{"mesh", "on"}}}}},
               {"containers", {{{"name", name + "-c"}, {"image", image}}}}}}};
  if (image.empty()) {
    ss["spec"]["containers"][0].erase("image");
  }
  return ss;
}

json ns(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}}};
}

struct Fixture {
  FakeApiServer api{tls()};
  std::unique_ptr<kube::Client> client;
  WorldHolder holder{nullptr};
  std::unique_ptr<kube::ClusterSource> source;

  void start() {
    kube::Client::Options o;
    o.config.server = api.url();
    o.config.ca_file = tls().ca_cert;
    o.config.source = "test";
    auto c = kube::Client::create(o);
    REQUIRE(c.has_value());
    client = std::move(*c);
    kube::ClusterSourceOptions so;
    so.page_size = 50;
    so.backoff = kube::BackoffPolicy{5ms, 50ms, 2min, 2.0, 0.0};
    source = std::make_unique<kube::ClusterSource>(*client, so, holder);
    source->start();
  }
  ~Fixture() {
    if (source) {
      source->stop();
    }
    if (client) {
      client->stop();
    }
  }
  bool ready() const { return source->readiness(false).ready; }
  std::shared_ptr<const World> world() const { return holder.get(); }
};

}  // namespace

TEST_CASE("cluster source: not ready until everything is listed, then one build for it all") {
  Fixture f;
  for (int i = 0; i < 120; ++i) {
    f.api.put(kBeta, sidecarset("set-" + std::to_string(1000 + i), "img:" + std::to_string(i)));
  }
  f.api.put(kNamespaces, ns("shop", {{"mesh", "on"}}));
  // Namespaces cannot be listed for a while: the source must not become ready meanwhile.
  f.api.fail_next(kNamespaces, false, 500, 1'000'000);
  f.start();
  REQUIRE(eventually([&] { return f.api.count(kNamespaces, false) >= 3; }));
  REQUIRE(eventually([&] { return f.api.open_watches() == 2; }));  // the other two informers
  const auto waiting = f.source->readiness(false);
  CHECK_FALSE(waiting.ready);
  CHECK(waiting.text == "not ready: waiting for the first list of namespaces/v1\n");
  const auto verbose = f.source->readiness(true).text;
  CHECK(verbose.find("\ninformer namespaces/v1: not synced, not watching") != std::string::npos);
  CHECK(verbose.find("last error: GET /api/v1/namespaces?limit=50: 500 InternalError: injected "
                     "fault 500") != std::string::npos);
  CHECK(f.world() == nullptr);
  CHECK(f.source->builds() == 0);

  f.api.clear_faults();
  REQUIRE(eventually([&] { return f.ready(); }));
  CHECK(f.source->builds() == 1);  // 120 SidecarSets in 3 pages, a namespace: one build
  const auto w = f.world();
  REQUIRE(w != nullptr);
  CHECK(w->sidecarsets.size() == 120);
  CHECK(w->generation == 1);
  CHECK(w->namespace_labels("shop").at("mesh") == "on");
  const auto r = f.source->readiness(false);
  CHECK(r.text.starts_with("ready generation=1 last-sync="));
  CHECK(r.text.ends_with(" sidecarsets=120 left-out=0\n"));
  CHECK(f.api.count(kBeta, false) == 3);
}

TEST_CASE("cluster source: changes to SidecarSets, namespaces and revisions reach the World") {
  Fixture f;
  f.api.put(kBeta, sidecarset("mesh", "proxy:1"));
  f.start();
  REQUIRE(eventually([&] { return f.ready() && f.api.open_watches() == 3; }));
  CHECK(f.world()->find("mesh") != nullptr);
  CHECK(f.world()->namespace_labels("shop").count("mesh") == 0);

  f.api.put(kNamespaces, ns("shop", {{"mesh", "on"}}));
  REQUIRE(eventually([&] { return f.world()->namespace_labels("shop").count("mesh") == 1; }));

  f.api.put(kBeta, sidecarset("mesh", "proxy:2"));
  REQUIRE(eventually([&] {
    const auto world = f.world();  // held: the builder may free the World it replaces
    const auto* s = world->find("mesh");
    return s != nullptr && s->spec()["containers"][0]["image"] == "proxy:2";
  }));
  f.api.put(kRevisions, json{{"apiVersion", "apps/v1"},
                             {"kind", "ControllerRevision"},
                             {"metadata",
                              {{"name", "mesh-1"},
                               {"namespace", "kruise-system"},
                               {"labels", {{"kruise.io/sidecarset-name", "mesh"}}}}},
                             {"revision", 1},
                             {"data", json::object()}});
  REQUIRE(eventually([&] { return f.world()->revisions.size() == 1; }));
  f.api.remove(kBeta, "mesh");
  REQUIRE(eventually([&] { return f.world()->sidecarsets.empty(); }));
  CHECK(f.world()->generation >= 5);
  CHECK(f.api.count(kBeta, false) == 1);  // one list, then watches only
}

TEST_CASE("cluster source: a bad SidecarSet is left out, reported, and served once fixed") {
  Fixture f;
  f.api.put(kBeta, sidecarset("good", "agent:1"));
  f.api.put(kBeta, sidecarset("bad", ""));
  f.start();
  REQUIRE(eventually([&] { return f.ready(); }));
  CHECK(f.world()->find("good") != nullptr);
  CHECK(f.world()->find("bad") == nullptr);
  CHECK(f.source->readiness(false).text.ends_with(" sidecarsets=1 left-out=1\n"));
  const std::string verbose = f.source->readiness(true).text;
  CHECK(verbose.find("\nleft out: cluster: sidecarset \"bad\": spec.containers[0].image: "
                     "Required value\n") != std::string::npos);
  CHECK(f.source->last_build().problems ==
        std::vector<std::string>{
            R"(cluster: sidecarset "bad": spec.containers[0].image: Required value)"});

  f.api.put(kBeta, sidecarset("bad", "agent:2"));
  REQUIRE(eventually([&] { return f.world()->find("bad") != nullptr; }));
  CHECK(f.source->last_build().problems.empty());
  CHECK(f.source->readiness(false).text.ends_with(" sidecarsets=2 left-out=0\n"));
}

TEST_CASE("cluster source: v1alpha1 when v1beta1 is not served; waits for the CRD") {
  Fixture f;
  SECTION("v1alpha1 only") {
    f.api.set_kruise_versions({"v1alpha1"});
    json alpha = sidecarset("old", "agent:1", "apps.kruise.io/v1alpha1");
    alpha["spec"].erase("namespaceSelector");
    alpha["spec"]["namespace"] = "team-a";
    f.api.put(kAlpha, alpha);
    f.start();
    REQUIRE(eventually([&] { return f.ready(); }));
    const auto world = f.world();  // held: the builder may free the World it replaces
    const auto* s = world->find("old");
    REQUIRE(s != nullptr);
    REQUIRE(s->namespace_selector.has_value());
    CHECK(s->namespace_selector->match_labels == std::vector<std::pair<std::string, std::string>>{
                                                     {"kubernetes.io/metadata.name", "team-a"}});
    CHECK(f.api.count(kBeta, false) == 0);
  }
  SECTION("no apps.kruise.io yet") {
    f.api.set_kruise_versions({});
    f.start();
    REQUIRE(eventually([&] { return f.api.count("/apis/apps.kruise.io", false) >= 2; }));
    CHECK(f.source->readiness(false).text ==
          "not ready: discovering SidecarSets: the API server does not serve apps.kruise.io: "
          "install the SidecarSet CRD (kubectl apply -k manifests/crd) or OpenKruise\n");
    f.api.set_kruise_versions({"v1beta1", "v1alpha1"});
    REQUIRE(eventually([&] { return f.ready(); }));
    CHECK(f.world()->sidecarsets.empty());
  }
}

TEST_CASE("cluster source: stays ready and keeps its World through an API outage") {
  Fixture f;
  f.api.put(kBeta, sidecarset("mesh", "proxy:1"));
  f.start();
  REQUIRE(eventually([&] { return f.ready() && f.api.open_watches() == 3; }));
  const auto before = f.world();
  // Every watch breaks and every request fails for a while.
  f.api.fail_next("/", true, 500, 1'000'000);
  f.api.fail_next("/", false, 500, 1'000'000);
  f.api.end_watches();
  REQUIRE(eventually([&] { return f.api.open_watches() == 0 && f.api.count(kBeta, true) >= 4; }));
  CHECK(f.ready());
  CHECK(f.world() == before);
  CHECK(f.world()->find("mesh") != nullptr);
  f.api.clear_faults();
  f.api.put(kBeta, sidecarset("mesh", "proxy:2"));
  REQUIRE(eventually([&] {
    const auto world = f.world();  // held: the builder may free the World it replaces
    const auto* s = world->find("mesh");
    return s != nullptr && s->spec()["containers"][0]["image"] == "proxy:2";
  }));
  CHECK(f.api.count(kBeta, false) == 1);  // resumed from the last resourceVersion, no relist
}

}  // namespace injector
