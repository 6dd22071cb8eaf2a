// kubectl's habits: -f with files, directories (-R), stdin and repeats; `--name=value` and
// `-f=x`; several PATHs after one --sidecarsets; -n; --now; review's exit statuses.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "injector/json.hpp"
#include "injector/model/load.hpp"
#include "run_binary.hpp"

using injector::Json;
using namespace cli_test;

namespace {

const std::string kPod =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: NAME, namespace: default, "
    "labels: {app: web}}\nspec:\n  containers: [{name: nginx, image: nginx}]\n";

std::string pod(const std::string& name) {
  std::string text = kPod;
  return text.replace(text.find("NAME"), 4, name);
}

std::vector<std::string> names(const Json& list) {
  std::vector<std::string> out;
  for (const Json& item : list["items"]) {
    out.push_back(item["metadata"]["name"].get<std::string>());
  }
  return out;
}

// An AdmissionReview CREATE of `object` in namespace default.
std::string review_of(const Json& object) {
  return Json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", "u-1"},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"namespace", "default"},
                {"operation", "CREATE"},
                {"object", object}}}}
      .dump();
}

}  // namespace

TEST_CASE("inject -f reads files, directories (-R recursively), stdin and repeats") {
  const std::string dir = scratch("habits-pods");
  write(dir + "/a.yaml", pod("a"));
  write(dir + "/b.yaml", pod("b") + "---\n" + pod("c"));
  std::filesystem::create_directories(dir + "/nested");
  write(dir + "/nested/d.yaml", pod("d"));
  const std::string ss = kCli + "/sidecarsets";

  Run flat = run({"inject", "--sidecarsets", ss, "-f", dir});
  CHECK(flat.status == 0);
  CHECK(flat.err.empty());
  Json list = Json::parse(flat.out);
  CHECK(list["kind"] == "List");
  CHECK(list["apiVersion"] == "v1");
  CHECK(names(list) == std::vector<std::string>{"a", "b", "c"});

  Run deep = run({"inject", "--sidecarsets", ss, "-R", "-f", dir});
  CHECK(deep.status == 0);
  CHECK(names(Json::parse(deep.out)) == std::vector<std::string>{"a", "b", "c", "d"});

  Run repeated =
      run({"inject", "--sidecarsets", ss, "-f", dir + "/nested/d.yaml", "-f", "-"}, pod("e"));
  CHECK(repeated.status == 0);
  CHECK(names(Json::parse(repeated.out)) == std::vector<std::string>{"d", "e"});

  // One pod prints as itself; as YAML several print as a stream, one document each.
  Run one = run({"inject", "--sidecarsets", ss, "-f", dir + "/a.yaml"});
  CHECK(Json::parse(one.out)["kind"] == "Pod");
  Run yaml = run({"inject", "--sidecarsets", ss, "-f", dir, "-o", "yaml"});
  CHECK(yaml.status == 0);
  CHECK(yaml.out.starts_with("apiVersion: v1\nkind: Pod\n"));
  auto docs = injector::parse_stream(yaml.out, "out");
  REQUIRE(docs.has_value());
  CHECK(docs->size() == 3);
}

TEST_CASE("an unreadable or empty -f PATH is an error, never an abort") {
  const std::string ss = kCli + "/sidecarsets";
  const std::string empty = scratch("habits-empty");
  Run none = run({"inject", "--sidecarsets", ss, "-f", empty});
  CHECK(none.status == 2);
  CHECK(none.err == "no object in " + empty + "\n");
  Run missing = run({"inject", "--sidecarsets", ss, "-f", empty + "/x.yaml"});
  CHECK(missing.status == 2);
  CHECK(missing.err == empty + "/x.yaml: cannot read: no such file or directory\n");
  Run review = run({"review", "--sidecarsets", ss, "-f", empty});
  CHECK(review.status == 2);
  CHECK(review.err == empty + ": cannot read: is a directory\n");
}

TEST_CASE("options as name=value, f=x, short n and several PATHs after one sidecarsets") {
  const std::string dir = scratch("habits-flags");
  write(dir + "/p.yaml", pod("p"));
  Run spaced = run({"inject", "--sidecarsets", kCli + "/sidecarsets/10-log-agent.yaml",
                    kCli + "/sidecarsets/20-mesh.yaml", "-f", dir + "/p.yaml", "-n", "default",
                    "--now", "2024-01-02T03:04:05Z"});
  Run joined = run({"inject", "--sidecarsets=" + kCli + "/sidecarsets/10-log-agent.yaml",
                    "--sidecarsets", kCli + "/sidecarsets/20-mesh.yaml", "-f=" + dir + "/p.yaml",
                    "--namespace=default", "--now=2024-01-02T03:04:05Z"});
  CHECK(spaced.status == 0);
  CHECK(spaced.err.empty());
  CHECK(joined.out == spaced.out);
  CHECK(joined.status == 0);
  Run wrong = run(
      {"inject", "--sidecarsets", kCli + "/sidecarsets", "-f=" + dir + "/p.yaml", "-n", "prod"});
  CHECK(wrong.status == 2);
  CHECK(wrong.err.find("does not match the namespace sent on the request") != std::string::npos);
}

TEST_CASE("a fixed clock (now option, SIDECARSET_INJECTOR_NOW) makes output reproducible") {
  const std::string dir = scratch("habits-now");
  write(dir + "/p.yaml", pod("p"));
  const std::vector<std::string> base = {
      "inject", "--sidecarsets", kCli + "/sidecarsets", "-f", dir + "/p.yaml", "--seed", "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  Run first = with({"--now", "2024-01-02T04:04:05+01:00"});
  Run second = with({"--now", "2024-01-02T03:04:05Z"});
  CHECK(first.status == 0);
  CHECK(first.out == second.out);  // offsets are applied: the same instant
  Json pod_out = Json::parse(first.out);
  const std::string hash = pod_out["metadata"]["annotations"]["kruise.io/sidecarset-hash"];
  CHECK(hash.find(R"("updateTimestamp":"2024-01-02T03:04:05Z")") != std::string::npos);

  // The child inherits the environment; each test case runs in its own process under ctest.
  ::setenv("SIDECARSET_INJECTOR_NOW", "2024-01-02T03:04:05Z", 1);
  Run env = with({});
  ::unsetenv("SIDECARSET_INJECTOR_NOW");
  CHECK(env.out == first.out);
  Run bad = with({"--now", "yesterday"});
  CHECK(bad.status == 2);
  CHECK(bad.err == usage("inject",
                         "--now \"yesterday\" is not an RFC 3339 time (e.g. "
                         "2024-01-02T03:04:05Z)"));
}

TEST_CASE("review exits 0 allowed, 1 denied, 3 for an error answer") {
  const std::string ss = kCli + "/sidecarsets";
  Json object = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",
      "namespace":"default","labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx",
      "image":"nginx"}]}})");
  Run allowed = run({"review", "--sidecarsets", ss}, review_of(object));
  CHECK(allowed.status == 0);
  CHECK(Json::parse(allowed.out)["response"]["allowed"] == true);

  Run denied = run({"review", "--sidecarsets", kCli + "/deny/sidecarsets.yaml", "-f", "-"},
                   review_of(Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",
      "namespace":"default","labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx",
      "image":"nginx"}]}})")));
  Json denied_answer = Json::parse(denied.out);
  CHECK(denied_answer["response"]["allowed"] == false);
  CHECK(denied_answer["response"]["status"]["code"] == 500);
  CHECK(denied.status == 1);

  Run errored = run({"review", "--sidecarsets", ss}, "not json");
  CHECK(errored.status == 3);
}

TEST_CASE("validate -f and -R") {
  const std::string dir = scratch("habits-validate");
  std::filesystem::create_directories(dir + "/nested");
  write(dir + "/nested/ss.yaml", slurp(kCli + "/sidecarsets/10-log-agent.yaml"));
  Run flat = run({"validate", "-f", dir});
  CHECK(flat.status == 0);
  CHECK(flat.out == "warning: " + dir +
                        ": no .yaml, .yml or .json files\n"
                        "0 SidecarSets, 0 Namespaces, 0 ControllerRevisions from 0 files: ok\n");
  Run deep = run({"validate", "-R", "-f", dir});
  CHECK(deep.status == 0);
  CHECK(deep.out == "1 SidecarSet, 0 Namespaces, 0 ControllerRevisions from 1 file: ok\n");
}
