#include "injector/kube/selector.hpp"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using injector::Json;
using injector::Labels;
using injector::LabelSelector;

namespace {

LabelSelector sel(const char* json) {
  auto s = injector::parse_label_selector(Json::parse(json), "spec.selector");
  REQUIRE(s.has_value());
  return *s;
}

}  // namespace

TEST_CASE("parse_label_selector reads matchLabels sorted and expressions in order") {
  auto s = sel(R"({"matchLabels":{"b":"2","a":"1"},
                   "matchExpressions":[{"key":"k","operator":"In","values":["x","y"]},
                                       {"key":"e","operator":"Exists"}]})");
  REQUIRE(s.match_labels ==
          std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}});
  REQUIRE(s.expressions.size() == 2);
  CHECK(s.expressions[0].key == "k");
  CHECK(s.expressions[0].op == "In");
  CHECK(s.expressions[0].values == std::vector<std::string>{"x", "y"});
  CHECK(s.expressions[1].values.empty());
  CHECK(sel("{}").empty());
  CHECK(sel(R"({"matchLabels":null,"matchExpressions":null})").empty());
}

TEST_CASE("parse_label_selector shape errors name the field") {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"("app=web")", "spec.selector: must be an object"},
      {R"({"matchLabels":["a"]})", "spec.selector.matchLabels: must be an object"},
      {R"({"matchLabels":{"app":1}})", "spec.selector.matchLabels.app: must be a string"},
      {R"({"matchExpressions":{}})", "spec.selector.matchExpressions: must be an array"},
      {R"({"matchExpressions":[1]})", "spec.selector.matchExpressions[0]: must be an object"},
      {R"({"matchExpressions":[{"key":1}]})",
       "spec.selector.matchExpressions[0].key: must be a string"},
      {R"({"matchExpressions":[{"key":"a","operator":true}]})",
       "spec.selector.matchExpressions[0].operator: must be a string"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":"x"}]})",
       "spec.selector.matchExpressions[0].values: must be an array"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":["x",2]}]})",
       "spec.selector.matchExpressions[0].values[1]: must be a string"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.json) {
      auto s = injector::parse_label_selector(Json::parse(c.json), "spec.selector");
      REQUIRE_FALSE(s.has_value());
      CHECK(s.error().code == "invalid_selector");
      CHECK(s.error().message == c.message);
    }
  }
}

TEST_CASE("selector_matches implements label-selector semantics") {
  struct Case {
    const char* selector;
    Labels labels;
    bool matches;
  };
  const Case cases[] = {
      {R"({"matchLabels":{"app":"web"}})", {{"app", "web"}}, true},
      {R"({"matchLabels":{"app":"web"}})", {{"app", "db"}}, false},
      {R"({"matchLabels":{"app":"web"}})", {}, false},
      {R"({"matchLabels":{"app":"web","tier":"fe"}})", {{"app", "web"}}, false},
      {R"({"matchExpressions":[{"key":"app","operator":"In","values":["a","web"]}]})",
       {{"app", "web"}},
       true},
      {R"({"matchExpressions":[{"key":"app","operator":"In","values":["a"]}]})",
       {{"app", "web"}},
       false},
      {R"({"matchExpressions":[{"key":"app","operator":"In","values":["a"]}]})", {}, false},
      {R"({"matchExpressions":[{"key":"app","operator":"NotIn","values":["a"]}]})", {}, true},
      {R"({"matchExpressions":[{"key":"app","operator":"NotIn","values":["web"]}]})",
       {{"app", "web"}},
       false},
      {R"({"matchExpressions":[{"key":"app","operator":"Exists"}]})", {{"app", ""}}, true},
      {R"({"matchExpressions":[{"key":"app","operator":"Exists"}]})", {}, false},
      {R"({"matchExpressions":[{"key":"app","operator":"DoesNotExist"}]})", {}, true},
      {R"({"matchExpressions":[{"key":"app","operator":"DoesNotExist"}]})", {{"app", "x"}}, false},
      {R"({"matchLabels":{"app":"web"},
           "matchExpressions":[{"key":"canary","operator":"DoesNotExist"}]})",
       {{"app", "web"}, {"canary", "true"}},
       false},
      {"{}", {{"app", "web"}}, true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.selector) {
      auto r = injector::selector_matches(sel(c.selector), c.labels);
      REQUIRE(r.has_value());
      CHECK(*r == c.matches);
    }
  }
}

TEST_CASE("selector_matches rejects an unknown operator even when matchLabels fail") {
  auto s = sel(R"({"matchLabels":{"app":"web"},
                   "matchExpressions":[{"key":"canary","operator":"badOp","values":["true"]}]})");
  for (const Labels& labels : {Labels{{"app", "web"}}, Labels{}}) {
    auto r = injector::selector_matches(s, labels);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "invalid_selector");
    CHECK(r.error().message == R"("badOp" is not a valid label selector operator)");
  }
}

TEST_CASE("validate_label_selector reports Kubernetes selector validation errors") {
  const std::string label_msg =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
      "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
      "'my_value',  or '12345', regex used for validation is "
      "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const std::string name_msg =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
      "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
      "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  struct Case {
    const char* selector;
    std::vector<std::string> errors;
  };
  const Case cases[] = {
      {R"({"matchLabels":{"app":"web"}})", {}},
      {R"({"matchExpressions":[{"key":"app","operator":"NotIn","values":["app-risk-"]}]})",
       {"f.matchExpressions[0].values[0]: Invalid value: \"app-risk-\": " + label_msg}},
      {R"({"matchLabels":{"-bad":"ok"}})", {"f.matchLabels: Invalid value: \"-bad\": " + name_msg}},
      {R"({"matchLabels":{"ok":"bad-"}})",
       {"f.matchLabels: Invalid value: \"bad-\": " + label_msg}},
      {R"({"matchExpressions":[{"key":"a","operator":"In"}]})",
       {"f.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' "
        "or 'NotIn'"}},
      {R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})",
       {"f.matchExpressions[0].values: Forbidden: may not be specified when `operator` is "
        "'Exists' or 'DoesNotExist'"}},
      {R"({"matchExpressions":[{"key":"a","operator":"badOp"}]})",
       {"f.matchExpressions[0].operator: Invalid value: \"badOp\": not a valid selector "
        "operator"}},
      {R"({"matchExpressions":[{"key":"","operator":"Exists"}]})",
       {"f.matchExpressions[0].key: Invalid value: \"\": name part must be non-empty"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.selector) {
      CHECK(injector::validate_label_selector(sel(c.selector), "f") == c.errors);
    }
  }
}

TEST_CASE("qualified names, label values and DNS names") {
  CHECK(injector::qualified_name_errors("kubernetes.io/metadata.name").empty());
  CHECK(injector::qualified_name_errors("App_1.x").empty());
  CHECK(injector::qualified_name_errors("/a") ==
        std::vector<std::string>{"prefix part must be non-empty"});
  CHECK(injector::qualified_name_errors("a/b/c").size() == 1);
  CHECK(injector::qualified_name_errors("Bad_Prefix/a").size() == 1);
  CHECK(injector::qualified_name_errors(std::string(64, 'a')) ==
        std::vector<std::string>{"name part must be no more than 63 characters"});
  CHECK(injector::label_value_errors("").empty());
  CHECK(injector::label_value_errors(std::string(64, 'a')) ==
        std::vector<std::string>{"must be no more than 63 characters"});
  CHECK(injector::dns1123_label_errors("log-agent").empty());
  CHECK(injector::dns1123_label_errors("Log").size() == 1);
  CHECK(injector::dns1123_subdomain_errors("a.b-c.d").empty());
  CHECK(injector::dns1123_subdomain_errors("a..b").size() == 1);
}

// §7 item 34: OpenKruise's selector overlap table (pkg/util/selector_test.go).
TEST_CASE("selectors_overlap follows the upstream heuristic") {
  struct Case {
    const char* a;
    const char* b;
    bool overlap;
  };
  const Case cases[] = {
      {R"({"matchLabels":{"a":"h"}})", R"({"matchLabels":{"a":"h"}})", true},
      {R"({"matchLabels":{"a":"h"}})", R"({"matchLabels":{"a":"i"}})", false},
      {R"({"matchLabels":{"a":"h"}})", R"({"matchLabels":{"b":"i"}})", true},
      {R"({"matchLabels":{"a":"h","b":"i","c":"j"}})",
       R"({"matchLabels":{"a":"h","b":"x","c":"j"}})", false},
      {R"({"matchLabels":{"a":"h"}})",
       R"({"matchExpressions":[{"key":"a","operator":"In","values":["h","i","j"]}]})", true},
      {R"({"matchLabels":{"a":"h"}})",
       R"({"matchExpressions":[{"key":"a","operator":"In","values":["i","j"]}]})", false},
      {R"({"matchExpressions":[{"key":"a","operator":"NotIn","values":["h","i"]}]})",
       R"({"matchLabels":{"a":"h"}})", false},
      {R"({"matchLabels":{"a":"h"}})", R"({"matchExpressions":[{"key":"a","operator":"Exists"}]})",
       true},
      {R"({"matchExpressions":[{"key":"a","operator":"DoesNotExist"}]})",
       R"({"matchLabels":{"a":"h"}})", false},
      // The second selector requires a key the first does not constrain: upstream says disjoint.
      {R"({"matchLabels":{"a":"h"}})", R"({"matchExpressions":[{"key":"b","operator":"Exists"}]})",
       false},
      // NotIn pins nothing, so the other side's Exists is on an "unconstrained" key.
      {R"({"matchExpressions":[{"key":"a","operator":"Exists"}]})",
       R"({"matchExpressions":[{"key":"a","operator":"NotIn","values":["h"]}]})", false},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":["h","i"]}]})",
       R"({"matchExpressions":[{"key":"a","operator":"In","values":["i","j"]}]})", true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.a << " vs " << c.b) {
      CHECK(injector::selectors_overlap(sel(c.a), sel(c.b)) == c.overlap);
      CHECK(injector::selectors_overlap(sel(c.b), sel(c.a)) == c.overlap);
    }
  }
}

TEST_CASE("labels_of keeps string values only") {
  auto l = injector::labels_of(Json::parse(R"({"a":"1","b":2})"));
  CHECK(l == Labels{{"a", "1"}});
  CHECK(injector::labels_of(Json()).empty());
}

TEST_CASE("first_unmet names the first failing requirement and the labels' value") {
  struct Case {
    const char* name;
    const char* selector;
    Labels labels;
    std::string term;  // "" = matches
    std::string op;
    std::optional<std::string> value;
  };
  const std::vector<Case> cases = {
      {"matches", R"({"matchLabels":{"app":"web"}})", {{"app", "web"}}, "", "", std::nullopt},
      {"matchLabels value differs",
       R"({"matchLabels":{"app":"db","b":"1"}})",
       {{"app", "web"}},
       "matchLabels.app",
       "=",
       "web"},
      {"matchLabels key missing",
       R"({"matchLabels":{"app":"db"}})",
       {},
       "matchLabels.app",
       "=",
       std::nullopt},
      {"matchLabels before expressions",
       R"({"matchLabels":{"z":"1"},"matchExpressions":[{"key":"a","operator":"Exists"}]})",
       {},
       "matchLabels.z",
       "=",
       std::nullopt},
      {"In",
       R"({"matchExpressions":[{"key":"a","operator":"Exists"},
                                     {"key":"t","operator":"In","values":["x"]}]})",
       {{"a", "1"}, {"t", "y"}},
       "matchExpressions[1]",
       "In",
       "y"},
      {"NotIn",
       R"({"matchExpressions":[{"key":"t","operator":"NotIn","values":["y"]}]})",
       {{"t", "y"}},
       "matchExpressions[0]",
       "NotIn",
       "y"},
      {"DoesNotExist",
       R"({"matchExpressions":[{"key":"t","operator":"DoesNotExist"}]})",
       {{"t", ""}},
       "matchExpressions[0]",
       "DoesNotExist",
       ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto unmet = injector::first_unmet(sel(c.selector), c.labels);
      REQUIRE(unmet.has_value());
      auto matches = injector::selector_matches(sel(c.selector), c.labels);
      REQUIRE(matches.has_value());
      CHECK(*matches == c.term.empty());
      if (c.term.empty()) {
        CHECK_FALSE(unmet->has_value());
        continue;
      }
      REQUIRE(unmet->has_value());
      CHECK((*unmet)->term == c.term);
      CHECK((*unmet)->op == c.op);
      CHECK((*unmet)->value == c.value);
    }
  }
  SECTION("an unknown operator is the same error as selector_matches'") {
    auto unmet = injector::first_unmet(
        sel(R"({"matchLabels":{"a":"1"},"matchExpressions":[{"key":"k","operator":"Has"}]})"), {});
    REQUIRE_FALSE(unmet.has_value());
    CHECK(unmet.error().message == "\"Has\" is not a valid label selector operator");
  }
}
