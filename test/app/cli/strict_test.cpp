// The CLI's strictness: unknown and duplicate SidecarSet fields (warnings, --strict errors),
// `validate -o json`, unserved kinds, and `inject --namespace` against the pod's own namespace.

#include <string>

#include <catch2/catch.hpp>

#include "injector/json.hpp"
#include "run_binary.hpp"

using injector::Json;
using namespace cli_test;

namespace {

const std::string kTypos = kCli + "/strict/typos.yaml";

std::string typo_lines(const std::string& prefix) {
  std::string out;
  for (const char* f :
       {"unknown field \"spec.selectr\"", "unknown field \"spec.containers[0].imagePullPolicyy\"",
        "unknown field \"spec.containers[0].volumeMount\"",
        "duplicate field \"spec.revisionHistoryLimit\""}) {
    out += prefix + kTypos + ": document 1: sidecarset \"typos\": " + f + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("validate warns about unknown and duplicate fields; --strict makes them problems") {
  Run r = run({"validate", kTypos});
  CHECK(r.status == 0);
  CHECK(r.out == typo_lines("warning: ") +
                     "1 SidecarSet, 0 Namespaces, 0 ControllerRevisions from 1 file: ok\n");
  CHECK(r.err.empty());

  Run strict = run({"validate", "--strict", kTypos});
  CHECK(strict.status == 2);
  CHECK(strict.out == typo_lines(""));
  CHECK(strict.err == "sidecarset-injector validate: 4 problems\n");
}

TEST_CASE("validate -o json reports problems, warnings and counts for tools") {
  Run r = run({"validate", "-o", "json", kTypos});
  CHECK(r.status == 0);
  Json report = Json::parse(r.out);
  CHECK(report["valid"] == true);
  CHECK(report["problems"].empty());
  REQUIRE(report["warnings"].size() == 4);
  CHECK(report["warnings"][0] == Json::parse(R"({"message": ")" + kTypos +
                                             R"(: document 1: sidecarset \"typos\": unknown field )"
                                             R"(\"spec.selectr\"", "file": ")" +
                                             kTypos +
                                             R"(", "document": 1, "sidecarset": "typos", )"
                                             R"("reason": "unknown field \"spec.selectr\""})"));
  CHECK(report["counts"] ==
        Json::parse(R"({"files": 1, "sidecarsets": 1, "namespaces": 0, "revisions": 0})"));

  Run strict = run({"validate", "--strict", "--output", "json", kTypos});
  CHECK(strict.status == 2);
  Json failed = Json::parse(strict.out);
  CHECK(failed["valid"] == false);
  CHECK(failed["problems"].size() == 4);
  CHECK_FALSE(failed.contains("counts"));
  CHECK(strict.err.empty());

  Run missing = run({"validate", "-o", "json", kCli + "/missing.yaml"});
  CHECK(missing.status == 2);
  CHECK(Json::parse(missing.out)["problems"] ==
        Json::parse(R"([{"message": ")" + kCli + R"(/missing.yaml: no such file or directory"}])"));
}

TEST_CASE("validate rejects apps.kruise.io kinds and versions that are not served") {
  std::string dir = scratch("strict-unserved");
  write(dir + "/v1.yaml",
        "apiVersion: apps.kruise.io/v1\nkind: SidecarSet\nmetadata: {name: a}\n---\n"
        "apiVersion: apps.kruise.io/v1beta1\nkind: sidecarset\nmetadata: {name: b}\n");
  Run r = run({"validate", dir});
  CHECK(r.status == 2);
  CHECK(r.out == dir +
                     "/v1.yaml: document 1: no matches for kind \"SidecarSet\" in version "
                     "\"apps.kruise.io/v1\"\n" +
                     dir +
                     "/v1.yaml: document 2: no matches for kind \"sidecarset\" in version "
                     "\"apps.kruise.io/v1beta1\"\n");
}

TEST_CASE("inject and review print load warnings; --strict refuses the SidecarSets") {
  Run r = run({"inject", "--sidecarsets", kTypos, "-f", kCli + "/pod.yaml"});
  CHECK(r.status == 0);
  CHECK(r.err == typo_lines("warning: "));
  Run strict = run({"inject", "--strict", "--sidecarsets", kTypos, "-f", kCli + "/pod.yaml"});
  CHECK(strict.status == 2);
  CHECK(strict.err == typo_lines(""));
  CHECK(strict.out.empty());
  Run review = run({"review", "--strict", "--sidecarsets", kTypos}, "{}");
  CHECK(review.status == 2);
  CHECK(review.err == typo_lines(""));
}

TEST_CASE("serve --strict refuses to start on unknown fields") {
  Run r = run({"serve", "--strict", "--sidecarsets", kTypos, "--tls-cert", "c", "--tls-key", "k",
               "--log-format", "json"});
  CHECK(r.status == 2);
  const std::string logs = r.out + r.err;
  CHECK(logs.find("unknown field \\\"spec.selectr\\\"") != std::string::npos);
  CHECK(logs.find("cannot start: invalid SidecarSets") != std::string::npos);
}

TEST_CASE("inject refuses a pod of another namespace than --namespace, as the API server does") {
  // fixtures/cli/pod.yaml is in namespace default.
  Run r = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod.yaml",
               "--namespace", "prod"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        kCli +
            "/pod.yaml: document 1: Pod \"web-\": the namespace of the provided object does not "
            "match the namespace "
            "sent on the request (metadata.namespace \"default\", --namespace \"prod\")\n");
  Run same = run({"inject", "--sidecarsets", kCli + "/sidecarsets", "-f", kCli + "/pod.yaml",
                  "--namespace", "default"});
  CHECK(same.status == 0);
}
