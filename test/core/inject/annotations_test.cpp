#include "injector/inject/annotations.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace injector {
namespace {

TEST_CASE("go_marshal matches Go encoding/json of decoded values") {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {R"({"b":1,"a":{"d":true,"c":null}})", R"({"a":{"c":null,"d":true},"b":1})"},
      {R"(["<a&b>","\u2028"])", R"(["\u003ca\u0026b\u003e","\u2028"])"},
      {R"({})", R"({})"},
      {R"("x\ny")", R"("x\ny")"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.in) { CHECK(go_marshal(Json::parse(c.in)) == c.out); }
  }
}

TEST_CASE("rfc3339_utc prints UTC seconds like metav1.Time") {
  using namespace std::chrono;
  const auto t =
      sys_days{year{2021} / 6 / 4} + hours{5} + minutes{44} + seconds{26} + milliseconds{999};
  CHECK(rfc3339_utc(time_point_cast<system_clock::duration>(t)) == "2021-06-04T05:44:26Z");
  CHECK(rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("merge_patch follows RFC 7386 appendix A") {
  struct Case {
    std::string target;
    std::string patch;
    std::string result;
  };
  const std::vector<Case> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.target << " + " << c.patch) {
      CHECK(merge_patch(Json::parse(c.target), Json::parse(c.patch)) == Json::parse(c.result));
    }
  }
}

TEST_CASE("parse_upgrade_specs reads the struct form, the legacy form, and rejects the rest") {
  struct Case {
    std::string name;
    std::string text;
    std::string encoded;  // encode_upgrade_specs of the result, or the error message
    bool ok;
  };
  const std::vector<Case> cases = {
      {"empty", "", "{}", true},
      {"null", "null", "{}", true},
      {"struct form",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"h","sidecarSetName":"s",)"
       R"("sidecarList":["b","a"],"controllerRevision":"s-1","unknown":1}})",
       R"({"s":{"updateTimestamp":"2021-06-04T05:44:26Z","hash":"h","sidecarSetName":"s",)"
       R"("sidecarList":["b","a"],"controllerRevision":"s-1"}})",
       true},
      {"struct form with missing fields", R"({"s":{"hash":"h"}})",
       R"({"s":{"updateTimestamp":null,"hash":"h","sidecarSetName":"","sidecarList":null}})", true},
      {"legacy form (catalogue 9)", R"({"sidecarset-test":"bv6d"})",
       R"({"sidecarset-test":{"updateTimestamp":null,"hash":"bv6d",)"
       R"("sidecarSetName":"sidecarset-test","sidecarList":null}})",
       true},
      {"neither form", R"({"s":["x"]})",
       "json: cannot unmarshal array into Go value of type string", false},
      {"wrong field type", R"({"s":{"hash":5}})",
       "json: cannot unmarshal object into Go value of type string", false},
      {"not an object", R"([1])",
       "json: cannot unmarshal array into Go value of type map[string]string", false},
      {"not JSON", "{", "invalid JSON", false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
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

TEST_CASE("parse_string_map ignores what is not a map of strings") {
  CHECK(parse_string_map(R"({"envoy":"envoy-2","a":"a-1"})") ==
        std::map<std::string, std::string>{{"a", "a-1"}, {"envoy", "envoy-2"}});
  CHECK(parse_string_map("").empty());
  CHECK(parse_string_map("not json").empty());
  CHECK(parse_string_map(R"({"envoy":1})").empty());
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
      {"existing value not JSON", R"({"key1":"plain"})",
       R"([{"annotations":{"key1":"{}"},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[0]: annotation "key1": existing value "plain" is not valid JSON)",
       false},
      {"patch value not JSON", R"({"key1":"{}"})",
       R"([{"annotations":{"key2":"v"},"patchPolicy":"Retain"},)"
       R"({"annotations":{"key1":"{oops"},"patchPolicy":"MergePatchJson"}])",
       R"(patchPodMetadata[1]: annotation "key1": value "{oops" is not valid JSON)", false},
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
