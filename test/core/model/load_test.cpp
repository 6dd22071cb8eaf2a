#include "injector/model/load.hpp"

#include <catch2/catch.hpp>

using injector::Json;

namespace {

std::vector<injector::Document> parse(std::string_view text) {
  auto docs = injector::parse_documents(text, "a.yaml");
  INFO((docs ? std::string() : docs.error().message));
  REQUIRE(docs.has_value());
  return *docs;
}

}  // namespace

// Kubernetes' reading (sigs.k8s.io/yaml over go-yaml v2); test/go/run-yamlref.sh checks a larger
// table against go-yaml itself.
TEST_CASE("YAML scalars resolve by YAML 1.1, as Kubernetes reads them") {
  struct Case {
    const char* yaml;
    Json value;
  };
  const Case cases[] = {
      {"v: true", true},
      {"v: False", false},
      {"v: yes", true},
      {"v: on", true},
      {"v: Y", true},
      {"v: n", false},
      {"v: Off", false},
      {"v: NO", false},
      {"v: nO", "nO"},
      {"v: null", nullptr},
      {"v: ~", nullptr},
      {"v:", nullptr},
      {"v: 42", 42},
      {"v: -7", -7},
      {"v: +3", 3},
      {"v: 0400", 256},
      {"v: 0644", 420},
      {"v: -0755", -493},
      {"v: 08", 8},  // not octal: a float 8, written 8 in the JSON
      {"v: 0o17", 15},
      {"v: 0x1F", 31},
      {"v: -0x1F", -31},
      {"v: 0b101", 5},
      {"v: 1_000", 1000},
      {"v: _1000", "_1000"},
      {"v: 1.5", 1.5},
      {"v: .5", 0.5},
      {"v: 1e3", 1000},
      {"v: 1.0", 1},
      {"v: 18446744073709551615", 18446744073709551615ULL},
      {"v: 0x10000000000000000", "0x10000000000000000"},
      {"v: 1e400", "1e400"},
      {"v: 100m", "100m"},
      {"v: 1:20", "1:20"},
      {"v: \"true\"", "true"},
      {"v: '0400'", "0400"},
      {"v: !!str 0400", "0400"},
      {"v: !!int '0400'", 256},
      {"v: !!float 1", 1},
      {"v: !custom 0400", "0400"},
      {"v: 2021-06-04T05:44:26Z", "2021-06-04T05:44:26Z"},
      {"v: |\n  line1\n  line2\n", "line1\nline2\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.yaml) {
      auto docs = parse(c.yaml);
      REQUIRE(docs.size() == 1);
      CHECK(docs[0].object["v"] == c.value);
      CHECK(docs[0].object["v"].type() == c.value.type());
    }
  }
}

TEST_CASE("plain keys resolve too, and become JSON keys as sigs.k8s.io/yaml writes them") {
  auto docs = parse("0400: a\non: b\n1e3: c\n123456789.0: d\n'0400': e\n.inf: f\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].object.dump() ==
        R"({"256":"a","true":"b","1000":"c","1.2345679e+08":"d","0400":"e",".inf":"f"})");
}

TEST_CASE("a field given twice keeps the last value and is reported by its path") {
  auto docs = parse(
      "kind: SidecarSet\n"
      "kind: SidecarSet\n"
      "spec:\n"
      "  containers:\n"
      "  - name: a\n"
      "    image: x1\n"
      "    image: x2\n"
      "  selector: {}\n"
      "  selector: {matchLabels: {app: web}}\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].object["spec"]["containers"][0]["image"] == "x2");
  CHECK(docs[0].object["spec"]["selector"]["matchLabels"]["app"] == "web");
  CHECK(docs[0].duplicate_fields ==
        std::vector<std::string>{"kind", "spec.containers[0].image", "spec.selector"});

  // A merged key overwritten by an explicit one is no duplicate; List items keep their own.
  auto merged = parse("base: &b {image: x1}\nc:\n  <<: *b\n  image: x2\n");
  CHECK(merged[0].duplicate_fields.empty());
  CHECK(merged[0].object["c"]["image"] == "x2");
  auto list = parse("kind: List\nitems:\n- kind: A\n- kind: B\n  x: 1\n  x: 2\n");
  REQUIRE(list.size() == 2);
  CHECK(list[0].duplicate_fields.empty());
  CHECK(list[1].duplicate_fields == std::vector<std::string>{"x"});
}

TEST_CASE("documents keep key order, anchors resolve, empty documents are dropped") {
  auto docs = parse(
      "---\n"
      "# only a comment\n"
      "---\n"
      "z: 1\n"
      "a: &x {k: v}\n"
      "m: *x\n"
      "---\n"
      "kind: Namespace\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].object.dump() == R"({"z":1,"a":{"k":"v"},"m":{"k":"v"}})");
  CHECK(docs[0].origin.file == "a.yaml");
  CHECK(docs[0].origin.document == 1);
  CHECK(docs[1].origin.document == 2);
}

TEST_CASE("YAML merge keys apply in place, as go-yaml v2's; the first merged map wins") {
  auto docs = parse(
      "base: &base {image: agent:1, imagePullPolicy: Always}\n"
      "extra: &extra {image: other:2, tty: true}\n"
      "c1:\n"
      "  name: a\n"
      "  <<: *base\n"
      "  imagePullPolicy: IfNotPresent\n"
      "c2:\n"
      "  <<: [*base, *extra]\n"
      "  name: b\n"
      "c3:\n"
      "  image: mine\n"
      "  <<: *base\n");
  REQUIRE(docs.size() == 1);
  // go-yaml v2 merges where the `<<` stands: it overwrites the keys written before it.
  CHECK(docs[0].object["c3"].dump() == R"({"image":"agent:1","imagePullPolicy":"Always"})");
  CHECK(docs[0].object["c1"].dump() ==
        R"({"name":"a","image":"agent:1","imagePullPolicy":"IfNotPresent"})");
  CHECK(docs[0].object["c2"].dump() ==
        R"({"image":"agent:1","imagePullPolicy":"Always","tty":true,"name":"b"})");
}

TEST_CASE("large mappings keep order, find duplicates and merge as small ones do") {
  // Past a few keys a mapping finds its keys through an index; the result must not change.
  std::string text = "base: &b {k3: merged, extra: 1}\nm:\n";
  for (int i = 0; i < 40; ++i) {
    text += "  k" + std::to_string(i) + ": v" + std::to_string(i) + "\n";
  }
  text += "  k7: again\n  <<: *b\n  k39: last\n";
  auto docs = parse(text);
  REQUIRE(docs.size() == 1);
  const Json& m = docs[0].object["m"];
  REQUIRE(m.size() == 41);
  CHECK(m.begin().key() == "k0");
  CHECK(m["k7"] == "again");
  CHECK(m["k3"] == "merged");  // the merge overwrites what was written before it, in place
  CHECK(std::next(m.begin(), 3).key() == "k3");
  CHECK(m["extra"] == 1);
  CHECK(m["k39"] == "last");
  CHECK(docs[0].duplicate_fields == std::vector<std::string>{"m.k7", "m.k39"});
}

TEST_CASE("anchors on keys and aliases as keys read as go-yaml reads them") {
  auto docs = parse("&x a: b\nc: *x\n? *x\n: d\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].object.dump() == R"({"a":"d","c":"a"})");
  CHECK(docs[0].duplicate_fields == std::vector<std::string>{"a"});
}

TEST_CASE("an alias bomb is refused as go-yaml refuses it; ordinary aliases are not") {
  // Nine levels of nine aliases: a billion nodes if expanded.
  std::string bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string previous = "a";
  for (char level = 'b'; level <= 'i'; ++level) {
    const std::string name(1, level);
    bomb += name + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) {
      bomb += (i != 0 ? ", *" : "*") + previous;
    }
    bomb += "]\n";
    previous = name;
  }
  auto docs = injector::parse_documents(bomb, "a.yaml");
  REQUIRE_FALSE(docs.has_value());
  CHECK(docs.error().message == "a.yaml: document 1: line 4: document contains excessive aliasing");
  // The same shape three levels deep (about 900 nodes, 90 % of them copies: under the 1,000
  // nodes the rule starts at) is fine, and the count starts again with every document.
  std::string small =
      "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  auto ok = injector::parse_documents(small + "---\n" + small, "a.yaml");
  REQUIRE(ok.has_value());
  REQUIRE(ok->size() == 2);
  CHECK(ok->at(1).object["c"][8][8][8] == "lol");
}

TEST_CASE("nesting deeper than go-yaml's limit is an error, not a crash") {
  const std::string deep = std::string(10001, '[') + std::string(10001, ']') + "\n";
  auto docs = injector::parse_documents("a: " + deep, "a.yaml");
  REQUIRE_FALSE(docs.has_value());
  CHECK(docs.error().message == "a.yaml: document 1: line 1: exceeded max depth of 10000");
  const std::string ok = std::string(9000, '[') + std::string(9000, ']') + "\n";
  CHECK(injector::parse_documents("a: " + ok, "a.yaml").has_value());
}

TEST_CASE("JSON input and kind: List are accepted") {
  auto json = parse(R"(  {"kind":"SidecarSet","b":1,"a":[1.0,"x"]})");
  REQUIRE(json.size() == 1);
  CHECK(json[0].object.dump() == R"({"kind":"SidecarSet","b":1,"a":[1.0,"x"]})");

  auto list = parse(
      "apiVersion: v1\n"
      "kind: List\n"
      "items:\n"
      "- kind: Namespace\n"
      "  metadata: {name: a}\n"
      "- kind: Namespace\n"
      "  metadata: {name: b}\n");
  REQUIRE(list.size() == 2);
  CHECK(list[1].object["metadata"]["name"] == "b");
  CHECK(list[1].origin.document == 0);

  auto json_list = parse(R"({"kind":"List","items":[{"kind":"A"},null,{"kind":"B"}]})");
  REQUIRE(json_list.size() == 2);
  CHECK(json_list[1].object["kind"] == "B");
  CHECK(parse("").empty());

  auto typed = parse(R"({"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSetList",
                         "items":[{"metadata":{"name":"a"}},
                                  {"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet"}]})");
  REQUIRE(typed.size() == 2);
  CHECK(typed[0].object.dump() ==
        R"({"metadata":{"name":"a"},"kind":"SidecarSet","apiVersion":"apps.kruise.io/v1beta1"})");
  CHECK(typed[1].object.dump() ==
        R"({"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet"})");
}

TEST_CASE("parse errors name the file, the document and the line") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"a: 1\n---\nb: [1, 2\n", "a.yaml: document 2: line 4: did not find expected ',' or ']'"},
      {"~: 1\n", "a.yaml: document 1: line 1: mapping key null: unsupported map key of type: nil"},
      {"18446744073709551615: 1\n",
       "a.yaml: document 1: line 1: mapping key 18446744073709551615: unsupported map key of type: "
       "uint64, key: 0xffffffffffffffff"},
      {"v: .inf\n", "a.yaml: document 1: line 1: json: unsupported value: +Inf"},
      {"v: [.nan]\n", "a.yaml: document 1: line 1: json: unsupported value: NaN"},
      {"v: !!int abc\n", "a.yaml: document 1: line 1: cannot decode !!str `abc` as a !!int"},
      {"v: !!bool 1\n", "a.yaml: document 1: line 1: cannot decode !!int `1` as a !!bool"},
      {"<<: 1\n",
       "a.yaml: document 1: line 1: map merge requires map or sequence of maps as the value"},
      {"? [a, b]\n: 1\n", "a.yaml: document 1: line 1: mapping keys must be scalars"},
      {"a: *nope\n", "a.yaml: document 1: line 1: unknown anchor 'nope' referenced"},
      {"a: b: c\n", "a.yaml: document 1: line 1: mapping values are not allowed in this context"},
      {"[1, 2\n", "a.yaml: document 1: line 2: did not find expected ',' or ']'"},
      // The input's encoding is checked ahead of the parser, so only the line is named.
      {"a: 1\n---\nb: \xff\n", "a.yaml: line 3: invalid leading UTF-8 octet"},
      {"a: 1\nb: \"\x01\"\n", "a.yaml: line 2: control characters are not allowed"},
      {"a: \"\\ud800\"\n",
       "a.yaml: document 1: line 1: found invalid Unicode character escape code"},
      {"a:\n\tb: 1\n", "a.yaml: document 1: line 2: found character that cannot start any token"},
      {"- &a [*a]\n", "a.yaml: document 1: line 1: unknown anchor 'a' referenced"},
      // A reader that loops for ever on these was found by manifest_fuzz.
      {",", "a.yaml: document 1: line 1: did not find expected node content"},
      {"apiVersion: v1\nkind: Namespace\n---\n  ,\n",
       "a.yaml: document 2: line 4: did not find expected node content"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      auto docs = injector::parse_documents(c.text, "a.yaml");
      REQUIRE_FALSE(docs.has_value());
      CHECK(docs.error().code == "parse_error");
      CHECK(docs.error().message == c.message);
    }
  }
}

TEST_CASE("Problem::to_string names file, document, SidecarSet and field") {
  // Members assigned one by one: g++ 12 at -O2 reports a false -Wmaybe-uninitialized for the
  // nested aggregate initialiser.
  injector::Problem p;
  p.origin.file = "dir/ss.yaml";
  p.origin.document = 2;
  p.object = "log-agent";
  p.field = "spec.containers[0].image";
  p.message = "Required value";
  CHECK(
      p.to_string() ==
      R"(dir/ss.yaml: document 3: sidecarset "log-agent": spec.containers[0].image: Required value)");
  injector::Problem bare;
  bare.origin.file = "x.yaml";
  bare.message = "not a Kubernetes object";
  CHECK(bare.to_string() == "x.yaml: document 1: not a Kubernetes object");
}
