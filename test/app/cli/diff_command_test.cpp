// `sidecarset-injector diff` through the real binary: nothing on what `inject -o yaml` printed
// (every workload kind), exactly the injected lines on the original (the hunks applied to the
// original give inject's output, with no line removed), one diff per changed object of a
// multi-document stream and its Lists, kubectl diff's exit codes, and every error path with its
// whole message.

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../support/files.hpp"
#include "run_binary.hpp"

namespace fs = std::filesystem;
using namespace cli_test;

namespace {

const std::string kDir = kSrc + "/fixtures/workloads";
const std::string kSidecarSets = kDir + "/sidecarsets.yaml";
const std::string kNow = "--now=2024-01-02T03:04:05Z";

using test_support::lines_of;

std::vector<std::string> starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.starts_with(prefix)) {
      found.push_back(line);
    }
  }
  return found;
}

// Applies the hunks of one file's unified diff to `from`; fails the test on a context or removed
// line that does not match.
std::string apply_hunks(const std::string& from, const std::string& diff) {
  const std::vector<std::string> source = lines_of(from);
  std::vector<std::string> result;
  std::size_t next = 0;  // next source line not yet copied
  for (const std::string& line : lines_of(diff)) {
    if (line.starts_with("@@ -")) {
      const std::size_t start = std::stoul(line.substr(4));  // 1-based; 0 for an empty range
      const std::size_t at = start == 0 ? 0 : start - 1;
      // A range of zero lines names the line before the insertion.
      const bool empty =
          line.find(",0 ") != std::string::npos && line.find(",0 ") < line.find(" +");
      const std::size_t upto = empty ? start : at;
      while (next < upto) {
        result.push_back(source.at(next++));
      }
    } else if (line.starts_with("+++") || line.starts_with("---") || line.starts_with("diff ")) {
      continue;
    } else if (line.starts_with("+")) {
      result.push_back(line.substr(1));
    } else if (line.starts_with("-")) {
      REQUIRE(source.at(next) == line.substr(1));
      ++next;
    } else if (line.starts_with(" ")) {
      REQUIRE(source.at(next) == line.substr(1));
      result.push_back(source.at(next++));
    }
  }
  while (next < source.size()) {
    result.push_back(source.at(next++));
  }
  std::string text;
  for (const std::string& line : result) {
    text += line + '\n';
  }
  return text;
}

// A Deployment written as the YAML writer prints it, so the file is its own "original" side.
constexpr std::string_view kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels:
    team: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: registry.example.com/web:1.4
        ports:
        - containerPort: 8080
      - name: metrics
        image: registry.example.com/metrics:0.3
      restartPolicy: Always
      terminationGracePeriodSeconds: 30
)";

}  // namespace

TEST_CASE("diff on the original shows the injected lines and nothing else") {
  const std::string dir = scratch("diff-original");
  write(dir + "/web.yaml", kDeployment);
  // The writer prints the file as it is (with a SidecarSet that selects nothing).
  write(dir + "/none.yaml", R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: none
spec:
  selector:
    matchLabels:
      app: none
  containers:
  - name: none
    image: none:1
)");
  Run same = run(
      {"inject", "--sidecarsets", dir + "/none.yaml", "-f", dir + "/web.yaml", "-o", "yaml", kNow});
  REQUIRE(same.status == 0);
  REQUIRE(same.out == kDeployment);

  Run injected =
      run({"inject", "--sidecarsets", kSidecarSets, "-f", dir + "/web.yaml", "-o", "yaml", kNow});
  REQUIRE(injected.status == 0);
  Run r = run({"diff", "--sidecarsets", kSidecarSets, "-f", dir + "/web.yaml", kNow});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err.empty());
  const std::string name = "apps.v1.Deployment.prod.web";
  CHECK(r.out.starts_with(
      "diff -u -N original/" + name + " injected/" + name + "\n--- original/" + name + "\t" + dir +
      "/web.yaml: document 1: Deployment \"web\"\n+++ injected/" + name + "\n@@ "));
  // Only additions: no line of the original is removed or rewritten...
  CHECK(starting_with(r.out, "-").size() == 1);  // the --- header
  const std::size_t added = starting_with(r.out, "+").size() - 1;
  CHECK(added == lines_of(injected.out).size() - lines_of(std::string(kDeployment)).size());
  // ...and the hunks turn the original into what inject prints.
  CHECK(apply_hunks(std::string(kDeployment), r.out) == injected.out);
  // The sidecars and what comes with them are among the added lines.
  CHECK(r.out.find("\n+      - name: mesh-proxy\n") != std::string::npos);
  CHECK(r.out.find("\n+      - name: log-agent\n") != std::string::npos);
  CHECK(r.out.find("\n+        mesh.example.com/inject: \"true\"\n") != std::string::npos);
  // Context is three lines unless asked.
  Run wide = run(
      {"diff", "--sidecarsets", kSidecarSets, "-f", dir + "/web.yaml", kNow, "--context", "100"});
  CHECK(wide.status == 1);
  CHECK(starting_with(wide.out, "@@ ").size() == 1);
  CHECK(starting_with(wide.out, " ").size() == lines_of(std::string(kDeployment)).size());
  CHECK(apply_hunks(std::string(kDeployment), wide.out) == injected.out);
  Run tight =
      run({"diff", "--sidecarsets", kSidecarSets, "-f", dir + "/web.yaml", kNow, "--context=0"});
  CHECK(tight.status == 1);
  CHECK(starting_with(tight.out, " ").empty());
  CHECK(apply_hunks(std::string(kDeployment), tight.out) == injected.out);
}

TEST_CASE("diff on what inject -o yaml printed shows nothing, for every workload kind") {
  const std::string dir = scratch("diff-injected");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kDir)) {
    const std::string file = e.path().filename().string();
    if (e.is_regular_file() && file.ends_with(".yaml") && file != "sidecarsets.yaml") {
      files.push_back(file);
    }
  }
  REQUIRE(files.size() == 14);  // the 12 kinds, a Pod and a stream
  for (const std::string& file : files) {
    DYNAMIC_SECTION(file) {
      Run before = run({"diff", "--sidecarsets", kSidecarSets, "-f", kDir + "/" + file, kNow});
      CHECK(before.status == 1);  // every fixture gets a sidecar
      CHECK(starting_with(before.out, "diff -u -N ").size() >= 1);
      Run injected = run(
          {"inject", "--sidecarsets", kSidecarSets, "-f", kDir + "/" + file, "-o", "yaml", kNow});
      REQUIRE(injected.status == 0);
      write(dir + "/" + file, injected.out);
      Run after = run({"diff", "--sidecarsets", kSidecarSets, "-f", dir + "/" + file, kNow});
      INFO(after.out);
      CHECK(after.status == 0);
      CHECK(after.out.empty());
      CHECK(after.err.empty());
    }
  }
}

TEST_CASE("diff of a stream: one diff per changed object, List items included, in order") {
  const std::string stream = kDir + "/stream.yaml";
  Run r = run({"diff", "--sidecarsets", kSidecarSets, "-f", stream, kNow});
  INFO(r.err);
  CHECK(r.status == 1);
  const std::vector<std::string> heads = starting_with(r.out, "diff -u -N ");
  CHECK(heads == std::vector<std::string>{"diff -u -N original/apps.v1.Deployment.prod.web "
                                          "injected/apps.v1.Deployment.prod.web",
                                          "diff -u -N original/batch.v1.Job.default.migrate "
                                          "injected/batch.v1.Job.default.migrate",
                                          "diff -u -N original/apps.v1.Deployment.prod.typed "
                                          "injected/apps.v1.Deployment.prod.typed"});
  CHECK(starting_with(r.out, "--- ") ==
        std::vector<std::string>{"--- original/apps.v1.Deployment.prod.web\t" + stream +
                                     ": document 2: Deployment \"web\"",
                                 "--- original/batch.v1.Job.default.migrate\t" + stream +
                                     ": document 4: items[1]: Job \"migrate\"",
                                 "--- original/apps.v1.Deployment.prod.typed\t" + stream +
                                     ": document 5: items[0]: Deployment \"typed\""});
  // The ConfigMap, Service, Secret and the unselected Deployment give none; nothing is removed.
  CHECK(r.out.find("web-config") == std::string::npos);
  CHECK(r.out.find(".batch ") == std::string::npos);
  CHECK(starting_with(r.out, "-").size() == 3);

  // From stdin, named so.
  Run piped = run({"diff", "--sidecarsets", kSidecarSets, "-f", "-", kNow}, slurp(stream));
  CHECK(piped.status == 1);
  CHECK(starting_with(piped.out, "--- ").front() ==
        "--- original/apps.v1.Deployment.prod.web\t<stdin>: document 2: Deployment \"web\"");
}

TEST_CASE("diff exits 3 when the webhook would deny a pod, showing the others") {
  const std::string dir = scratch("diff-denied");
  write(dir + "/batch.yaml", R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: batch-agent
spec:
  selector:
    matchLabels:
      app: batch
  containers:
  - name: batch-agent
    image: batch-agent:1.0
)");
  Run r = run({"diff", "--sidecarsets", kCli + "/deny/sidecarsets.yaml", dir + "/batch.yaml", "-f",
               kDir + "/stream.yaml", kNow});
  CHECK(r.status == 3);
  CHECK(starting_with(r.out, "diff -u -N ") ==
        std::vector<std::string>{"diff -u -N original/apps.v1.Deployment.default.batch "
                                 "injected/apps.v1.Deployment.default.batch"});
  CHECK(r.out.find("\n+      - name: batch-agent\n") != std::string::npos);
  const std::vector<std::string> denied = starting_with(r.err, "denied: ");
  REQUIRE(denied.size() == 3);
  CHECK(
      denied[0].starts_with("denied: " + kDir + "/stream.yaml: document 2: Deployment \"web\": "));
  CHECK(denied[0].find("\"badOp\"") != std::string::npos);
  CHECK(denied[1].starts_with("denied: " + kDir +
                              "/stream.yaml: document 4: items[1]: Job \"migrate\": "));
  CHECK(denied[2].starts_with("denied: " + kDir +
                              "/stream.yaml: document 5: items[0]: Deployment \"typed\": "));
}

TEST_CASE("diff reports usage errors and unreadable input") {
  Run no_file = run({"diff", "--sidecarsets", kSidecarSets});
  CHECK(no_file.status == 2);
  CHECK(no_file.err == usage("diff", "-f/--file is required (use '-' for stdin)"));
  Run no_sets = run({"diff", "-f", kDir + "/pod.yaml"});
  CHECK(no_sets.status == 2);
  CHECK(no_sets.err.starts_with("sidecarset-injector diff: --sidecarsets"));
  Run bad_context =
      run({"diff", "--sidecarsets", kSidecarSets, "-f", kDir + "/pod.yaml", "--context", "many"});
  CHECK(bad_context.status == 2);
  CHECK(bad_context.err == usage("diff", "--context \"many\" is not a non-negative integer"));
  Run huge = run(
      {"diff", "--sidecarsets", kSidecarSets, "-f", kDir + "/pod.yaml", "--context", "99999999"});
  CHECK(huge.status == 2);
  CHECK(huge.err == usage("diff", "--context 99999999 is too large"));
  Run unknown =
      run({"diff", "--sidecarsets", kSidecarSets, "-f", kDir + "/pod.yaml", "-o", "yaml"});
  CHECK(unknown.status == 2);
  CHECK(unknown.err == usage("diff", "unknown option '-o'"));
  Run missing = run({"diff", "--sidecarsets", kSidecarSets, "-f", kDir + "/absent.yaml"});
  CHECK(missing.status == 2);
  CHECK(missing.out.empty());
  CHECK(missing.err == kDir + "/absent.yaml: cannot read: no such file or directory\n");
  Run help = run({"diff", "--help"});
  CHECK(help.status == 0);
  CHECK(help.out.starts_with("Usage:\n  sidecarset-injector diff --sidecarsets PATH..."));
}
