// Expectations printed by github.com/evanphx/json-patch MergePatch for the same inputs: Debian's
// v5.2.0 with bare null items of patch arrays kept as v5.6.0 keeps them (see
// test/go/oracle/mergepatch.go for why that is v5.6.0 exactly).
#include "injector/patch/merge_patch.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector {
namespace {

TEST_CASE("go_merge_patch gives MergePatch's bytes and errors") {
  struct Case {
    std::string doc, patch, result, error;
  };
  const std::vector<Case> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})", ""},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})", ""},
      {R"({"a":"b"})", R"({"a":null})", R"({})", ""},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})", ""},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})", ""},
      {R"({"e":null})", R"({"a":1})", R"({"a":1,"e":null})", ""},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})", ""},
      {R"({"a":1})", R"([1,null,{"b":null}])", R"([1,null,{}])", ""},
      {R"("s")", R"({"a":1,"b":{"c":null}})", R"({"a":1,"b":{}})", ""},
      {R"(7)", R"(["x"])", R"(["x"])", ""},
      {R"({"z": 1.50, "a": "\u00e9<", "m": {"y":1, "x":2}})",
       R"({"n":{"q":null,"p":[{"r":null,"s":1},null]}})",
       R"({"a":"\u00e9\u003c","m":{"y":1,"x":2},"n":{"p":[{"s":1},null]},"z":1.50})", ""},
      {R"({"z": 1.50, "m": {"y":1, "x":2}})", R"({"m":{"w":3}})",
       R"({"m":{"w":3,"x":2,"y":1},"z":1.50})", ""},
      {R"({"m": {"y":1, "x":2}})", R"({"m":[{"a":null},null]})", R"({"m":[{"a":null},null]})", ""},
      {R"({"m": [1]})", R"({"m":{"a":null, "b": 1.0}})", R"({"m":{"b":1.0}})", ""},
      {R"({"m": 1})", R"({"m":[{"a":null},null,[null,{"c":null}]]})",
       R"({"m":[{},null,[null,{}]]})", ""},
      {R"({"b":1,"a":2,"b":3})", R"({"c":1})", R"({"a":2,"b":3,"c":1})", ""},
      {R"({"a":1})", R"({"a":1,"a":null})", R"({})", ""},
      {R"({"\u0061":1, "k": {"\u0062": 2}})", R"({"c":"<&>","\u00e9":"\u00e9"})",
       R"({"a":1,"c":"\u003c\u0026\u003e","k":{"\u0062":2},"é":"\u00e9"})", ""},
      {R"( { "a" : [ 1 , 2 ] } )", R"(  {"b":true}  )", R"({"a":[1,2],"b":true})", ""},
      {R"({"a":null})", R"({"a":{"b":null,"c":2}})", R"({"a":{"c":2}})", ""},
      {R"({"a":{"b":1}})", R"({"a":{"b":null}})", R"({"a":{}})", ""},
      {R"({"a":1})", R"("x")", "", "Invalid JSON Patch"},
      {R"({"a":1})", R"(1)", "", "Invalid JSON Patch"},
      {R"({"a":1})", R"(true)", "", "Invalid JSON Patch"},
      {R"({"a":1})", R"(null)", "", "Invalid JSON Patch"},
      {R"(null)", R"({"a":1})", "", "Invalid JSON Document"},
      {R"(null)", R"({oops)", "", "Invalid JSON Patch"},
      {R"(not json)", R"({"a":1})", "", "Invalid JSON Document"},
      {R"({"a":1})", R"({oops)", "", "Invalid JSON Patch"},
      {R"({"a":1} x)", R"({})", "", "Invalid JSON Document"},
      {R"({"a":1})", R"([1])", R"([1])", ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.doc << " + " << c.patch) {
      auto r = go_merge_patch(c.doc, c.patch);
      if (c.error.empty()) {
        REQUIRE(r.has_value());
        CHECK(*r == c.result);
      } else {
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == c.error);
      }
    }
  }
}

}  // namespace
}  // namespace injector

namespace injector {
namespace {

// Go's scanner allows 10000 levels; the merge, the pruning and the printing must survive them.
TEST_CASE("go_merge_patch handles the deepest value Go accepts") {
  const std::size_t depth = 9999;  // + the patch object: 10000 levels in all
  const std::string deep = std::string(depth, '[') + "null" + std::string(depth, ']');
  auto r = go_merge_patch(R"({"a":1})", R"({"b":)" + deep + "}");
  REQUIRE(r.has_value());
  CHECK(*r == R"({"a":1,"b":)" + deep + "}");
  auto too_deep = go_merge_patch(R"({"a":1})", R"({"b":[)" + deep + "]}");
  REQUIRE_FALSE(too_deep.has_value());
  CHECK(too_deep.error() == "Invalid JSON Patch");
}

}  // namespace
}  // namespace injector
