#include "injector/patch/edits.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../support/files.hpp"
#include "injector/patch/json_patch.hpp"

using injector::Edits;
using injector::Json;

namespace {

// The pods of the review fixtures.
std::vector<Json> fixture_pods() {
  std::vector<Json> pods;
  for (const auto& e : std::filesystem::directory_iterator(std::string(INJECTOR_SOURCE_DIR) +
                                                           "/fixtures/reviews")) {
    const Json doc = Json::parse(test_support::read_file(e.path()), nullptr, false);
    if (doc.is_object() && doc.contains("request") && doc["request"].is_object() &&
        doc["request"].contains("object") && doc["request"]["object"].is_object()) {
      pods.push_back(doc["request"]["object"]);
    }
  }
  return pods;
}

// What the edits must be equivalent to: the assignment made with operator[] on a copy.
void assign(Json& doc, const std::vector<std::string>& path, const Json& value) {
  Json* at = &doc;
  for (const auto& key : path) {
    at = &(*at)[key];
  }
  *at = value;
}

}  // namespace

TEST_CASE("Edits diff as diff() does on the copy assigned the same way") {
  const std::vector<Json> pods = fixture_pods();
  REQUIRE(pods.size() > 3);
  // Paths that exist in most pods, paths that do not, and paths under both.
  const std::vector<std::vector<std::string>> paths = {
      {"metadata", "annotations"},
      {"metadata", "namespace"},
      {"metadata", "labels", "app"},
      {"metadata", "new-member"},
      {"spec", "containers"},
      {"spec", "initContainers"},
      {"spec", "volumes"},
      {"spec", "imagePullSecrets"},
      {"spec"},
      {"fresh", "deeper", "still"},
      {"fresh"},
  };
  const std::vector<Json> values = {
      Json("text"),
      Json::array(),
      Json::object(),
      Json::parse(R"([{"name":"sidecar","image":"busybox"}])"),
      Json::parse(R"({"a":"1","b":"2"})"),
      Json(),
  };
  std::mt19937 rng(20261203);
  std::size_t nonempty = 0;
  for (int round = 0; round < 400; ++round) {
    const Json& pod = pods[rng() % pods.size()];
    Json expected = pod;
    Edits edits;
    const int count = 1 + static_cast<int>(rng() % 4);
    std::ostringstream story;
    for (int i = 0; i < count; ++i) {
      const auto& path = paths[rng() % paths.size()];
      Json value = values[rng() % values.size()];
      if (rng() % 3 == 0) {
        // The value already there (or its copy): no op expected for it.
        Json probe = pod;
        Json* at = &probe;
        for (const auto& key : path) {
          at = &(*at)[key];
        }
        value = *at;
      }
      for (const auto& key : path) {
        story << "/" << key;
      }
      story << " = " << value.dump() << "; ";
      try {
        assign(expected, path, value);
      } catch (const Json::type_error&) {
        break;  // a member of a string: not something Edits is for (the pod checks rule it out)
      }
      switch (path.size()) {
        case 1:
          edits.set({path[0]}, value);
          break;
        case 2:
          edits.set({path[0], path[1]}, value);
          break;
        default:
          edits.set({path[0], path[1], path[2]}, value);
          break;
      }
    }
    INFO(story.str());
    const Json want = injector::diff(pod, expected);
    CHECK(edits.diff(pod) == want);
    CHECK(edits.changes(pod) == (expected != pod));
    Json applied = pod;
    edits.apply(applied);
    CHECK(applied == expected);
    nonempty += want.empty() ? 0 : 1;
  }
  CHECK(nonempty > 100);  // the rounds do exercise real ops
}

TEST_CASE("Edits of nothing change nothing") {
  const Json pod = Json::parse(R"({"metadata":{"name":"p"}})");
  Edits edits;
  CHECK(edits.empty());
  CHECK_FALSE(edits.changes(pod));
  CHECK(edits.diff(pod) == Json::array());
  Json copy = pod;
  edits.apply(copy);
  CHECK(copy == pod);
}

TEST_CASE("Edits keep the first-assignment order of new members and replace earlier values") {
  const Json pod = Json::parse(R"({"metadata":{"name":"p"}})");
  Edits edits;
  edits.set({"metadata", "annotations"}, Json());
  edits.set({"metadata", "namespace"}, Json("ns"));
  edits.set({"metadata", "annotations"}, Json::parse(R"({"k":"v"})"));
  edits.set({"metadata", "annotations", "k2"}, Json("v2"));  // into a value assigned whole
  CHECK(edits.diff(pod) == Json::parse(R"([
    {"op":"add","path":"/metadata/annotations","value":{"k":"v","k2":"v2"}},
    {"op":"add","path":"/metadata/namespace","value":"ns"}])"));
}

TEST_CASE("Edits::set_array diffs as diff() does on the array it describes") {
  const std::vector<Json> pods = fixture_pods();
  std::mt19937 rng(4242);
  std::size_t aligned = 0;
  for (int round = 0; round < 800; ++round) {
    const Json& pod = pods[rng() % pods.size()];
    const char* list = rng() % 2 ? "containers" : "initContainers";
    const Json& origin = pod["spec"].contains(list) ? pod["spec"][list] : Json();
    std::vector<Edits::Element> elements;
    Json expected_array = Json::array();
    const auto add_new = [&] {
      // Mostly fresh names; sometimes one of the pod's, which defeats alignment by name.
      std::string name = "sidecar-" + std::to_string(rng() % 3);
      if (rng() % 5 == 0 && origin.is_array() && !origin.empty()) {
        name = origin[rng() % origin.size()].value("name", "x");
      }
      Json c = {{"name", name}, {"image", "busybox:" + std::to_string(rng() % 2)}};
      if (rng() % 7 == 0) {
        c = Json("not an object");
      }
      elements.push_back({Edits::npos, false, c});
      expected_array.push_back(c);
    };
    while (rng() % 3 == 0) {
      add_new();
    }
    // Mostly the planner's shape (every old element kept in order, some replaced, new ones
    // inserted); sometimes one that is not: an old element dropped, renamed, or moved last.
    const bool reshaped = rng() % 4 == 0;
    std::optional<std::pair<Edits::Element, Json>> moved;
    if (origin.is_array()) {
      for (std::size_t i = 0; i < origin.size(); ++i) {
        Edits::Element e{i, false, Json()};
        Json value = origin[i];
        const auto shape = reshaped ? rng() % 6 : 5;
        if (shape == 0) {
          continue;  // dropped
        }
        if (rng() % 3 == 0 || (shape == 1 && value.is_object())) {
          e.replaced = true;
          value["image"] = "replaced:" + std::to_string(rng() % 2);
          if (shape == 1) {
            value["name"] = "renamed-" + std::to_string(i);
          }
          e.value = value;
        }
        if (shape == 2 && !moved) {
          moved.emplace(e, value);
          continue;
        }
        elements.push_back(e);
        expected_array.push_back(value);
        while (rng() % 4 == 0) {
          add_new();
        }
      }
    }
    if (moved) {
      elements.push_back(moved->first);
      expected_array.push_back(moved->second);
    }
    Json expected = pod;
    expected["spec"][list] = expected_array;
    Edits edits;
    if (rng() % 2) {
      edits.set({"metadata", "annotations"}, Json::parse(R"({"k":"v"})"));
      expected["metadata"]["annotations"] = Json::parse(R"({"k":"v"})");
    }
    edits.set_array({"spec", list}, elements);
    INFO(list << " -> " << expected_array.dump());
    const Json want = injector::diff(pod, expected);
    CHECK(edits.diff(pod) == want);
    CHECK(edits.changes(pod) == (expected != pod));
    Json applied = pod;
    edits.apply(applied);
    CHECK(applied == expected);
    aligned += want.is_array() && !want.empty() && want.back().value("op", "") != "replace";
  }
  CHECK(aligned > 200);
}

TEST_CASE("Edits::set_array refuses a path inside a value set whole") {
  Edits edits;
  edits.set({"spec"}, Json::object());
  CHECK_THROWS_WITH(edits.set_array({"spec", "containers"}, {}),
                    "Edits::set_array: the path lies inside a value set whole");
}
