#include "injector/inject/revision.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "injector/model/hash.hpp"

namespace injector {
namespace {

// A SidecarSet built by hand (the loader would default and validate it; these tests only need
// the fields revision selection reads).
SidecarSet sidecarset(const std::string& spec_json) {
  SidecarSet s;
  s.name = "sidecarset1";
  s.object = Json::parse(R"({"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet",)"
                         R"("metadata":{"name":"sidecarset1"},"spec":)" +
                         spec_json + R"(,"status":{"latestRevision":"sidecarset1-live"}})");
  s.hash = "live-hash";
  s.hash_without_image = "live-hash-noimg";
  return s;
}

ControllerRevision revision(const std::string& name, std::int64_t number,
                            const std::string& custom_version, const std::string& image,
                            const std::string& created = "") {
  ControllerRevision r;
  r.name = name;
  r.namespace_name = std::string(kKruiseNamespace);
  r.labels = {{std::string(kRevisionOwnerLabel), "sidecarset1"}};
  if (!custom_version.empty()) {
    r.labels[std::string(kCustomVersionLabel)] = custom_version;
  }
  r.annotations = {{std::string(kHashAnnotation), name + "-hash"},
                   {std::string(kHashWithoutImageAnnotation), name + "-hash-noimg"}};
  r.revision = number;
  r.creation_timestamp = created;
  r.data = Json::parse(R"({"spec":{"$patch":"replace","containers":[{"name":"dns-f","image":")" +
                       image + R"("}]}})");
  return r;
}

std::string image_of(const SuitableSidecarSet& s) {
  return s.spec.at("containers").at(0).at("image").get<std::string>();
}

TEST_CASE("find_revision picks the newest matching ControllerRevision") {
  World world;
  world.revisions = {
      revision("sidecarset1-a", 1, "v1", "img:a"),
      revision("sidecarset1-c", 3, "v1", "img:c", "2024-01-01T00:00:00Z"),
      revision("sidecarset1-d", 3, "v1", "img:d", "2023-01-01T00:00:00Z"),
      revision("sidecarset1-b", 3, "v1", "img:b", "2024-01-01T00:00:00Z"),
      revision("sidecarset1-z", 9, "v2", "img:z"),
  };
  ControllerRevision elsewhere = revision("sidecarset1-x", 99, "v1", "img:x");
  elsewhere.namespace_name = "default";
  world.revisions.push_back(elsewhere);
  ControllerRevision other_owner = revision("other-y", 99, "v1", "img:y");
  other_owner.labels[std::string(kRevisionOwnerLabel)] = "other";
  world.revisions.push_back(other_owner);

  // Highest revision, then the latest creationTimestamp, then the greatest name.
  auto by_version = find_revision(
      world, sidecarset(R"({"injectionStrategy":{"revision":{"customVersion":"v1"}}})"));
  REQUIRE(by_version.has_value());
  CHECK((*by_version)->name == "sidecarset1-c");

  auto by_name = find_revision(
      world, sidecarset(R"({"injectionStrategy":{"revision":{"revisionName":"sidecarset1-a",)"
                        R"("customVersion":"v2"}}})"));
  REQUIRE(by_name.has_value());
  CHECK((*by_name)->name == "sidecarset1-a");  // revisionName wins over customVersion
}

TEST_CASE("find_revision errors name what was looked for") {
  World world;
  world.revisions = {revision("sidecarset1-a", 1, "v1", "img:a")};
  ControllerRevision elsewhere = revision("sidecarset1-x", 1, "v1", "img:x");
  elsewhere.namespace_name = "default";
  world.revisions.push_back(elsewhere);
  struct Case {
    std::string spec;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"injectionStrategy":{"revision":{"revisionName":"sidecarset1-x"}}})",
       R"(sidecarset "sidecarset1": injectionStrategy.revision.revisionName: ControllerRevision )"
       R"("kruise-system/sidecarset1-x" not found)"},
      {R"({"injectionStrategy":{"revision":{"customVersion":"v9"}}})",
       R"(sidecarset "sidecarset1": injectionStrategy.revision.customVersion: no )"
       R"(ControllerRevision in namespace kruise-system with labels )"
       R"(kruise.io/sidecarset-name=sidecarset1,apps.kruise.io/sidecarset-custom-version=v9)"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.spec) {
      auto r = find_revision(world, sidecarset(c.spec));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == "revision_not_found");
      CHECK(r.error().message == c.message);
    }
  }
}

TEST_CASE("find_revision looks in the World's revision namespace") {
  World world;
  world.revision_namespace = "ops";
  ControllerRevision in_ops = revision("sidecarset1-o", 1, "v1", "img:o");
  in_ops.namespace_name = "ops";
  world.revisions = {revision("sidecarset1-k", 5, "v1", "img:k"), in_ops};

  auto by_version = find_revision(
      world, sidecarset(R"({"injectionStrategy":{"revision":{"customVersion":"v1"}}})"));
  REQUIRE(by_version.has_value());
  CHECK((*by_version)->name == "sidecarset1-o");  // not the newer one in kruise-system

  auto by_name = find_revision(
      world, sidecarset(R"({"injectionStrategy":{"revision":{"revisionName":"sidecarset1-k"}}})"));
  REQUIRE_FALSE(by_name.has_value());
  CHECK(by_name.error().message ==
        R"(sidecarset "sidecarset1": injectionStrategy.revision.revisionName: ControllerRevision )"
        R"("ops/sidecarset1-k" not found)");

  auto missing = find_revision(
      world, sidecarset(R"({"injectionStrategy":{"revision":{"customVersion":"v2"}}})"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("no ControllerRevision in namespace ops with labels") !=
        std::string::npos);
}

TEST_CASE("restore_revision replaces the spec and takes the revision's hashes") {
  const SidecarSet live = sidecarset(
      R"({"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"dns-f","image":"new"}],)"
      R"("volumes":[{"name":"v"}]})");
  ControllerRevision r = revision("sidecarset1-a", 1, "v1", "old");
  SuitableSidecarSet s = restore_revision(live, r);
  CHECK(s.spec == Json::parse(R"({"containers":[{"name":"dns-f","image":"old"}]})"));
  CHECK(s.hash == "sidecarset1-a-hash");
  CHECK(s.hash_without_image == "sidecarset1-a-hash-noimg");
  CHECK(s.controller_revision == "sidecarset1-a");
  CHECK(s.from_history);

  r.annotations = Json::object();  // missing hashes are recomputed from the restored spec
  s = restore_revision(live, r);
  CHECK(s.hash == sidecarset_hash(s.spec));
  CHECK(s.hash_without_image == sidecarset_hash_without_image(s.spec));

  const SuitableSidecarSet latest = latest_revision(live);
  CHECK(latest.hash == "live-hash");
  CHECK(latest.controller_revision == "sidecarset1-live");
  CHECK_FALSE(latest.from_history);
}

TEST_CASE("suitable_revision follows policy Always and Partial (catalogue 7)") {
  World world;
  world.revisions = {revision("sidecarset1-12345", 1, "sidecarset1-12345", "sidecar-image:stable")};
  const std::string container = R"("containers":[{"name":"dns-f","image":"sidecar-image:canary"}])";
  auto spec = [&](const std::string& update, const std::string& policy) {
    return "{" + container + R"(,"updateStrategy":{"type":"NotUpdate")" + update +
           R"(},"injectionStrategy":{"revision":{"customVersion":"sidecarset1-12345")" + policy +
           "}}}";
  };
  const Labels stable = {{"app", "demo"}};
  const Labels canary = {{"app", "demo"}, {"canary", "true"}};
  const std::string selector = R"(,"selector":{"matchLabels":{"canary":"true"}})";
  const std::string partial = R"(,"policy":"Partial")";
  struct Case {
    std::string name;
    std::string spec;
    Labels labels;
    std::string result;  // image, or the error message
    bool ok = true;
  };
  const std::vector<Case> cases = {
      {"no revision: latest", "{" + container + "}", stable, "sidecar-image:canary"},
      {"Always: history", spec("", R"(,"policy":"Always")"), canary, "sidecar-image:stable"},
      {"a) selector not matched: history", spec(selector, partial), stable, "sidecar-image:stable"},
      {"b) selector matched, no partition: latest", spec(selector, partial), canary,
       "sidecar-image:canary"},
      {"c) 100%: history", spec(R"(,"partition":"100%")", partial), canary, "sidecar-image:stable"},
      {"d) 0%: latest", spec(R"(,"partition":"0%")", partial), canary, "sidecar-image:canary"},
      {"integer partition: latest", spec(R"(,"partition":100)", partial), canary,
       "sidecar-image:canary"},
      {"h) paused: history", spec(R"(,"partition":"0%","paused":true)", partial), canary,
       "sidecar-image:stable"},
      {"e) abc%: error", spec(R"(,"partition":"abc%")", partial), canary,
       R"(sidecarset "sidecarset1": spec.updateStrategy.partition: invalid percentage "abc%")",
       false},
      {"e') no percent sign: error", spec(R"(,"partition":"50")", partial), canary,
       R"(sidecarset "sidecarset1": spec.updateStrategy.partition: invalid percentage "50")",
       false},
      {"g) badOp: error",
       spec(R"(,"selector":{"matchExpressions":[{"key":"canary","operator":"badOp",)"
            R"("values":["true"]}]})",
            partial),
       canary,
       R"(sidecarset "sidecarset1": spec.updateStrategy.selector: "badOp" is not a valid label )"
       R"(selector operator)",
       false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const SidecarSet live = sidecarset(c.spec);
      std::mt19937_64 rng(0);
      auto r = suitable_revision(world, live, c.labels, rng);
      REQUIRE(r.has_value() == c.ok);
      if (c.ok) {
        CHECK(image_of(*r) == c.result);
      } else {
        CHECK(r.error().message == c.result);
      }
    }
  }

  SECTION("f) missing ControllerRevision: error") {
    World empty;
    const SidecarSet live = sidecarset(spec(selector, partial));
    std::mt19937_64 rng(0);
    auto r = suitable_revision(empty, live, stable, rng);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "revision_not_found");
  }

  SECTION("a hash the pod already records decides instead of the draw") {
    const SidecarSet live = sidecarset(spec(R"(,"partition":"50%")", partial));
    struct Recorded {
      std::string hash;
      std::uint64_t seed;
      std::string image;
    };
    const std::vector<Recorded> recorded = {
        {"sidecarset1-12345-hash", 7, "sidecar-image:stable"},
        {"live-hash", 1, "sidecar-image:canary"},
        {"unknown-hash", 1, "sidecar-image:stable"},
        {"unknown-hash", 7, "sidecar-image:canary"},
    };
    for (const auto& r : recorded) {
      std::mt19937_64 rng(r.seed);
      auto s = suitable_revision(world, live, canary, rng, r.hash);
      REQUIRE(s.has_value());
      CHECK(image_of(*s) == r.image);
    }
  }

  SECTION("50%: the seed decides, and the same seed decides the same way") {
    const SidecarSet live = sidecarset(spec(R"(,"partition":"50%")", partial));
    std::vector<std::string> images;
    for (std::uint64_t seed : {1u, 7u, 1u}) {
      std::mt19937_64 rng(seed);
      auto r = suitable_revision(world, live, canary, rng);
      REQUIRE(r.has_value());
      images.push_back(image_of(*r));
    }
    CHECK(images == std::vector<std::string>{"sidecar-image:stable", "sidecar-image:canary",
                                             "sidecar-image:stable"});
  }
}

}  // namespace
}  // namespace injector
