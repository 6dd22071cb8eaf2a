// `audit` against the fake API server on loopback TLS: pods that missed their sidecars found
// across paginated lists, the JSON and text reports, exit codes, and every failure with its
// message (no server, 403, a continue token expiring mid-list, no CRD, bad kubeconfigs).

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../kube/fake_apiserver.hpp"
#include "cli/cli.hpp"
#include "injector/inject/inject.hpp"
#include "injector/model/cluster.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeApiServer;

const testing::TlsFiles& tls() { return testing::process_tls_files("audit_command_test"); }

const std::string kSidecarSets = "/apis/apps.kruise.io/v1beta1/sidecarsets";
const std::string kNamespaces = "/api/v1/namespaces";
const std::string kPods = "/api/v1/pods";

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(INJECTOR_BINARY_DIR) / "scratch" / "audit_command_test" /
                       (std::to_string(::getpid()) + "-" + name);
  fs::create_directories(dir);
  return dir;
}

std::string write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::string kubeconfig(const std::string& name, const std::string& server,
                       const std::string& user = "token: s3cret") {
  return write(scratch(name) / "kubeconfig",
               "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
               "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
               "clusters: [{name: c, cluster: {server: '" +
                   server + "', certificate-authority: '" + tls().ca_cert +
                   "'}}]\n"
                   "users: [{name: u, user: {" +
                   user + "}}]\n");
}

json sidecarset(const std::string& name, const std::string& app) {
  return {{"apiVersion", "apps.kruise.io/v1beta1"},
          {"kind", "SidecarSet"},
          {"metadata", {{"name", name}, {"creationTimestamp", "2024-01-01T00:00:00Z"}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", app}}}}},
            {"containers",
             {{{"name", name + "-c"},
               {"image", name + ":1"},
               {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "32Mi"}}}}}}}}}}};
}

json pod(const std::string& name, const std::string& ns, const std::string& app) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", app}}}}},
          {"spec", {{"containers", {{{"name", "main"}, {"image", "main:1"}}}}}},
          {"status", {{"phase", "Running"}}}};
}

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

Run audit(std::vector<std::string> args) {
  args.insert(args.begin(), "audit");
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  Run r;
  r.status = run_cli(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A cluster with SidecarSets "log" (app=web) and "mesh" (app=api), pods of both created without
// the webhook, and pods injected by it.
struct Cluster {
  FakeApiServer api{tls()};
  std::shared_ptr<const World> world;

  Cluster() {
    api.set_tokens({"s3cret"});
    api.put(kNamespaces, {{"metadata", {{"name", "shop"}}}});
    api.put(kNamespaces, {{"metadata", {{"name", "blog"}}}});
    for (const auto& s : {sidecarset("log", "web"), sidecarset("mesh", "api")}) {
      api.put(kSidecarSets, s);
    }
    ClusterObjects objects;
    objects.sidecarsets = {std::make_shared<const Json>(sidecarset("log", "web")),
                           std::make_shared<const Json>(sidecarset("mesh", "api"))};
    world = build_cluster_world(objects, 1).build.world;
  }

  // A pod as the webhook leaves it.
  void add_injected(const std::string& name, const std::string& ns, const std::string& app) {
    const Json raw = Json::parse(pod(name, ns, app).dump());
    auto r = inject(*world, raw, "", InjectOptions{});
    REQUIRE(r.has_value());
    REQUIRE_FALSE(r->patch.empty());
    api.put(kPods, json::parse(r->pod.dump()));
  }
  void add_missing(const std::string& name, const std::string& ns, const std::string& app) {
    api.put(kPods, pod(name, ns, app));
  }
  std::string config(const std::string& name) { return kubeconfig(name, api.url()); }

  std::vector<std::string> pod_pages() const {
    std::vector<std::string> out;
    for (const auto& r : api.requests()) {
      if (r.path == kPods) {
        out.push_back((r.query.count("limit") ? r.query.at("limit") : "-") + " " +
                      (r.query.count("continue") ? r.query.at("continue") : "-"));
      }
    }
    return out;
  }
};

TEST_CASE("audit finds the pods that missed their sidecars across list pages") {
  Cluster c;
  c.add_missing("web-0", "shop", "web");
  c.add_missing("web-1", "shop", "web");
  c.add_injected("web-2", "shop", "web");
  c.add_missing("api-0", "blog", "api");
  c.add_injected("api-1", "blog", "api");
  c.add_injected("api-2", "shop", "api");
  c.add_missing("db-0", "shop", "db");
  const auto r = audit({"--kubeconfig", c.config("pages"), "-o", "json", "--chunk-size", "3"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err.empty());
  // 7 pods in pages of 3: three requests, each continuing where the last stopped.
  const auto pages = c.pod_pages();
  REQUIRE(pages.size() == 3);
  CHECK(pages[0] == "3 -");
  CHECK(pages[1].starts_with("3 ") == true);
  CHECK(pages[1].ends_with(":3") == true);
  CHECK(pages[2].ends_with(":6") == true);

  const json j = json::parse(r.out);
  CHECK(j["totals"] == json::parse(R"({"pods":7,"podsInactive":0,"podsSelected":6,)"
                                   R"("podsAffected":3,"missing":3,"outdated":0,)"
                                   R"("requests":{"cpu":"600m","memory":"192Mi"},"errors":0})"));
  REQUIRE(j["sidecarsets"].size() == 2);
  const json& log = j["sidecarsets"][0];
  CHECK(log["name"] == "log");
  CHECK(log["hash"] == c.world->find("log")->hash);
  CHECK(log["selected"] == 3);
  CHECK(log["missing"] == 2);
  CHECK(log["namespaces"][0]["name"] == "shop");
  CHECK(log["namespaces"][0]["missingPods"] == json::array({"web-0", "web-1"}));
  const json& mesh = j["sidecarsets"][1];
  CHECK(mesh["namespaces"][0]["name"] == "blog");
  CHECK(mesh["namespaces"][0]["missingPods"] == json::array({"api-0"}));
  CHECK(mesh["namespaces"][1]["name"] == "shop");
  CHECK(mesh["namespaces"][1]["missing"] == 0);
}

TEST_CASE("audit lists again in one page when a continue token expires, counting each pod once") {
  Cluster c;
  c.add_missing("web-0", "shop", "web");
  c.add_missing("web-1", "shop", "web");
  c.add_injected("web-2", "shop", "web");
  c.api.compact();  // every continue token handed out from now on is too old (snapshot 107:
                    // 7 writes after 100)
  const auto r = audit({"--kubeconfig", c.config("410"), "-o", "json", "--chunk-size", "1"});
  CHECK(r.status == 1);
  // As client-go's pager: the 410 is said, the fold starts again, the list is read in full.
  const std::string expired =
      "410 Expired: The provided continue parameter is too old to display a consistent list "
      "result. (listing again in one page)\n";
  CHECK(r.err == "warning: GET /api/v1/namespaces?limit=1&continue=107%3A1: " + expired +
                     "warning: GET /apis/apps.kruise.io/v1beta1/sidecarsets?limit=1&continue="
                     "107%3A1: " +
                     expired + "warning: GET /api/v1/pods?limit=1&continue=107%3A1: " + expired);
  CHECK(c.pod_pages() == std::vector<std::string>{"1 -", "1 107:1", "- -"});
  const json j = json::parse(r.out);
  CHECK(j["totals"]["pods"] == 3);
  CHECK(j["totals"]["missing"] == 2);
  REQUIRE(j["sidecarsets"].size() == 2);  // both, once: the SidecarSet fold started again too
  CHECK(j["sidecarsets"][0]["namespaces"][0]["missingPods"] == json::array({"web-0", "web-1"}));
}

TEST_CASE("audit prints a table and exits 0 when every selected pod has its sidecars") {
  Cluster c;
  c.add_injected("web-0", "shop", "web");
  c.add_injected("api-0", "blog", "api");
  const auto r = audit({"--kubeconfig", c.config("clean")});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out ==
        "SIDECARSET   NAMESPACE   SELECTED   MISSING   OUTDATED   CPU    MEMORY\n"
        "log          shop        1          0         0          100m   32Mi\n"
        "mesh         blog        1          0         0          100m   32Mi\n"
        "\n"
        "2 pods listed (0 finished or terminating), 2 selected by 2 SidecarSets; 0 pods "
        "affected: 0 sidecars missing, 0 outdated; the sidecars request cpu 200m, memory 64Mi\n");
}

TEST_CASE("audit text lists the offending pods, bounded by --max-pods") {
  Cluster c;
  for (int i = 0; i < 4; ++i) {
    c.add_missing("web-" + std::to_string(i), "shop", "web");
  }
  const auto r = audit({"--kubeconfig", c.config("bounded"), "--max-pods", "2"});
  CHECK(r.status == 1);
  CHECK(r.out ==
        "SIDECARSET   NAMESPACE   SELECTED   MISSING   OUTDATED   CPU    MEMORY\n"
        "log          shop        4          4         0          400m   128Mi\n"
        "mesh         -           0          0         0          0      0\n"
        "\n"
        "missing:\n"
        "  log  shop/web-0\n"
        "  log  shop/web-1\n"
        "  log  shop: and 2 more\n"
        "\n"
        "4 pods listed (0 finished or terminating), 4 selected by 2 SidecarSets; 4 pods "
        "affected: 4 sidecars missing, 0 outdated; the sidecars request cpu 400m, memory 128Mi\n");
}

TEST_CASE("audit: a SidecarSet the cluster holds but that is invalid is left out with a warning") {
  Cluster c;
  json bad = sidecarset("broken", "web");
  bad["spec"]["containers"][0].erase("image");
  c.api.put(kSidecarSets, bad);
  c.add_injected("web-0", "shop", "web");
  const auto r = audit({"--kubeconfig", c.config("invalid")});
  CHECK(r.status == 0);
  CHECK(r.err ==
        "warning: left out: cluster: sidecarset \"broken\": spec.containers[0].image: Required "
        "value\n");
}

TEST_CASE("audit errors: each failure exits 2 or 3 with a message naming it") {
  struct Case {
    std::string name;
    std::function<void(Cluster&)> setup;
    std::function<std::vector<std::string>(Cluster&)> args;
    int status;
    std::string err;
  };
  const std::vector<Case> cases = {
      {"forbidden pods", [](Cluster& c) { c.api.fail_next(kPods, false, 403, 1); },
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig", c.config("403")};
       },
       3,
       "sidecarset-injector audit: GET /api/v1/pods?limit=500: 403 InternalError: injected "
       "fault 403\n"},
      {"no SidecarSet CRD", [](Cluster& c) { c.api.set_kruise_versions({}); },
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig", c.config("crd")};
       },
       3,
       "sidecarset-injector audit: the API server does not serve apps.kruise.io: install the "
       "SidecarSet CRD (kubectl apply -k manifests/crd) or OpenKruise\n"},
      {"a rejected token", [](Cluster&) {},
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig",
                                         kubeconfig("401", c.api.url(), "token: wrong")};
       },
       3, "sidecarset-injector audit: GET /apis/apps.kruise.io: 401 Unauthorized: Unauthorized\n"},
      {"a kubeconfig that cannot be read", [](Cluster&) {},
       [](Cluster&) {
         return std::vector<std::string>{"--kubeconfig", "/nonexistent/kubeconfig"};
       },
       2,
       "sidecarset-injector audit: cannot read kubeconfig \"/nonexistent/kubeconfig\": No such "
       "file or directory\n"
       "Run 'sidecarset-injector audit --help' for usage.\n"},
      {"a kubeconfig with an exec plugin", [](Cluster&) {},
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig",
                                         kubeconfig("exec", c.api.url(), "exec: {command: aws}")};
       },
       2,
       "sidecarset-injector audit: kubeconfig \"{kubeconfig}\" context \"t\": user \"u\": exec "
       "is not supported (use a token, a token file or a client certificate)\n"
       "Run 'sidecarset-injector audit --help' for usage.\n"},
      {"unknown output", [](Cluster&) {},
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig", c.config("out"), "-o", "yaml"};
       },
       2,
       "sidecarset-injector audit: --output \"yaml\" is not supported (text or json)\n"
       "Run 'sidecarset-injector audit --help' for usage.\n"},
      {"a bad chunk size", [](Cluster&) {},
       [](Cluster& c) {
         return std::vector<std::string>{"--kubeconfig", c.config("chunk"), "--chunk-size", "x"};
       },
       2,
       "sidecarset-injector audit: --chunk-size \"x\" is not a non-negative integer\n"
       "Run 'sidecarset-injector audit --help' for usage.\n"},
  };
  for (const auto& tc : cases) {
    DYNAMIC_SECTION(tc.name) {
      Cluster c;
      tc.setup(c);
      const auto args = tc.args(c);
      std::string want = tc.err;
      if (const auto at = want.find("{kubeconfig}"); at != std::string::npos) {
        want.replace(at, 12, args.at(1));
      }
      const auto r = audit(args);
      CHECK(r.status == tc.status);
      CHECK(r.out.empty());
      CHECK(r.err == want);
    }
  }
}

TEST_CASE("audit errors: no API server listening") {
  std::string url;
  {
    Cluster c;
    url = c.api.url();
  }  // the port is closed now
  const auto r = audit({"--kubeconfig", kubeconfig("down", url)});
  CHECK(r.status == 3);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "sidecarset-injector audit: GET /apis/apps.kruise.io: connect: Connection refused\n");
}

TEST_CASE("audit errors: outside a pod without --kubeconfig") {
  const char* saved = std::getenv("KUBERNETES_SERVICE_HOST");
  const std::string keep = saved != nullptr ? saved : "";
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  const auto r = audit({});
  if (saved != nullptr) {
    ::setenv("KUBERNETES_SERVICE_HOST", keep.c_str(), 1);
  }
  CHECK(r.status == 2);
  CHECK(r.err ==
        "sidecarset-injector audit: --kubeconfig FILE is required outside a pod "
        "(KUBERNETES_SERVICE_HOST is not set)\n"
        "Run 'sidecarset-injector audit --help' for usage.\n");
}

TEST_CASE("audit --help documents the exit status") {
  const auto r = audit({"--help"});
  CHECK(r.status == 0);
  CHECK(r.out.starts_with("Usage:\n  sidecarset-injector audit [--kubeconfig FILE]"));
  CHECK(r.out.find("Exit status: 0 nothing missing or outdated, 1 some pod misses a sidecar") !=
        std::string::npos);
}

}  // namespace
}  // namespace injector
