// Deployment artefacts: the rendered manifests (cluster mode, the files-mode overlay, the CRD)
// agree with each other, with the Dockerfile and with certs/make-certs.sh; the certificate script
// makes what kube-apiserver verifies; the example SidecarSets are consistent and mirrored in the
// ConfigMap; the hot-upgrade hook decides as OpenKruise's proposal describes.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../../support/files.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource{INJECTOR_SOURCE_DIR};
const fs::path kBuild{INJECTOR_BINARY_DIR};
const fs::path kManifests = kSource / "manifests";
const fs::path kBase = kManifests / "base";
const fs::path kFilesOverlay = kManifests / "files";
const fs::path kCrd = kManifests / "crd" / "sidecarsets.yaml";
const fs::path kMakeCerts = kSource / "certs" / "make-certs.sh";

// The names kube-apiserver and `make run` reach the server by (spec/admission-protocol.md §1).
constexpr const char* kNamespace = "sidecarset-system";
constexpr const char* kServiceName = "sidecarset-injector";
constexpr int kServerPort = 8443;
constexpr const char* kSidecarSetWebhooks = "sidecarset-injector-sidecarsets";

struct Run {
  int status = -1;
  std::string out;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

/// Runs `command` with /bin/sh and returns its exit status and stdout (add 2>&1 to get stderr).
Run run(const std::string& command) {
  Run r;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    r.out.append(buf.data(), n);
  }
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  REQUIRE(out.good());
  out << text;
}

using test_support::lines_of;

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') {
      break;
    }
    const auto pos = kAlphabet.find(c);
    REQUIRE(pos != std::string::npos);
    acc = (acc << 6U) | static_cast<unsigned int>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> static_cast<unsigned int>(bits)) & 0xFFU));
    }
  }
  return out;
}

std::size_t count(const YAML::Node& list) { return list ? list.size() : 0U; }

bool on_path(const std::string& tool) {
  return run("command -v " + tool + " >/dev/null 2>&1").status == 0;
}

std::vector<YAML::Node> load_all(const std::string& text) {
  std::vector<YAML::Node> docs;
  for (const auto& doc : YAML::LoadAll(text)) {
    if (doc.IsMap()) {
      docs.push_back(doc);
    }
  }
  return docs;
}

/// The files of the default deployment: base/'s resources, then manifests/'s own.
std::vector<fs::path> kustomization_resources() {
  std::vector<fs::path> files;
  for (const auto& dir : {kBase, kManifests}) {
    const YAML::Node k = YAML::LoadFile((dir / "kustomization.yaml").string());
    for (const auto& r : k["resources"]) {
      files.push_back(dir / r.as<std::string>());
    }
  }
  return files;
}

struct Rendered {
  std::vector<YAML::Node> objects;
  std::string how;
};

std::vector<YAML::Node> render_with_kubectl(const fs::path& dir = kManifests) {
  // Per process: ctest runs the test cases of this file in parallel.
  const fs::path err = kBuild / ("manifests_test.kustomize." + std::to_string(::getpid()) + ".err");
  const Run k = run("kubectl kustomize " + quote(dir.string()) + " 2>" + quote(err));
  const std::string stderr_text = test_support::read_file(err);
  fs::remove(err);
  INFO("kubectl kustomize stderr: " << stderr_text);
  REQUIRE(k.status == 0);
  return load_all(k.out);
}

/// The kustomization without kubectl: it has only `resources:`, so the objects are the files'.
std::vector<YAML::Node> render_from_resources() {
  std::string text;
  for (const auto& file : kustomization_resources()) {
    text += test_support::read_file(file) + "\n---\n";
  }
  return load_all(text);
}

/// What `kubectl kustomize manifests/` renders (CI's check); the resource files when kubectl is
/// not on PATH.
Rendered render() {
  if (on_path("kubectl")) {
    return {render_with_kubectl(), "rendered with kubectl kustomize"};
  }
  return {render_from_resources(),
          "kubectl not on PATH: read the files listed under resources: instead"};
}

/// Comparable form of a YAML node: scalars as strings, maps with sorted keys.
nlohmann::json canonical(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node) {
      out[kv.first.as<std::string>()] = canonical(kv.second);
    }
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) {
      out.push_back(canonical(item));
    }
    return out;
  }
  if (node.IsNull()) {
    return nullptr;
  }
  return node.as<std::string>();
}

YAML::Node find(const std::vector<YAML::Node>& objects, const std::string& kind,
                const std::string& name) {
  std::vector<YAML::Node> found;
  for (const auto& o : objects) {
    if (o["kind"].as<std::string>() == kind && o["metadata"]["name"].as<std::string>() == name) {
      found.push_back(o);
    }
  }
  INFO(kind << "/" << name);
  REQUIRE(found.size() == 1U);
  return found.front();
}

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    out.push_back(item.as<std::string>());
  }
  return out;
}

std::map<std::string, std::string> string_map(const YAML::Node& map) {
  std::map<std::string, std::string> out;
  if (map && map.IsMap()) {
    for (const auto& kv : map) {
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  return out;
}

/// Kubernetes label-selector semantics (matchLabels AND matchExpressions).
bool selector_matches(const YAML::Node& selector,
                      const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : string_map(selector["matchLabels"])) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      return false;
    }
  }
  for (const auto& e : selector["matchExpressions"]) {
    const auto key = e["key"].as<std::string>();
    const auto op = e["operator"].as<std::string>();
    const auto it = labels.find(key);
    const bool has = it != labels.end();
    std::set<std::string> values;
    if (e["values"]) {
      for (const auto& v : strings(e["values"])) {
        values.insert(v);
      }
    }
    if (op == "In" && !(has && values.contains(it->second))) {
      return false;
    }
    if (op == "NotIn" && has && values.contains(it->second)) {
      return false;
    }
    if (op == "Exists" && !has) {
      return false;
    }
    if (op == "DoesNotExist" && has) {
      return false;
    }
    REQUIRE((op == "In" || op == "NotIn" || op == "Exists" || op == "DoesNotExist"));
  }
  return true;
}

YAML::Node only_container(const YAML::Node& deployment) {
  const YAML::Node containers = deployment["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 1U);
  return containers[0];
}

/// A container port reference (number or port name) resolved against the container's ports.
int resolve_port(const YAML::Node& container, const YAML::Node& ref) {
  const auto text = ref.as<std::string>();
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return ref.as<int>();
  }
  for (const auto& p : container["ports"]) {
    if (p["name"] && p["name"].as<std::string>() == text) {
      return p["containerPort"].as<int>();
    }
  }
  FAIL("port name " << text << " is not declared by the container");
  return -1;
}

std::string arg_after(const std::vector<std::string>& args, const std::string& flag) {
  const auto it = std::find(args.begin(), args.end(), flag);
  REQUIRE(it != args.end());
  REQUIRE(it + 1 != args.end());
  return *(it + 1);
}

YAML::Node volume_named(const YAML::Node& deployment, const std::string& name) {
  for (const auto& v : deployment["spec"]["template"]["spec"]["volumes"]) {
    if (v["name"].as<std::string>() == name) {
      return v;
    }
  }
  FAIL("no volume " << name);
  return {};
}

/// The volume mounted at `path` by the Deployment's container.
YAML::Node volume_at(const YAML::Node& deployment, const std::string& path) {
  for (const auto& m : only_container(deployment)["volumeMounts"]) {
    if (m["mountPath"].as<std::string>() == path) {
      CHECK(m["readOnly"].as<bool>());
      return volume_named(deployment, m["name"].as<std::string>());
    }
  }
  FAIL("nothing mounted at " << path);
  return {};
}

// Cluster mode: neither --sidecarsets nor --kubeconfig, so the in-cluster configuration.
const std::vector<std::string> kClusterServeArgs = {"serve",
                                                    "--tls-cert",
                                                    "/etc/sidecarset-injector/tls/tls.crt",
                                                    "--tls-key",
                                                    "/etc/sidecarset-injector/tls/tls.key",
                                                    "--listen",
                                                    "0.0.0.0:8443",
                                                    "--log-format",
                                                    "json"};
const std::vector<std::string> kFilesServeArgs = {"serve",
                                                  "--sidecarsets",
                                                  "/etc/sidecarset-injector/sidecarsets",
                                                  "--tls-cert",
                                                  "/etc/sidecarset-injector/tls/tls.crt",
                                                  "--tls-key",
                                                  "/etc/sidecarset-injector/tls/tls.key",
                                                  "--listen",
                                                  "0.0.0.0:8443",
                                                  "--log-format",
                                                  "json"};

/// What `kubectl kustomize manifests/files` renders; without kubectl, the same built by hand from
/// the overlay's files: base/'s objects plus the ConfigMap, with the Deployment patch's args,
/// volume and mount (a strategic merge: args replaced, lists merged by key).
Rendered render_files() {
  if (on_path("kubectl")) {
    return {render_with_kubectl(kFilesOverlay), "rendered with kubectl kustomize"};
  }
  const YAML::Node patch = YAML::LoadFile((kFilesOverlay / "deployment-files.yaml").string());
  const YAML::Node patch_pod = patch["spec"]["template"]["spec"];
  const YAML::Node patch_container = patch_pod["containers"][0];
  std::string text;
  for (const auto& r : YAML::LoadFile((kBase / "kustomization.yaml").string())["resources"]) {
    text += test_support::read_file(kBase / r.as<std::string>()) + "\n---\n";
  }
  std::vector<YAML::Node> objects;
  for (auto o : load_all(text)) {
    if (o["kind"].as<std::string>() == "Deployment") {
      YAML::Node pod = o["spec"]["template"]["spec"];
      pod["automountServiceAccountToken"] = patch_pod["automountServiceAccountToken"];
      YAML::Node container = pod["containers"][0];
      container["args"] = patch_container["args"];
      for (const auto& m : patch_container["volumeMounts"]) {
        container["volumeMounts"].push_back(YAML::Node(m));
      }
      for (const auto& v : patch_pod["volumes"]) {
        pod["volumes"].push_back(YAML::Node(v));
      }
    }
    objects.push_back(o);
  }
  for (const auto& o :
       load_all(test_support::read_file(kFilesOverlay / "configmap-sidecarsets.yaml"))) {
    objects.push_back(o);
  }
  return {objects, "kubectl not on PATH: the overlay's files applied by the test"};
}

}  // namespace

TEST_CASE("kustomization lists every manifest file and uses plain resources only") {
  auto keys_of = [](const fs::path& file) {
    std::set<std::string> keys;
    for (const auto& kv : YAML::LoadFile(file.string())) {
      keys.insert(kv.first.as<std::string>());
    }
    return keys;
  };
  CHECK(keys_of(kBase / "kustomization.yaml") ==
        std::set<std::string>{"apiVersion", "kind", "resources"});
  // The default is base/ and the cluster-mode objects; `bases:` is what kustomize v2 (kubectl
  // 1.20) reads for a directory.
  const YAML::Node top = YAML::LoadFile((kManifests / "kustomization.yaml").string());
  CHECK(keys_of(kManifests / "kustomization.yaml") ==
        std::set<std::string>{"apiVersion", "kind", "bases", "resources"});
  CHECK(strings(top["bases"]) == std::vector<std::string>{"base"});
  CHECK(keys_of(kFilesOverlay / "kustomization.yaml") ==
        std::set<std::string>{"apiVersion", "kind", "bases", "resources", "patchesStrategicMerge"});
  CHECK(
      strings(YAML::LoadFile((kManifests / "crd" / "kustomization.yaml").string())["resources"]) ==
      std::vector<std::string>{"sidecarsets.yaml"});

  std::set<fs::path> on_disk;
  for (const auto& dir : {kBase, kManifests}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const auto name = entry.path().filename().string();
      if (entry.path().extension() == ".yaml" && name != "kustomization.yaml") {
        on_disk.insert(entry.path());
      }
    }
  }
  const auto listed = kustomization_resources();
  CHECK(std::set<fs::path>(listed.begin(), listed.end()) == on_disk);
  CHECK(listed.size() == on_disk.size());
}

TEST_CASE("reading the resources gives what kubectl kustomize renders") {
  const auto files = render_from_resources();
  REQUIRE(files.size() == 10U);
  if (!on_path("kubectl")) {
    INFO("kubectl not on PATH: only the resource files were read");
    return;
  }
  const auto kubectl = render_with_kubectl();
  auto by_name = [](const std::vector<YAML::Node>& objects) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& o : objects) {
      out[o["kind"].as<std::string>() + "/" + o["metadata"]["name"].as<std::string>()] =
          canonical(o);
    }
    return out;
  };
  CHECK(by_name(files) == by_name(kubectl));
}

TEST_CASE("rendered manifests hold each object once and namespaced ones in sidecarset-system") {
  const Rendered r = render();
  INFO(r.how);
  struct Case {
    std::string kind;
    std::string name;
    bool namespaced;
  };
  const std::vector<Case> cases = {
      {"Namespace", kNamespace, false},
      {"ServiceAccount", kServiceName, true},
      {"ClusterRole", kServiceName, false},
      {"ClusterRoleBinding", kServiceName, false},
      {"Deployment", kServiceName, true},
      {"PodDisruptionBudget", kServiceName, true},
      {"Service", kServiceName, true},
      {"MutatingWebhookConfiguration", kServiceName, false},
      {"MutatingWebhookConfiguration", kSidecarSetWebhooks, false},
      {"ValidatingWebhookConfiguration", kSidecarSetWebhooks, false},
  };
  CHECK(r.objects.size() == cases.size());
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.kind << "/" << c.name) {
      const YAML::Node o = find(r.objects, c.kind, c.name);
      if (c.namespaced) {
        CHECK(o["metadata"]["namespace"].as<std::string>() == kNamespace);
      } else {
        CHECK_FALSE(o["metadata"]["namespace"]);
      }
      CHECK(string_map(o["metadata"]["labels"])["app.kubernetes.io/name"] == kServiceName);
    }
  }
}

TEST_CASE("webhook and Service and Deployment agree on the call path to port 8443") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node config = find(r.objects, "MutatingWebhookConfiguration", kServiceName);
  const YAML::Node service = find(r.objects, "Service", kServiceName);
  const YAML::Node deployment = find(r.objects, "Deployment", kServiceName);
  const YAML::Node container = only_container(deployment);

  REQUIRE(config["webhooks"].size() == 1U);
  const YAML::Node hook = config["webhooks"][0];
  // A webhook name must be a DNS subdomain of at least three segments (API server validation).
  const auto name = hook["name"].as<std::string>();
  CHECK(std::count(name.begin(), name.end(), '.') >= 2);

  const YAML::Node ref = hook["clientConfig"]["service"];
  CHECK_FALSE(hook["clientConfig"]["url"]);
  CHECK(hook["clientConfig"]["caBundle"]);
  CHECK(ref["name"].as<std::string>() == service["metadata"]["name"].as<std::string>());
  CHECK(ref["namespace"].as<std::string>() == service["metadata"]["namespace"].as<std::string>());
  CHECK(ref["path"].as<std::string>() == "/mutate-pod");
  const int port = ref["port"].as<int>();
  CHECK(port == 443);

  // Service port -> targetPort -> container port -> --listen.
  std::optional<int> target;
  for (const auto& p : service["spec"]["ports"]) {
    if (p["port"].as<int>() == port) {
      CHECK(p["protocol"].as<std::string>() == "TCP");
      target = resolve_port(container, p["targetPort"]);
    }
  }
  REQUIRE(target.has_value());
  CHECK(*target == kServerPort);
  const auto args = strings(container["args"]);
  CHECK(arg_after(args, "--listen") == "0.0.0.0:" + std::to_string(kServerPort));

  // The Service selects the Deployment's pods, as does the PodDisruptionBudget.
  const auto pod_labels = string_map(deployment["spec"]["template"]["metadata"]["labels"]);
  const YAML::Node pdb = find(r.objects, "PodDisruptionBudget", kServiceName);
  CHECK_FALSE(string_map(service["spec"]["selector"]).empty());
  for (const auto& [k, v] : string_map(service["spec"]["selector"])) {
    CHECK(pod_labels.at(k) == v);
  }
  CHECK(selector_matches(deployment["spec"]["selector"], pod_labels));
  CHECK(selector_matches(pdb["spec"]["selector"], pod_labels));
}

TEST_CASE("webhook registration is OpenKruise's pod webhook for pods CREATE") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node config = find(r.objects, "MutatingWebhookConfiguration", kServiceName);
  CHECK(config["apiVersion"].as<std::string>() == "admissionregistration.k8s.io/v1");
  const YAML::Node hook = config["webhooks"][0];

  REQUIRE(hook["rules"].size() == 1U);
  const YAML::Node rule = hook["rules"][0];
  CHECK(strings(rule["operations"]) == std::vector<std::string>{"CREATE"});
  CHECK(strings(rule["apiGroups"]) == std::vector<std::string>{""});
  CHECK(strings(rule["apiVersions"]) == std::vector<std::string>{"v1"});
  CHECK(strings(rule["resources"]) == std::vector<std::string>{"pods"});

  struct Case {
    std::string field;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"sideEffects", "None"}, {"failurePolicy", "Fail"},     {"reinvocationPolicy", "IfNeeded"},
      {"timeoutSeconds", "5"}, {"matchPolicy", "Equivalent"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.field) {
      REQUIRE(hook[c.field]);
      CHECK(hook[c.field].as<std::string>() == c.expected);
    }
  }
  CHECK(strings(hook["admissionReviewVersions"]) == std::vector<std::string>{"v1", "v1beta1"});
}

TEST_CASE("webhook namespaceSelector skips the system namespaces and the injector's own") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node hook =
      find(r.objects, "MutatingWebhookConfiguration", kServiceName)["webhooks"][0];
  const YAML::Node selector = hook["namespaceSelector"];
  const auto own_labels =
      string_map(find(r.objects, "Namespace", kNamespace)["metadata"]["labels"]);

  // The API server labels every namespace with kubernetes.io/metadata.name=<name>.
  auto labels_of = [](const std::string& ns, std::map<std::string, std::string> extra) {
    extra["kubernetes.io/metadata.name"] = ns;
    return extra;
  };
  struct Case {
    std::string what;
    std::map<std::string, std::string> labels;
    bool injected;
  };
  auto without_name = own_labels;
  without_name.erase("kubernetes.io/metadata.name");
  const std::vector<Case> cases = {
      {"own namespace, as applied", labels_of(kNamespace, own_labels), false},
      {"own namespace label alone (renamed namespace)", without_name, false},
      {"kube-system", labels_of("kube-system", {}), false},
      {"kube-public", labels_of("kube-public", {}), false},
      {"kube-node-lease", labels_of("kube-node-lease", {}), false},
      {"default", labels_of("default", {}), true},
      {"an application namespace", labels_of("shop", {{"team", "shop"}}), true},
      {"an opted-out namespace",
       labels_of("batch", {{"sidecarset-injector.kruise.io/injection", "disabled"}}), false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) { CHECK(selector_matches(selector, c.labels) == c.injected); }
  }
}

TEST_CASE("RBAC: get, list and watch on SidecarSets, Namespaces, ControllerRevisions, no more") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node role = find(r.objects, "ClusterRole", kServiceName);
  std::set<std::string> granted;
  for (const auto& rule : role["rules"]) {
    CHECK_FALSE(rule["resourceNames"]);
    CHECK_FALSE(rule["nonResourceURLs"]);
    for (const auto& group : strings(rule["apiGroups"])) {
      for (const auto& resource : strings(rule["resources"])) {
        for (const auto& verb : strings(rule["verbs"])) {
          granted.insert(group + "/" + resource + ":" + verb);
        }
      }
    }
  }
  std::set<std::string> wanted;
  for (const char* resource :
       {"apps.kruise.io/sidecarsets", "/namespaces", "apps/controllerrevisions"}) {
    for (const char* verb : {"get", "list", "watch"}) {
      wanted.insert(std::string(resource) + ":" + verb);
    }
  }
  CHECK(granted == wanted);

  const YAML::Node binding = find(r.objects, "ClusterRoleBinding", kServiceName);
  CHECK(binding["roleRef"]["kind"].as<std::string>() == "ClusterRole");
  CHECK(binding["roleRef"]["name"].as<std::string>() == kServiceName);
  CHECK(binding["roleRef"]["apiGroup"].as<std::string>() == "rbac.authorization.k8s.io");
  REQUIRE(binding["subjects"].size() == 1U);
  const YAML::Node subject = binding["subjects"][0];
  CHECK(subject["kind"].as<std::string>() == "ServiceAccount");
  CHECK(
      subject["name"].as<std::string>() ==
      find(r.objects, "Deployment", kServiceName)["spec"]["template"]["spec"]["serviceAccountName"]
          .as<std::string>());
  CHECK(subject["namespace"].as<std::string>() == kNamespace);
}

TEST_CASE("SidecarSet webhooks: OpenKruise's paths, one call per write, through the Service") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node service = find(r.objects, "Service", kServiceName);
  struct Case {
    std::string kind;
    std::string name;
    std::string path;
    std::vector<std::string> versions;
  };
  const std::vector<Case> cases = {
      {"MutatingWebhookConfiguration",
       "msidecarset-v1alpha1.sidecarset-injector.kruise.io",
       "/mutate-apps-kruise-io-v1alpha1-sidecarset",
       {"v1alpha1"}},
      {"MutatingWebhookConfiguration",
       "msidecarset-v1beta1.sidecarset-injector.kruise.io",
       "/mutate-apps-kruise-io-v1beta1-sidecarset",
       {"v1beta1"}},
      {"ValidatingWebhookConfiguration",
       "vsidecarset.sidecarset-injector.kruise.io",
       "/validate-apps-kruise-io-sidecarset",
       {"v1alpha1", "v1beta1"}},
  };
  std::map<std::string, std::size_t> per_config;
  for (const auto& c : cases) {
    ++per_config[c.kind];
  }
  for (const auto& [kind, n] : per_config) {
    const YAML::Node config = find(r.objects, kind, kSidecarSetWebhooks);
    CHECK(config["webhooks"].size() == n);
    // Applied after the replicas are ready (docs/deploy.md): kubectl apply -l '...!=...'.
    CHECK(string_map(config["metadata"]["labels"])["app.kubernetes.io/component"] ==
          "admission-webhook");
  }
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::optional<YAML::Node> hook;
      for (const auto& h : find(r.objects, c.kind, kSidecarSetWebhooks)["webhooks"]) {
        if (h["name"].as<std::string>() == c.name) {
          hook = YAML::Node(h);
        }
      }
      REQUIRE(hook.has_value());
      const YAML::Node ref = (*hook)["clientConfig"]["service"];
      CHECK(ref["name"].as<std::string>() == service["metadata"]["name"].as<std::string>());
      CHECK(ref["namespace"].as<std::string>() == kNamespace);
      CHECK(ref["path"].as<std::string>() == c.path);
      CHECK(ref["port"].as<int>() == 443);
      CHECK((*hook)["clientConfig"]["caBundle"].as<std::string>().empty());
      REQUIRE((*hook)["rules"].size() == 1U);
      const YAML::Node rule = (*hook)["rules"][0];
      CHECK(strings(rule["operations"]) == std::vector<std::string>{"CREATE", "UPDATE"});
      CHECK(strings(rule["apiGroups"]) == std::vector<std::string>{"apps.kruise.io"});
      CHECK(strings(rule["apiVersions"]) == c.versions);
      CHECK(strings(rule["resources"]) == std::vector<std::string>{"sidecarsets"});
      CHECK(rule["scope"].as<std::string>() == "Cluster");
      // Exact: a v1alpha1 write is not also sent, converted, to the v1beta1 webhook.
      CHECK((*hook)["matchPolicy"].as<std::string>() == "Exact");
      CHECK((*hook)["failurePolicy"].as<std::string>() == "Fail");
      CHECK((*hook)["sideEffects"].as<std::string>() == "None");
      CHECK((*hook)["timeoutSeconds"].as<int>() == 5);
      CHECK(strings((*hook)["admissionReviewVersions"]) ==
            std::vector<std::string>{"v1", "v1beta1"});
    }
  }
}

TEST_CASE("files overlay: the ConfigMap instead of the cluster, no RBAC, no SidecarSet webhooks") {
  const Rendered r = render_files();
  INFO(r.how);
  const Rendered base = render();
  const std::set<std::string> removed = {
      "ClusterRole/sidecarset-injector", "ClusterRoleBinding/sidecarset-injector",
      "MutatingWebhookConfiguration/sidecarset-injector-sidecarsets",
      "ValidatingWebhookConfiguration/sidecarset-injector-sidecarsets"};
  std::set<std::string> ids;
  for (const auto& o : r.objects) {
    ids.insert(o["kind"].as<std::string>() + "/" + o["metadata"]["name"].as<std::string>());
  }
  std::set<std::string> expected = {"ConfigMap/sidecarset-injector-sidecarsets"};
  for (const auto& o : base.objects) {
    const auto id = o["kind"].as<std::string>() + "/" + o["metadata"]["name"].as<std::string>();
    if (!removed.contains(id)) {
      expected.insert(id);
    }
  }
  CHECK(ids == expected);
  CHECK(r.objects.size() == expected.size());

  const YAML::Node deployment = find(r.objects, "Deployment", kServiceName);
  const auto args = strings(only_container(deployment)["args"]);
  CHECK(args == kFilesServeArgs);
  CHECK_FALSE(deployment["spec"]["template"]["spec"]["automountServiceAccountToken"].as<bool>());
  const YAML::Node volume = volume_at(deployment, arg_after(args, "--sidecarsets"));
  REQUIRE(volume["configMap"]);
  CHECK(find(r.objects, "ConfigMap",
             volume["configMap"]["name"].as<std::string>())["metadata"]["namespace"]
            .as<std::string>() == kNamespace);
  // The certificates stay where the base mounts them.
  CHECK(volume_at(deployment, "/etc/sidecarset-injector/tls")["secret"]["secretName"]
            .as<std::string>() == "sidecarset-injector-tls");
  // Everything else is the base's.
  for (const char* kind : {"Namespace", "Service", "PodDisruptionBudget", "ServiceAccount",
                           "MutatingWebhookConfiguration"}) {
    DYNAMIC_SECTION(kind) {
      CHECK(canonical(find(r.objects, kind,
                           kind == std::string("Namespace") ? kNamespace : kServiceName)) ==
            canonical(find(base.objects, kind,
                           kind == std::string("Namespace") ? kNamespace : kServiceName)));
    }
  }
}

/// The spec fields SidecarSets use, as dotted paths below spec (containers' and volumes' own
/// fields excluded: the CRD keeps them as written).
void spec_paths(const YAML::Node& node, const std::string& prefix, std::set<std::string>& out) {
  if (!node.IsMap()) {
    return;
  }
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    out.insert(path);
    if (path == "containers" || path == "initContainers" || path == "volumes" ||
        key == "matchLabels" || path == "updateStrategy" || key == "annotations") {
      continue;
    }
    if (kv.second.IsSequence()) {
      for (const auto& item : kv.second) {
        spec_paths(item, path, out);
      }
    } else {
      spec_paths(kv.second, path, out);
    }
  }
}

/// The same paths as the CRD schema declares them (properties, array items).
void schema_paths(const YAML::Node& schema, const std::string& prefix, std::set<std::string>& out) {
  const YAML::Node props = schema["items"] ? schema["items"]["properties"] : schema["properties"];
  if (!props) {
    return;
  }
  for (const auto& kv : props) {
    const auto key = kv.first.as<std::string>();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    out.insert(path);
    schema_paths(kv.second, path, out);
  }
}

TEST_CASE("the SidecarSet CRD is OpenKruise's API: names, versions, storage, every field kept") {
  const auto docs = load_all(test_support::read_file(kCrd));
  REQUIRE(docs.size() == 1U);
  const YAML::Node crd = docs[0];
  CHECK(crd["apiVersion"].as<std::string>() == "apiextensions.k8s.io/v1");
  CHECK(crd["kind"].as<std::string>() == "CustomResourceDefinition");
  CHECK(crd["metadata"]["name"].as<std::string>() == "sidecarsets.apps.kruise.io");
  const YAML::Node spec = crd["spec"];
  CHECK(spec["group"].as<std::string>() == "apps.kruise.io");
  CHECK(spec["scope"].as<std::string>() == "Cluster");
  CHECK(string_map(spec["names"]) ==
        std::map<std::string, std::string>{{"kind", "SidecarSet"},
                                           {"listKind", "SidecarSetList"},
                                           {"plural", "sidecarsets"},
                                           {"singular", "sidecarset"}});
  CHECK(spec["conversion"]["strategy"].as<std::string>() == "None");
  REQUIRE(spec["versions"].size() == 2U);
  std::map<std::string, bool> storage;
  std::vector<nlohmann::json> schemas;
  for (const auto& v : spec["versions"]) {
    const auto name = v["name"].as<std::string>();
    CHECK(v["served"].as<bool>());
    storage[name] = v["storage"].as<bool>();
    CHECK(v["subresources"]["status"].IsMap());
    std::vector<std::string> columns;
    for (const auto& c : v["additionalPrinterColumns"]) {
      columns.push_back(c["name"].as<std::string>() + "=" + c["jsonPath"].as<std::string>());
    }
    CHECK(columns ==
          std::vector<std::string>{"MATCHED=.status.matchedPods", "UPDATED=.status.updatedPods",
                                   "READY=.status.readyPods", "AGE=.metadata.creationTimestamp"});
    schemas.push_back(canonical(v["schema"]));
  }
  CHECK(storage == std::map<std::string, bool>{{"v1alpha1", false}, {"v1beta1", true}});
  // Conversion None: one schema for both, or a field of one version is pruned from the other.
  CHECK(schemas[0] == schemas[1]);

  const YAML::Node schema = spec["versions"][0]["schema"]["openAPIV3Schema"];
  const YAML::Node spec_schema = schema["properties"]["spec"];
  std::set<std::string> declared;
  schema_paths(spec_schema, "", declared);
  for (const char* list : {"containers", "initContainers", "volumes"}) {
    CHECK(spec_schema["properties"][list]["items"]["x-kubernetes-preserve-unknown-fields"]
              .as<bool>());
  }
  CHECK(spec_schema["properties"]["updateStrategy"]["x-kubernetes-preserve-unknown-fields"]
            .as<bool>());
  // OpenKruise's CRD defaults, which its hashes cover.
  CHECK(spec_schema["properties"]["injectionStrategy"]["properties"]["revision"]["properties"]
                   ["policy"]["default"]
                       .as<std::string>() == "Always");
  CHECK(spec_schema["properties"]["containers"]["items"]["properties"]["resourcesPolicy"]
                   ["properties"]["targetContainersNameRegex"]["default"]
                       .as<std::string>() == ".*");

  // Every spec field of every SidecarSet the project ships or injects with in its golden cases
  // (valid by construction; other fixtures hold deliberately broken manifests) is declared.
  std::vector<fs::path> files;
  for (const auto& dir : {kSource / "examples", kSource / "fixtures" / "cases"}) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") {
        files.push_back(entry.path());
      }
    }
  }
  int sidecarsets = 0;
  for (const auto& file : files) {
    const std::vector<YAML::Node> objects = load_all(test_support::read_file(file));
    for (const auto& o : objects) {
      if (!o["kind"] || !o["kind"].IsScalar() || o["kind"].as<std::string>() != "SidecarSet" ||
          !o["spec"].IsMap()) {
        continue;
      }
      ++sidecarsets;
      std::set<std::string> used;
      spec_paths(o["spec"], "", used);
      for (const auto& path : used) {
        INFO(file.string() << ": spec." << path);
        CHECK(declared.contains(path));
      }
    }
  }
  CHECK(sidecarsets > 20);
}

TEST_CASE("Deployment runs the server in cluster mode with the mounted certificates") {
  const Rendered r = render();
  INFO(r.how);
  const YAML::Node deployment = find(r.objects, "Deployment", kServiceName);
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  const YAML::Node container = only_container(deployment);

  CHECK(deployment["spec"]["replicas"].as<int>() == 2);
  CHECK(container["image"].as<std::string>() == "sidecarset-injector:0.1.0");
  const auto args = strings(container["args"]);
  CHECK(args == kClusterServeArgs);
  CHECK(pod["serviceAccountName"].as<std::string>() ==
        find(r.objects, "ServiceAccount", kServiceName)["metadata"]["name"].as<std::string>());
  // The in-cluster configuration is the ServiceAccount's token and CA.
  CHECK(pod["automountServiceAccountToken"].as<bool>());
  CHECK_FALSE(find(r.objects, "ServiceAccount", kServiceName)["automountServiceAccountToken"]);
  std::vector<std::string> mounts;
  for (const auto& m : container["volumeMounts"]) {
    mounts.push_back(m["mountPath"].as<std::string>());
  }
  CHECK(mounts == std::vector<std::string>{"/etc/sidecarset-injector/tls"});

  SECTION("termination: the grace period covers the server's shutdown delay and drain") {
    // The server keeps answering for --shutdown-delay after SIGTERM (no preStop sleep needed,
    // which would only add to it) and exits at the latest --shutdown-timeout after the signal.
    CHECK_FALSE(container["lifecycle"]);
    const Run help = run(quote(INJECTOR_BIN) + " serve --help 2>&1");
    INFO(help.out);
    CHECK(help.out.find("--shutdown-delay") != std::string::npos);
    CHECK(help.out.find("--shutdown-timeout") != std::string::npos);
    CHECK(std::find(args.begin(), args.end(), "--shutdown-timeout") == args.end());
    constexpr int kDefaultShutdownTimeout = 25;
    CHECK(pod["terminationGracePeriodSeconds"].as<int>() > kDefaultShutdownTimeout);
  }

  SECTION("replicas spread over nodes and zones, a PDB keeps one through drains") {
    const auto own = string_map(deployment["spec"]["template"]["metadata"]["labels"]);
    const YAML::Node anti =
        pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
    REQUIRE(anti.size() == 1U);
    CHECK(anti[0]["podAffinityTerm"]["topologyKey"].as<std::string>() == "kubernetes.io/hostname");
    CHECK(selector_matches(anti[0]["podAffinityTerm"]["labelSelector"], own));
    const YAML::Node spread = pod["topologySpreadConstraints"];
    REQUIRE(spread.size() == 1U);
    CHECK(spread[0]["topologyKey"].as<std::string>() == "topology.kubernetes.io/zone");
    CHECK(selector_matches(spread[0]["labelSelector"], own));
    CHECK(find(r.objects, "PodDisruptionBudget", kServiceName)["spec"]["minAvailable"].as<int>() ==
          1);
    CHECK(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>() == 0);
  }

  SECTION("certificates come from the TLS Secret, mounted where --tls-cert/--tls-key point") {
    const fs::path cert = arg_after(args, "--tls-cert");
    const fs::path key = arg_after(args, "--tls-key");
    CHECK(cert.parent_path() == key.parent_path());
    // The keys of a kubernetes.io/tls Secret are the file names.
    CHECK(cert.filename() == "tls.crt");
    CHECK(key.filename() == "tls.key");
    const YAML::Node volume = volume_at(deployment, cert.parent_path().string());
    REQUIRE(volume["secret"]);
    CHECK(volume["secret"]["secretName"].as<std::string>() == "sidecarset-injector-tls");
  }

  SECTION("probes hit /healthz and /readyz over HTTPS on 8443") {
    struct Case {
      std::string probe;
      std::string path;
    };
    for (const auto& c :
         std::vector<Case>{{"livenessProbe", "/healthz"}, {"readinessProbe", "/readyz"}}) {
      DYNAMIC_SECTION(c.probe) {
        const YAML::Node get = container[c.probe]["httpGet"];
        REQUIRE(get);
        CHECK(get["path"].as<std::string>() == c.path);
        CHECK(get["scheme"].as<std::string>() == "HTTPS");
        CHECK(resolve_port(container, get["port"]) == kServerPort);
      }
    }
  }

  SECTION("restricted security context and resources") {
    const YAML::Node psc = pod["securityContext"];
    CHECK(psc["runAsNonRoot"].as<bool>());
    CHECK(psc["runAsUser"].as<int>() == 65532);
    CHECK(psc["seccompProfile"]["type"].as<std::string>() == "RuntimeDefault");
    const YAML::Node sc = container["securityContext"];
    CHECK(sc["runAsNonRoot"].as<bool>());
    CHECK_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
    CHECK(sc["readOnlyRootFilesystem"].as<bool>());
    CHECK(strings(sc["capabilities"]["drop"]) == std::vector<std::string>{"ALL"});
    CHECK(sc["seccompProfile"]["type"].as<std::string>() == "RuntimeDefault");
    CHECK(container["resources"]["requests"]["cpu"]);
    CHECK(container["resources"]["requests"]["memory"]);
    CHECK(container["resources"]["limits"]["memory"]);
  }
}

TEST_CASE("the ConfigMap serves exactly examples/sidecarsets") {
  const Rendered r = render_files();
  INFO(r.how);
  INFO("run manifests/sync-configmap.sh after editing examples/sidecarsets");
  const auto data =
      string_map(find(r.objects, "ConfigMap", "sidecarset-injector-sidecarsets")["data"]);
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(kSource / "examples" / "sidecarsets")) {
    if (entry.path().extension() == ".yaml") {
      files[entry.path().filename().string()] = test_support::read_file(entry.path());
    }
  }
  CHECK(files.size() >= 2U);
  CHECK(data == files);
}

TEST_CASE("sync-configmap.sh regenerates the committed ConfigMap byte for byte") {
  const fs::path out = kBuild / ("configmap-sidecarsets." + std::to_string(::getpid()) + ".yaml");
  const Run r =
      run(quote((kManifests / "sync-configmap.sh").string()) + " " + quote(out.string()) + " 2>&1");
  CHECK(r.status == 0);
  CHECK(r.out == "wrote " + out.string() + "\n");
  INFO("run manifests/sync-configmap.sh after editing examples/sidecarsets");
  CHECK(test_support::read_file(out) ==
        test_support::read_file(kFilesOverlay / "configmap-sidecarsets.yaml"));
  fs::remove(out);
}

TEST_CASE("example SidecarSets declare their mounts and use unique names") {
  std::vector<std::pair<std::string, YAML::Node>> sets;
  std::vector<fs::path> paths = {kSource / "examples" / "hot-upgrade" / "sidecarset.yaml"};
  for (const auto& entry : fs::directory_iterator(kSource / "examples" / "sidecarsets")) {
    paths.push_back(entry.path());
  }
  for (const auto& path : paths) {
    for (const auto& doc : load_all(test_support::read_file(path))) {
      if (doc["kind"].as<std::string>() == "SidecarSet") {
        sets.emplace_back(path.filename().string(), doc);
      }
    }
  }
  REQUIRE(sets.size() >= 3U);

  // Every example selects by label with overlapping (different-key) selectors, so OpenKruise's
  // cross-SidecarSet check (spec §6 rule 14) requires container and volume names to be unique.
  std::set<std::string> containers;
  std::set<std::string> volumes;
  for (const auto& [file, set] : sets) {
    const auto name = set["metadata"]["name"].as<std::string>();
    DYNAMIC_SECTION(file << ": " << name) {
      const YAML::Node spec = set["spec"];
      const YAML::Node selector = spec["selector"];
      REQUIRE(selector);
      CHECK((string_map(selector["matchLabels"]).size() + count(selector["matchExpressions"])) >
            0U);
      std::set<std::string> declared;
      for (const auto& v : spec["volumes"]) {
        const auto v_name = v["name"].as<std::string>();
        declared.insert(v_name);
        CHECK(volumes.insert(v_name).second);
      }
      for (const auto& c : spec["containers"]) {
        const auto c_name = c["name"].as<std::string>();
        INFO("container " << c_name);
        CHECK(containers.insert(c_name).second);
        CHECK_FALSE(c["image"].as<std::string>().empty());
        for (const auto& m : c["volumeMounts"]) {
          CHECK(declared.contains(m["name"].as<std::string>()));
          CHECK_FALSE(m["mountPath"].as<std::string>().empty());
        }
        if (c["upgradeStrategy"] &&
            c["upgradeStrategy"]["upgradeType"].as<std::string>() == "HotUpgrade") {
          CHECK_FALSE(c["upgradeStrategy"]["hotUpgradeEmptyImage"].as<std::string>().empty());
        }
      }
    }
  }
}

TEST_CASE("Dockerfile runs what the Deployment runs as the Deployment's user") {
  const auto lines = lines_of(test_support::read_file(kSource / "Dockerfile"));
  std::vector<std::string> from;
  std::string user;
  std::string expose;
  std::string entrypoint;
  std::string cmd;
  std::string runtime_install;
  bool in_runtime_install = false;
  for (const auto& line : lines) {
    auto rest = [&](std::size_t n) { return line.substr(n); };
    if (line.starts_with("FROM ")) {
      from.push_back(rest(5));
    } else if (line.starts_with("USER ")) {
      user = rest(5);
    } else if (line.starts_with("EXPOSE ")) {
      expose = rest(7);
    } else if (line.starts_with("ENTRYPOINT ")) {
      entrypoint = rest(11);
    } else if (line.starts_with("CMD ")) {
      cmd = rest(4);
    }
    if (from.size() == 2U && line.find("apt-get install") != std::string::npos) {
      in_runtime_install = true;
    }
    if (in_runtime_install) {
      runtime_install += line + "\n";
      in_runtime_install = line.ends_with("\\") && line.find("rm -rf") == std::string::npos;
    }
  }
  CHECK(from == std::vector<std::string>{"debian:bookworm-slim AS build", "debian:bookworm-slim"});
  CHECK(user == "65532:65532");
  CHECK(expose == std::to_string(kServerPort));
  CHECK(nlohmann::json::parse(entrypoint) ==
        nlohmann::json::array({"/usr/local/bin/sidecarset-injector"}));
  // The image's default is files mode: it also runs outside a cluster (make run, docker run).
  CHECK(nlohmann::json::parse(cmd) == nlohmann::json(kFilesServeArgs));

  const YAML::Node deployment = find(render().objects, "Deployment", kServiceName);
  CHECK(deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"].as<std::string>() +
            ":" +
            deployment["spec"]["template"]["spec"]["securityContext"]["runAsGroup"]
                .as<std::string>() ==
        user);

  SECTION("the runtime stage installs the package of every shared library the binary links") {
    std::istringstream words(runtime_install);
    std::set<std::string> installed;
    for (std::string w; words >> w;) {
      if (w.starts_with("lib")) {
        installed.insert(w);
      }
    }
    INFO("runtime packages: " << runtime_install);
    const Run ldd = run("ldd " + quote(INJECTOR_BIN));
    REQUIRE(ldd.status == 0);
    std::istringstream in(ldd.out);
    int libraries = 0;
    for (std::string line; std::getline(in, line);) {
      const auto arrow = line.find(" => /");
      if (arrow == std::string::npos) {
        continue;
      }
      const auto path = line.substr(arrow + 4, line.find(" (") - arrow - 4);
      // ldd may print /lib/... or /usr/lib/... for the same file (merged /usr); dpkg knows one.
      const std::string other =
          path.starts_with("/usr/") ? path.substr(4) : std::string("/usr") + path;
      const Run owner = run("dpkg -S " + quote(path) + " 2>/dev/null || dpkg -S " + quote(other) +
                            " 2>/dev/null");
      INFO(line << " -> " << owner.out);
      REQUIRE(owner.status == 0);
      const auto package = owner.out.substr(0, owner.out.find(':'));
      // libc6 and libgcc-s1 are in every Debian image; the sanitizer runtimes only in the asan
      // build, never in the image.
      const bool base = package == "libc6" || package == "libgcc-s1" ||
                        package.starts_with("libasan") || package.starts_with("libubsan");
      CHECK((base || installed.contains(package)));
      ++libraries;
    }
    CHECK(libraries > 3);
  }
}

TEST_CASE("make-certs.sh makes a CA and a serving certificate kube-apiserver accepts") {
  const fs::path dir = kBuild / "manifests_test.d" / "certs";
  fs::remove_all(dir);
  const auto secret = dir / "secret.yaml";
  const auto webhook = dir / "webhook.yaml";
  const std::string make = quote(kMakeCerts.string()) + " " + quote(dir.string());

  const Run first =
      run(make + " --secret " + quote(secret) + " --webhook " + quote(webhook) + " 2>&1");
  INFO(first.out);
  REQUIRE(first.status == 0);
  CHECK(first.out == "make-certs.sh: wrote " + dir.string() +
                         "/ca.crt, ca.key, tls.crt, tls.key\n" + "make-certs.sh: wrote " +
                         secret.string() + "\n" + "make-certs.sh: wrote " + webhook.string() +
                         "\n");
  const std::string crt = quote((dir / "tls.crt").string());

  SECTION("the chain verifies against the CA") {
    const Run verify =
        run("openssl verify -CAfile " + quote((dir / "ca.crt").string()) + " " + crt + " 2>&1");
    CHECK(verify.status == 0);
    CHECK(verify.out == (dir / "tls.crt").string() + ": OK\n");
  }

  SECTION("SANs, key type, key usage, validity") {
    const Run sans = run("openssl x509 -noout -ext subjectAltName -in " + crt + " 2>&1");
    REQUIRE(sans.status == 0);
    CHECK(sans.out ==
          "X509v3 Subject Alternative Name: \n"
          "    DNS:localhost, DNS:sidecarset-injector, DNS:sidecarset-injector.sidecarset-system, "
          "DNS:sidecarset-injector.sidecarset-system.svc, IP Address:127.0.0.1, "
          "IP Address:0:0:0:0:0:0:0:1\n");
    const Run text = run("openssl x509 -noout -text -in " + crt + " 2>&1");
    CHECK(text.out.find("NIST CURVE: P-256") != std::string::npos);
    CHECK(text.out.find("TLS Web Server Authentication") != std::string::npos);
    CHECK(text.out.find("CA:FALSE") != std::string::npos);
    // About a year: valid in 300 days, expired in 400.
    CHECK(run("openssl x509 -noout -checkend 25920000 -in " + crt).status == 0);
    CHECK(run("openssl x509 -noout -checkend 34560000 -in " + crt).status == 1);
    const Run ca = run("openssl x509 -noout -text -in " + quote((dir / "ca.crt").string()));
    CHECK(ca.out.find("CA:TRUE") != std::string::npos);
    for (const char* key : {"ca.key", "tls.key"}) {
      struct stat st {};
      REQUIRE(::stat((dir / key).c_str(), &st) == 0);
      CHECK((st.st_mode & 0777U) == 0600U);
    }
  }

  SECTION("valid files are reused; --force and broken files make new ones") {
    const auto before = test_support::read_file(dir / "tls.crt");
    const Run again = run(make + " 2>&1");
    CHECK(again.status == 0);
    CHECK(again.out == "make-certs.sh: reusing the valid certificates in " + dir.string() + "\n");
    CHECK(test_support::read_file(dir / "tls.crt") == before);

    CHECK(run(make + " --force 2>&1").status == 0);
    const auto forced = test_support::read_file(dir / "tls.crt");
    CHECK(forced != before);

    write_text(dir / "tls.crt", "not a certificate\n");
    const Run repaired = run(make + " 2>&1");
    CHECK(repaired.out ==
          "make-certs.sh: wrote " + dir.string() + "/ca.crt, ca.key, tls.crt, tls.key\n");
    CHECK(run("openssl verify -CAfile " + quote((dir / "ca.crt").string()) + " " + crt).status ==
          0);
  }

  SECTION("the Secret is the one the Deployment mounts and holds the files") {
    const YAML::Node s = YAML::LoadFile(secret.string());
    const YAML::Node deployment = find(render().objects, "Deployment", kServiceName);
    const YAML::Node volume = volume_at(deployment, "/etc/sidecarset-injector/tls");
    CHECK(s["kind"].as<std::string>() == "Secret");
    CHECK(s["type"].as<std::string>() == "kubernetes.io/tls");
    CHECK(s["metadata"]["name"].as<std::string>() ==
          volume["secret"]["secretName"].as<std::string>());
    CHECK(s["metadata"]["namespace"].as<std::string>() ==
          deployment["metadata"]["namespace"].as<std::string>());
    for (const char* key : {"tls.crt", "tls.key", "ca.crt"}) {
      DYNAMIC_SECTION(key) {
        CHECK(base64_decode(s["data"][key].as<std::string>()) ==
              test_support::read_file(dir / key));
      }
    }
    struct stat st {};
    REQUIRE(::stat(secret.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777U) == 0600U);
  }

  SECTION("the webhook copy is the manifest with caBundle set to the CA") {
    const auto copy = lines_of(test_support::read_file(webhook));
    const auto original =
        lines_of(test_support::read_file(kBase / "mutatingwebhookconfiguration.yaml"));
    REQUIRE(copy.size() == original.size() + 1U);
    CHECK(copy[0] == "# Generated by certs/make-certs.sh: caBundle is " + dir.string() +
                         "/ca.crt (base64 of the PEM).");
    int bundles = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
      if (original[i].find("caBundle:") != std::string::npos) {
        CHECK(original[i] == "      caBundle: \"\"");
        ++bundles;
        continue;
      }
      CHECK(copy[i + 1] == original[i]);
    }
    CHECK(bundles == 1);
    const YAML::Node parsed = YAML::LoadFile(webhook.string());
    const auto bundle = parsed["webhooks"][0]["clientConfig"]["caBundle"].as<std::string>();
    CHECK(base64_decode(bundle) == test_support::read_file(dir / "ca.crt"));
  }
}

TEST_CASE("make-certs.sh --overlay makes a kustomization with the Secret and every caBundle") {
  struct Case {
    std::string what;
    std::string flags;
    fs::path base;
    // Patch file -> target (kind/name) and the number of webhooks it fills.
    std::map<std::string, std::pair<std::string, int>> patches;
    std::size_t objects;
  };
  const std::vector<Case> cases = {
      {"cluster mode",
       "",
       kManifests,
       {{"cabundle-patch.yaml", {"MutatingWebhookConfiguration/sidecarset-injector", 1}},
        {"cabundle-sidecarset-mutatingwebhookconfiguration.yaml",
         {"MutatingWebhookConfiguration/sidecarset-injector-sidecarsets", 2}},
        {"cabundle-sidecarset-validatingwebhookconfiguration.yaml",
         {"ValidatingWebhookConfiguration/sidecarset-injector-sidecarsets", 1}}},
       11U},
      {"files mode",
       " --files",
       kFilesOverlay,
       {{"cabundle-patch.yaml", {"MutatingWebhookConfiguration/sidecarset-injector", 1}}},
       8U},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      const fs::path dir = kBuild / "manifests_test.d" / ("overlay" + c.flags);
      fs::remove_all(dir);
      const Run r = run(quote(kMakeCerts.string()) + " " + quote((dir / "certs").string()) +
                        " --overlay " + quote((dir / "deploy").string()) + c.flags + " 2>&1");
      INFO(r.out);
      REQUIRE(r.status == 0);
      std::string written;
      for (const auto& [file, target] : c.patches) {
        written += ", " + file;
      }
      // Written in the order of the files in manifests/base, which is the map's order here.
      CHECK(r.out.ends_with("make-certs.sh: wrote " + (dir / "deploy" / "secret.yaml").string() +
                            "\nmake-certs.sh: wrote " +
                            (dir / "deploy" / "kustomization.yaml").string() + written + "\n"));
      const YAML::Node k = YAML::LoadFile((dir / "deploy" / "kustomization.yaml").string());
      // Relative, so the overlay keeps working when the checkout moves.
      CHECK(strings(k["bases"]) ==
            std::vector<std::string>{fs::relative(c.base, dir / "deploy").string()});
      CHECK(strings(k["resources"]) == std::vector<std::string>{"secret.yaml"});
      const std::string ca = test_support::read_file(dir / "certs" / "ca.crt");
      REQUIRE(k["patchesJson6902"].size() == c.patches.size());
      for (const auto& entry : k["patchesJson6902"]) {
        const auto file = entry["path"].as<std::string>();
        INFO(file);
        REQUIRE(c.patches.contains(file));
        const auto& [target, webhooks] = c.patches.at(file);
        CHECK(entry["target"]["kind"].as<std::string>() + "/" +
                  entry["target"]["name"].as<std::string>() ==
              target);
        const YAML::Node patch = YAML::LoadFile((dir / "deploy" / file).string());
        REQUIRE(patch.size() == static_cast<std::size_t>(webhooks));
        for (int i = 0; i < webhooks; ++i) {
          const auto index = static_cast<std::size_t>(i);
          CHECK(patch[index]["op"].as<std::string>() == "replace");
          CHECK(patch[index]["path"].as<std::string>() ==
                "/webhooks/" + std::to_string(i) + "/clientConfig/caBundle");
          CHECK(base64_decode(patch[index]["value"].as<std::string>()) == ca);
        }
      }

      INFO("kubectl on PATH: " << on_path("kubectl"));
      if (on_path("kubectl")) {
        const auto objects = render_with_kubectl(dir / "deploy");
        CHECK(objects.size() == c.objects);
        int hooks = 0;
        for (const auto& o : objects) {
          const auto kind = o["kind"].as<std::string>();
          if (kind.ends_with("WebhookConfiguration")) {
            for (const auto& hook : o["webhooks"]) {
              CHECK(base64_decode(hook["clientConfig"]["caBundle"].as<std::string>()) == ca);
              ++hooks;
            }
          }
        }
        int expected_hooks = 0;
        for (const auto& [file, target] : c.patches) {
          expected_hooks += target.second;
        }
        CHECK(hooks == expected_hooks);
        const YAML::Node secret = find(objects, "Secret", "sidecarset-injector-tls");
        CHECK(base64_decode(secret["data"]["tls.crt"].as<std::string>()) ==
              test_support::read_file(dir / "certs" / "tls.crt"));
      }
    }
  }
}

TEST_CASE("make-certs.sh usage errors") {
  const fs::path dir = kBuild / "manifests_test.d" / "errors";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto no_bundle = dir / "no-bundle.yaml";
  write_text(no_bundle, "apiVersion: admissionregistration.k8s.io/v1\n");
  const std::string script = quote(kMakeCerts.string());
  const std::string usage_hint = "run 'make-certs.sh --help' for usage\n";
  struct Case {
    std::string what;
    std::string command;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"no OUTDIR", script, 2, "make-certs.sh: missing OUTDIR\n" + usage_hint},
      {"two OUTDIRs", script + " a b", 2,
       "make-certs.sh: unexpected argument b (OUTDIR is already a)\n" + usage_hint},
      {"unknown option", script + " a --days 3", 2,
       "make-certs.sh: unknown option --days\n" + usage_hint},
      {"--secret without FILE", script + " a --secret", 2,
       "make-certs.sh: option --secret needs a FILE argument\n" + usage_hint},
      {"--webhook with an empty FILE", script + " a --webhook ''", 2,
       "make-certs.sh: option --webhook needs a FILE argument\n" + usage_hint},
      {"--overlay without DIR", script + " a --overlay", 2,
       "make-certs.sh: option --overlay needs a DIR argument\n" + usage_hint},
      {"--files without --overlay", script + " a --files", 2,
       "make-certs.sh: --files needs --overlay DIR\n" + usage_hint},
      {"no openssl", "env PATH=/nonexistent /bin/bash " + script + " a", 1,
       "make-certs.sh: openssl not found on PATH (Debian package openssl)\n"},
      {"template without caBundle",
       "env MAKE_CERTS_WEBHOOK_TEMPLATE=" + quote(no_bundle) + " " + script + " " +
           quote((dir / "out").string()) + " --webhook " + quote((dir / "w.yaml").string()),
       1, "make-certs.sh: no caBundle field in webhook template " + no_bundle.string() + "\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      const Run r = run("cd " + quote(dir.string()) + " && " + c.command + " 2>&1");
      CHECK(r.status == c.status);
      CHECK(r.out == c.message);
      CHECK_FALSE(fs::exists(dir / "a"));
      CHECK_FALSE(fs::exists(dir / "out"));
    }
  }
  const Run help = run(script + " --help");
  CHECK(help.status == 0);
  CHECK(
      help.out.starts_with("usage: make-certs.sh OUTDIR [--secret FILE] [--webhook FILE] "
                           "[--overlay DIR [--files]] [--force]\n"));
}

TEST_CASE("hot-upgrade migrate.sh negotiates from SIDECARSET_VERSION and SIDECARSET_VERSION_ALT") {
  const fs::path dir = kBuild / "manifests_test.d" / "migrate";
  const std::string script = quote((kSource / "examples" / "hot-upgrade" / "migrate.sh").string());
  struct Case {
    std::string what;
    std::string env;
    std::string active_before;  // "" = no file
    int status;
    std::string message;
    std::string active_after;
    std::string takeover_after;
  };
  const std::vector<Case> cases = {
      {"empty container", "SIDECARSET_VERSION=0 SIDECARSET_VERSION_ALT=1", "", 0,
       "migrate.sh: empty container (SIDECARSET_VERSION=0): nothing to migrate\n", "", ""},
      {"not a hot-upgrade sidecar", "", "", 0,
       "migrate.sh: SIDECARSET_VERSION is not set: not a hot-upgrade sidecar, nothing to migrate\n",
       "", ""},
      {"first start after injection", "SIDECARSET_VERSION=1 SIDECARSET_VERSION_ALT=0", "", 0,
       "migrate.sh: first start of version 1: this proxy owns the listeners\n", "1\n", ""},
      {"old version restarted mid-upgrade", "SIDECARSET_VERSION=1 SIDECARSET_VERSION_ALT=4567",
       "4567\n", 0,
       "migrate.sh: version 1 is older than 4567 (restart during an upgrade): staying idle\n",
       "4567\n", ""},
      {"new version, handover already done", "SIDECARSET_VERSION=4567 SIDECARSET_VERSION_ALT=1",
       "4567\n", 0,
       "migrate.sh: version 4567 took over from version 1 before: nothing to migrate\n", "4567\n",
       ""},
      {"new version, old one never hands over",
       "SIDECARSET_VERSION=4567 SIDECARSET_VERSION_ALT=1 HANDOVER_TIMEOUT_SECONDS=0", "1\n", 1,
       "migrate.sh: version 4567 takes over from version 1\n"
       "migrate.sh: version 1 did not hand over within 0s (active: 1); giving up\n",
       "1\n", "4567\n"},
      {"equal versions", "SIDECARSET_VERSION=7 SIDECARSET_VERSION_ALT=7", "", 0,
       "migrate.sh: SIDECARSET_VERSION and SIDECARSET_VERSION_ALT are both 7: no peer to migrate "
       "from\n",
       "", ""},
      {"non-numeric version", "SIDECARSET_VERSION=v2 SIDECARSET_VERSION_ALT=1", "", 1,
       "migrate.sh: SIDECARSET_VERSION=v2 SIDECARSET_VERSION_ALT=1: versions must be decimal "
       "numbers\n",
       "", ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      fs::remove_all(dir);
      fs::create_directories(dir);
      if (!c.active_before.empty()) {
        write_text(dir / "active", c.active_before);
      }
      const Run r = run("env -i PATH=/usr/bin:/bin HANDOVER_DIR=" + quote(dir.string()) + " " +
                        c.env + " sh " + script + " 2>&1");
      CHECK(r.status == c.status);
      CHECK(r.out == c.message);
      CHECK((fs::exists(dir / "active") ? test_support::read_file(dir / "active") : "") ==
            c.active_after);
      CHECK((fs::exists(dir / "takeover") ? test_support::read_file(dir / "takeover") : "") ==
            c.takeover_after);
    }
  }

  SECTION("missing handover directory") {
    fs::remove_all(dir);
    const Run r = run("env -i PATH=/usr/bin:/bin HANDOVER_DIR=" + quote(dir.string()) +
                      " SIDECARSET_VERSION=1 SIDECARSET_VERSION_ALT=0 sh " + script + " 2>&1");
    CHECK(r.status == 1);
    CHECK(r.out == "migrate.sh: handover directory " + dir.string() +
                       " does not exist: mount the shared emptyDir there\n");
  }
}

TEST_CASE("the example SidecarSets validate and inject as their comments say") {
  const std::string bin = quote(INJECTOR_BIN);
  const std::string sidecarsets = quote((kSource / "examples" / "sidecarsets").string());
  const std::string hot =
      quote((kSource / "examples" / "hot-upgrade" / "sidecarset.yaml").string());

  const Run validate = run(bin + " validate " + sidecarsets + " " + hot + " 2>&1");
  INFO(validate.out);
  CHECK(validate.status == 0);

  const fs::path dir = kBuild / "manifests_test.d" / "examples";
  fs::create_directories(dir);
  auto inject_file = [&](const std::string& sources, const fs::path& file) {
    const Run r =
        run(bin + " inject --sidecarsets " + sources + " -f " + quote(file.string()) + " -o json");
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  auto inject = [&](const std::string& sources, const nlohmann::json& pod) {
    const fs::path file = dir / ("pod-" + std::to_string(::getpid()) + ".json");
    write_text(file, pod.dump());
    auto out = inject_file(sources, file);
    fs::remove(file);
    return out;
  };
  auto names = [](const nlohmann::json& pod) {
    std::vector<std::string> out;
    for (const auto& c : pod["spec"]["containers"]) {
      out.push_back(c["name"].get<std::string>());
    }
    return out;
  };
  auto pod_in = [](const std::string& ns, const nlohmann::json& labels) {
    return nlohmann::json{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", "example"}, {"namespace", ns}, {"labels", labels}}},
        {"spec",
         {{"containers",
           {{{"name", "app"},
             {"image", "registry.example.com/shop/web:3.1.0"},
             {"env", {{{"name", "LOG_LEVEL"}, {"value", "debug"}}}}}}}}}};
  };

  struct Case {
    std::string what;
    std::string ns;
    nlohmann::json labels;
    std::vector<std::string> containers;
  };
  const std::vector<Case> cases = {
      {"web pod in a mesh namespace",
       "shop",
       {{"app", "web"}},
       {"proxy-1", "proxy-2", "app", "log-agent"}},
      {"web pod outside mesh namespaces", "default", {{"app", "web"}}, {"app", "log-agent"}},
      {"web pod opted out of the mesh",
       "shop",
       {{"app", "web"}, {"mesh.example.com/inject", "false"}},
       {"app", "log-agent"}},
      {"other app in a mesh namespace", "shop", {{"app", "api"}}, {"proxy-1", "proxy-2", "app"}},
      {"pod without an app label", "shop", {{"tier", "batch"}}, {"app"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      const auto out = inject(sidecarsets, pod_in(c.ns, c.labels));
      CHECK(names(out) == c.containers);
    }
  }

  SECTION("a web pod in a mesh namespace gets both SidecarSets' metadata and the app's LOG_LEVEL") {
    const auto out = inject(sidecarsets, pod_in("shop", {{"app", "web"}}));
    const auto& annotations = out["metadata"]["annotations"];
    CHECK(annotations["kruise.io/sidecarset-injected-list"] == "log-agent,mesh-proxy");
    CHECK(annotations["mesh.example.com/proxy"] == "injected");
    CHECK(annotations["kruise.io/sidecarset-working-hotupgrade-container"] ==
          R"({"proxy":"proxy-1"})");
    const auto& agent = out["spec"]["containers"][3];
    CHECK(agent["env"].back() == nlohmann::json{{"name", "LOG_LEVEL"}, {"value", "debug"}});
    std::vector<std::string> volumes;
    for (const auto& v : out["spec"]["volumes"]) {
      volumes.push_back(v["name"].get<std::string>());
    }
    // SidecarSets are processed in name order: log-agent, then mesh-proxy.
    CHECK(volumes == std::vector<std::string>{"app-logs", "log-agent-buffer", "mesh-hot-upgrade"});
  }

  SECTION("the hot-upgrade example injects the envoy pair") {
    const auto out = inject_file(hot, kSource / "examples" / "hot-upgrade" / "pod.yaml");
    CHECK(names(out) == std::vector<std::string>{"envoy-1", "envoy-2", "app"});
    CHECK(out["spec"]["containers"][1]["image"] ==
          "registry.example.com/mesh/envoy-hot-empty:1.0.0");
    CHECK(out["metadata"]["annotations"]["version.sidecarset.kruise.io/envoy-2"] == "0");
  }
}
