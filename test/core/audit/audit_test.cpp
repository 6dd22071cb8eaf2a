// The audit's classification of one pod and the bounded report over many. Worlds are built by
// the cluster loader (defaults and hashes as served), injected pods by inject() itself, so "ok"
// means exactly what the webhook leaves behind.

#include "injector/audit/audit.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/model/cluster.hpp"

namespace injector {
namespace {

std::shared_ptr<const Json> object(const Json& j) { return std::make_shared<const Json>(j); }

Json sidecarset(const std::string& name, Json spec, Json annotations = Json::object()) {
  return {{"apiVersion", "apps.kruise.io/v1beta1"},
          {"kind", "SidecarSet"},
          {"metadata",
           {{"name", name},
            {"creationTimestamp", "2024-01-01T00:00:00Z"},
            {"annotations", std::move(annotations)}}},
          {"spec", std::move(spec)}};
}

Json agent_spec(const std::string& image, Json resources = Json::object(),
                const std::string& app = "web") {
  Json c = {{"name", "agent"}, {"image", image}};
  if (!resources.empty()) {
    c["resources"] = std::move(resources);
  }
  return {{"selector", {{"matchLabels", {{"app", app}}}}}, {"containers", Json::array({c})}};
}

std::shared_ptr<const World> world_of(const std::vector<Json>& sets,
                                      const std::vector<Json>& namespaces = {}) {
  ClusterObjects objects;
  for (const auto& s : sets) {
    objects.sidecarsets.push_back(object(s));
  }
  for (const auto& n : namespaces) {
    objects.namespaces.push_back(object(n));
  }
  auto built = build_cluster_world(objects, 1);
  INFO((built.problems.empty() ? "" : built.problems.front().to_string()));
  REQUIRE(built.problems.empty());
  return built.build.world;
}

Json ns(const std::string& name, Json labels) {
  labels["kubernetes.io/metadata.name"] = name;
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}}};
}

Json pod(const std::string& name, const std::string& namespace_name = "default",
         const std::string& app = "web") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", namespace_name}, {"labels", {{"app", app}}}}},
          {"spec",
           {{"containers",
             {{{"name", "main"},
               {"image", "main:1"},
               {"resources", {{"requests", {{"cpu", "1"}, {"memory", "1Gi"}}}}}}}}}},
          {"status", {{"phase", "Running"}}}};
}

// `p` as the webhook leaves it when `world` is current.
Json injected(const World& world, const Json& p) {
  InjectOptions o;
  auto r = inject(world, p, "", o);
  REQUIRE(r.has_value());
  REQUIRE_FALSE(r->patch.empty());
  return r->pod;
}

struct Expect {
  Expect(std::string s, SidecarStatus st, bool image = false, std::string c = "0",
         std::string m = "0", std::string e = "")
      : sidecarset(std::move(s)),
        status(st),
        image_only(image),
        cpu(std::move(c)),
        memory(std::move(m)),
        requests_error(std::move(e)) {}
  std::string sidecarset;
  SidecarStatus status;
  bool image_only;
  std::string cpu;
  std::string memory;
  std::string requests_error;
};

void check(const PodVerdict& v, const std::vector<Expect>& expected) {
  REQUIRE(v.sidecarsets.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& got = v.sidecarsets[i];
    const auto& want = expected[i];
    INFO("sidecarset " << i);
    CHECK(got.sidecarset == want.sidecarset);
    CHECK(to_string(got.status) == to_string(want.status));
    CHECK(got.image_only == want.image_only);
    CHECK(format_quantity(got.requests.cpu) == want.cpu);
    CHECK(format_quantity(got.requests.memory) == want.memory);
    CHECK(got.requests_error == want.requests_error);
  }
}

const Json kRequests = {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}};

TEST_CASE("audit_pod: missing, ok and outdated by the pod's hash annotations") {
  const auto v1 = world_of({sidecarset("log", agent_spec("agent:1", kRequests))});
  const auto v2_image = world_of({sidecarset("log", agent_spec("agent:2", kRequests))});
  Json command = agent_spec("agent:1", kRequests);
  command["containers"][0]["command"] = {"run", "--fast"};
  const auto v2_spec = world_of({sidecarset("log", command)});
  const Json at_v1 = injected(*v1, pod("a"));

  struct Case {
    std::string name;
    const World* world;
    Json pod;
    std::vector<Expect> expected;
  };
  const std::vector<Case> cases = {
      {"created without the webhook",
       v1.get(),
       pod("a"),
       {{"log", SidecarStatus::kMissing, false, "100m", "64Mi"}}},
      {"injected at the current hash",
       v1.get(),
       at_v1,
       {{"log", SidecarStatus::kOk, false, "100m", "64Mi"}}},
      {"only the image changed since",
       v2_image.get(),
       at_v1,
       {{"log", SidecarStatus::kOutdated, true, "100m", "64Mi"}}},
      {"more than the image changed since",
       v2_spec.get(),
       at_v1,
       {{"log", SidecarStatus::kOutdated, false, "100m", "64Mi"}}},
      {"not selected", v1.get(), pod("b", "default", "db"), {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto v = audit_pod(*c.world, c.pod);
      REQUIRE(v.has_value());
      CHECK(v->active);
      CHECK(v->name == c.pod["metadata"]["name"]);
      CHECK(v->namespace_name == "default");
      check(*v, c.expected);
    }
  }
}

TEST_CASE("audit_pod: the webhook's selection (namespaces, paused, canary, inactive pods)") {
  Json scoped = agent_spec("agent:1");
  scoped["namespaceSelector"] = {{"matchLabels", {{"mesh", "on"}}}};
  scoped["containers"][0]["name"] = "mesh-agent";
  Json paused = agent_spec("agent:1");
  paused["containers"][0]["name"] = "paused-agent";
  paused["injectionStrategy"] = {{"paused", true}};
  Json canary = agent_spec("agent:2");
  canary["containers"][0]["name"] = "canary-agent";
  canary["updateStrategy"] = {{"type", "NotUpdate"}};  // OpenKruise requires it of canaries
  const auto world = world_of({sidecarset("mesh", scoped), sidecarset("paused", paused),
                               sidecarset("base", agent_spec("b:1")),
                               sidecarset("base-canary", canary,
                                          {{"apps.kruise.io/sidecarset-canary", "true"},
                                           {"apps.kruise.io/sidecarset-base", "base"}})},
                              {ns("meshed", {{"mesh", "on"}}), ns("plain", Json::object())});

  Json finished = pod("done", "meshed");
  finished["status"]["phase"] = "Succeeded";
  Json terminating = pod("going", "meshed");
  terminating["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";

  struct Case {
    std::string name;
    Json pod;
    bool active;
    std::vector<Expect> expected;
  };
  const std::vector<Case> cases = {
      {"namespace selected: the canary replaces its base, paused is left out",
       pod("a", "meshed"),
       true,
       {{"base-canary", SidecarStatus::kMissing}, {"mesh", SidecarStatus::kMissing}}},
      {"namespace not selected",
       pod("b", "plain"),
       true,
       {{"base-canary", SidecarStatus::kMissing}}},
      {"finished pods are not audited", finished, false, {}},
      {"terminating pods are not audited", terminating, false, {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto v = audit_pod(*world, c.pod);
      REQUIRE(v.has_value());
      CHECK(v->active == c.active);
      check(*v, c.expected);
    }
  }
}

TEST_CASE("audit_pod: what the sidecars request") {
  auto spec_with = [](Json containers, Json init = Json::array()) {
    Json s = {{"selector", {{"matchLabels", {{"app", "web"}}}}},
              {"containers", std::move(containers)}};
    if (!init.empty()) {
      s["initContainers"] = std::move(init);
      s["updateStrategy"] = {{"type", "NotUpdate"}};  // no in-place upgrade of init containers
    }
    return s;
  };
  const Json hot = {
      {"name", "hot"},
      {"image", "hot:1"},
      {"upgradeStrategy", {{"upgradeType", "HotUpgrade"}, {"hotUpgradeEmptyImage", "empty:1"}}},
      {"resources", {{"requests", {{"cpu", "50m"}, {"memory", "10Mi"}}}}}};
  const Json limits_only = {{"name", "lim"},
                            {"image", "lim:1"},
                            {"resources", {{"limits", {{"cpu", "200m"}, {"memory", "1Gi"}}}}}};
  const Json native = {{"name", "native"},
                       {"image", "n:1"},
                       {"restartPolicy", "Always"},
                       {"resources", {{"requests", {{"cpu", "10m"}}}}}};
  const Json plain_init = {{"name", "init"},
                           {"image", "i:1"},
                           {"resources", {{"requests", {{"cpu", "4"}, {"memory", "4Gi"}}}}}};
  const Json policy = {
      {"name", "scaled"},
      {"image", "s:1"},
      {"resourcesPolicy",
       {{"targetContainersMode", "sum"},
        {"targetContainersNameRegex", "^main$"},
        {"resourcesExpr", {{"requests", {{"cpu", "cpu*50%"}, {"memory", "memory*25%"}}}}}}}};
  Json bad_policy = policy;
  bad_policy["resourcesPolicy"]["targetContainersNameRegex"] = "^nothing$";

  struct Case {
    std::string name;
    Json spec;
    Expect expected;
  };
  const std::vector<Case> cases = {
      {"a hot-upgrade container counts twice",
       spec_with({hot}),
       {"s", SidecarStatus::kMissing, false, "100m", "20Mi"}},
      {"limits stand in for absent requests",
       spec_with({limits_only}),
       {"s", SidecarStatus::kMissing, false, "200m", "1Gi"}},
      {"native sidecars count, plain init containers do not",
       spec_with({limits_only}, {native, plain_init}),
       {"s", SidecarStatus::kMissing, false, "210m", "1Gi"}},
      {"resourcesPolicy is computed from the pod's containers",
       spec_with({policy}),
       {"s", SidecarStatus::kMissing, false, "500m", "256Mi"}},
      {"a resourcesPolicy that cannot be computed is reported",
       spec_with({bad_policy}),
       {"s", SidecarStatus::kMissing, false, "0", "0",
        R"(container "scaled": resourcesPolicy: no containers match the regex pattern )"
        R"("^nothing$")"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto world = world_of({sidecarset("s", c.spec)});
      auto v = audit_pod(*world, pod("a"));
      REQUIRE(v.has_value());
      check(*v, {c.expected});
    }
  }
}

TEST_CASE("audit_pod: a selector that cannot be evaluated is an error naming it") {
  World world;
  SidecarSet s;
  s.name = "bad";
  s.object = sidecarset("bad", agent_spec("a:1"));
  s.selector = LabelSelector{{}, {LabelRequirement{"app", "Has", {}}}};
  world.sidecarsets.push_back(std::move(s));
  world.index = build_match_index(world.sidecarsets);
  auto v = audit_pod(world, pod("a"));
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().message ==
        R"(sidecarset "bad": spec.selector: "Has" is not a valid label selector operator)");

  AuditReport report = start_report(world, 5);
  add_pod(report, world, pod("a"));
  CHECK(report.errors == 1);
  CHECK(report.error_messages ==
        std::vector<std::string>{R"(pod default/a: sidecarset "bad": spec.selector: "Has" is )"
                                 R"(not a valid label selector operator)"});
  CHECK_FALSE(report.clean());
}

TEST_CASE("report: counts per SidecarSet and namespace, names bounded, requests summed") {
  const auto world = world_of({sidecarset("log", agent_spec("agent:1", kRequests)),
                               sidecarset("idle", agent_spec("x:1", kRequests, "none"))});
  AuditReport report = start_report(*world, 2);
  CHECK(report.clean());
  for (int i = 0; i < 5; ++i) {
    add_pod(report, *world, pod("miss-" + std::to_string(i), "web"));
  }
  add_pod(report, *world, injected(*world, pod("ok-0", "web")));
  add_pod(report, *world, injected(*world, pod("ok-1", "api")));
  add_pod(report, *world, pod("db-0", "api", "db"));
  Json done = pod("done", "web");
  done["status"]["phase"] = "Failed";
  add_pod(report, *world, done);

  CHECK(report.pods == 9);
  CHECK(report.pods_inactive == 1);
  CHECK(report.pods_selected == 7);
  CHECK(report.pods_affected == 5);
  CHECK_FALSE(report.clean());
  CHECK(format_quantity(report.requests.cpu) == "700m");
  CHECK(format_quantity(report.requests.memory) == "448Mi");

  const auto& log = report.sidecarsets.at("log");
  CHECK(log.hash == world->find("log")->hash);
  CHECK(log.counts.selected == 7);
  CHECK(log.counts.missing == 5);
  const auto& web = log.namespaces.at("web");
  CHECK(web.counts.selected == 6);
  CHECK(web.counts.missing == 5);
  CHECK(web.missing_pods == std::vector<std::string>{"miss-0", "miss-1"});
  CHECK(format_quantity(web.counts.requests.cpu) == "600m");
  CHECK(log.namespaces.at("api").counts.missing == 0);
  CHECK(report.sidecarsets.at("idle").namespaces.empty());

  const Json j = report_json(report);
  CHECK(j["totals"] == Json::parse(R"({"pods":9,"podsInactive":1,"podsSelected":7,)"
                                   R"("podsAffected":5,"missing":5,"outdated":0,)"
                                   R"("requests":{"cpu":"700m","memory":"448Mi"},"errors":0})"));
  CHECK(j["sidecarsets"][0]["name"] == "idle");
  CHECK(j["sidecarsets"][0]["selected"] == 0);
  CHECK(j["sidecarsets"][1]["namespaces"][1] ==
        Json::parse(R"({"selected":6,"missing":5,"outdated":0,"outdatedImageOnly":0,)"
                    R"("requests":{"cpu":"600m","memory":"384Mi"},"name":"web",)"
                    R"("missingPods":["miss-0","miss-1"],"outdatedPods":[]})"));
}

}  // namespace
}  // namespace injector
