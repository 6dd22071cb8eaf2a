#include "injector/inject/annotations.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace injector {
namespace {

TEST_CASE("rfc3339_utc prints UTC seconds like metav1.Time") {
  using namespace std::chrono;
  const auto t =
      sys_days{year{2021} / 6 / 4} + hours{5} + minutes{44} + seconds{26} + milliseconds{999};
  CHECK(rfc3339_utc(time_point_cast<system_clock::duration>(t)) == "2021-06-04T05:44:26Z");
  CHECK(rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("parse_upgrade_specs decodes as encoding/json into SidecarSetUpgradeSpec") {
  // Each row: the annotation, then json.Marshal of what buildSidecars' two json.Unmarshal calls
  // leave (or the error after "unmarshal failed: "), as printed by Go with test/go/oracle's
  // upgradespec.go (encoding/json, time, metav1.Time's JSON methods).
  struct Case {
    std::string text;
    std::string encoded;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"", "{}", true},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"h","sidecarSetName":"s","sidecarList":["b","a"],"controllerRevision":"s-1","unknown":1}})",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"h","sidecarSetName":"s","sidecarList":["b","a"],"controllerRevision":"s-1"}})",
       true},
      {R"({"s":{"hash":"h"}})",
       R"({"s":{"updateTimestamp":null,"hash":"h","sidecarSetName":"","sidecarList":null}})", true},
      {R"({"s":{"Hash":"h","SIDECARSETNAME":"s","SidecarList":["a"],"UpdateTimeStamp":"2021-06-04T13:44:26+08:00","ControllerRevision":"r"}})",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"h","sidecarSetName":"s","sidecarList":["a"],"controllerRevision":"r"}})",
       true},
      {R"({"s":{"\u017fidecarSetName":"long-s","controllerRevi\u017fion":"r","\u212a":"kelvin"}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"long-s","sidecarList":null,"controllerRevision":"r"}})",
       true},
      {R"({"s":{"hash":"h","extra":{"deep":[1]},"sidecarsetname ":"x"}})",
       R"({"s":{"updateTimestamp":null,"hash":"h","sidecarSetName":"","sidecarList":null}})", true},
      {R"({"s":null,"t":{}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null},"t":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"hash":null,"sidecarList":null,"updateTimestamp":null,"sidecarSetName":"s"}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"s","sidecarList":null}})", true},
      {R"({"s":{"hash":"a","Hash":null,"sidecarList":["a",null,"b"]}})",
       R"({"s":{"updateTimestamp":null,"hash":"a","sidecarSetName":"","sidecarList":["a","","b"]}})",
       true},
      {R"({"s":{"sidecarList":["a","b"],"SidecarList":[null]}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":["a"]}})", true},
      {R"({"s":{"sidecarList":[]}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":[]}})", true},
      {R"({"s":{"updateTimestamp":"2021-06-04T01:00:00+08:00"},"t":{"updateTimestamp":"2021-06-04T23:30:00-01:30"}})",
       R"({"s":{"updateTimestamp":"2021-06-03T17:00:00Z","hash":"","sidecarSetName":"","sidecarList":null},"t":{"updateTimestamp":"2021-06-05T01:00:00Z","hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:26.999Z"},"t":{"updateTimestamp":"2021-06-04T05:44:26,5Z"}})",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"","sidecarSetName":"","sidecarList":null},"t":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"updateTimestamp":"0001-01-01T00:00:00Z"},"t":{"updateTimestamp":"0001-01-01T08:00:00+08:00"},"u":{"updateTimestamp":"0001-01-01T00:00:00.5Z"}})",
       // Go prints "0001-01-01T00:00:00Z" for u, which is zero when read again: null at once
       // here, so that a reinvoked review changes nothing (docs/compatibility.md).
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null},"t":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null},"u":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"updateTimestamp":"2021-06-04T5:44:26Z"}})",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"updateTimestamp":"9999-12-31T23:30:00-01:00"}})",
       R"({"s":{"updateTimestamp":"10000-01-01T00:30:00Z","hash":"","sidecarSetName":"","sidecarList":null}})",
       true},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","updateTimestamp":null}})",
       R"({"s":{"updateTimestamp":null,"hash":"","sidecarSetName":"","sidecarList":null}})", true},
      {R"({"s":{"updateTimestamp":"2021-06-04t05:44:26Z"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:26z"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"updateTimestamp":"2021-02-30T00:00:00Z"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:60Z"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"updateTimestamp":5}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"updateTimestamp":"2021-06-04T05:44:26"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"a":"x","b":null})",
       R"({"a":{"updateTimestamp":null,"hash":"x","sidecarSetName":"a","sidecarList":null},"b":{"updateTimestamp":null,"hash":"","sidecarSetName":"b","sidecarList":null}})",
       true},
      {R"({"a":"x","b":{"hash":"y"}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":["x"]})", "json: cannot unmarshal array into Go value of type string", false},
      {R"({"s":{"hash":5}})", "json: cannot unmarshal object into Go value of type string", false},
      {R"({"s":{"sidecarList":[1]}})", "json: cannot unmarshal object into Go value of type string",
       false},
      {R"({"s":{"sidecarList":"a"}})", "json: cannot unmarshal object into Go value of type string",
       false},
      {"[1]", "json: cannot unmarshal array into Go value of type map[string]string", false},
      {R"("str")", "json: cannot unmarshal string into Go value of type map[string]string", false},
      {"{", "unexpected end of JSON input", false},
      {R"({"a":tx})", "invalid character 'x' in literal true (expecting 'r')", false},
      {R"({"s":{"hash":"\u003c&","sidecarSetName":"\u00e9","sidecarList":["\u2028"]}})",
       R"({"s":{"updateTimestamp":null,"hash":"\u003c\u0026","sidecarSetName":"é","sidecarList":["\u2028"]}})",
       true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      auto parsed = parse_upgrade_specs(c.text);
      REQUIRE(parsed.has_value() == c.ok);
      if (c.ok) {
        CHECK(encode_upgrade_specs(*parsed) == c.encoded);
      } else {
        CHECK(parsed.error().code == "invalid_pod");
        CHECK(parsed.error().message == c.encoded);
      }
    }
  }
  // Go leaves a nil map for `null` (and upstream then panics adding this review's entry); read
  // as empty here, a deliberate difference (docs/compatibility.md).
  auto null_map = parse_upgrade_specs("null");
  REQUIRE(null_map.has_value());
  CHECK(null_map->empty());
}

TEST_CASE("encode_upgrade_specs writes Go field order and escaping") {
  UpgradeSpecs specs;
  specs["b"] = UpgradeSpec{"2024-01-02T03:04:05Z", "h&1", "b", std::vector<std::string>{}, ""};
  specs["a"] = UpgradeSpec{Json(), "h", "a", std::nullopt, "a-rev"};
  CHECK(encode_upgrade_specs(specs) ==
        R"({"a":{"updateTimestamp":null,"hash":"h","sidecarSetName":"a","sidecarList":null,)"
        R"("controllerRevision":"a-rev"},"b":{"updateTimestamp":"2024-01-02T03:04:05Z",)"
        R"("hash":"h\u00261","sidecarSetName":"b","sidecarList":[]}})");
}

TEST_CASE("parse_string_map keeps what json.Unmarshal into map[string]string fills in") {
  // Each row: the annotation, then json.Marshal of the map after json.Unmarshal (its error
  // ignored, as GetPodHotUpgradeInfoInAnnotations does), printed by Go.
  struct Case {
    std::string text;
    std::string encoded;
  };
  const std::vector<Case> cases = {
      {R"({"envoy":"envoy-2","a":"a-1"})", R"({"a":"a-1","envoy":"envoy-2"})"},
      {R"({"envoy":1,"mesh":"mesh-2"})", R"({"envoy":"","mesh":"mesh-2"})"},
      {R"({"a":{"x":1},"b":[1],"c":true,"d":null,"e":"e-1","f":"\u00e9<"})",
       "{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"e-1\",\"f\":\"\xc3\xa9\\u003c\"}"},
      {R"({"a":"1","a":2})", R"({"a":""})"},
      {R"({"a":2,"a":"1"})", R"({"a":"1"})"},
      {"[1]", "{}"},
      {R"("x")", "{}"},
      {"not json", "{}"},
      {"", "{}"},
      {R"({"a":"1",)", "{}"},
      {"null", "{}"},  // Go: a nil map (upstream would panic adding a pair); read as empty
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) { CHECK(encode_string_map(parse_string_map(c.text)) == c.encoded); }
  }
  CHECK(encode_string_map({{"b", "<"}, {"a", "x"}}) == R"({"a":"x","b":"\u003c"})");
}

TEST_CASE("patch_pod_metadata applies each policy (catalogue 26)") {
  struct Case {
    std::string name;
    std::string annotations;
    std::string patches;
    std::string result;  // annotations after, or the error message
    bool ok = true;
  };
  const std::vector<Case> cases = {
      {"empty pod: Retain and Overwrite both set", "{}",
       R"([{"annotations":{"key1":"value1"},"patchPolicy":"Retain"},)"
       R"({"annotations":{"key2":"value2"},"patchPolicy":"Overwrite"}])",
       R"({"key1":"value1","key2":"value2"})"},
      {"existing keys: Retain keeps, Overwrite replaces", R"({"key1":"old","key2":"old"})",
       R"([{"annotations":{"key1":"value1"},"patchPolicy":"Retain"},)"
       R"({"annotations":{"key2":"value2"},"patchPolicy":"Overwrite"}])",
       R"({"key1":"old","key2":"value2"})"},
      {"empty policy means Retain", R"({"key1":"old"})",
       R"([{"annotations":{"key1":"value1","key3":"v3"}}])", R"({"key1":"old","key3":"v3"})"},
      {"MergePatchJson merges into the existing value, sorted and compact",
       R"({"key1":"{\"log-agent\":1}"})",
       R"([{"annotations":{"key1":"{\"envoy\":2}"},"patchPolicy":"MergePatchJson"}])",
       R"({"key1":"{\"envoy\":2,\"log-agent\":1}"})"},
      {"MergePatchJson on an absent key sets it verbatim", "{}",
       R"([{"annotations":{"key3":"{\"b\": 1, \"a\": 2}"},"patchPolicy":"MergePatchJson"}])",
       R"({"key3":"{\"b\": 1, \"a\": 2}"})"},
      {"MergePatchJson on an empty value sets it verbatim", R"({"key3":""})",
       R"([{"annotations":{"key3":"not json"},"patchPolicy":"MergePatchJson"}])",
       R"({"key3":"not json"})"},
      {"MergePatchJson that changes nothing keeps the existing bytes",
       R"({"key1":"{\"b\": 1, \"a\": 2}"})",
       R"([{"annotations":{"key1":"{\"a\":2}"},"patchPolicy":"MergePatchJson"}])",
       R"({"key1":"{\"b\": 1, \"a\": 2}"})"},
      {"unknown policy is ignored", "{}",
       R"([{"annotations":{"key1":"v"},"patchPolicy":"Append"}])", "{}"},
      {"MergePatchJson with an array patch replaces the value", R"({"key1":"{\"a\":1}"})",
       R"([{"annotations":{"key1":"[1, null]"},"patchPolicy":"MergePatchJson"}])",
       R"({"key1":"[1,null]"})"},
      {"MergePatchJson writes what a reinvoked merge settles on", R"({"key1":"{\"m\":{}}"})",
       R"([{"annotations":{"key1":"{\"m\":[{\"x\":null}]}"},"patchPolicy":"MergePatchJson"}])",
       // The library gives {"m":[{"x":null}]} first and prunes the null on the next merge.
       R"({"key1":"{\"m\":[{}]}"})"},
      {"existing value not JSON", R"({"key1":"plain"})",
       R"([{"annotations":{"key1":"{}"},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[0]: annotation "key1": Invalid JSON Document)", false},
      {"existing value null", R"({"key1":"null"})",
       R"([{"annotations":{"key1":"{}"},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[0]: annotation "key1": Invalid JSON Document)", false},
      {"patch value not JSON", R"({"key1":"{}"})",
       R"([{"annotations":{"key2":"v"},"patchPolicy":"Retain"},)"
       R"({"annotations":{"key1":"{oops"},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[1]: annotation "key1": Invalid JSON Patch)", false},
      {"patch value a scalar", R"({"key1":"{}"})",
       R"([{"annotations":{"key1":"\"x\""},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[0]: annotation "key1": Invalid JSON Patch)", false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Json annotations = Json::parse(c.annotations);
      auto r = patch_pod_metadata(annotations, Json::parse(c.patches));
      REQUIRE(r.has_value() == c.ok);
      if (c.ok) {
        CHECK(annotations == Json::parse(c.result));
      } else {
        CHECK(r.error().code == "invalid_merge_patch");
        CHECK(r.error().message == c.result);
      }
    }
  }
}

}  // namespace
}  // namespace injector
