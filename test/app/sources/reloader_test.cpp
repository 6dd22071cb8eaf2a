// Reloader: change detection, atomic swap of valid Worlds, rejection of invalid ones, the thread.

#include "sources/reloader.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using injector::Reloader;
using injector::ReloadResult;
using Outcome = injector::ReloadResult::Outcome;

namespace {

std::string sidecarset(std::string_view name, std::string_view image = "agent:1.0") {
  return "apiVersion: apps.kruise.io/v1beta1\nkind: SidecarSet\nmetadata:\n  name: " +
         std::string(name) +
         "\nspec:\n  selector:\n    matchLabels:\n      app: web\n  containers:\n  - name: " +
         std::string(name) + "\n    image: " + std::string(image) + "\n";
}

std::string scratch(const std::string& name) {
  fs::path dir = fs::path(INJECTOR_BINARY_DIR) / "scratch" / "reloader_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// Writes through a rename, as editors and ConfigMap updates do: the path gets a new inode, so
// the change is seen even within the file system's timestamp granularity.
void replace_file(const std::string& path, std::string_view text) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, path);
}

// The serving state a `serve` process starts with.
struct Fixture {
  std::string dir;
  std::vector<std::string> paths;
  std::unique_ptr<injector::WorldHolder> holder;
  std::vector<ReloadResult> reports;

  explicit Fixture(const std::string& name) : dir(scratch(name)), paths{dir} {
    replace_file(dir + "/a.yaml", sidecarset("alpha"));
  }

  std::unique_ptr<Reloader> start(std::chrono::milliseconds interval = {}) {
    std::string baseline = injector::fingerprint(paths);
    auto loaded = injector::load_world(paths, 1);
    REQUIRE(loaded.has_value());
    holder = std::make_unique<injector::WorldHolder>(loaded->build.world);
    return std::make_unique<Reloader>(paths, *holder, baseline, loaded->digest, interval,
                                      [this](const ReloadResult& r) { reports.push_back(r); });
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& s : holder->get()->sidecarsets) {
      out.push_back(s.name);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("check_now reports unchanged sources without reloading") {
  Fixture f("unchanged");
  auto reloader = f.start();
  auto before = f.holder->get();
  ReloadResult r = reloader->check_now();
  CHECK(r.outcome == Outcome::kUnchanged);
  CHECK(r.generation == 1);
  CHECK(f.holder->get() == before);
  CHECK(f.reports.empty());
}

TEST_CASE("check_now swaps in a valid World with the next generation") {
  Fixture f("reload");
  auto reloader = f.start();
  auto old_world = f.holder->get();
  replace_file(f.dir + "/b.yaml", sidecarset("beta"));

  ReloadResult r = reloader->check_now();
  CHECK(r.outcome == Outcome::kReloaded);
  CHECK(r.generation == 2);
  CHECK(r.counts.files == 2);
  CHECK(r.counts.sidecarsets == 2);
  CHECK(r.problems.empty());
  CHECK(f.holder->get()->generation == 2);
  CHECK(f.names() == std::vector<std::string>{"alpha", "beta"});
  // A reader that took the old snapshot keeps it intact.
  CHECK(old_world->sidecarsets.size() == 1);
  REQUIRE(f.reports.size() == 1);
  CHECK(f.reports[0].outcome == Outcome::kReloaded);
  CHECK(f.reports[0].generation == 2);

  SECTION("and nothing more until the next change") {
    CHECK(reloader->check_now().outcome == Outcome::kUnchanged);
    CHECK(f.reports.size() == 1);
  }
  SECTION("a removed file is a change too") {
    fs::remove(f.dir + "/a.yaml");
    ReloadResult again = reloader->check_now();
    CHECK(again.outcome == Outcome::kReloaded);
    CHECK(again.generation == 3);
    CHECK(f.names() == std::vector<std::string>{"beta"});
  }
}

TEST_CASE("check_now reloads nothing for a file replaced by the same content") {
  Fixture f("touch");
  auto reloader = f.start();
  auto before = f.holder->get();
  replace_file(f.dir + "/a.yaml", sidecarset("alpha"));  // new inode and mtime, same bytes
  CHECK(reloader->check_now().outcome == Outcome::kUnchanged);
  CHECK(f.holder->get() == before);
  CHECK(f.reports.empty());
}

namespace {

// An in-place rewrite of the same size within one timestamp tick leaves the fingerprint as it
// was; the mtime is put back by hand to make that tick deterministic.
void rewrite_in_same_tick(const std::string& path, std::string_view text) {
  auto mtime = fs::last_write_time(path);
  REQUIRE(fs::file_size(path) == text.size());
  std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out) << text;
  fs::last_write_time(path, mtime);
}

}  // namespace

TEST_CASE("check_now sees a same-size rewrite in the timestamp tick of a change") {
  Fixture f("same-tick");
  auto reloader = f.start();
  std::string fp = injector::fingerprint(f.paths);

  SECTION("right after the initial load") {
    rewrite_in_same_tick(f.dir + "/a.yaml", sidecarset("alpha", "agent:1.1"));
    REQUIRE(injector::fingerprint(f.paths) == fp);
    ReloadResult r = reloader->check_now();
    CHECK(r.outcome == Outcome::kReloaded);
    CHECK(f.holder->get()->sidecarsets.at(0).spec()["containers"][0]["image"] == "agent:1.1");
  }
  SECTION("right after a reload") {
    replace_file(f.dir + "/b.yaml", sidecarset("beta"));
    REQUIRE(reloader->check_now().outcome == Outcome::kReloaded);
    std::string after = injector::fingerprint(f.paths);
    rewrite_in_same_tick(f.dir + "/b.yaml", sidecarset("beta", "agent:1.1"));
    REQUIRE(injector::fingerprint(f.paths) == after);
    ReloadResult r = reloader->check_now();
    CHECK(r.outcome == Outcome::kReloaded);
    CHECK(r.generation == 3);
    CHECK(f.holder->get()->sidecarsets.at(1).spec()["containers"][0]["image"] == "agent:1.1");
    // Verified once; with nothing new the next check reloads nothing.
    CHECK(reloader->check_now().outcome == Outcome::kUnchanged);
  }
}

TEST_CASE("check_now keeps the last good World when the sources become invalid") {
  Fixture f("reject");
  auto reloader = f.start();
  auto good = f.holder->get();
  replace_file(f.dir + "/a.yaml",
               "kind: SidecarSet\napiVersion: apps.kruise.io/v1beta1\n"
               "metadata:\n  name: alpha\nspec: [broken\n");

  ReloadResult r = reloader->check_now();
  CHECK(r.outcome == Outcome::kRejected);
  CHECK(r.generation == 1);  // still serving generation 1
  CHECK(r.problems == std::vector<std::string>{
                          f.dir + "/a.yaml: document 1: line 6: did not find expected ',' or ']'"});
  CHECK(f.holder->get() == good);
  REQUIRE(f.reports.size() == 1);
  CHECK(f.reports[0].outcome == Outcome::kRejected);
  CHECK(f.reports[0].problems == r.problems);

  SECTION("an unchanged invalid state is not retried") {
    CHECK(reloader->check_now().outcome == Outcome::kUnchanged);
    CHECK(f.reports.size() == 1);
  }
  SECTION("fixing it reloads with the next generation") {
    replace_file(f.dir + "/a.yaml", sidecarset("alpha", "agent:2.0"));
    ReloadResult fixed = reloader->check_now();
    CHECK(fixed.outcome == Outcome::kReloaded);
    CHECK(fixed.generation == 2);
    CHECK(f.holder->get()->sidecarsets.at(0).spec()["containers"][0]["image"] == "agent:2.0");
  }
  SECTION("a missing source is rejected and named") {
    std::vector<std::string> paths = {f.dir + "/a.yaml"};
    fs::remove(f.dir + "/a.yaml");
    injector::WorldHolder holder(good);
    Reloader single(paths, holder, "", "", std::chrono::milliseconds(0), nullptr);
    ReloadResult missing = single.check_now();
    CHECK(missing.outcome == Outcome::kRejected);
    CHECK(missing.problems ==
          std::vector<std::string>{f.dir + "/a.yaml: no such file or directory"});
    CHECK(holder.get() == good);
  }
}

TEST_CASE("check_now sees a ConfigMap volume update") {
  Fixture f("configmap");
  fs::remove(f.dir + "/a.yaml");
  fs::create_directories(f.dir + "/..v1");
  replace_file(f.dir + "/..v1/a.yaml", sidecarset("alpha"));
  fs::create_directory_symlink("..v1", f.dir + "/..data");
  fs::create_symlink("..data/a.yaml", f.dir + "/a.yaml");
  auto reloader = f.start();

  fs::create_directories(f.dir + "/..v2");
  replace_file(f.dir + "/..v2/a.yaml", sidecarset("alpha", "agent:2.0"));
  fs::create_directory_symlink("..v2", f.dir + "/..data_tmp");
  fs::rename(f.dir + "/..data_tmp", f.dir + "/..data");

  ReloadResult r = reloader->check_now();
  CHECK(r.outcome == Outcome::kReloaded);
  CHECK(f.holder->get()->sidecarsets.at(0).spec()["containers"][0]["image"] == "agent:2.0");
}

TEST_CASE("the polling thread reloads and stops") {
  Fixture f("thread");
  std::string baseline = injector::fingerprint(f.paths);
  auto loaded = injector::load_world(f.paths, 1);
  REQUIRE(loaded.has_value());
  injector::WorldHolder holder(loaded->build.world);
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<ReloadResult> seen;
  Reloader reloader(f.paths, holder, baseline, loaded->digest, std::chrono::milliseconds(1),
                    [&](const ReloadResult& r) {
                      std::lock_guard lock(mutex);
                      seen.push_back(r);
                      cv.notify_all();
                    });
  reloader.start();
  reloader.start();  // a second start is a no-op
  replace_file(f.dir + "/b.yaml", sidecarset("beta"));
  {
    std::unique_lock lock(mutex);
    // Waits for the event; the bound only keeps a broken reloader from hanging the suite.
    REQUIRE(cv.wait_for(lock, std::chrono::minutes(1), [&] { return !seen.empty(); }));
    CHECK(seen.front().outcome == Outcome::kReloaded);
    CHECK(seen.front().generation == 2);
  }
  reloader.stop();
  reloader.stop();  // idempotent
  CHECK(holder.get()->generation == 2);
}

TEST_CASE("a zero interval never starts the thread") {
  Fixture f("no-thread");
  auto reloader = f.start(std::chrono::milliseconds(0));
  reloader->start();
  replace_file(f.dir + "/b.yaml", sidecarset("beta"));
  reloader->stop();
  CHECK(f.reports.empty());  // nothing polled; check_now still works on demand
  CHECK(reloader->check_now().outcome == Outcome::kReloaded);
}

TEST_CASE("a reload to an unserved apps.kruise.io version keeps the last good World") {
  Fixture f("unserved-version");
  auto reloader = f.start();
  std::string text = sidecarset("beta");
  text.replace(text.find("v1beta1"), 7, "v1");
  replace_file(f.dir + "/b.yaml", text);
  ReloadResult r = reloader->check_now();
  CHECK(r.outcome == Outcome::kRejected);
  CHECK(r.problems == std::vector<std::string>{
                          f.dir + "/b.yaml: document 1: no matches for kind \"SidecarSet\" in "
                                  "version \"apps.kruise.io/v1\""});
  CHECK(f.names() == std::vector<std::string>{"alpha"});
}

TEST_CASE("a reload reports unknown fields as warnings, and rejects them when strict") {
  Fixture f("unknown-fields");
  std::string baseline = injector::fingerprint(f.paths);
  auto loaded = injector::load_world(f.paths, 1);
  REQUIRE(loaded.has_value());
  f.holder = std::make_unique<injector::WorldHolder>(loaded->build.world);
  Reloader lenient(f.paths, *f.holder, baseline, loaded->digest, {}, [](const ReloadResult&) {});
  replace_file(f.dir + "/a.yaml", sidecarset("alpha") + "  selectr: {}\n");
  ReloadResult r = lenient.check_now();
  CHECK(r.outcome == Outcome::kReloaded);
  CHECK(r.warnings ==
        std::vector<std::string>{f.dir + "/a.yaml: document 1: sidecarset "
                                         "\"alpha\": unknown field \"spec.selectr\""});

  Reloader strict(f.paths, *f.holder, injector::fingerprint(f.paths), "", {},
                  [](const ReloadResult&) {}, {.strict_fields = true});
  replace_file(f.dir + "/a.yaml", sidecarset("alpha") + "  selectr: {app: x}\n");
  ReloadResult rejected = strict.check_now();
  CHECK(rejected.outcome == Outcome::kRejected);
  CHECK(rejected.problems ==
        std::vector<std::string>{f.dir + "/a.yaml: document 1: sidecarset \"alpha\": unknown field "
                                         "\"spec.selectr\""});
  CHECK(f.holder->get()->generation == 2);
}
