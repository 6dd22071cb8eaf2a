// `sidecarset-injector explain` through the real binary: the reason of every SidecarSet in the
// conformance cases where some SidecarSet gives the pod no sidecar (copied into
// fixtures/explain/conformance, each with an expect.json naming every SidecarSet of the case),
// the text rendering, and every error path with its whole message.

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "injector/json.hpp"
#include "run_binary.hpp"

namespace fs = std::filesystem;
using injector::Json;
using namespace cli_test;

namespace {

const std::string kCases = kSrc + "/fixtures/explain/conformance";
const std::string kNow = "--now=2024-01-02T03:04:05Z";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kCases)) {
    if (e.is_directory()) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Run explain_case(const std::string& name, const std::string& output) {
  const std::string dir = kCases + "/" + name;
  return run({"explain", "--sidecarsets", dir + "/sidecarsets.yaml", "-f", dir + "/pod.yaml", "-o",
              output, kNow});
}

}  // namespace

TEST_CASE("explain gives each conformance case's reasons, for every SidecarSet") {
  const std::vector<std::string> names = case_names();
  REQUIRE(names.size() == 9);
  for (const std::string& name : names) {
    DYNAMIC_SECTION(name) {
      const Json expect = Json::parse(slurp(kCases + "/" + name + "/expect.json"));
      const Run r = explain_case(name, "json");
      INFO(r.err);
      CHECK(r.status == expect["exit"].get<int>());
      const Json out = Json::parse(r.out);
      REQUIRE(out["objects"].size() == 1);
      const Json& sidecarsets = out["objects"][0]["sidecarsets"];
      std::set<std::string> seen;
      for (const Json& s : sidecarsets) {
        const std::string ss = s["name"].get<std::string>();
        seen.insert(ss);
        REQUIRE(expect["sidecarsets"].contains(ss));
        for (const auto& [key, value] : expect["sidecarsets"][ss].items()) {
          INFO(ss << "." << key);
          CHECK(s[key] == value);
        }
      }
      std::set<std::string> expected;
      for (const auto& [ss, value] : expect["sidecarsets"].items()) {
        expected.insert(ss);
      }
      CHECK(seen == expected);
    }
  }
}

TEST_CASE("explain prints reasons and additions as text") {
  const Run miss = explain_case("no-match", "text");
  CHECK(miss.status == 0);
  CHECK(miss.err.empty());
  CHECK(miss.out ==
        "" + kCases +
            "/no-match/pod.yaml: document 1: Pod \"web-0\", namespace \"default\"\n"
            "  namespace labels: kubernetes.io/metadata.name=default (no Namespace "
            "object given)\n"
            "  result: 0 of 1 SidecarSets apply, 0 patch operations\n"
            "  sidecarset \"db-only\": does not apply (selector_mismatch)\n"
            "    spec.selector.matchLabels.app wants app=db; the pod has app=\"web\"\n");
  const Run hot = explain_case("hot-upgrade", "text");
  CHECK(hot.status == 0);
  CHECK(hot.out.find("  sidecarset \"mesh\": applies (injects)\n"
                     "    selects the pod\n"
                     "    + container envoy-1: spec.containers[0], BeforeAppContainer\n"
                     "    + container envoy-2: spec.containers[1], BeforeAppContainer\n"
                     "    + container log-agent: spec.containers[3], AfterAppContainer\n"
                     "    + hot upgrade envoy: envoy-1 (working) and envoy-2 (empty)\n") !=
        std::string::npos);
}

TEST_CASE("explain reads namespace labels from --namespaces") {
  const std::string dir = scratch("explain-namespaces");
  write(dir + "/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n"
        "  labels: {env: dev}\n");
  write(dir + "/ss.yaml",
        "apiVersion: apps.kruise.io/v1beta1\nkind: SidecarSet\nmetadata: {name: prod-only}\n"
        "spec:\n  namespaceSelector: {matchLabels: {env: prod}}\n"
        "  selector: {matchLabels: {app: web}}\n  containers: [{name: agent, image: agent:1}]\n");
  write(dir + "/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-b, "
        "labels: {app: web}}\nspec: {containers: [{name: app, image: a}]}\n");
  const Run r = run({"explain", "--sidecarsets", dir + "/ss.yaml", "--namespaces", dir + "/ns.yaml",
                     "-f", dir + "/pod.yaml", "-o", "json"});
  CHECK(r.status == 0);
  const Json s = Json::parse(r.out)["objects"][0]["sidecarsets"][0];
  CHECK(s["code"] == "namespace_mismatch");
  CHECK(s["message"] ==
        "spec.namespaceSelector.matchLabels.env wants env=prod; namespace \"team-b\" has "
        "env=\"dev\" (its labels: env=dev, kubernetes.io/metadata.name=team-b)");

  // --namespaces holds Namespaces only.
  const Run wrong = run({"explain", "--sidecarsets", dir + "/ss.yaml", "--namespaces",
                         dir + "/ss.yaml", "-f", dir + "/pod.yaml"});
  CHECK(wrong.status == 2);
  CHECK(wrong.err == dir +
                         "/ss.yaml: document 1: --namespaces takes Namespace objects, found "
                         "SidecarSet\n");
  CHECK(wrong.out.empty());
}

TEST_CASE("explain error paths name the input") {
  const std::string dir = scratch("explain-errors");
  const std::string ss = kCases + "/no-match/sidecarsets.yaml";
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string err;
  };
  write(dir + "/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n");
  write(dir + "/broken.yaml", "kind: Pod\nmetadata: [\n");
  const std::vector<Case> cases = {
      {"missing -f file",
       {"explain", "--sidecarsets", ss, "-f", dir + "/missing.yaml"},
       dir + "/missing.yaml: cannot read: no such file or directory\n"},
      {"no pod in the input",
       {"explain", "--sidecarsets", ss, "-f", dir + "/config.yaml"},
       "sidecarset-injector explain: no Pod or pod template in the -f input (found: ConfigMap "
       "\"settings\")\n"},
      {"missing SidecarSet file",
       {"explain", "--sidecarsets", dir + "/none.yaml", "-f", dir + "/config.yaml"},
       dir + "/none.yaml: no such file or directory\n"},
      {"unknown output",
       {"explain", "--sidecarsets", ss, "-f", "-", "-o", "yaml"},
       usage("explain", "--output \"yaml\" is not supported (text or json)")},
      {"no -f",
       {"explain", "--sidecarsets", ss},
       usage("explain", "-f/--file is required (use '-' for stdin)")},
      {"no --sidecarsets", {"explain", "-f", "-"}, usage("explain", "--sidecarsets is required")},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const Run r = run(c.args);
      CHECK(r.status == 2);
      CHECK(r.err == c.err);
      CHECK(r.out.empty());
    }
  }
  SECTION("a YAML syntax error names file and line") {
    const Run r = run({"explain", "--sidecarsets", ss, "-f", dir + "/broken.yaml"});
    CHECK(r.status == 2);
    CHECK(r.err.starts_with(dir + "/broken.yaml: document 1: line "));
  }
}

TEST_CASE("explain --help documents the reasons and the exit status") {
  const Run r = run({"explain", "--help"});
  CHECK(r.status == 0);
  for (const char* code : {"selector_mismatch", "namespace_mismatch", "paused", "pod_inactive",
                           "revision_missing", "conflict", "already_injected", "invalid",
                           "Exit status: 0 explained, 1 explained and the webhook would deny"}) {
    CHECK(r.out.find(code) != std::string::npos);
  }
}
