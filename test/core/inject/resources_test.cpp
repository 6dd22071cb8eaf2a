// resourcesPolicy: OpenKruise's sidecarset_resources_test.go cases (§7 items 20-22), the
// calculator's behaviour and error texts (expectations produced by OpenKruise's
// pkg/util/calculator for the same input), and the load-time validation messages.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"

using injector::Json;

namespace {

// A pod container; "" leaves the resource out.
Json container(const std::string& name, const std::string& cpu_limit, const std::string& mem_limit,
               const std::string& cpu_request, const std::string& mem_request) {
  Json c = {{"name", name}, {"image", "app:1"}};
  Json limits = Json::object();
  Json requests = Json::object();
  if (!cpu_limit.empty()) {
    limits["cpu"] = cpu_limit;
  }
  if (!mem_limit.empty()) {
    limits["memory"] = mem_limit;
  }
  if (!cpu_request.empty()) {
    requests["cpu"] = cpu_request;
  }
  if (!mem_request.empty()) {
    requests["memory"] = mem_request;
  }
  Json resources = Json::object();
  if (!limits.empty()) {
    resources["limits"] = limits;
  }
  if (!requests.empty()) {
    resources["requests"] = requests;
  }
  if (!resources.empty()) {
    c["resources"] = resources;
  }
  return c;
}

std::vector<const Json*> pointers(const std::vector<Json>& containers) {
  std::vector<const Json*> out;
  for (const auto& c : containers) {
    out.push_back(&c);
  }
  return out;
}

std::string outcome(const injector::Result<Json>& r) {
  return r ? r->dump() : "error[" + r.error().code + "]: " + r.error().message;
}

struct ComputeCase {
  std::string name;
  std::vector<Json> candidates;
  std::string policy;
  std::string want;  // resources JSON, or "error[code]: message"
};

void run_compute_cases(const std::vector<ComputeCase>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto r = injector::compute_resources(Json::parse(c.policy), pointers(c.candidates));
      if (c.want.starts_with("error")) {
        CHECK(outcome(r) == c.want);
      } else {
        CHECK(outcome(r) == Json::parse(c.want).dump());
      }
    }
  }
}

}  // namespace

TEST_CASE("compute_resources: OpenKruise TestApplyResourcesPolicy") {
  const std::string sum_half =
      R"js({"targetContainersMode":"sum","targetContainersNameRegex":".*","resourcesExpr":{
          "limits":{"cpu":"cpu*50%","memory":"200Mi"},
          "requests":{"cpu":"cpu*50%","memory":"100Mi"}}})js";
  const std::string ratios = R"js("resourcesExpr":{
      "limits":{"cpu":"cpu*50%","memory":"memory*30%"},
      "requests":{"cpu":"cpu*30%","memory":"memory*20%"}})js";
  run_compute_cases({
      {"sum mode with percentage",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "400m", "400Mi", "100m", "200Mi")},
       sum_half,
       R"js({"limits":{"cpu":"300m","memory":"200Mi"},"requests":{"cpu":"75m","memory":"100Mi"}})js"},
      {"max mode with expression and regex",
       {container("large.engine.v4", "200m", "200Mi", "50m", "100Mi"),
        container("large.engine.v8", "400m", "400Mi", "100m", "200Mi")},
       R"js({"targetContainersMode":"max","targetContainersNameRegex":"^large.engine.v.*$",
           "resourcesExpr":{"limits":{"cpu":"max(cpu*50%, 50m)","memory":"200Mi"},
                            "requests":{"cpu":"max(cpu*50%, 50m)","memory":"100Mi"}}})js",
       R"js({"limits":{"cpu":"200m","memory":"200Mi"},"requests":{"cpu":"50m","memory":"100Mi"}})js"},
      {"regex selects one container",
       {container("large.engine.v4", "200m", "200Mi", "50m", "100Mi"),
        container("large.engine.v8", "400m", "400Mi", "100m", "200Mi")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^large.engine.v4$",
           "resourcesExpr":{"limits":{"cpu":"max(cpu*50%, 50m)","memory":"200Mi"},
                            "requests":{"cpu":"max(cpu*50%, 50m)","memory":"100Mi"}}})js",
       R"js({"limits":{"cpu":"100m","memory":"200Mi"},"requests":{"cpu":"50m","memory":"100Mi"}})js"},
      {"no matching containers",
       {container("app1", "200m", "", "", "")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^nonexistent$",
           "resourcesExpr":{"limits":{"cpu":"cpu*50%"}}})js",
       R"js(error[resources_policy]: no containers match the regex pattern "^nonexistent$")js"},
      {"sum with one container lacking a cpu limit",
       {container("app1", "200m", "200Mi", "100m", "100Mi"),
        container("app2", "", "400Mi", "50m", "200Mi")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":".*",)js" + ratios + "}",
       R"js({"limits":{"memory":"180Mi"},"requests":{"cpu":"45m","memory":"60Mi"}})js"},
      {"max with one container lacking a memory limit",
       {container("app1", "200m", "200Mi", "100m", "100Mi"),
        container("app2", "400m", "", "200m", "")},
       R"js({"targetContainersMode":"max","targetContainersNameRegex":".*","resourcesExpr":{
           "limits":{"cpu":"cpu*40%","memory":"memory*30%"},
           "requests":{"cpu":"cpu*25%","memory":"memory*20%"}}})js",
       R"js({"limits":{"cpu":"160m"},"requests":{"cpu":"50m","memory":"20Mi"}})js"},
      {"sum with a container without requests (counted as 0)",
       {container("app1", "200m", "200Mi", "100m", "100Mi"),
        container("app2", "400m", "400Mi", "", "")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":".*",)js" + ratios + "}",
       R"js({"limits":{"cpu":"300m","memory":"180Mi"},"requests":{"cpu":"30m","memory":"20Mi"}})js"},
      // The caller passes native sidecar init containers + containers (the plain init container
      // "app2" of the upstream pod is not a candidate).
      {"native sidecar init container and container",
       {container("app1", "400m", "800Mi", "200m", "400Mi"),
        container("app2", "600m", "1200Mi", "300m", "600Mi")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^app.*$","resourcesExpr":{
           "limits":{"cpu":"max(cpu*30%, 50m)","memory":"max(memory*25%, 100Mi)"},
           "requests":{"cpu":"cpu*20%","memory":"memory*15%"}}})js",
       R"js({"limits":{"cpu":"300m","memory":"500Mi"},"requests":{"cpu":"100m","memory":"150Mi"}})js"},
      // §3.9's own examples.
      {"constant 1Gi",
       {container("app", "1", "1Gi", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"memory":"1Gi"}}})js",
       R"js({"limits":{"memory":"1Gi"}})js"},
      {"max(memory*20% + 100Mi, 200Mi) over 800Mi",
       {container("app", "1", "800Mi", "", "")},
       R"js({"targetContainersMode":"max","resourcesExpr":{
           "limits":{"memory":"max(memory*20% + 100Mi, 200Mi)"}}})js",
       R"js({"limits":{"memory":"260Mi"}})js"},
  });
}

TEST_CASE("compute_resources: aggregation by sum and max (TestAggregateResources*)") {
  // The identity expressions print the aggregate itself.
  const std::string identity = R"js("resourcesExpr":{
      "limits":{"cpu":"cpu","memory":"memory"},"requests":{"cpu":"cpu","memory":"memory"}}})js";
  const std::string sum = R"js({"targetContainersMode":"sum",)js" + identity;
  const std::string max = R"js({"targetContainersMode":"max",)js" + identity;
  run_compute_cases({
      {"sum",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "400m", "400Mi", "100m", "200Mi")},
       sum,
       R"js({"limits":{"cpu":"600m","memory":"600Mi"},"requests":{"cpu":"150m","memory":"300Mi"}})js"},
      {"sum, cpu limit missing",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "", "400Mi", "100m", "200Mi")},
       sum,
       R"js({"limits":{"memory":"600Mi"},"requests":{"cpu":"150m","memory":"300Mi"}})js"},
      {"sum, requests missing",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "400m", "400Mi", "", "")},
       sum,
       R"js({"limits":{"cpu":"600m","memory":"600Mi"},"requests":{"cpu":"50m","memory":"100Mi"}})js"},
      {"sum, no requests at all: the request variable is zero",
       {container("app1", "200m", "200Mi", "", "")},
       sum,
       R"js({"limits":{"cpu":"200m","memory":"200Mi"},"requests":{"cpu":"0","memory":"0"}})js"},
      {"max",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "400m", "400Mi", "100m", "200Mi")},
       max,
       R"js({"limits":{"cpu":"400m","memory":"400Mi"},"requests":{"cpu":"100m","memory":"200Mi"}})js"},
      {"max, memory limit missing",
       {container("app1", "200m", "200Mi", "50m", "100Mi"),
        container("app2", "400m", "", "100m", "")},
       max,
       R"js({"limits":{"cpu":"400m"},"requests":{"cpu":"100m","memory":"100Mi"}})js"},
      {"max, equal values keep the first",
       {container("app1", "1", "1Gi", "", ""), container("app2", "1000m", "1024Mi", "", "")},
       max,
       R"js({"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"0","memory":"0"}})js"},
      // max hands back the container's own Quantity: Go keeps the string a canonical input was
      // written in ("+1"), and canonicalises the others ("0.5Gi" -> "512Mi").
      {"max returns the container's quantity as Go prints it",
       {container("app1", "+1", "0.5Gi", "", "")},
       max,
       R"js({"limits":{"cpu":"+1","memory":"512Mi"},"requests":{"cpu":"0","memory":"0"}})js"},
      {"unknown mode aggregates nothing",
       {container("app1", "200m", "200Mi", "50m", "100Mi")},
       R"js({"targetContainersMode":"avg",)js" + identity,
       R"js({"requests":{"cpu":"0","memory":"0"}})js"},
  });
}

TEST_CASE("compute_resources: shapes and error paths") {
  run_compute_cases({
      {"regex defaults to .*",
       {container("sidecar-engine-x", "300m", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       R"js({"limits":{"cpu":"300m"}})js"},
      {"unanchored regex matches inside the name",
       {container("a-engine-b", "300m", "", "", ""), container("other", "1", "", "", "")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"engine",
           "resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       R"js({"limits":{"cpu":"300m"}})js"},
      {"empty request expression sets nothing",
       {container("app", "300m", "", "100m", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"},
           "requests":{"cpu":""}}})js",
       R"js({"limits":{"cpu":"300m"}})js"},
      {"no limit anywhere: the limit is left unset",
       {container("app", "", "", "100m", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu*2"}}})js",
       "{}"},
      {// The variable is `memory` only when the word appears, so a bare number in a memory field
       // is still read as cores (OpenKruise does the same).
       "plain-number results are cores unless the expression names memory",
       {container("app", "1", "1Gi", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"0.25","memory":"1.5"}}})js",
       R"js({"limits":{"cpu":"250m","memory":"1500m"}})js"},
      {"bare-number and null pod quantities",
       {Json::parse(R"js({"name":"app","resources":{"limits":{"cpu":2,"memory":null}}})js")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu","memory":"memory"}}})js",
       R"js({"limits":{"cpu":"2","memory":"0"}})js"},
      {"pod quantity strings are trimmed",
       {container("app", " 500m ", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       R"js({"limits":{"cpu":"500m"}})js"},
      {"negative result",
       {container("app", "600m", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu - 1"}}})js",
       "error[resources_policy]: failed to evaluate CPU limits expression: failed to parse "
       "expression \"cpu - 1\": calculation result is negative: -400m"},
      {"bad cpu limit expression",
       {container("app", "600m", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu * invalid"}}})js",
       "error[resources_policy]: failed to evaluate CPU limits expression: failed to parse "
       "expression \"cpu * invalid\": undefined variable: invalid"},
      {"bad memory limit expression",
       {container("app", "", "1Gi", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"memory":"memory * 2Gi"}}})js",
       "error[resources_policy]: failed to evaluate memory limits expression: failed to parse "
       "expression \"memory * 2Gi\": multiplication of two quantities"},
      {"bad cpu request expression",
       {container("app", "", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"requests":{"cpu":"max(cpu)"}}})js",
       "error[resources_policy]: failed to evaluate CPU requests expression: failed to parse "
       "expression \"max(cpu)\": max function requires exactly 2 arguments, got 1"},
      {"bad memory request expression",
       {container("app", "", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"requests":{"memory":"(memory"}}})js",
       "error[resources_policy]: failed to evaluate memory requests expression: failed to parse "
       "expression \"(memory\": parse error: syntax error at line 1, col 8"},
      {"invalid regex reaching the pod path",
       {container("app", "", "", "", "")},
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"(",
           "resourcesExpr":{"limits":{"cpu":"1"}}})js",
       "error[resources_policy]: failed to get target containers: invalid regex pattern \"(\": "
       "error parsing regexp: missing closing ): `(`"},
      {"unparsable pod quantity",
       {container("app", "lots", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       "error[invalid_quantity]: container \"app\": resources.limits.cpu: quantities must match "
       "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"pod quantity of the wrong type",
       {Json::parse(R"js({"name":"app","resources":{"requests":{"memory":true}}})js")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       "error[invalid_quantity]: container \"app\": resources.requests.memory: quantities must "
       "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"aggregate too far apart to add exactly",
       {container("a", "1e9999", "", "", ""), container("b", "1n", "", "", "")},
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       "error[resources_policy]: aggregated cpu limit out of range"},
  });
}

TEST_CASE("evaluate_resource_expression: OpenKruise TestEvaluateResourceExpression") {
  struct Case {
    std::string expr;
    std::string aggregated;
    bool is_limit;
    std::string want;  // canonical result, "nil", or the error message
  };
  const Case cases[] = {
      {"", "100m", true, "nil"},
      {"", "100m", false, "0"},
      {"cpu*50%", "200m", true, "100m"},
      {"memory*30%", "600Mi", true, "180Mi"},
      {"max(cpu*50%, 100m)", "150m", true, "100m"},
      {"max(cpu*50%, 100m)", "400m", true, "200m"},
      {"cpu + 50m", "100m", true, "150m"},
      {"max(memory*20% + 100Mi, 200Mi)", "800Mi", true, "260Mi"},
      {"500m", "100m", true, "500m"},
      {"1Gi", "500Mi", true, "1Gi"},
      {"cpu * invalid", "100m", true,
       "failed to parse expression \"cpu * invalid\": undefined variable: invalid"},
      {"cpu*50%", "0", false, "0"},
      {"memory*25%", "400Mi", false, "100Mi"},
      {"1", "2", false, "1"},
      {"1", "2Mi", false, "1"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.expr << " @ " << c.aggregated << (c.is_limit ? " limit" : " request")) {
      auto agg = injector::parse_quantity(c.aggregated);
      REQUIRE(agg);
      const auto r = injector::evaluate_resource_expression(c.expr, *agg, c.is_limit);
      std::string got;
      if (!r) {
        CHECK(r.error().code == "resources_policy");
        got = r.error().message;
      } else {
        got = *r ? injector::format_quantity(**r) : "nil";
      }
      CHECK(got == c.want);
    }
  }
}

TEST_CASE("calculator: results and error texts as pkg/util/calculator gives them") {
  enum class Mode { kEvaluate, kCheck };
  struct Case {
    Mode mode;
    std::string expr;
    std::string arg;  // aggregated quantity (evaluate) or variable name (check)
    bool is_limit;
    std::string want;  // "= <quantity>" for an evaluated result, "" for a valid check
  };
  const Case cases[] = {
      {Mode::kEvaluate, "./ cpu", "400m", true,
       "failed to parse expression \"./ cpu\": division by quantity"},
      {Mode::kEvaluate, "3K /1T", "1", false,
       "failed to parse expression \"3K /1T\": division by quantity"},
      {Mode::kEvaluate, "(0%+ 50m) +100m  -max(1Gi, -1T  )/ cpu, 0%)", "3e3", true,
       "failed to parse expression \"(0%+ 50m) +100m  -max(1Gi, -1T  )/ cpu, 0%)\": division by "
       "quantity"},
      {Mode::kEvaluate, "1e/ .", "150m", true,
       "failed to parse expression \"1e/ .\": division by zero"},
      {Mode::kEvaluate, "(1P/1e)", "150m", false,
       "failed to parse expression \"(1P/1e)\": division by zero"},
      {Mode::kEvaluate, "1e-400/min(.5m, 100Mi * -invalid  +CPU/10Ei", "200m", false,
       "failed to parse expression \"1e-400/min(.5m, 100Mi * -invalid  +CPU/10Ei\": division by "
       "zero"},
      {Mode::kEvaluate, "MAX(.)", "9Ei", false,
       "failed to parse expression \"MAX(.)\": max function requires exactly 2 arguments, got 1"},
      {Mode::kEvaluate, "max(.)", "3e3", false,
       "failed to parse expression \"max(.)\": max function requires exactly 2 arguments, got 1"},
      {Mode::kEvaluate, "MAX(1.5G * 3Ki /. +1.5, (max((1))))", "0", true,
       "failed to parse expression \"MAX(1.5G * 3Ki /. +1.5, (max((1))))\": max function requires "
       "exactly 2 arguments, got 1"},
      {Mode::kEvaluate, "min(0)", "123456789", false,
       "failed to parse expression \"min(0)\": min function requires exactly 2 arguments, got 1"},
      {Mode::kEvaluate, "min(1)", "7", true,
       "failed to parse expression \"min(1)\": min function requires exactly 2 arguments, got 1"},
      {Mode::kEvaluate, ".  +min(1e400)/ (5x) (/ 1.5 +0.1 *30%", "9Ei", true,
       "failed to parse expression \".  +min(1e400)/ (5x) (/ 1.5 +0.1 *30%\": min function "
       "requires exactly 2 arguments, got 1"},
      {Mode::kEvaluate, "7k * 2M", "1.5", false,
       "failed to parse expression \"7k * 2M\": multiplication of two quantities"},
      {Mode::kEvaluate, "2M * 3Ki", "0", false,
       "failed to parse expression \"2M * 3Ki\": multiplication of two quantities"},
      {Mode::kEvaluate, "200Mi / max(7, 33%) * cpu * max(0.3, 2) / 33%", "400m", false,
       "failed to parse expression \"200Mi / max(7, 33%) * cpu * max(0.3, 2) / 33%\": "
       "multiplication of two quantities"},
      {Mode::kEvaluate, "-0.1", "600Mi", false,
       "failed to parse expression \"-0.1\": calculation result is negative: -0.1"},
      {Mode::kEvaluate, "-0.1", "600m", true,
       "failed to parse expression \"-0.1\": calculation result is negative: -0.1"},
      {Mode::kEvaluate, "((-0.1))", "400m", false,
       "failed to parse expression \"((-0.1))\": calculation result is negative: -0.1"},
      {Mode::kEvaluate, "-1", "1Gi", false,
       "failed to parse expression \"-1\": calculation result is negative: -1"},
      {Mode::kEvaluate, "-1.", "100Mi", false,
       "failed to parse expression \"-1.\": calculation result is negative: -1"},
      {Mode::kEvaluate, "(min(30% - (100Mi), 100m))", "123456789", false,
       "failed to parse expression \"(min(30% - (100Mi), 100m))\": calculation result is negative: "
       "-104857599700m"},
      {Mode::kEvaluate, "-1e400", "800Mi", false,
       "failed to parse expression \"-1e400\": calculation result is negative: -Inf"},
      {Mode::kEvaluate, "-1e400", "150m", true,
       "failed to parse expression \"-1e400\": calculation result is negative: -Inf"},
      {Mode::kEvaluate, "-.5m", "600Mi", false,
       "failed to parse expression \"-.5m\": calculation result is negative: -500u"},
      {Mode::kEvaluate, "-.5m", "1e30", false,
       "failed to parse expression \"-.5m\": calculation result is negative: -500u"},
      {Mode::kEvaluate, "memory - 30% * 200Mi + 150% + 50% - 7", "0", false,
       "failed to parse expression \"memory - 30% * 200Mi + 150% + 50% - 7\": calculation result "
       "is negative: -62914565"},
      {Mode::kEvaluate, "-2", "7", true,
       "failed to parse expression \"-2\": calculation result is negative: -2"},
      {Mode::kEvaluate, "-2", "0", true,
       "failed to parse expression \"-2\": calculation result is negative: -2"},
      {Mode::kEvaluate, "0.5 + 0.1 - min(7, 2M) / 0.1", "7", false,
       "failed to parse expression \"0.5 + 0.1 - min(7, 2M) / 0.1\": calculation result is "
       "negative: -69400m"},
      {Mode::kEvaluate, "1e5m", "150m", true,
       "failed to parse expression \"1e5m\": quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kEvaluate, "1e5m", "600Mi", false,
       "failed to parse expression \"1e5m\": quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kEvaluate, "200Mi*((invalid))  +1e400* 1e5m- max(1,2)", "1Gi", false,
       "failed to parse expression \"200Mi*((invalid))  +1e400* 1e5m- max(1,2)\": quantities must "
       "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kEvaluate, "%.", "9Ei", true,
       "failed to parse expression \"%.\": parse error: syntax error at line 1, col 2"},
      {Mode::kEvaluate, "()", "0", false,
       "failed to parse expression \"()\": parse error: syntax error at line 1, col 3"},
      {Mode::kEvaluate, "(max(1,2)  / 1e40.0  + 100Mi)-invalid", "1e30", true,
       "failed to parse expression \"(max(1,2)  / 1e40.0  + 100Mi)-invalid\": parse error: syntax "
       "error at line 1, col 20"},
      {Mode::kEvaluate, "T", "2", false, "failed to parse expression \"T\": undefined variable: t"},
      {Mode::kEvaluate, "e", "1e30", true,
       "failed to parse expression \"e\": undefined variable: e"},
      {Mode::kEvaluate, "1  -min(., cpu)  + invalid  * -1e", "800Mi", true,
       "failed to parse expression \"1  -min(., cpu)  + invalid  * -1e\": undefined variable: "
       "invalid"},
      {Mode::kEvaluate, "foo(1)", "7", false,
       "failed to parse expression \"foo(1)\": unknown function: foo"},
      {Mode::kEvaluate, "foo(1T)", "600m", false,
       "failed to parse expression \"foo(1T)\": unknown function: foo"},
      {Mode::kEvaluate, "foo(min(cpu,1), -2e-1  *e-1  - 100m) *(3Ki)", "1", true,
       "failed to parse expression \"foo(min(cpu,1), -2e-1  *e-1  - 100m) *(3Ki)\": unknown "
       "function: foo"},
      {Mode::kCheck, ". / 2M", "cpu", false, "invalid expression: division by quantity"},
      {Mode::kCheck, "2  /7k", "cpu", false, "invalid expression: division by quantity"},
      {Mode::kCheck, "foo(1.5G* 30%)  -200Mi  / 1T /(1e400) *-@1e", "memory", false,
       "invalid expression: division by quantity"},
      {Mode::kCheck, "1E/ 5x", "memory", false, "invalid expression: division by zero"},
      {Mode::kCheck, "1e3/5x", "cpu", false, "invalid expression: division by zero"},
      {Mode::kCheck, "MAX(.  + 0%, 100m * 1Gi- 50m  /10Ei/1e5m)", "memory", false,
       "invalid expression: division by zero"},
      {Mode::kCheck, "max(0)", "cpu", false,
       "invalid expression: max function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "max(12)", "cpu", false,
       "invalid expression: max function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "max(MAX(MAX(1e-400), 1Gi -1.5G)/1P)", "memory", false,
       "invalid expression: max function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "min(0)", "cpu", false,
       "invalid expression: min function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "min(1.5)", "memory", false,
       "invalid expression: min function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "0 / (min(-150%, -Memory))- min(x)", "memory", false,
       "invalid expression: min function requires exactly 2 arguments, got 1"},
      {Mode::kCheck, "-1P* -2M", "cpu", false,
       "invalid expression: multiplication of two quantities"},
      {Mode::kCheck, "2M  * 3Ki", "cpu", false,
       "invalid expression: multiplication of two quantities"},
      {Mode::kCheck, "1T * max(-100Mi, 1Gi)  )*invalid* ((50m))", "cpu", false,
       "invalid expression: multiplication of two quantities"},
      {Mode::kCheck, "-5%", "cpu", false,
       "invalid expression: calculation result is negative: -0.05"},
      {Mode::kCheck, "-0.1", "cpu", false,
       "invalid expression: calculation result is negative: -0.1"},
      {Mode::kCheck, "(-2e-1)", "cpu", false,
       "invalid expression: calculation result is negative: -0.2"},
      {Mode::kCheck, "-1", "memory", false,
       "invalid expression: calculation result is negative: -1"},
      {Mode::kCheck, "-1", "memory", false,
       "invalid expression: calculation result is negative: -1"},
      {Mode::kCheck, "-1 -1Gi", "memory", false,
       "invalid expression: calculation result is negative: -1073741825"},
      {Mode::kCheck, "-1e400", "cpu", false,
       "invalid expression: calculation result is negative: -Inf"},
      {Mode::kCheck, "-1e400", "memory", false,
       "invalid expression: calculation result is negative: -Inf"},
      {Mode::kCheck, "-200Mi", "memory", false,
       "invalid expression: calculation result is negative: -200Mi"},
      {Mode::kCheck, "-200Mi", "cpu", false,
       "invalid expression: calculation result is negative: -200Mi"},
      {Mode::kCheck, "-2", "cpu", false, "invalid expression: calculation result is negative: -2"},
      {Mode::kCheck, "-50", "cpu", false,
       "invalid expression: calculation result is negative: -50"},
      {Mode::kCheck, "7k * -0.5 +0", "cpu", false,
       "invalid expression: calculation result is negative: -3500"},
      {Mode::kCheck, "1e5m", "cpu", false,
       "invalid expression: quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kCheck, "1e5m", "cpu", false,
       "invalid expression: quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kCheck, "-2M* -150%* 50%-Memory  / 1E+3Ki / -0%", "memory", false,
       "invalid expression: quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {Mode::kCheck, "%", "memory", false,
       "invalid expression: parse error: syntax error at line 1, col 2"},
      {Mode::kCheck, "(2", "memory", false,
       "invalid expression: parse error: syntax error at line 1, col 3"},
      {Mode::kCheck, "(max(1Gi+100m-(-1Gi), (0.1)-+ 7k /0.5, 1e5m))", "memory", false,
       "invalid expression: parse error: syntax error at line 1, col 30"},
      {Mode::kCheck, "E", "cpu", false, "invalid expression: undefined variable: e"},
      {Mode::kCheck, "e", "memory", false, "invalid expression: undefined variable: e"},
      {Mode::kCheck, "3Ki - (max(50%+1.5G, 50% / invalid))", "memory", false,
       "invalid expression: undefined variable: invalid"},
      {Mode::kCheck, "foo(1)", "memory", false, "invalid expression: unknown function: foo"},
      {Mode::kCheck, "ax(1,2)", "cpu", false, "invalid expression: unknown function: ax"},
      {Mode::kCheck, "(foo(1P))+ (1.5+x)  -foo(.5m  +1e3, 2* 1000m)", "cpu", false,
       "invalid expression: unknown function: foo"},
      {Mode::kEvaluate, "2", "123456789", false, "= 2"},
      {Mode::kEvaluate, "3", "800Mi", true, "= 3"},
      {Mode::kEvaluate, "0%", "1e30", true, "= 0"},
      {Mode::kEvaluate, "1P", "0", true, "= 1P"},
      {Mode::kEvaluate, "2M", "123456789", true, "= 2M"},
      {Mode::kEvaluate, "7k", "150m", false, "= 7k"},
      {Mode::kEvaluate, "(2)", "1n", false, "= 2"},
      {Mode::kEvaluate, "0.3", "0.001", true, "= 300m"},
      {Mode::kEvaluate, "0.3", "5Ti", false, "= 300m"},
      {Mode::kEvaluate, "0.5", "1n", true, "= 500m"},
      {Mode::kEvaluate, "0.5", "1.5Gi", true, "= 500m"},
      {Mode::kEvaluate, "1Gi", "2500m", false, "= 1Gi"},
      {Mode::kEvaluate, "1Gi", "1.5", true, "= 1Gi"},
      {Mode::kEvaluate, "1Gi", "1G", false, "= 1Gi"},
      {Mode::kEvaluate, "1e3", "123456789", false, "= 1k"},
      {Mode::kEvaluate, "33%", "3e6", true, "= 330m"},
      {Mode::kEvaluate, "33%", "0", false, "= 330m"},
      {Mode::kEvaluate, "50m", "0", false, "= 50m"},
      {Mode::kEvaluate, "CPU", "200m", false, "= 200m"},
      {Mode::kEvaluate, "1.5G", "7Ki", false, "= 1500M"},
      {Mode::kEvaluate, "100m", "200m", true, "= 100m"},
      {Mode::kEvaluate, "150%", "800Mi", true, "= 1500m"},
      {Mode::kEvaluate, "5*0m", "100Mi", false, "= 0"},
      {Mode::kEvaluate, "(50%)", "1.5Gi", false, "= 500m"},
      {Mode::kEvaluate, "1000m", "1.5", true, "= 1"},
      {Mode::kEvaluate, "100Mi", "2500m", true, "= 100Mi"},
      {Mode::kEvaluate, "100Mi", "1", false, "= 100Mi"},
      {Mode::kEvaluate, "memory", "5Ti", true, "= 5Ti"},
      {Mode::kEvaluate, "((999m))", "1000", true, "= 999m"},
      {Mode::kEvaluate, "(memory)", "800Mi", true, "= 800Mi"},
      {Mode::kEvaluate, "(0.1) + 3", "1Gi", false, "= 3100m"},
      {Mode::kEvaluate, "min(cpu,1)", "400m", false, "= 400m"},
      {Mode::kEvaluate, "(1.5G) + (1)", "123456789", false, "= 1500000001"},
      {Mode::kEvaluate, "max(0.3, 1Gi)", "0", true, "= 1Gi"},
      {Mode::kEvaluate, "(100Mi / 20% - 3)", "800Mi", true, "= 524287997"},
      {Mode::kEvaluate, "(3Ki + 1Gi * 0.3)", "2500m", false, "= 322125619200m"},
      {Mode::kEvaluate, "max(100Mi - 7k, 20%)", "600Mi", false, "= 104850600"},
      {Mode::kEvaluate, "max(3, min(33%, cpu))", "200m", true, "= 3"},
      {Mode::kEvaluate, "min(max(1e3, 1000m), 7)", "1.5", false, "= 7"},
      {Mode::kEvaluate, "7k - 0.3 / 20% - 1.5 + 0.1", "1.5", false, "= 6997101m"},
      {Mode::kEvaluate, "(1n) + min(33%, cpu / 1 * 150%)", "1.5", false, "= 330m"},
      {Mode::kEvaluate, "min((7k) + 0.3, ((7k) + (0.1)))", "7", true, "= 7000100m"},
      {Mode::kEvaluate, "max(0.0000001 + 50m - 50% + 999m / 33% - 1n, 0.001)", "3e6", true,
       "= 2577m"},
      {Mode::kEvaluate, "max(max(1.5G, (100Mi) / 7), max(min(30%, 1e3), max(1e3, max(1.5G, 1))))",
       "1.5", false, "= 1500M"},
      {Mode::kEvaluate,
       "Max(MAX(50m + 2e-1 *2e-1  / 1.5, Max(MAX(-1000m, -7k), 1e-400  - 1000m)), max(MAX(MAX(1P, "
       "50%), (1.5)), .5m* 150%))",
       "1.5", false, "= 1P"},
      // Lexer details: line/column of goyacc's error, NUL ends the input, Latin-1 letters.
      {Mode::kCheck, "1 +\n  (2", "cpu", false,
       "invalid expression: parse error: syntax error at line 2, col 5"},
      {Mode::kCheck, "cpu\n2", "cpu", false,
       "invalid expression: parse error: syntax error at line 2, col 2"},
      {Mode::kCheck, "cpu * 2 \xc3\xa9", "cpu", false,
       "invalid expression: parse error: syntax error at line 1, col 10"},
      {Mode::kCheck, " 1 2", "cpu", false,
       "invalid expression: parse error: syntax error at line 1, col 5"},
      {Mode::kCheck, std::string("1\0 garbage", 10), "cpu", false, ""},
      {Mode::kCheck, "   ", "cpu", false,
       "invalid expression: parse error: syntax error at line 1, col 4"},
      {Mode::kCheck, "\t1\t+", "cpu", false,
       "invalid expression: parse error: syntax error at line 1, col 5"},
      {Mode::kCheck, "cpu * _x", "cpu", false,
       "invalid expression: parse error: syntax error at line 1, col 8"},
      {Mode::kCheck, "cpu\xc2\xa0* 2", "cpu", false,
       "invalid expression: undefined variable: cpu\xef\xbf\xbd"},
      // fmt's %g for negative numbers.
      {Mode::kCheck, "cpu - 1234568", "cpu", false,
       "invalid expression: calculation result is negative: -1.234567e+06"},
      {Mode::kCheck, "0 - 0.00001", "cpu", false,
       "invalid expression: calculation result is negative: -1e-05"},
      {Mode::kCheck, "0-123456.5", "cpu", false,
       "invalid expression: calculation result is negative: -123456.5"},
      {Mode::kCheck, "0-100000000000000000000000", "cpu", false,
       "invalid expression: calculation result is negative: -1e+23"},
      {Mode::kCheck, "0 - 0.0001234", "cpu", false,
       "invalid expression: calculation result is negative: -0.0001234"},
      // OpenKruise's own validation examples.
      {Mode::kCheck, "0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)", "cpu", false, ""},
      {Mode::kCheck, "max(memory*50%, 100Mi)", "memory", false, ""},
      {Mode::kCheck, "invalid expression @#$", "cpu", false,
       "invalid expression: undefined variable: invalid"},
      {Mode::kCheck, "invalidvar * 50%", "cpu", false,
       "invalid expression: undefined variable: invalidvar"},
      {Mode::kCheck, "", "cpu", false, ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION((c.mode == Mode::kCheck ? "check " : "evaluate ") << c.expr << " @ " << c.arg) {
      if (c.mode == Mode::kCheck) {
        const auto err = injector::check_resource_expression(c.expr, c.arg);
        CHECK(err.value_or("") == c.want);
      } else {
        auto agg = injector::parse_quantity(c.arg);
        REQUIRE(agg);
        const auto r = injector::evaluate_resource_expression(c.expr, *agg, c.is_limit);
        std::string got;
        if (!r) {
          got = r.error().message;
        } else {
          got = *r ? "= " + injector::format_quantity(**r) : "nil";
        }
        CHECK(got == c.want);
      }
    }
  }
}

TEST_CASE("calculator: nesting is capped at 100 levels instead of exhausting the stack") {
  // goyacc's stack grows without bound; a recursive evaluator must stop first (a SidecarSet with
  // 900 nested parentheses overflowed the stack under the fuzzer).
  const auto nested = [](int n, std::string_view open, std::string_view inner,
                         std::string_view close) {
    std::string e;
    for (int i = 0; i < n; ++i) {
      e += open;
    }
    e += inner;
    for (int i = 0; i < n; ++i) {
      e += close;
    }
    return e;
  };
  // 99 parentheses are 100 levels with the innermost factor: still evaluated.
  auto ok = injector::calculate(nested(99, "(", "cpu", ")"), {{"cpu", {false, 2, {}}}});
  REQUIRE(ok);
  CHECK(ok->number == 2);
  auto calls = injector::calculate(nested(49, "max(1, ", "cpu", ")"), {{"cpu", {false, 3, {}}}});
  REQUIRE(calls);
  CHECK(calls->number == 3);
  // One more is refused at the token that goes too deep, positioned as goyacc positions errors
  // (the column after that token).
  auto deep = injector::calculate(nested(100, "(", "cpu", ")"), {{"cpu", {false, 2, {}}}});
  REQUIRE_FALSE(deep);
  CHECK(deep.error() == "parse error: expression nests deeper than 100 levels at line 1, col 104");
  auto minus = injector::calculate(std::string(5000, '-') + "1", {});
  REQUIRE_FALSE(minus);
  CHECK(minus.error() == "parse error: expression nests deeper than 100 levels at line 1, col 102");
  for (std::string_view open : {"(", "max(", "-"}) {
    const std::string huge = nested(20000, open, "1", open == "-" ? "" : ")");
    CHECK_FALSE(injector::calculate(huge, {}));
    CHECK(injector::check_resource_expression(huge, "cpu")
              .value_or("")
              .starts_with(
                  "invalid expression: parse error: expression nests deeper than 100 levels"));
  }
}

TEST_CASE("validate_resources_policy: every message, in field.Error form") {
  const std::string f = "spec.containers[0].resourcesPolicy";
  const std::string regex_error = f + ".targetContainersNameRegex: Invalid value: ";
  struct Case {
    std::string name;
    std::string policy;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"valid with limits and requests",
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^app.*$","resourcesExpr":{
           "limits":{"cpu":"max(cpu*50%, 50m)","memory":"max(memory*50%, 100Mi)"},
           "requests":{"cpu":"max(cpu*50%, 50m)","memory":"max(memory*50%, 100Mi)"}}})js",
       {}},
      {"valid, regex absent (defaults to .*), only requests",
       R"js({"targetContainersMode":"max","resourcesExpr":{"requests":{"memory":"100Mi"}}})js",
       {}},
      {"valid story-5 expression",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{
           "cpu":"0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)"}}})js",
       {}},
      {"empty expressions are allowed",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":""},"requests":{}}})js",
       {}},
      {"valid: \\C inside a \\Q...\\E literal",
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^app\\Q\\C\\E",
           "resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       {}},
      {"mode missing",
       R"js({"resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       {f + ".targetContainersMode: Required value"}},
      {"mode not in the enum",
       R"js({"targetContainersMode":"avg","resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       {f + ".targetContainersMode: Unsupported value: \"avg\": supported values: \"sum\", "
            "\"max\""}},
      {"mode of the wrong type",
       R"js({"targetContainersMode":5,"resourcesExpr":{"limits":{"cpu":"cpu"}}})js",
       {f + ".targetContainersMode: Invalid value: \"integer\": " + f +
        ".targetContainersMode in body must be of type string: \"integer\""}},
      {"empty regex",
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"",
           "resourcesExpr":{"limits":{"cpu":"cpu*50%"}}})js",
       {f + ".targetContainersNameRegex: Required value: invalid empty regex"}},
      {"invalid regex",
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"[invalid(regex",
           "resourcesExpr":{"limits":{"cpu":"cpu*50%"}}})js",
       {regex_error + "\"[invalid(regex\": invalid regex pattern: error parsing regexp: "
                      "missing closing ]: `[invalid(regex`"}},
      {"resourcesExpr missing",
       R"js({"targetContainersMode":"sum"})js",
       {f + ".resourcesExpr: Required value"}},
      {"neither limits nor requests",
       R"js({"targetContainersMode":"sum","targetContainersNameRegex":"^app.*$","resourcesExpr":{}})js",
       {f + ".resourcesExpr: Invalid value: {}: at least one of limits or requests must be "
            "configured"}},
      {"invalid cpu limit",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"cpu * invalid"}}})js",
       {f + ".resourcesExpr.limits.cpu: Invalid value: \"cpu * invalid\": invalid expression: "
            "undefined variable: invalid"}},
      {"unbalanced parentheses",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"max(cpu*50%, 50m"}}})js",
       {f + ".resourcesExpr.limits.cpu: Invalid value: \"max(cpu*50%, 50m\": invalid "
            "expression: parse error: syntax error at line 1, col 17"}},
      {"invalid function arity",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":"max(cpu*50%)"}}})js",
       {f + ".resourcesExpr.limits.cpu: Invalid value: \"max(cpu*50%)\": invalid expression: max "
            "function requires exactly 2 arguments, got 1"}},
      {"invalid memory limit (the field's own variable is bound)",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"memory":"cpu*2"}}})js",
       {f + ".resourcesExpr.limits.memory: Invalid value: \"cpu*2\": invalid expression: "
            "undefined variable: cpu"}},
      {"invalid cpu request",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"requests":{"cpu":"invalid_cpu_expr"}}})js",
       {f + ".resourcesExpr.requests.cpu: Invalid value: \"invalid_cpu_expr\": invalid "
            "expression: undefined variable: invalid_cpu_expr"}},
      {"invalid memory request",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"requests":{"memory":"bad_memory_expr"}}})js",
       {f + ".resourcesExpr.requests.memory: Invalid value: \"bad_memory_expr\": invalid "
            "expression: undefined variable: bad_memory_expr"}},
      {"negative with the dummy value 1",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"requests":{"cpu":"cpu - 2"}}})js",
       {f + ".resourcesExpr.requests.cpu: Invalid value: \"cpu - 2\": invalid expression: "
            "calculation result is negative: -1"}},
      {"every problem at once",
       R"js({"targetContainersMode":"avg","targetContainersNameRegex":"(",
           "resourcesExpr":{"limits":{"cpu":"1 +","memory":"x"},"requests":{"cpu":"2 2"}}})js",
       {f + ".targetContainersMode: Unsupported value: \"avg\": supported values: \"sum\", "
            "\"max\"",
        regex_error + "\"(\": invalid regex pattern: error parsing regexp: missing closing ): `(`",
        f + ".resourcesExpr.limits.cpu: Invalid value: \"1 +\": invalid expression: parse error: "
            "syntax error at line 1, col 4",
        f + ".resourcesExpr.limits.memory: Invalid value: \"x\": invalid expression: undefined "
            "variable: x",
        f + ".resourcesExpr.requests.cpu: Invalid value: \"2 2\": invalid expression: parse "
            "error: syntax error at line 1, col 4"}},
      {"policy of the wrong type",
       R"js("sum")js",
       {f + ": Invalid value: \"string\": " + f + " in body must be of type object: \"string\""}},
      {"limits of the wrong type",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":"cpu"}})js",
       {f + ".resourcesExpr.limits: Invalid value: \"string\": " + f +
        ".resourcesExpr.limits in body must be of type object: \"string\""}},
      {"expression of the wrong type",
       R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{"cpu":2}}})js",
       {f + ".resourcesExpr.limits.cpu: Invalid value: \"integer\": " + f +
        ".resourcesExpr.limits.cpu in body must be of type string: \"integer\""}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(injector::validate_resources_policy(Json::parse(c.policy), f) == c.want);
    }
  }
}

TEST_CASE("validate_resources_policy: regex errors read as Go's regexp.Compile") {
  struct Case {
    std::string regex;
    std::string quoted;    // fmt's %q of the regex
    std::string go_error;  // regexp.Compile(regex).Error()
  };
  const Case cases[] = {
      {"(abc", "\"(abc\"", "error parsing regexp: missing closing ): `(abc`"},
      {"abc)", "\"abc)\"", "error parsing regexp: unexpected ): `abc)`"},
      {"*a", "\"*a\"", "error parsing regexp: missing argument to repetition operator: `*`"},
      {"a**", "\"a**\"", "error parsing regexp: invalid nested repetition operator: `**`"},
      {"a{2,1}", "\"a{2,1}\"", "error parsing regexp: invalid repeat count: `{2,1}`"},
      {"[z-a]", "\"[z-a]\"", "error parsing regexp: invalid character class range: `z-a`"},
      {"\\q", "\"\\\\q\"", "error parsing regexp: invalid escape sequence: `\\q`"},
      {"abc\\", "\"abc\\\\\"", "error parsing regexp: trailing backslash at end of expression: ``"},
      {"a{1001}", "\"a{1001}\"", "error parsing regexp: invalid repeat count: `{1001}`"},
      {"(?P<>a)", "\"(?P<>a)\"", "error parsing regexp: invalid named capture: `(?P<>`"},
      {"\t(", "\"\\t(\"", "error parsing regexp: missing closing ): `\t(`"},
      // RE2 accepts \C; Go does not (a \Q...\E literal is fine).
      {"a\\Cb", "\"a\\\\Cb\"", "error parsing regexp: invalid escape sequence: `\\C`"},
  };
  const std::string f = "spec.initContainers[1].resourcesPolicy";
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.quoted) {
      Json policy =
          Json::parse(R"js({"targetContainersMode":"sum","resourcesExpr":{"limits":{}}})js");
      policy["targetContainersNameRegex"] = c.regex;
      CHECK(injector::validate_resources_policy(policy, f) ==
            std::vector<std::string>{f + ".targetContainersNameRegex: Invalid value: " + c.quoted +
                                     ": invalid regex pattern: " + c.go_error});
    }
  }
}
