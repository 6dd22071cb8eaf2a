// The real `sidecarset-injector` binary: help, usage errors, inject, review, validate, serve.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "cli/yaml_out.hpp"
#include "injector/json.hpp"
#include "injector/model/load.hpp"
#include "run_binary.hpp"

namespace fs = std::filesystem;
using injector::Json;
using namespace cli_test;

namespace {

Json parse_pod_file(const std::string& path) {
  auto docs = injector::parse_documents(slurp(path), path);
  REQUIRE(docs.has_value());
  REQUIRE(docs->size() == 1);
  return docs->front().object;
}

std::vector<std::string> container_names(const Json& pod) {
  std::vector<std::string> names;
  for (const Json& c : pod["spec"]["containers"]) {
    names.push_back(c["name"].get<std::string>());
  }
  return names;
}

std::string base64_decode(std::string_view text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') {
      break;
    }
    auto at = kAlphabet.find(c);
    if (at == std::string::npos) {
      return {};  // not base64: the JSON parse of the result fails the test
    }
    bits = (bits << 6) | static_cast<unsigned>(at);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFFu);
    }
  }
  return out;
}

// What OpenKruise's admission says about fixtures/cli/invalid/sidecarsets.yaml.
const std::string kInvalidProblems =
    kCli +
    "/invalid/sidecarsets.yaml: document 1: sidecarset \"match-all\": spec.selector: "
    "Invalid value: {}: empty selector is not valid for sidecarset.\n" +
    kCli +
    "/invalid/sidecarsets.yaml: document 2: sidecarset \"no-image\": "
    "spec.containers[0].image: Required value\n";

// The pod without its time-stamped hash annotation, for comparing two runs.
// Both hash annotations carry an updateTimestamp taken from the clock, which may tick between
// two runs.
Json without_timestamps(Json pod) {
  pod["metadata"]["annotations"].erase("kruise.io/sidecarset-hash");
  pod["metadata"]["annotations"].erase("kruise.io/sidecarset-hash-without-image");
  return pod;
}

}  // namespace

// ---- help and usage ----

TEST_CASE("--help and --version") {
  Run help = run({"--help"});
  CHECK(help.status == 0);
  CHECK(help.err.empty());
  CHECK(help.out.starts_with(
      "sidecarset-injector - OpenKruise SidecarSet injection as a Kubernetes admission webhook\n"
      "\nUsage:\n  sidecarset-injector <command> [options]\n"));
  for (std::string_view command : {"\n  serve ", "\n  review ", "\n  inject ", "\n  validate "}) {
    CHECK(help.out.find(command) != std::string::npos);
  }
  CHECK(run({"-h"}).out == help.out);
  CHECK(run({"help"}).out == help.out);

  Run version = run({"--version"});
  CHECK(version.status == 0);
  CHECK(version.out == "sidecarset-injector " + kVersion + "\n");

  Run bare = run({});
  CHECK(bare.status == 2);
  CHECK(bare.out.empty());
  CHECK(bare.err == help.out);
}

TEST_CASE("every command has its own help") {
  struct Case {
    std::string command;
    std::string usage_line;
    std::vector<std::string> options;
  };
  std::vector<Case> cases = {
      {"serve",
       "sidecarset-injector serve [--sidecarsets PATH... | --kubeconfig FILE] --tls-cert FILE "
       "--tls-key FILE [options]",
       {"--sidecarsets", "--kubeconfig", "--revision-namespace", "--kube-insecure-skip-tls-verify",
        "--tls-cert", "--tls-key", "--client-ca", "--listen", "--metrics-listen", "--threads",
        "--max-connections", "--max-buffered-bytes", "--shutdown-delay", "--shutdown-timeout",
        "--reload-interval", "--log-format", "--log-level", "-h, --help"}},
      {"review",
       "sidecarset-injector review --sidecarsets PATH... [-f FILE|-] [--seed N] [--now TIME]",
       {"--sidecarsets", "-f, --file", "--seed", "--now", "-R, --recursive", "--strict",
        "-h, --help"}},
      {"inject",
       "sidecarset-injector inject --sidecarsets PATH... -f FILE|DIR|- [-R] [-n NS] [-o json|yaml]",
       {"--sidecarsets", "-f, --file", "-R, --recursive", "-n, --namespace", "-o, --output",
        "--seed", "--now", "--strict", "-h, --help"}},
      {"validate",
       "sidecarset-injector validate [--strict] [-o text|json] [-R] PATH... | -f PATH...",
       {"-f, --file", "-R, --recursive", "--strict", "-o, --output", "-h, --help"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.command) {
      Run r = run({c.command, "--help"});
      CHECK(r.status == 0);
      CHECK(r.err.empty());
      CHECK(r.out.starts_with("Usage:\n  " + c.usage_line + "\n\n"));
      CHECK(r.out.find("\nOptions:\n") != std::string::npos);
      CHECK(r.out.find("\nExample:\n  sidecarset-injector " + c.command + " ") !=
            std::string::npos);
      for (const std::string& option : c.options) {
        CHECK(r.out.find("\n  " + option) != std::string::npos);
      }
      CHECK(run({c.command, "-h"}).out == r.out);
      CHECK(run({"help", c.command}).out == r.out);
      // --help wins over anything else on the line, even missing required options.
      std::vector<std::string> extra = c.command == "validate"
                                           ? std::vector<std::string>{"x"}
                                           : std::vector<std::string>{"--sidecarsets", "x"};
      extra.insert(extra.begin(), {c.command, "--help"});
      CHECK(run(extra).out == r.out);
    }
  }
}

TEST_CASE("usage errors exit 2 with a clear message") {
  const std::string dir = kCli + "/sidecarsets";
  const std::string pod = kCli + "/pod.yaml";
  struct Case {
    std::vector<std::string> args;
    std::string command;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"frobnicate"}, "", "unknown command 'frobnicate'"},
      {{"--frob"}, "", "unknown option '--frob' (a command comes first)"},
      {{"help", "frobnicate"}, "", "unknown command 'frobnicate'"},
      {{"inject", "-f", pod}, "inject", "--sidecarsets is required"},
      {{"inject", "--sidecarsets", dir}, "inject", "-f/--file is required (use '-' for stdin)"},
      {{"inject", "--sidecarsets", dir, "-f", pod, "-o", "xml"},
       "inject",
       "--output \"xml\" is not supported (json or yaml)"},
      {{"inject", "--sidecarsets", dir, "-f", pod, "--bogus"},
       "inject",
       "unknown option '--bogus'"},
      {{"inject", "--sidecarsets", dir, "-f", pod, "-x"}, "inject", "unknown option '-x'"},
      {{"inject", "--sidecarsets", dir, "-f", pod, "extra"},
       "inject",
       "unexpected argument 'extra'"},
      {{"inject", "--sidecarsets", dir, "-f", pod, "--seed", "x1"},
       "inject",
       "--seed \"x1\" is not a non-negative integer"},
      {{"inject", "--sidecarsets", dir, "-f"}, "inject", "option 'f' is missing an argument"},
      {{"review", "-f", "-"}, "review", "--sidecarsets is required"},
      {{"review", "--sidecarsets", dir, "-f", "-", "stray"},
       "review",
       "unexpected argument 'stray'"},
      {{"review", "--sidecarsets", dir, "--seed", "-1"},
       "review",
       "--seed \"-1\" is not a non-negative integer"},
      {{"validate"}, "validate", "at least one PATH is required"},
      {{"validate", dir, "--strikt"}, "validate", "unknown option '--strikt'"},
      {{"validate", dir, "-o", "yaml"},
       "validate",
       "--output \"yaml\" is not supported (text or json)"},
      {{"serve", "--tls-cert", "c", "--tls-key", "k"},
       "serve",
       "--sidecarsets PATH or --kubeconfig FILE is required outside a pod "
       "(KUBERNETES_SERVICE_HOST is not set)"},
      {{"serve", "--sidecarsets", dir, "--kubeconfig", "kc", "--tls-cert", "c", "--tls-key", "k"},
       "serve",
       "--sidecarsets and --kubeconfig are exclusive: files or the cluster, not both"},
      {{"serve", "--sidecarsets", dir, "--revision-namespace", "x", "--tls-cert", "c", "--tls-key",
        "k"},
       "serve",
       "--revision-namespace and --kube-insecure-skip-tls-verify are for cluster mode, not with "
       "--sidecarsets"},
      {{"serve", "--kubeconfig", "/nonexistent/kubeconfig", "--tls-cert", "c", "--tls-key", "k"},
       "serve",
       "cannot read kubeconfig \"/nonexistent/kubeconfig\": No such file or directory"},
      {{"serve", "--kubeconfig", kCli + "/pod.yaml", "--tls-cert", "c", "--tls-key", "k"},
       "serve",
       "kubeconfig \"" + kCli + "/pod.yaml\": current-context is not set"},
      {{"serve", "--kubeconfig", "kc", "--revision-namespace", "", "--tls-cert", "c", "--tls-key",
        "k"},
       "serve",
       "--revision-namespace must not be empty"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c"},
       "serve",
       "--tls-cert and --tls-key are required"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--client-ca", ""},
       "serve",
       "--client-ca must not be empty"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--threads", "many"},
       "serve",
       "--threads \"many\" is not a non-negative integer"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--threads", "5000"},
       "serve",
       "--threads 5000 is above 1024"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--max-connections",
        "0"},
       "serve",
       "--max-connections must be at least 1"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--max-buffered-bytes",
        "1000"},
       "serve",
       "--max-buffered-bytes 1000 is below the request body limit of 8388608 bytes (0 turns the "
       "cap off)"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--shutdown-delay",
        "30"},
       "serve",
       "--shutdown-timeout 25 must be more than --shutdown-delay 30"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--reload-interval",
        "2s"},
       "serve",
       "--reload-interval \"2s\" is not a non-negative integer"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--log-format", "xml"},
       "serve",
       "unknown log format \"xml\" (want text or json)"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--metrics-listen",
        "8080"},
       "serve",
       "--metrics-listen: listen address \"8080\": want host:port"},
      {{"serve", "--sidecarsets", dir, "--tls-cert", "c", "--tls-key", "k", "--listen", "8443"},
       "serve",
       "listen address \"8443\": want host:port"},
  };
  for (const auto& c : cases) {
    std::string name;
    for (const auto& a : c.args) {
      name += a + " ";
    }
    DYNAMIC_SECTION(name) {
      Run r = run(c.args);
      CHECK(r.status == 2);
      CHECK(r.out.empty());
      CHECK(r.err == usage(c.command, c.message));
    }
  }
}

TEST_CASE("serve rejects an unknown --log-level") {
  Run r = run({"serve", "--sidecarsets", kCli + "/sidecarsets", "--tls-cert", "c", "--tls-key", "k",
               "--log-level", "loud"});
  CHECK(r.status == 2);
  CHECK(r.err.starts_with("sidecarset-injector serve: unknown log level \"loud\""));
  CHECK(r.err.ends_with("\nRun 'sidecarset-injector serve --help' for usage.\n"));
}

// ---- inject ----

TEST_CASE("inject prints the mutated pod as JSON") {
  Run r = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod.yaml"});
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  Json pod = Json::parse(r.out);
  CHECK(r.out == pod.dump(2) + "\n");  // pretty-printed, 2-space indent
  CHECK(container_names(pod) == std::vector<std::string>{"nginx", "log-agent"});
  CHECK(pod["spec"]["volumes"] == Json::parse(R"([{"name": "varlog", "emptyDir": {}}])"));
  CHECK(pod["metadata"]["annotations"]["kruise.io/sidecarset-injected-list"] == "log-agent");
  // Fields the engine does not touch pass through in their order and form.
  Json input = parse_pod_file(kCli + "/pod.yaml");
  CHECK(pod["spec"]["containers"][0] == input["spec"]["containers"][0]);
  CHECK(pod["spec"]["tolerations"] == Json::array());
  CHECK(pod["metadata"]["labels"] == input["metadata"]["labels"]);
}

TEST_CASE("inject: namespaces decide namespaceSelector matches") {
  SECTION("the pod's own namespace") {
    Run r = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod-prod.json"});
    REQUIRE(r.status == 0);
    CHECK(container_names(Json::parse(r.out)) ==
          std::vector<std::string>{"mesh-proxy", "nginx", "log-agent"});
  }
  SECTION("--namespace for a pod without one, read from stdin") {
    Json pod = Json::parse(slurp(kCli + "/pod-prod.json"));
    pod["metadata"].erase("namespace");
    Run r =
        run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", "-", "--namespace", "prod"},
            pod.dump());
    REQUIRE(r.status == 0);
    CHECK(container_names(Json::parse(r.out)) ==
          std::vector<std::string>{"mesh-proxy", "nginx", "log-agent"});
  }
  SECTION("a pod without a namespace is in default") {
    Json pod = Json::parse(slurp(kCli + "/pod-prod.json"));
    pod["metadata"].erase("namespace");
    Run r = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", "-"}, pod.dump());
    REQUIRE(r.status == 0);
    CHECK(container_names(Json::parse(r.out)) == std::vector<std::string>{"nginx", "log-agent"});
  }
}

TEST_CASE("inject prints an unmatched pod unchanged") {
  Run r =
      run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod-unmatched.yaml"});
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(Json::parse(r.out) == parse_pod_file(kCli + "/pod-unmatched.yaml"));
}

TEST_CASE("inject -o yaml re-parses to the same pod as -o json") {
  std::vector<std::string> args = {
      "inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod.yaml", "--seed", "7"};
  Run json = run(args);
  args.insert(args.end(), {"-o", "yaml"});
  Run yaml = run(args);
  REQUIRE(json.status == 0);
  REQUIRE(yaml.status == 0);
  CHECK(yaml.err.empty());
  auto docs = injector::parse_documents(yaml.out, "stdout");
  REQUIRE(docs.has_value());
  REQUIRE(docs->size() == 1);
  Json from_yaml = docs->front().object;
  CHECK(without_timestamps(from_yaml) == without_timestamps(Json::parse(json.out)));
  CHECK(from_yaml["metadata"]["annotations"]["kruise.io/sidecarset-hash"].is_string());
  // The multi-line script stays readable as a literal block.
  CHECK(yaml.out.find("    - |\n      echo starting\n        indented line\n") !=
        std::string::npos);
}

TEST_CASE("inject exits 1 when the webhook would deny the pod") {
  Run r =
      run({"inject", "--sidecarsets", kCli + "/deny/sidecarsets.yaml", "-f", kCli + "/pod.yaml"});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.starts_with("denied: "));
  CHECK(r.err.find("\"badOp\"") != std::string::npos);
  CHECK(r.err.find("canary-gate") != std::string::npos);
}

TEST_CASE("inject exits 2 on invalid SidecarSets, naming file, object and field") {
  Run r = run(
      {"inject", "--sidecarsets", kCli + "/invalid/sidecarsets.yaml", "-f", kCli + "/pod.yaml"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == kInvalidProblems);
}

TEST_CASE("inject exits 2 on input it cannot use") {
  std::string dir = scratch("bad-pods");
  write(dir + "/two.yaml", "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n");
  write(dir + "/scalar.yaml", "hello\n");
  write(dir + "/empty.yaml", "# nothing\n");
  struct Case {
    std::string name;
    std::string file;
    std::string err;
  };
  std::vector<Case> cases = {
      {"missing", dir + "/missing.yaml",
       dir + "/missing.yaml: cannot read: no such file or directory\n"},
      {"no document", dir + "/empty.yaml", "no object in " + dir + "/empty.yaml\n"},
      {"not an object", dir + "/scalar.yaml",
       dir + "/scalar.yaml: document 1: expected a Kubernetes object, found string\n"},
      // A directory is read, not aborted on; here it holds pods and a document that is not.
      {"a directory", dir,
       dir + "/scalar.yaml: document 1: expected a Kubernetes object, found string\n"},
  };
  SECTION("syntax error on stdin") {
    Run r = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", "-"}, "{\"kind\": ");
    CHECK(r.status == 2);
    CHECK(r.err.starts_with("<stdin>: "));
  }
}

// ---- review ----

TEST_CASE("review answers every fixture request as the server would") {
  const std::string examples = kSrc + "/examples/sidecarsets";
  for (const auto& entry : fs::directory_iterator(kSrc + "/fixtures/reviews")) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    DYNAMIC_SECTION(entry.path().filename().string()) {
      Json request = Json::parse(slurp(entry.path().string()));
      Run from_file =
          run({"review", "--sidecarsets", examples, "-f", entry.path().string(), "--seed", "1"});
      Run from_stdin = run({"review", "--sidecarsets", examples}, slurp(entry.path().string()));
      REQUIRE(from_file.status == 0);
      REQUIRE(from_stdin.status == 0);
      CHECK(from_file.err.empty());
      Json response = Json::parse(from_file.out);
      CHECK(from_file.out == response.dump());  // compact, exactly the bytes the server sends
      CHECK(response["apiVersion"] == request["apiVersion"]);
      CHECK(response["kind"] == "AdmissionReview");
      CHECK(response["response"]["uid"] == request["request"]["uid"]);
      CHECK(response["response"]["allowed"] == true);
      Json again = Json::parse(from_stdin.out);
      CHECK(again["response"]["uid"] == response["response"]["uid"]);
      CHECK(again["response"].contains("patch") == response["response"].contains("patch"));

      const Json& req = request["request"];
      if (req["operation"] == "CREATE" && !req.contains("subResource")) {
        // The server path and `inject` agree: the review's patch, applied with nlohmann's own
        // JSON Patch, gives the pod `inject` prints.
        REQUIRE(response["response"].value("patchType", "") == "JSONPatch");
        Json patch = Json::parse(base64_decode(response["response"]["patch"].get<std::string>()));
        Json patched = req["object"].patch(patch);
        Run injected = run({"inject", "--sidecarsets", examples, "-f", "-", "--namespace",
                            req["namespace"].get<std::string>()},
                           req["object"].dump());
        REQUIRE(injected.status == 0);
        CHECK(without_timestamps(patched) == without_timestamps(Json::parse(injected.out)));
      } else {
        CHECK_FALSE(response["response"].contains("patch"));
      }
    }
  }
}

TEST_CASE("review and inject print the response's warnings on stderr") {
  const std::string dir = scratch("warnings");
  write(dir + "/paused.yaml", R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: paused
spec:
  selector:
    matchLabels:
      app: web
  injectionStrategy:
    paused: true
  containers:
  - name: agent
    image: agent:1.0
)");
  const std::string request = slurp(kSrc + "/fixtures/reviews/create-v1.json");
  const std::string expected =
      "warning: sidecarset \"paused\": injection is paused (spec.injectionStrategy.paused); not "
      "injected\n";
  Run reviewed = run({"review", "--sidecarsets", dir + "/paused.yaml"}, request);
  CHECK(reviewed.status == 0);
  CHECK(reviewed.err == expected);
  CHECK(Json::parse(reviewed.out)["response"]["warnings"] ==
        Json::array({expected.substr(9, expected.size() - 10)}));
  Run injected = run({"inject", "--sidecarsets", dir + "/paused.yaml", "-f", "-"},
                     Json::parse(request)["request"]["object"].dump());
  CHECK(injected.status == 0);
  // inject names the document the warning is about: "warning: <where>: <warning>".
  CHECK_THAT(injected.err,
             Catch::StartsWith("warning: ") && Catch::EndsWith(": " + expected.substr(9)));
}

TEST_CASE("review: broken requests") {
  const std::string dir = kCli + "/sidecarsets";
  SECTION("a request with a uid gets a review even when it is wrong") {
    Run r = run({"review", "--sidecarsets", dir},
                R"({"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview",
                    "request": {"uid": "u-1"}})");
    CHECK(r.status == 3);  // an error answer
    Json response = Json::parse(r.out);
    CHECK(response["response"]["uid"] == "u-1");
    CHECK(response["response"]["allowed"] == false);
  }
  SECTION("a body that is not JSON still gets a review") {
    Run r = run({"review", "--sidecarsets", dir}, "not json");
    CHECK(r.status == 3);
    CHECK(r.err.empty());
    CHECK(r.out ==
          R"x({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"",)x"
          R"x("allowed":false,"status":{"code":400,"message":"request body is not valid JSON )x"
          R"x((syntax error at byte 2)"}}})x");
  }
  SECTION("a body over the server's limit gets its 413 review") {
    Run r = run({"review", "--sidecarsets", dir}, std::string((8u << 20) + 1, ' '));
    CHECK(r.status == 3);
    CHECK(r.out ==
          R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"",)"
          R"("allowed":false,"status":{"code":413,"message":"request body is larger than the )"
          R"(server's limit"}}})");
  }
  SECTION("a missing request file") {
    Run r = run({"review", "--sidecarsets", dir, "-f", kCli + "/none.json"});
    CHECK(r.status == 2);
    CHECK(r.err == kCli + "/none.json: cannot read: no such file or directory\n");
  }
  SECTION("invalid SidecarSets") {
    Run r = run({"review", "--sidecarsets", kCli + "/invalid/sidecarsets.yaml"}, "{}");
    CHECK(r.status == 2);
    CHECK(r.err.find("sidecarset \"match-all\"") != std::string::npos);
  }
}

// ---- validate ----

TEST_CASE("validate summarises valid sources") {
  Run r = run({"validate", kCli + "/sidecarsets"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "2 SidecarSets, 1 Namespace, 0 ControllerRevisions from 2 files: ok\n");

  Run two = run({"validate", kCli + "/sidecarsets/10-log-agent.yaml", kCli + "/deny"});
  CHECK(two.status == 0);
  CHECK(two.out == "2 SidecarSets, 0 Namespaces, 1 ControllerRevision from 2 files: ok\n");

  // The example of `validate --help` works as written.
  Run example = run({"validate", kSrc + "/examples/sidecarsets/",
                     kSrc + "/examples/hot-upgrade/sidecarset.yaml"});
  CHECK(example.status == 0);
  CHECK(example.out.ends_with(" files: ok\n"));
}

TEST_CASE("validate reports every problem, one per line") {
  Run r = run({"validate", kCli + "/invalid", kCli + "/missing.yaml"});
  CHECK(r.status == 2);
  // A missing PATH stops before reading anything.
  CHECK(r.out == kCli + "/missing.yaml: no such file or directory\n");
  CHECK(r.err == "sidecarset-injector validate: 1 problem\n");

  // An empty directory is a warning, not a problem.
  std::string empty = scratch("validate-empty");
  Run none = run({"validate", empty, kCli + "/sidecarsets"});
  CHECK(none.status == 0);
  CHECK(none.out == "warning: " + empty +
                        ": no .yaml, .yml or .json files\n"
                        "2 SidecarSets, 1 Namespace, 0 ControllerRevisions from 2 files: ok\n");
  CHECK(none.err.empty());

  Run all = run({"validate", kCli + "/invalid"});
  CHECK(all.status == 2);
  CHECK(all.out ==
        kCli + "/invalid/syntax.yaml: document 1: line 6: did not find expected ',' or ']'\n" +
            kInvalidProblems);
  CHECK(all.err == "sidecarset-injector validate: 3 problems\n");
}

// ---- yaml output ----

TEST_CASE("to_yaml round-trips awkward documents") {
  Json doc = Json::parse(R"({
    "plain": "nginx:1.25",
    "bools": ["true", "False", "yes", "NO", "on", "off", "y", "n", "null", "~", "="],
    "numbers": ["1", "1.0", "0x1f", "1e3", "-1", ".5", "+1", "1_000", "12:30", "2026-11-22"],
    "typed": [1, -2, 1.5, true, false, null, 1e300],
    "spaces": [" lead", "trail ", "in side", "a: b", "a #b", "a:b", "x:"],
    "indicators": ["-", "- x", "?", ":", "[x]", "{x}", "*a", "&a", "!t", "|", ">", "'q'", "\"q\"",
                   "%d", "@at", "`b`", "#c", ",", "a,b"],
    "empty": ["", {}, []],
    "control": "tab\there\u0001\u007f\u0085\u2028",
    "unicode": "h\u00e9llo \u4e16\u754c \ud83d\ude00",
    "multi": ["line1\nline2", "line1\nline2\n", "line1\n\n", "  indented\nx", "\nleading",
              "trailing spaces  \nx", "a\r\nb", "x\n  y\n\tz\n", "a\n  \n", "a\n\n  b",
              "x\n\n", "#!/bin/sh\n# comment\n- item\n---\n...\nkey: value\n", "\u00e9\n\u00e8"],
    "nested": [[1, [2, []]], [{"a": {"b": [{"c": null}]}}], {"k": [{}]}],
    "keys": {"kruise.io/hash": 1, "a b": 2, "true": 3, "1": 4, "": 5, "x: y": 6, "-k": 7}
  })");
  std::string yaml = injector::to_yaml(doc);
  auto parsed = injector::parse_documents(yaml, "out.yaml");
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->size() == 1);
  CHECK(parsed->front().object == doc);
  CHECK(yaml.ends_with("\n"));
}

TEST_CASE("to_yaml writes the block style kubectl prints") {
  Json doc = Json::parse(R"({"metadata": {"name": "web", "labels": {"app": "web", "v": "1.0"}},
    "spec": {"containers": [{"name": "a", "args": ["-c", "x"], "env": []}], "tolerations": {}}})");
  CHECK(injector::to_yaml(doc) ==
        "metadata:\n"
        "  name: web\n"
        "  labels:\n"
        "    app: web\n"
        "    v: \"1.0\"\n"
        "spec:\n"
        "  containers:\n"
        "  - name: a\n"
        "    args:\n"
        "    - \"-c\"\n"
        "    - x\n"
        "    env: []\n"
        "  tolerations: {}\n");
  CHECK(injector::to_yaml(Json::parse(R"("a\nb")")) == "|-\n  a\n  b\n");
  CHECK(injector::to_yaml(Json::array()) == "[]\n");
}

// ---- serve ----

namespace {

// A self-signed serving certificate for 127.0.0.1, made once with the openssl CLI.
std::string make_certs() {
  static const std::string dir = [] {
    std::string d = scratch("certs-" + std::to_string(getpid()));
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
        d + "/tls.key -out " + d + "/tls.crt 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return d;
  }();
  return dir;
}

// A `serve` process whose stderr (the log) is read line by line as it comes.
struct ServeProcess {
  pid_t pid = 0;
  FILE* log = nullptr;

  explicit ServeProcess(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> store;
    std::vector<char*> argv = argv_of(args, store);
    REQUIRE(posix_spawn(&pid, kBin.c_str(), &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    log = fdopen(fds[0], "r");
  }
  ~ServeProcess() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (log != nullptr) {
      fclose(log);
    }
  }

  // Blocks until a JSON log line with `msg` arrives (or the log ends: an empty object).
  Json wait_for(std::string_view msg) {
    char* line = nullptr;
    size_t cap = 0;
    Json found = Json::object();
    while (getline(&line, &cap, log) > 0) {
      Json j = Json::parse(line, nullptr, false);
      if (j.is_object() && j.value("msg", "") == msg) {
        found = j;
        break;
      }
    }
    free(line);
    return found;
  }

  int terminate() {
    kill(pid, SIGTERM);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    pid = 0;
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
};

}  // namespace

TEST_CASE("serve: startup failures exit 2 with one clear line") {
  std::string certs = make_certs();
  SECTION("invalid SidecarSets") {
    Run r = run({"serve", "--sidecarsets", kCli + "/invalid/sidecarsets.yaml", "--tls-cert",
                 certs + "/tls.crt", "--tls-key", certs + "/tls.key", "--listen", "127.0.0.1:0"});
    CHECK(r.status == 2);
    CHECK(r.err.find("match-all") != std::string::npos);
    CHECK(r.err.find("cannot start: invalid SidecarSets") != std::string::npos);
  }
  SECTION("missing certificate") {
    Run r = run({"serve", "--sidecarsets", kCli + "/sidecarsets", "--tls-cert", certs + "/none.crt",
                 "--tls-key", certs + "/tls.key", "--listen", "127.0.0.1:0"});
    CHECK(r.status == 2);
    CHECK(r.err.find("cannot start: cannot read") != std::string::npos);
    CHECK(r.err.find(certs + "/none.crt") != std::string::npos);
  }
}

TEST_CASE("serve: answers, reloads on change and exits 0 on SIGTERM") {
  std::string certs = make_certs();
  std::string dir = scratch("serve-sources");
  fs::copy_file(kCli + "/sidecarsets/10-log-agent.yaml", dir + "/10-log-agent.yaml");
  ServeProcess serve({"serve", "--metrics-listen", "127.0.0.1:0", "--sidecarsets", dir,
                      "--tls-cert", certs + "/tls.crt", "--tls-key", certs + "/tls.key", "--listen",
                      "127.0.0.1:0", "--threads", "1", "--log-format", "json", "--reload-interval",
                      "1"});
  Json loaded = serve.wait_for("sidecarsets loaded");
  CHECK(loaded.value("generation", "") == "1");
  CHECK(loaded.value("sidecarsets", "") == "1");
  Json listening = serve.wait_for("listening");
  REQUIRE(listening.contains("port"));
  int port = std::stoi(listening["port"].get<std::string>());

  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path((certs + "/tls.crt").c_str());
  client.enable_server_certificate_verification(true);
  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(ready->body.find("generation=1") != std::string::npos);

  // A new file in the directory: the poll sees it and swaps in generation 2.
  std::ofstream(dir + "/.tmp", std::ios::binary) << slurp(kCli + "/sidecarsets/20-mesh.yaml");
  fs::rename(dir + "/.tmp", dir + "/20-mesh.yaml");
  Json reloaded = serve.wait_for("sidecarsets reloaded");
  CHECK(reloaded.value("generation", "") == "2");
  CHECK(reloaded.value("sidecarsets", "") == "2");
  CHECK(reloaded.value("namespaces", "") == "1");
  auto ready2 = client.Get("/readyz");
  REQUIRE(ready2);
  CHECK(ready2->body.find("generation=2") != std::string::npos);

  // An invalid change is rejected; generation 2 keeps serving.
  std::ofstream(dir + "/.tmp", std::ios::binary) << "kind: SidecarSet\nmetadata: [\n";
  fs::rename(dir + "/.tmp", dir + "/30-broken.yaml");
  Json rejected = serve.wait_for("sidecarsets reload rejected, keeping the last good ones");
  CHECK(rejected.value("generation", "") == "2");
  auto ready3 = client.Get("/readyz");
  REQUIRE(ready3);
  CHECK(ready3->body.find("generation=2") != std::string::npos);

  client.stop();
  CHECK(serve.terminate() == 0);
}
