// Sources: PATH expansion (files, directories, ConfigMap mounts), reading, loading, fingerprints.

#include "sources/sources.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using injector::fingerprint;
using injector::list_sources;
using injector::load_world;
using injector::read_sources;

namespace {

const std::string kFixtures = std::string(INJECTOR_SOURCE_DIR) + "/fixtures/cli";

constexpr std::string_view kSidecarSet = R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: NAME
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: NAME
    image: NAME:1.0
)";

std::string sidecarset(std::string_view name) {
  std::string text(kSidecarSet);
  for (std::size_t at = text.find("NAME"); at != std::string::npos; at = text.find("NAME")) {
    text.replace(at, 4, name);
  }
  return text;
}

// A fresh scratch directory per test case, under the build tree.
std::string scratch(const std::string& name) {
  fs::path dir = fs::path(INJECTOR_BINARY_DIR) / "scratch" / "sources_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void write(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> displays(const std::vector<injector::SourceFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    out.push_back(f.display);
  }
  return out;
}

// The layout the kubelet gives a ConfigMap volume: keys are symlinks through `..data`, which
// points at the current timestamped directory.
void configmap_version(const std::string& dir, const std::string& version,
                       const std::vector<std::pair<std::string, std::string>>& keys) {
  fs::create_directories(dir + "/" + version);
  for (const auto& [key, text] : keys) {
    write(dir + "/" + version + "/" + key, text);
  }
  fs::remove(dir + "/..data_tmp");
  fs::create_directory_symlink(version, dir + "/..data_tmp");
  fs::rename(dir + "/..data_tmp", dir + "/..data");  // atomic swap, as the kubelet does
  for (const auto& [key, text] : keys) {
    if (!fs::is_symlink(fs::symlink_status(dir + "/" + key))) {
      fs::create_symlink("..data/" + key, dir + "/" + key);
    }
  }
}

}  // namespace

TEST_CASE("list_sources expands files and directories") {
  std::string dir = scratch("list");
  write(dir + "/b.yml", "");
  write(dir + "/a.yaml", "");
  write(dir + "/c.json", "");
  write(dir + "/d.txt", "");
  write(dir + "/.hidden.yaml", "");
  write(dir + "/yaml", "");
  fs::create_directories(dir + "/sub.yaml");
  write(dir + "/sub.yaml/deep.yaml", "");
  write(dir + "/explicit.txt", "");
  fs::create_directories(dir + "/empty");

  struct Case {
    std::string name;
    std::vector<std::string> paths;
    std::vector<std::string> files;
  };
  std::vector<Case> cases = {
      {"directory: manifests only, sorted, hidden and subdirectories skipped",
       {dir},
       {dir + "/a.yaml", dir + "/b.yml", dir + "/c.json"}},
      {"a file is taken whatever its extension", {dir + "/explicit.txt"}, {dir + "/explicit.txt"}},
      {"paths keep their order",
       {dir + "/c.json", dir + "/a.yaml"},
       {dir + "/c.json", dir + "/a.yaml"}},
      {"an empty directory contributes nothing", {dir + "/empty"}, {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto files = list_sources(c.paths);
      REQUIRE(files.has_value());
      CHECK(displays(*files) == c.files);
    }
  }
}

TEST_CASE("list_sources reports every bad PATH") {
  std::string dir = scratch("list-errors");
  fs::create_symlink(dir + "/nowhere.yaml", dir + "/dangling.yaml");
  struct Case {
    std::string name;
    std::vector<std::string> paths;
    std::vector<std::string> errors;
  };
  std::vector<Case> cases = {
      {"missing file", {dir + "/missing.yaml"}, {dir + "/missing.yaml: no such file or directory"}},
      {"dangling symlink in a directory",
       {dir},
       {dir + "/dangling.yaml: no such file or directory"}},
      {"not a file or directory", {"/dev/null"}, {"/dev/null: not a regular file or directory"}},
      {"all of them at once",
       {dir + "/a", "/dev/null", dir + "/b"},
       {dir + "/a: no such file or directory", "/dev/null: not a regular file or directory",
        dir + "/b: no such file or directory"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto files = list_sources(c.paths);
      REQUIRE_FALSE(files.has_value());
      CHECK(files.error() == c.errors);
    }
  }
}

TEST_CASE("list_sources reads a ConfigMap mount through its symlinks") {
  std::string dir = scratch("configmap");
  configmap_version(dir, "..2026_11_22_00_00_00.1", {{"b.yaml", "x"}, {"a.yaml", "y"}});
  auto files = list_sources({dir});
  REQUIRE(files.has_value());
  CHECK(displays(*files) == std::vector<std::string>{dir + "/a.yaml", dir + "/b.yaml"});
}

TEST_CASE("read_sources returns documents in file order and names files in errors") {
  std::string dir = scratch("read");
  write(dir + "/1.yaml", sidecarset("one") + "---\n" + sidecarset("two"));
  write(dir + "/2.json", R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})");

  SECTION("documents with their origins") {
    auto sources = read_sources({dir});
    CHECK(sources.errors.empty());
    REQUIRE(sources.documents.size() == 3);
    CHECK(sources.documents[0].origin.file == dir + "/1.yaml");
    CHECK(sources.documents[0].origin.document == 0);
    CHECK(sources.documents[0].object["metadata"]["name"] == "one");
    CHECK(sources.documents[1].origin.document == 1);
    CHECK(sources.documents[1].object["metadata"]["name"] == "two");
    CHECK(sources.documents[2].origin.file == dir + "/2.json");
    CHECK(sources.documents[2].object["kind"] == "Namespace");
  }
  SECTION("an unreadable file is named and the others are still read") {
    write(dir + "/0.yaml", "x: 1\n");
    fs::permissions(dir + "/0.yaml", fs::perms::none);
    bool root = std::ifstream(dir + "/0.yaml").good();  // root reads anyway
    auto sources = read_sources({dir});
    if (!root) {
      CHECK(sources.errors ==
            std::vector<std::string>{dir + "/0.yaml: cannot read: permission denied"});
      CHECK(sources.documents.size() == 3);
    }
    fs::permissions(dir + "/0.yaml", fs::perms::owner_all);
  }
  SECTION("a syntax error names the file") {
    auto sources = read_sources({kFixtures + "/invalid/syntax.yaml"});
    CHECK(sources.errors ==
          std::vector<std::string>{
              kFixtures +
              "/invalid/syntax.yaml: document 1: line 6: did not find expected ',' or ']'"});
    CHECK(sources.documents.empty());
  }
  SECTION("a missing PATH reads nothing") {
    auto sources = read_sources({dir + "/none"});
    CHECK(sources.errors == std::vector<std::string>{dir + "/none: no such file or directory"});
    CHECK(sources.files.empty());
    CHECK(sources.documents.empty());
  }
}

TEST_CASE("load_world builds the World of a directory source") {
  auto loaded = load_world({kFixtures + "/sidecarsets"}, 7);
  REQUIRE(loaded.has_value());
  const injector::World& world = *loaded->build.world;
  CHECK(world.generation == 7);
  REQUIRE(world.sidecarsets.size() == 2);
  CHECK(world.sidecarsets[0].name == "log-agent");
  CHECK(world.sidecarsets[0].origin.file == kFixtures + "/sidecarsets/10-log-agent.yaml");
  CHECK(world.sidecarsets[1].name == "mesh");
  CHECK(world.sidecarsets[1].origin.file == kFixtures + "/sidecarsets/20-mesh.yaml");
  CHECK(world.sidecarsets[1].origin.document == 1);
  CHECK(world.namespace_labels("prod") ==
        injector::Labels{{"env", "prod"}, {"kubernetes.io/metadata.name", "prod"}});
  CHECK(loaded->counts.files == 2);
  CHECK(loaded->counts.sidecarsets == 2);
  CHECK(loaded->counts.namespaces == 1);
  CHECK(loaded->counts.revisions == 0);
  CHECK(injector::describe(loaded->counts) ==
        "2 SidecarSets, 1 Namespace, 0 ControllerRevisions from 2 files");
}

TEST_CASE("load_world reports read, syntax and validation problems together") {
  std::string dir = scratch("load-errors");
  auto loaded = load_world({kFixtures + "/invalid/syntax.yaml", dir + "/missing.yaml"}, 1);
  REQUIRE_FALSE(loaded.has_value());
  // list_sources fails first: nothing is read when a PATH is missing.
  CHECK(loaded.error() ==
        std::vector<std::string>{dir + "/missing.yaml: no such file or directory"});

  auto invalid = load_world({kFixtures + "/invalid"}, 1);
  REQUIRE_FALSE(invalid.has_value());
  // Read problems come first, then validation problems (file, document, SidecarSet, field).
  const std::string file = kFixtures + "/invalid/sidecarsets.yaml";
  CHECK(
      invalid.error() ==
      std::vector<std::string>{
          kFixtures + "/invalid/syntax.yaml: document 1: line 6: did not find expected ',' or ']'",
          file + ": document 1: sidecarset \"match-all\": spec.selector: Invalid value: "
                 "{}: empty selector is not valid for sidecarset.",
          file + ": document 2: sidecarset \"no-image\": spec.containers[0].image: Required "
                 "value"});
}

TEST_CASE("describe pluralises") {
  CHECK(injector::describe({1, 1, 0, 1}) ==
        "1 SidecarSet, 0 Namespaces, 1 ControllerRevision from 1 file");
  CHECK(injector::describe({0, 0, 0, 0}) ==
        "0 SidecarSets, 0 Namespaces, 0 ControllerRevisions from 0 files");
}

TEST_CASE("fingerprint changes exactly when the sources change") {
  std::string dir = scratch("fingerprint");
  write(dir + "/a.yaml", sidecarset("a"));
  std::string base = fingerprint({dir});
  CHECK(fingerprint({dir}) == base);

  SECTION("a file rewritten with new content") {
    write(dir + "/a.yaml", sidecarset("a-longer-name"));
    CHECK(fingerprint({dir}) != base);
  }
  SECTION("a file replaced by rename (same size, new inode)") {
    write(dir + "/tmp", sidecarset("b"));
    fs::rename(dir + "/tmp", dir + "/a.yaml");
    CHECK(fingerprint({dir}) != base);
  }
  SECTION("a manifest added") {
    write(dir + "/b.yaml", "");
    CHECK(fingerprint({dir}) != base);
  }
  SECTION("a manifest removed") {
    fs::remove(dir + "/a.yaml");
    CHECK(fingerprint({dir}) != base);
  }
  SECTION("files that are not read do not count") {
    write(dir + "/notes.txt", "x");
    write(dir + "/.swp.yaml", "x");
    CHECK(fingerprint({dir}) == base);
  }
  SECTION("a missing PATH is a state of its own") {
    std::string missing = fingerprint({dir + "/none.yaml"});
    CHECK(missing == dir + "/none.yaml missing\n");
    write(dir + "/none.yaml", "");
    CHECK(fingerprint({dir + "/none.yaml"}) != missing);
  }
}

TEST_CASE("content_digest follows the bytes, not the timestamps") {
  std::string dir = scratch("digest");
  write(dir + "/a.yaml", sidecarset("a"));
  std::string base = injector::content_digest({dir});
  CHECK(base.size() == 64);
  CHECK(injector::content_digest({dir}) == base);
  CHECK(read_sources({dir}).digest == base);
  CHECK(load_world({dir}, 1)->digest == base);

  write(dir + "/a.yaml", sidecarset("a"));  // rewritten, same bytes
  CHECK(injector::content_digest({dir}) == base);
  write(dir + "/a.yaml", sidecarset("b"));
  CHECK(injector::content_digest({dir}) != base);
  write(dir + "/a.yaml", sidecarset("a"));
  write(dir + "/b.yaml", "");  // an empty file is still a file
  CHECK(injector::content_digest({dir}) != base);
  fs::remove(dir + "/b.yaml");
  CHECK(injector::content_digest({dir}) == base);
  CHECK(injector::content_digest({dir + "/none"}) != injector::content_digest({dir + "/other"}));
}

TEST_CASE("fingerprint follows a ConfigMap update") {
  std::string dir = scratch("fingerprint-configmap");
  configmap_version(dir, "..v1", {{"a.yaml", sidecarset("a")}});
  std::string v1 = fingerprint({dir});
  configmap_version(dir, "..v2", {{"a.yaml", sidecarset("b")}});  // same size, new files
  CHECK(fingerprint({dir}) != v1);
}
