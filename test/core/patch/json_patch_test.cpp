#include "injector/patch/json_patch.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

namespace injector {
namespace {

Json parse(const std::string& text) { return Json::parse(text); }

// nlohmann's own RFC 6902 implementation, as an independent oracle.
Json nlohmann_apply(const Json& doc, const Json& patch) { return doc.patch(patch); }

TEST_CASE("Pointer prints RFC 6901 escapes") {
  struct Case {
    std::string name;
    Pointer pointer;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"root", Pointer{}, ""},
      {"plain tokens", Pointer{}.child("metadata").child("annotations"), "/metadata/annotations"},
      {"slash and tilde", Pointer{}.child("kruise.io/sidecarset-hash").child("a~b"),
       "/kruise.io~1sidecarset-hash/a~0b"},
      {"tilde before one is not a slash", Pointer{}.child("~1"), "/~01"},
      {"index", Pointer{}.child("containers").child(std::size_t{3}), "/containers/3"},
      {"append", Pointer{}.child("containers").append_end(), "/containers/-"},
      {"empty token", Pointer{}.child(""), "/"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(c.pointer.str() == c.expected);
      const auto parsed = Pointer::parse(c.expected);
      REQUIRE(parsed.has_value());
      CHECK(parsed->tokens() == c.pointer.tokens());
    }
  }
}

TEST_CASE("Pointer::parse rejects malformed pointers") {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"a/b", R"(invalid JSON pointer "a/b": must be empty or start with "/")"},
      {"/a~2", R"(invalid JSON pointer "/a~2": "~" must be followed by "0" or "1")"},
      {"/a~", R"(invalid JSON pointer "/a~": "~" must be followed by "0" or "1")"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      const auto parsed = Pointer::parse(c.text);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().code == "invalid_pointer");
      CHECK(parsed.error().message == c.message);
    }
  }
}

struct ApplyCase {
  std::string name;
  std::string doc;
  std::string patch;
  std::string expected;  // the result, or the error message when `error` is true
  bool error = false;
  // nlohmann's ordered_json compares objects in member order, so its `test` op disagrees with
  // RFC 6902 §4.6 on reordered objects; such cases are not cross-checked.
  bool cross_check = true;
};

void check_apply(const ApplyCase& c) {
  const Json doc = parse(c.doc);
  const Json patch = parse(c.patch);
  const auto result = apply_patch(doc, patch);
  if (c.error) {
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message == c.expected);
    CHECK_THROWS(nlohmann_apply(doc, patch));
    return;
  }
  REQUIRE(result.has_value());
  CHECK(json_equal(*result, parse(c.expected)));
  if (c.cross_check) {
    CHECK(json_equal(*result, nlohmann_apply(doc, patch)));
  }
}

// RFC 6902 Appendix A (A.13, a document with a duplicate "op" member, is a JSON parsing matter).
TEST_CASE("apply_patch follows RFC 6902 appendix A") {
  const std::vector<ApplyCase> cases = {
      {"A.1 adding an object member", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux"}])", R"({"baz":"qux","foo":"bar"})"},
      {"A.2 adding an array element", R"({"foo":["bar","baz"]})",
       R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
      {"A.3 removing an object member", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})"},
      {"A.4 removing an array element", R"({"foo":["bar","qux","baz"]})",
       R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})"},
      {"A.5 replacing a value", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
      {"A.6 moving a value", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
       R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
       R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
      {"A.7 moving an array element", R"({"foo":["all","grass","cows","eat"]})",
       R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
       R"({"foo":["all","cows","eat","grass"]})"},
      {"A.8 testing a value: success", R"({"baz":"qux","foo":["a",2,"c"]})",
       R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
       R"({"baz":"qux","foo":["a",2,"c"]})"},
      {"A.9 testing a value: error", R"({"baz":"qux"})",
       R"([{"op":"test","path":"/baz","value":"bar"}])",
       R"(patch op 0 (test "/baz"): test failed: the value differs)", true},
      {"A.10 adding a nested member object", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
       R"({"foo":"bar","child":{"grandchild":{}}})"},
      {"A.11 ignoring unrecognized elements", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
      {"A.12 adding to a nonexistent target", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz/bat","value":"qux"}])",
       R"(patch op 0 (add "/baz/bat"): "/baz" does not exist)", true},
      {"A.14 ~ escape ordering", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":10}])", R"({"/":9,"~1":10})"},
      {"A.15 comparing strings and numbers", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":"10"}])",
       R"(patch op 0 (test "/~01"): test failed: the value differs)", true},
      {"A.16 adding an array value", R"({"foo":["bar"]})",
       R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
       R"({"foo":["bar",["abc","def"]]})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { check_apply(c); }
  }
}

TEST_CASE("apply_patch handles the remaining operations and edge cases") {
  const std::vector<ApplyCase> cases = {
      {"copy", R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])",
       R"({"a":{"b":1},"c":{"b":1}})"},
      {"copy into an array", R"({"a":[1,2],"x":0})", R"([{"op":"copy","from":"/x","path":"/a/0"}])",
       R"({"a":[0,1,2],"x":0})"},
      {"move onto itself is a no-op", R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])",
       R"({"a":1})"},
      {"add replaces an existing member", R"({"a":1})", R"([{"op":"add","path":"/a","value":2}])",
       R"({"a":2})"},
      {"add at the end index appends", R"({"a":[1]})", R"([{"op":"add","path":"/a/1","value":2}])",
       R"({"a":[1,2]})"},
      {"add at the root replaces the document", R"({"a":1})",
       R"([{"op":"add","path":"","value":{"b":2}}])", R"({"b":2})"},
      {"replace the root", R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])", "[1]"},
      {"empty key", R"({"":1})", R"([{"op":"replace","path":"/","value":2}])", R"({"":2})"},
      {"null value", R"({})", R"([{"op":"add","path":"/a","value":null}])", R"({"a":null})"},
      {"test compares objects regardless of member order", R"({"a":{"x":1,"y":2}})",
       R"([{"op":"test","path":"/a","value":{"y":2,"x":1}}])", R"({"a":{"x":1,"y":2}})", false,
       false},
      {"ops apply in sequence", R"({"a":[]})",
       R"([{"op":"add","path":"/a/-","value":1},{"op":"add","path":"/a/0","value":0},
           {"op":"test","path":"/a","value":[0,1]}])",
       R"({"a":[0,1]})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { check_apply(c); }
  }
}

TEST_CASE("apply_patch names the failing op in every error") {
  struct Case {
    std::string name;
    std::string doc;
    std::string patch;
    std::string code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"patch is not an array", "{}", R"({"op":"add"})", "invalid_patch",
       "a JSON patch must be an array, got object"},
      {"op is not an object", "{}", "[1]", "invalid_patch",
       "patch op 0: must be an object, got number"},
      {"missing op", "{}", R"([{"path":"/a"}])", "invalid_patch",
       R"(patch op 0: "op" is missing or not a string)"},
      {"op is not a string", "{}", R"([{"op":1,"path":"/a"}])", "invalid_patch",
       R"(patch op 0: "op" is missing or not a string)"},
      {"unknown op", "{}", R"([{"op":"append","path":"/a"}])", "invalid_patch",
       R"(patch op 0: unknown op "append")"},
      {"missing path", "{}", R"([{"op":"add","value":1}])", "invalid_patch",
       R"(patch op 0 (add): "path" is missing or not a string)"},
      {"malformed path", "{}", R"([{"op":"add","path":"a","value":1}])", "invalid_pointer",
       R"(patch op 0 (add "a"): invalid JSON pointer "a": must be empty or start with "/")"},
      {"missing value", "{}", R"([{"op":"replace","path":"/a"}])", "invalid_patch",
       R"(patch op 0 (replace "/a"): "value" is missing)"},
      {"missing from", R"({"a":1})", R"([{"op":"move","path":"/b"}])", "invalid_patch",
       R"(patch op 0 (move "/b"): "from" is missing or not a string)"},
      {"from does not exist", R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/b"}])",
       "patch_failed", R"(patch op 0 (copy "/b"): "/x" does not exist)"},
      {"move into its own child", R"({"a":{"b":1}})",
       R"([{"op":"move","from":"/a","path":"/a/b/c"}])", "invalid_patch",
       R"(patch op 0 (move "/a/b/c"): cannot move "/a" into its own child)"},
      {"remove a missing member", R"({"a":1})",
       R"([{"op":"test","path":"/a","value":1},{"op":"remove","path":"/b"}])", "patch_failed",
       R"(patch op 1 (remove "/b"): "/b" does not exist)"},
      {"remove the root", R"({"a":1})", R"([{"op":"remove","path":""}])", "patch_failed",
       R"(patch op 0 (remove ""): cannot remove the whole document)"},
      {"replace a missing member", R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])",
       "patch_failed", R"(patch op 0 (replace "/b"): "/b" does not exist)"},
      {"index out of range", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/2"}])", "patch_failed",
       R"(patch op 0 (remove "/a/2"): array index 2 out of range in "/a/2" (size 2))"},
      {"leading zero index", R"({"a":[1,2]})", R"([{"op":"replace","path":"/a/01","value":0}])",
       "patch_failed", R"(patch op 0 (replace "/a/01"): invalid array index "01" in "/a/01")"},
      {"negative index", R"({"a":[1,2]})", R"([{"op":"add","path":"/a/-1","value":0}])",
       "patch_failed", R"(patch op 0 (add "/a/-1"): invalid array index "-1")"},
      {"add past the end", R"({"a":[1,2]})", R"([{"op":"add","path":"/a/3","value":0}])",
       "patch_failed", R"(patch op 0 (add "/a/3"): array index 3 out of range (size 2))"},
      {"remove with the append token", R"({"a":[1]})", R"([{"op":"remove","path":"/a/-"}])",
       "patch_failed", R"(patch op 0 (remove "/a/-"): invalid array index "-" in "/a/-")"},
      {"descend into a scalar", R"({"a":"s"})", R"([{"op":"replace","path":"/a/b","value":0}])",
       "patch_failed", R"(patch op 0 (replace "/a/b"): "/a" is a string, not an object or array)"},
      {"add under a scalar", R"({"a":3})", R"([{"op":"add","path":"/a/b","value":0}])",
       "patch_failed", R"(patch op 0 (add "/a/b"): "/a" is a number, not an object or array)"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto result = apply_patch(parse(c.doc), parse(c.patch));
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error().code == c.code);
      CHECK(result.error().message == c.message);
    }
  }
}

// Every op path is a valid pointer that never addresses the whole document and never carries a
// negative index.
void check_paths(const Json& ops) {
  for (const auto& op : ops) {
    const std::string path = op.at("path").get<std::string>();
    CHECK(path != "");
    const auto pointer = Pointer::parse(path);
    REQUIRE(pointer.has_value());
    for (const auto& token : pointer->tokens()) {
      CHECK_FALSE((token.size() > 1 && token[0] == '-'));
    }
  }
}

TEST_CASE("diff round-trips: apply(from, diff(from, to)) == to") {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
  };
  const std::vector<Case> cases = {
      {"equal documents", R"({"a":[1,{"b":2}]})", R"({"a":[1,{"b":2}]})"},
      {"member order does not matter", R"({"a":1,"b":2})", R"({"b":2,"a":1})"},
      {"insert before", R"({"a":[2,3]})", R"({"a":[1,2,3]})"},
      {"insert after", R"({"a":[1,2]})", R"({"a":[1,2,3,4]})"},
      {"insert in the middle and at both ends", R"({"a":[2,4]})", R"({"a":[1,2,3,4,5]})"},
      {"insert into an empty array", R"({"a":[]})", R"({"a":[1,2]})"},
      {"duplicates are matched in order", R"({"a":[1,1]})", R"({"a":[1,0,1,1]})"},
      {"removal replaces the array", R"({"a":[1,2,3]})", R"({"a":[1,3]})"},
      {"reordering replaces the array", R"({"a":[1,2]})", R"({"a":[2,1]})"},
      {"in-place replacement plus inserts (named)", R"({"c":[{"name":"app","image":"v1"}]})",
       R"({"c":[{"name":"side","image":"s"},{"name":"app","image":"v2"},{"name":"log"}]})"},
      {"named element changed and new one before it",
       R"({"c":[{"name":"a","env":[{"name":"X","value":"1"}]},{"name":"b"}]})",
       R"({"c":[{"name":"s"},{"name":"a","env":[{"name":"Y"},{"name":"X","value":"2"}]},)"
       R"({"name":"b","ports":[1]}]})"},
      {"names reordered", R"({"c":[{"name":"a"},{"name":"b"}]})",
       R"({"c":[{"name":"b"},{"name":"a"}]})"},
      {"duplicate names fall back to equality", R"({"c":[{"name":"a"},{"name":"a","x":1}]})",
       R"({"c":[{"name":"a"},{"name":"b"},{"name":"a","x":1}]})"},
      {"keys with slash and tilde", R"({"m":{"a/b":1,"c~d":2}})", R"({"m":{"a/b":3,"e~/f":4}})"},
      {"null values", R"({"a":null,"b":1})", R"({"a":1,"b":null,"c":null})"},
      {"nested arrays", R"({"a":[[1],[2,3]]})", R"({"a":[[0],[1],[2,3,4]]})"},
      {"type changes", R"({"a":{"x":1},"b":[1],"c":"s","d":1})",
       R"({"a":[1],"b":{"x":1},"c":2,"d":"1"})"},
      {"removed keys", R"({"a":1,"b":{"c":2,"d":3}})", R"({"b":{"d":3}})"},
      {"missing parent object", R"({"metadata":{"name":"p"}})",
       R"({"metadata":{"name":"p","annotations":{"k/1":"v"}}})"},
      {"array to empty array", R"({"a":[1,2]})", R"({"a":[]})"},
      {"empty object to full", R"({})", R"({"a":{"b":[{"name":"x"}]}})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const Json from = parse(c.from);
      const Json to = parse(c.to);
      const Json ops = diff(from, to);
      INFO("ops: " << ops.dump());
      check_paths(ops);
      const auto applied = apply_patch(from, ops);
      REQUIRE(applied.has_value());
      CHECK(json_equal(*applied, to));
      CHECK(json_equal(nlohmann_apply(from, ops), to));
      CHECK(diff(*applied, to).empty());
    }
  }
}

// Random documents and random edits of them (fixed seed, so every run checks the same pairs).
class Mutator {
 public:
  explicit Mutator(unsigned seed) : rng_(seed) {}

  Json random_value(int depth) {
    switch (pick(depth > 0 ? 7 : 4)) {
      case 0:
        return nullptr;
      case 1:
        return pick(2) == 0;
      case 2:
        return static_cast<int>(pick(5));
      case 3:
        return kKeys[pick(kKeys.size())];
      case 4: {
        // Sometimes a list of named objects, as in a pod.
        Json arr = Json::array();
        const std::size_t n = pick(4);
        for (std::size_t i = 0; i < n; ++i) {
          if (pick(2) == 0) {
            arr.push_back({{"name", "n" + std::to_string(i)}, {"v", random_value(depth - 1)}});
          } else {
            arr.push_back(random_value(depth - 1));
          }
        }
        return arr;
      }
      default: {
        Json obj = Json::object();
        const std::size_t n = pick(4);
        for (std::size_t i = 0; i < n; ++i) {
          obj[kKeys[pick(kKeys.size())]] = random_value(depth - 1);
        }
        return obj;
      }
    }
  }

  // Applies a few random edits somewhere inside `doc`.
  void mutate(Json& doc, int depth) {
    if (doc.is_object() && !doc.empty() && pick(3) > 0) {
      auto it = doc.begin();
      for (std::size_t k = pick(doc.size()); k > 0; --k) {
        ++it;
      }
      switch (pick(4)) {
        case 0:
          doc.erase(it.key());
          return;
        case 1:
          *it = random_value(depth);
          return;
        default:
          mutate(*it, depth - 1);
          return;
      }
    }
    if (doc.is_array() && !doc.empty() && pick(3) > 0) {
      const std::size_t i = pick(doc.size());
      switch (pick(4)) {
        case 0:
          doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(pick(doc.size() + 1)),
                     random_value(depth));
          return;
        case 1:
          doc.erase(i);
          return;
        default:
          mutate(doc[i], depth - 1);
          return;
      }
    }
    if (doc.is_object()) {
      doc[kKeys[pick(kKeys.size())]] = random_value(depth);
    } else if (doc.is_array()) {
      doc.push_back(random_value(depth));
    } else {
      doc = random_value(depth);
    }
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  inline static const std::vector<std::string> kKeys = {"a", "b", "name", "a/b", "~0", "", "-"};
  std::mt19937 rng_;
};

TEST_CASE("diff round-trips on random edits of random documents") {
  Mutator m(20261122);
  for (int round = 0; round < 2000; ++round) {
    Json from = Json::object();
    from["root"] = m.random_value(3);
    from["list"] = m.random_value(2);
    Json to = from;
    for (int edits = 0; edits < 3; ++edits) {
      m.mutate(to, 3);
    }
    const Json ops = diff(from, to);
    INFO("from: " << from.dump() << "\nto: " << to.dump() << "\nops: " << ops.dump());
    check_paths(ops);
    const auto applied = apply_patch(from, ops);
    REQUIRE(applied.has_value());
    REQUIRE(json_equal(*applied, to));
    REQUIRE(json_equal(nlohmann_apply(from, ops), to));
  }
}

TEST_CASE("diff emits minimal ops for injection shapes") {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::string ops;
  };
  const std::vector<Case> cases = {
      {"no change", R"({"a":1})", R"({"a":1})", "[]"},
      {"sidecar before the app container, another after",
       R"({"spec":{"containers":[{"name":"nginx","image":"nginx"}]}})",
       R"({"spec":{"containers":[{"name":"dns-f","image":"d"},{"name":"nginx","image":"nginx"},)"
       R"({"name":"log-agent","image":"l"}]}})",
       R"([{"op":"add","path":"/spec/containers/0","value":{"name":"dns-f","image":"d"}},)"
       R"({"op":"add","path":"/spec/containers/-","value":{"name":"log-agent","image":"l"}}])"},
      {"two appends", R"({"v":[{"name":"a"}]})",
       R"({"v":[{"name":"a"},{"name":"b"},{"name":"c"}]})",
       R"([{"op":"add","path":"/v/-","value":{"name":"b"}},)"
       R"({"op":"add","path":"/v/-","value":{"name":"c"}}])"},
      {"pod without annotations gets the whole map",
       R"({"metadata":{"name":"p","labels":{"app":"web"}}})",
       R"({"metadata":{"name":"p","labels":{"app":"web"},)"
       R"("annotations":{"kruise.io/sidecarset-injected-list":"s"}}})",
       R"([{"op":"add","path":"/metadata/annotations",)"
       R"("value":{"kruise.io/sidecarset-injected-list":"s"}}])"},
      {"annotation keys are escaped", R"({"metadata":{"annotations":{"a":"1"}}})",
       R"({"metadata":{"annotations":{"a":"1","kruise.io/sidecarset-hash":"{}"}}})",
       R"([{"op":"add","path":"/metadata/annotations/kruise.io~1sidecarset-hash","value":"{}"}])"},
      {"changed annotation is replaced", R"({"metadata":{"annotations":{"kruise.io/x":"old"}}})",
       R"({"metadata":{"annotations":{"kruise.io/x":"new"}}})",
       R"([{"op":"replace","path":"/metadata/annotations/kruise.io~1x","value":"new"}])"},
      {"env added to an existing container, placed by its final index",
       R"({"containers":[{"name":"app","env":[{"name":"A","value":"1"}]}]})",
       R"({"containers":[{"name":"side"},{"name":"app","env":[{"name":"A","value":"1"},)"
       R"({"name":"IS_INJECTED","value":"true"}]}]})",
       R"([{"op":"add","path":"/containers/0","value":{"name":"side"}},)"
       R"({"op":"add","path":"/containers/1/env/-","value":{"name":"IS_INJECTED","value":"true"}}])"},
      {"volume mounts added to a container without any", R"({"containers":[{"name":"app"}]})",
       R"({"containers":[{"name":"app","volumeMounts":[{"name":"v","mountPath":"/v"}]}]})",
       R"([{"op":"add","path":"/containers/0/volumeMounts",)"
       R"("value":[{"name":"v","mountPath":"/v"}]}])"},
      {"removed member", R"({"a":1,"b":2})", R"({"b":2})", R"([{"op":"remove","path":"/a"}])"},
      {"unalignable array is replaced", R"({"args":["a","b"]})", R"({"args":["a","c"]})",
       R"([{"op":"replace","path":"/args","value":["a","c"]}])"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(diff(parse(c.from), parse(c.to)).dump() == parse(c.ops).dump());
    }
  }
}

TEST_CASE("json_equal ignores member order only") {
  CHECK(
      json_equal(parse(R"({"a":1,"b":[{"x":1,"y":2}]})"), parse(R"({"b":[{"y":2,"x":1}],"a":1})")));
  CHECK(json_equal(parse("1"), parse("1.0")));
  CHECK_FALSE(json_equal(parse("[1,2]"), parse("[2,1]")));
  CHECK_FALSE(json_equal(parse(R"({"a":1})"), parse(R"({"a":1,"b":2})")));
  CHECK_FALSE(json_equal(parse(R"({"a":null})"), parse("{}")));
  CHECK_FALSE(json_equal(parse(R"("1")"), parse("1")));
}

}  // namespace
}  // namespace injector
