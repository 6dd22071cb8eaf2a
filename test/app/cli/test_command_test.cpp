// `sidecarset-injector test`: real cases pass and fail, failures show the diff, bad case folders
// are errors naming the file, --update rewrites golden files, --junit passes a schema check.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "run_binary.hpp"

namespace fs = std::filesystem;
using namespace cli_test;

namespace {

const std::string kSidecarSets = kSrc + "/fixtures/workloads/sidecarsets.yaml";

const std::string kDeployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n"
    "  template:\n    metadata: {labels: {app: web}}\n"
    "    spec: {containers: [{name: app, image: a, env: [{name: MODE, value: fast}]}]}\n";

// A case folder `dir/name` with these files.
std::string make_case(const std::string& dir, const std::string& name,
                      const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string at = dir + "/" + name;
  fs::create_directories(at);
  for (const auto& [file, text] : files) {
    write(at + "/" + file, text);
  }
  return at;
}

}  // namespace

TEST_CASE("test passes cases whose checks hold and prints a summary") {
  const std::string dir = scratch("test-pass");
  make_case(dir, "a-checks",
            {{"input.yaml", kDeployment},
             {"case.yaml",
              "expect:\n"
              "- injected: [log-agent, mesh]\n"
              "- container: mesh-proxy\n  index: 0\n  image: mesh-proxy:2.1\n"
              "- container: log-agent\n  index: 2\n"
              "- container: nothing\n  absent: true\n"
              "- env: IS_INJECTED\n  container: log-agent\n  equals: \"true\"\n"
              "- env: MODE\n  container: app\n  contains: fa\n"
              "- env: OTHER\n  container: app\n  absent: true\n"
              "- annotation: mesh.example.com/inject\n  equals: \"true\"\n"
              "- annotation: example.com/none\n  absent: true\n"
              "- pointer: /spec/template/spec/volumes/0\n"
              "  equals: {name: varlog, emptyDir: {}}\n"
              "- pointer: /metadata/name\n  object: Deployment/web\n"}});
  make_case(dir, "b-staging",
            {{"input.yaml", kDeployment},
             {"case.yaml",
              "namespace: staging\n"
              "expect:\n- injected: [log-agent]\n"}});
  Run r = run({"test", dir, "--sidecarsets", kSidecarSets});
  // b-staging: the Deployment is in prod, the request in staging: the API server refuses it.
  CHECK(r.out == "PASS   " + dir + "/a-checks\nERROR  " + dir + "/b-staging\n       " + dir +
                     "/b-staging/input.yaml: document 1: Deployment \"web\": the namespace of the "
                     "provided object does not match the namespace sent on the request "
                     "(metadata.namespace \"prod\", --namespace \"staging\")\n"
                     "2 cases: 1 passed, 0 failed, 1 error\n");
  CHECK(r.status == 1);
  Run one = run({"test", dir + "/a-checks", "--sidecarsets=" + kSidecarSets});
  CHECK(one.status == 0);
  CHECK(one.out == "PASS   " + dir + "/a-checks\n1 case: 1 passed, 0 failed, 0 errors\n");
  CHECK(one.err.empty());
}

TEST_CASE("test fails a case for every check that does not hold, naming object and values") {
  const std::string dir = scratch("test-fail");
  make_case(dir, "c",
            {{"input.yaml", kDeployment},
             {"case.yaml",
              "expect:\n"
              "- injected: [log-agent]\n"
              "- container: log-agent\n  index: 0\n"
              "- container: mesh-proxy\n  absent: true\n"
              "- container: sidecar\n"
              "- container: log-agent\n  image: log-agent:2.0\n"
              "- env: IS_INJECTED\n  container: log-agent\n  equals: \"false\"\n"
              "- env: X\n  container: ghost\n"
              "- annotation: mesh.example.com/inject\n  absent: true\n"
              "- pointer: /spec/replicas\n"
              "- pointer: /spec/template/spec/containers/0/name\n  contains: proxy-x\n"
              "- denied: anything\n"
              "- warning: volume\n"
              "- container: app\n  object: Deployment/other\n"}});
  Run r = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(r.status == 1);
  const std::string d = "Deployment \"web\": ";
  CHECK(r.out ==
        "FAIL   " + dir + "/c\n" + "       expect[0] (injected): " + d +
            "injected [log-agent, mesh], expected [log-agent]\n" +
            "       expect[1] (container \"log-agent\"): " + d +
            "container \"log-agent\" is at index 2, expected 0 (containers: mesh-proxy, app, "
            "log-agent)\n" +
            "       expect[2] (container \"mesh-proxy\"): " + d +
            "container \"mesh-proxy\" is present at index 0, expected it absent (containers: "
            "mesh-proxy, app, log-agent)\n" +
            "       expect[3] (container \"sidecar\"): " + d +
            "container \"sidecar\" is absent (containers: mesh-proxy, app, log-agent)\n" +
            "       expect[4] (container \"log-agent\"): " + d +
            "container \"log-agent\" has image \"log-agent:1.0\", expected \"log-agent:2.0\"\n" +
            "       expect[5] (env \"IS_INJECTED\"): " + d +
            "env \"IS_INJECTED\" of container \"log-agent\" is \"true\", expected \"false\"\n" +
            "       expect[6] (env \"X\"): " + d +
            "container \"ghost\" is absent (mesh-proxy, app, log-agent)\n" +
            "       expect[7] (annotation \"mesh.example.com/inject\"): " + d +
            "annotation \"mesh.example.com/inject\" is present (\"true\"), expected it absent\n" +
            "       expect[8] (pointer \"/spec/replicas\"): " + d + "/spec/replicas is absent\n" +
            "       expect[9] (pointer \"/spec/template/spec/containers/0/name\"): " + d +
            "/spec/template/spec/containers/0/name is \"mesh-proxy\", expected it to contain "
            "\"proxy-x\"\n" +
            "       expect[10] (denied \"anything\"): " + d +
            "was admitted, expected a denial containing \"anything\"\n" +
            "       expect[11] (warning \"volume\"): " + d +
            "no warning contains \"volume\" (no warnings)\n" +
            "       expect[12] (container \"app\"): no object Deployment/other in the input "
            "(objects with pods: Deployment/web)\n" +
            "1 case: 0 passed, 1 failed, 0 errors\n");
}

TEST_CASE("test fails a denial no check expects, and a denial with another message") {
  const std::string dir = scratch("test-deny");
  const std::string deny = kSrc + "/fixtures/cli/deny/sidecarsets.yaml";
  make_case(dir, "unexpected",
            {{"input.yaml", kDeployment}, {"case.yaml", "expect:\n- injected: []\n"}});
  make_case(dir, "wrong-message",
            {{"input.yaml", kDeployment}, {"case.yaml", "expect:\n- denied: not this\n"}});
  make_case(dir, "expected",
            {{"input.yaml", kDeployment}, {"case.yaml", "expect:\n- denied: badOp\n"}});
  Run r = run({"test", dir, "--sidecarsets", deny});
  CHECK(r.status == 1);
  CHECK(r.out.starts_with("PASS   " + dir + "/expected\nFAIL   " + dir + "/unexpected\n       " +
                          dir +
                          "/unexpected/input.yaml: document 1: Deployment \"web\": denied: "));
  CHECK(r.out.find("       expect[0] (injected): Deployment \"web\": was denied: ") !=
        std::string::npos);
  CHECK(r.out.find("FAIL   " + dir +
                   "/wrong-message\n       expect[0] (denied \"not this\"): "
                   "Deployment \"web\": was denied with \"") != std::string::npos);
  CHECK(r.out.ends_with("3 cases: 1 passed, 2 failed, 0 errors\n"));
}

TEST_CASE("test shows a unified diff for a golden file that differs; --update rewrites it") {
  const std::string dir = scratch("test-golden");
  const std::string c = make_case(dir, "g", {{"input.yaml", kDeployment}, {"case.yaml", "{}\n"}});
  Run none = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(none.status == 1);
  CHECK(none.out == "ERROR  " + c + "\n       " + c +
                        "/case.yaml: nothing to check: add `expect:` or an expected.yaml "
                        "(--update writes one from the output)\n"
                        "1 case: 0 passed, 0 failed, 1 error\n");

  Run update = run({"test", dir, "--sidecarsets", kSidecarSets, "--update"});
  CHECK(update.status == 0);
  CHECK(update.out ==
        "UPDATE " + c + "\n1 case: 1 passed, 0 failed, 0 errors, 1 golden file updated\n");
  const std::string golden = slurp(c + "/expected.yaml");
  Run injected = run({"inject", "--sidecarsets", kSidecarSets, "-f", c + "/input.yaml", "-o",
                      "yaml", "--now", "2024-01-02T03:04:05Z", "--seed", "0"});
  CHECK(golden == injected.out);

  Run pass = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(pass.status == 0);
  CHECK(pass.out == "PASS   " + c + "\n1 case: 1 passed, 0 failed, 0 errors\n");

  std::string edited = golden;
  edited.replace(edited.find("image: log-agent:1.0"), 20, "image: log-agent:0.9");
  write(c + "/expected.yaml", edited);
  Run fail = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(fail.status == 1);
  const std::size_t hunk = fail.out.find("       @@ ");
  REQUIRE(hunk != std::string::npos);
  CHECK(fail.out.substr(0, hunk) == "FAIL   " + c + "\n       output differs from " + c +
                                        "/expected.yaml\n       --- " + c +
                                        "/expected.yaml\n       +++ output\n");
  CHECK(fail.out.find("\n       -  - name: log-agent\n") == std::string::npos);
  CHECK(fail.out.find("\n       -        image: log-agent:0.9\n"
                      "       +        image: log-agent:1.0\n") != std::string::npos);
  // Exactly one line changed: one - and one + line in the hunk.
  std::size_t minus = 0;
  std::size_t plus = 0;
  for (std::size_t at = fail.out.find("\n       -"); at != std::string::npos;
       at = fail.out.find("\n       -", at + 1)) {
    ++minus;
  }
  for (std::size_t at = fail.out.find("\n       +"); at != std::string::npos;
       at = fail.out.find("\n       +", at + 1)) {
    ++plus;
  }
  CHECK(minus == 2);  // the --- header and the changed line
  CHECK(plus == 2);

  // A case.yaml that names a golden file which does not exist.
  write(c + "/case.yaml", "golden: missing.yaml\n");
  Run missing = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(missing.out == "FAIL   " + c + "\n       " + c +
                           "/missing.yaml: cannot read the golden file (--update writes it)\n"
                           "1 case: 0 passed, 1 failed, 0 errors\n");
}

TEST_CASE("test reports a bad case folder as an error naming the file, and runs the others") {
  struct Case {
    std::string name;
    std::string case_yaml;
    std::string error;  // after "<dir>/case.yaml: " unless it starts with '/'
  };
  const std::vector<Case> cases = {
      {"unknown-key", "inptu: x.yaml\n",
       "unknown key \"inptu\" (known: description, input, sidecarsets, namespace, namespaces, "
       "seed, now, golden, expect)"},
      {"no-input", "expect: []\n",
       "no input: add `input:` (a manifest file or folder) or an input.yaml"},
      {"missing-input", "input: nope.yaml\n", "input: @/nope.yaml: no such file or directory"},
      {"syntax", "expect: [\n", ""},
      {"not-a-map", "- a\n", "must be a mapping, found array"},
      {"expect-not-list", "input: input.yaml\nexpect: {container: a}\n",
       "expect: must be a list of checks, found object"},
      {"no-check", "input: input.yaml\nexpect:\n- index: 0\n",
       "expect[0]: needs one of container, env, annotation, pointer, denied, injected, warning"},
      {"typo-in-check", "input: input.yaml\nexpect:\n- container: a\n  indx: 0\n",
       "expect[0]: unknown key \"indx\" for a container check"},
      {"two-checks", "input: input.yaml\nexpect:\n- container: a\n  annotation: b\n",
       "expect[0]: \"container\" and \"annotation\" are two checks: write them as two entries"},
      {"env-without-container", "input: input.yaml\nexpect:\n- env: A\n",
       "expect[0]: an env check needs `container:` (the container that holds it)"},
      {"bad-pointer", "input: input.yaml\nexpect:\n- pointer: spec\n",
       "expect[0].pointer: invalid JSON pointer \"spec\": must be empty or start with \"/\""},
      {"bad-object", "input: input.yaml\nexpect:\n- container: a\n  object: web\n",
       "expect[0].object: must be Kind/name, e.g. Deployment/web"},
      {"bad-index", "input: input.yaml\nexpect:\n- container: a\n  index: -1\n",
       "expect[0].index: must be a non-negative integer"},
      {"absent-and-equals",
       "input: input.yaml\nexpect:\n- annotation: a\n  absent: true\n  equals: x\n",
       "expect[0]: absent: true cannot be combined with equals, contains or index"},
      {"unquoted-equals", "input: input.yaml\nexpect:\n- annotation: a\n  equals: true\n",
       "expect[0].equals: must be a string (quote it), found boolean"},
      {"bad-seed", "input: input.yaml\nseed: -3\n", "seed: must be a non-negative integer"},
      {"bad-label", "input: input.yaml\nnamespaces:\n  prod: {env: 1}\n",
       "namespaces.prod.env: a label value must be a string (quote it), found number"},
      {"bad-now", "input: input.yaml\nnow: yesterday\nexpect:\n- injected: []\n",
       "now: \"yesterday\" is not an RFC 3339 time"},
      {"missing-sidecarsets", "input: input.yaml\nsidecarsets: none/\n",
       "sidecarsets: @/none/: no such file or directory"},
  };
  const std::string dir = scratch("test-bad");
  for (const auto& c : cases) {
    make_case(dir, c.name, {{"input.yaml", kDeployment}, {"case.yaml", c.case_yaml}});
  }
  fs::remove(dir + "/no-input/input.yaml");
  make_case(
      dir, "zz-good",
      {{"input.yaml", kDeployment}, {"case.yaml", "expect:\n- injected: [log-agent, mesh]\n"}});
  Run r = run({"test", dir, "--sidecarsets", kSidecarSets});
  CHECK(r.status == 1);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const std::string at = dir + "/" + c.name;
      std::string message = c.error;
      if (const auto p = message.find('@'); p != std::string::npos) {
        message.replace(p, 1, at);
      }
      const std::string expected =
          "ERROR  " + at + "\n       " + at + "/case.yaml: " + message + "\n";
      if (c.error.empty()) {
        CHECK(r.out.find("ERROR  " + at + "\n       " + at + "/case.yaml: document 1: line ") !=
              std::string::npos);
      } else {
        CHECK(r.out.find(expected) != std::string::npos);
      }
    }
  }
  CHECK(r.out.find("PASS   " + dir + "/zz-good\n") != std::string::npos);
  CHECK(r.out.ends_with(std::to_string(cases.size() + 1) + " cases: 1 passed, 0 failed, " +
                        std::to_string(cases.size()) + " errors\n"));

  SECTION("invalid SidecarSets are the case's error, with every problem") {
    const std::string bad = scratch("test-bad-sidecarsets");
    const std::string c =
        make_case(bad, "c",
                  {{"input.yaml", kDeployment},
                   {"sidecarsets.yaml", slurp(kCli + "/invalid/sidecarsets.yaml")},
                   {"case.yaml", "expect:\n- injected: []\n"}});
    Run invalid = run({"test", bad});
    CHECK(invalid.status == 1);
    CHECK(invalid.out ==
          "ERROR  " + c + "\n       " + c +
              "/sidecarsets.yaml: document 1: sidecarset \"match-all\": spec.selector: Invalid "
              "value: {}: empty selector is not valid for sidecarset.\n       " +
              c +
              "/sidecarsets.yaml: document 2: sidecarset \"no-image\": spec.containers[0].image: "
              "Required value\n1 case: 0 passed, 0 failed, 1 error\n");
  }
  SECTION("no SidecarSets at all") {
    const std::string lone = scratch("test-no-sidecarsets");
    const std::string c = make_case(
        lone, "c", {{"input.yaml", kDeployment}, {"case.yaml", "expect: [{injected: []}]\n"}});
    Run none = run({"test", lone});
    CHECK(none.out == "ERROR  " + c + "\n       " + c +
                          "/case.yaml: no SidecarSets: add `sidecarsets:` or pass --sidecarsets "
                          "DIR\n1 case: 0 passed, 0 failed, 1 error\n");
  }
}

TEST_CASE("test usage errors exit 2") {
  const std::string empty = scratch("test-usage-empty");
  const std::string file = empty + "/file.yaml";
  write(file, "a: 1\n");
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"test"}, usage("test", "at least one DIR of cases is required")},
      {{"test", empty, "--sidecarsets"},
       usage("test", "option 'sidecarsets' is missing an argument")},
      {{"test", empty, "--bogus"}, usage("test", "unknown option '--bogus'")},
      {{"test", empty}, empty + ": no case found (a case is a folder with a case.yaml)\n"},
      {{"test", empty + "/nope"}, empty + "/nope: no such file or directory\n"},
      {{"test", file},
       file + ": not a directory (give the folder of a case or a folder of cases)\n"},
  };
  for (const auto& c : cases) {
    Run r = run(c.args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
  }
  const std::string dir = scratch("test-usage-junit");
  make_case(
      dir, "c",
      {{"input.yaml", kDeployment}, {"case.yaml", "expect: [{injected: [log-agent, mesh]}]\n"}});
  Run junit =
      run({"test", dir, "--sidecarsets", kSidecarSets, "--junit", dir + "/no/such/report.xml"});
  CHECK(junit.status == 2);
  CHECK(junit.err ==
        "sidecarset-injector test: --junit " + dir + "/no/such/report.xml: cannot write\n");
  Run help = run({"test", "--help"});
  CHECK(help.status == 0);
  CHECK(help.out.starts_with("Usage:\n  sidecarset-injector test DIR..."));
}

TEST_CASE("test --junit writes JUnit XML that the schema accepts") {
  const std::string dir = scratch("test-junit");
  make_case(
      dir, "pass",
      {{"input.yaml", kDeployment}, {"case.yaml", "expect: [{injected: [log-agent, mesh]}]\n"}});
  make_case(
      dir, "fail <&>",
      {{"input.yaml", kDeployment}, {"case.yaml", "expect: [{container: \"x<&>\\\"\\u0001\"}]\n"}});
  make_case(dir, "error", {{"input.yaml", kDeployment}, {"case.yaml", "bogus: 1\n"}});
  const std::string report = dir + "/report.xml";
  Run r = run({"test", dir, "--sidecarsets", kSidecarSets, "--junit", report});
  CHECK(r.status == 1);
  const std::string xml = slurp(report);
  CHECK(
      xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                      "name=\"sidecarset-injector test\" tests=\"3\" failures=\"1\" "
                      "errors=\"1\" time=\""));
  CHECK(xml.find("<testcase name=\"fail &lt;&amp;&gt;\" classname=\"" + dir + "\" file=\"" + dir +
                 "/fail &lt;&amp;&gt;/case.yaml\" time=\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"expect[0] (container &quot;x&lt;&amp;&gt;&quot;?&quot;): "
                 "Deployment &quot;web&quot;: container &quot;x&lt;&amp;&gt;&quot;?&quot; is "
                 "absent (containers: mesh-proxy, app, log-agent)\" type=\"assertion\">") !=
        std::string::npos);
  CHECK(xml.find("<error message=\"" + dir + "/error/case.yaml: unknown key &quot;bogus&quot; ") !=
        std::string::npos);
  CHECK(xml.find("<testcase name=\"pass\" classname=\"" + dir + "\" file=\"" + dir +
                 "/pass/case.yaml\" time=\"") != std::string::npos);
  // The schema check: Jenkins' JUnit schema as fixtures/junit/junit.xsd has it, by xmllint.
  REQUIRE(fs::exists("/usr/bin/xmllint"));
  const std::string cmd = "xmllint --noout --schema " + kSrc + "/fixtures/junit/junit.xsd '" +
                          report + "' > '" + dir + "/xmllint.out' 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(slurp(dir + "/xmllint.out") == report + " validates\n");
  // And the schema is not a rubber stamp: a report without its counts is refused.
  write(dir + "/broken.xml",
        "<testsuites><testsuite name=\"x\"><testcase name=\"a\" "
        "classname=\"x\"/></testsuite></testsuites>\n");
  const std::string broken = "xmllint --noout --schema " + kSrc + "/fixtures/junit/junit.xsd '" +
                             dir + "/broken.xml' > /dev/null 2>&1";
  CHECK(std::system(broken.c_str()) != 0);
}
