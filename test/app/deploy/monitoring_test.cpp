// manifests/monitoring: the objects parse and fit together (ServiceMonitor -> Service -> the
// metrics port), and every metric the alerts and the dashboard query is one /metrics serves.
// promtool checks and unit-tests the rules where it is installed (CMake's promtool test).

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "../server/server_fixture.hpp"
#include "metrics/metrics.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(INJECTOR_SOURCE_DIR) / "manifests" / "monitoring";

// Family names of a scrape (from its TYPE lines).
std::set<std::string> families(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) {
      out.insert(line.substr(7, line.find(' ', 7) - 7));
    }
  }
  return out;
}

// The metric names a PromQL expression uses; histogram series map to their family.
std::set<std::string> metric_names(const std::string& expr) {
  std::set<std::string> out;
  static const std::regex kName("sidecarset_injector_[a-z_]+");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName);
       it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const std::string suffix : {"_bucket", "_count", "_sum"}) {
      if (name.ends_with(suffix) && name.find("_duration_seconds") != std::string::npos) {
        name.resize(name.size() - suffix.size());
      }
    }
    out.insert(name);
  }
  return out;
}

}  // namespace

TEST_CASE("monitoring manifests: kustomization, Service, ServiceMonitor fit together") {
  const YAML::Node k = YAML::LoadFile((kDir / "kustomization.yaml").string());
  std::set<std::string> listed;
  for (const auto& r : k["resources"]) {
    listed.insert(r.as<std::string>());
  }
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml") {
      on_disk.insert(e.path().filename().string());
    }
  }
  CHECK(listed == on_disk);

  const YAML::Node service = YAML::LoadFile((kDir / "service-metrics.yaml").string());
  const YAML::Node monitor = YAML::LoadFile((kDir / "servicemonitor.yaml").string());
  CHECK(service["kind"].as<std::string>() == "Service");
  CHECK(monitor["kind"].as<std::string>() == "ServiceMonitor");
  CHECK(monitor["apiVersion"].as<std::string>() == "monitoring.coreos.com/v1");
  // The ServiceMonitor's selector matches the Service's labels, in its namespace.
  for (const auto& kv : monitor["spec"]["selector"]["matchLabels"]) {
    CHECK(service["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>() ==
          kv.second.as<std::string>());
  }
  CHECK(monitor["spec"]["namespaceSelector"]["matchNames"][0].as<std::string>() ==
        service["metadata"]["namespace"].as<std::string>());
  // Its endpoint names the Service's port, which reaches serve's default --metrics-listen :8080.
  const YAML::Node port = service["spec"]["ports"][0];
  CHECK(monitor["spec"]["endpoints"][0]["port"].as<std::string>() ==
        port["name"].as<std::string>());
  CHECK(monitor["spec"]["endpoints"][0]["path"].as<std::string>() == "/metrics");
  // The Service's targetPort names the Deployment's container port, and that port is where
  // serve listens for /metrics (its default :8080, since the Deployment does not set it).
  const YAML::Node deployment =
      YAML::LoadFile((kDir.parent_path() / "base" / "deployment.yaml").string());
  const YAML::Node container = deployment["spec"]["template"]["spec"]["containers"][0];
  int container_port = 0;
  for (const auto& p : container["ports"]) {
    if (p["name"].as<std::string>() == port["targetPort"].as<std::string>()) {
      container_port = p["containerPort"].as<int>();
    }
  }
  CHECK(container_port == 8080);
  for (const auto& a : container["args"]) {
    CHECK_FALSE(a.as<std::string>().starts_with("--metrics-listen"));
  }
}

TEST_CASE("alerts and dashboard query only metrics that /metrics serves") {
  // A running server adds the certificate and connection families; cluster mode the informers'.
  injector::testing::TestServer server;
  std::set<std::string> served = families(injector::metrics::render(injector::metrics::global()));
  for (const auto name : {injector::metrics::kInformerLastSync, injector::metrics::kInformerRelists,
                          injector::metrics::kInformerWatchRestarts}) {
    served.insert(std::string(name));
  }
  REQUIRE(served.contains("sidecarset_injector_tls_certificate_expiry_seconds"));

  std::set<std::string> used;
  const YAML::Node rule = YAML::LoadFile((kDir / "prometheusrule.yaml").string());
  CHECK(rule["kind"].as<std::string>() == "PrometheusRule");
  std::set<std::string> alerts;
  for (const auto& group : rule["spec"]["groups"]) {
    for (const auto& r : group["rules"]) {
      alerts.insert(r["alert"].as<std::string>());
      CHECK(r["annotations"]["summary"].IsScalar());
      CHECK(r["labels"]["severity"].IsScalar());
      for (const auto& n : metric_names(r["expr"].as<std::string>())) {
        used.insert(n);
      }
    }
  }
  CHECK(alerts == std::set<std::string>{
                      "SidecarSetInjectorCertificateExpiring", "SidecarSetInjectorErrors",
                      "SidecarSetInjectorInformerStale", "SidecarSetInjectorInvalidSidecarSets",
                      "SidecarSetInjectorLatencyHigh"});

  std::ifstream in(kDir / "grafana-dashboard.json");
  const injector::Json dashboard = injector::Json::parse(in);
  REQUIRE(dashboard["panels"].is_array());
  std::set<int> ids;
  for (const auto& panel : dashboard["panels"]) {
    ids.insert(panel["id"].get<int>());
    REQUIRE_FALSE(panel["targets"].empty());
    for (const auto& target : panel["targets"]) {
      for (const auto& n : metric_names(target["expr"].get<std::string>())) {
        used.insert(n);
      }
    }
  }
  CHECK(ids.size() == dashboard["panels"].size());  // Grafana needs unique panel ids
  REQUIRE_FALSE(used.empty());
  for (const auto& name : used) {
    DYNAMIC_SECTION(name) { CHECK(served.contains(name)); }
  }
  // Every family is on the dashboard.
  for (const auto& name : served) {
    DYNAMIC_SECTION("dashboard shows " << name) {
      bool shown = false;
      for (const auto& panel : dashboard["panels"]) {
        for (const auto& target : panel["targets"]) {
          shown = shown || metric_names(target["expr"].get<std::string>()).contains(name);
        }
      }
      CHECK(shown);
    }
  }
}
