// Golden cases: fixtures/cases/<behaviour>/ holds hand-written `sidecarsets.yaml` and `pod.yaml`
// (optional `namespace.txt` = request namespace, `seed.txt` = Partial seed) and the generated
// `expected-patch.json` + `expected-pod.json` (and `expected-warnings.txt` when the review warns),
// or `expected-error.txt` for a denial. Each case
// asserts the exact patch, that nlohmann's own JSON Patch (not ours) turns the pod into the
// expected pod, and that reviewing the result again yields no ops. Expectations are rewritten
// only with INJECTOR_UPDATE_GOLDEN=1 (then review the diff by hand). The loop follows
// nlohmann/json's tests/src/unit-json_patch.cpp. A case's `case.yaml` states the same expectations
// for `sidecarset-injector test fixtures/cases` (a ctest); keep it in step when a case changes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/model/load.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

// Order-insensitive comparison for documents (object key order is not part of JSON).
nlohmann::json plain(const Json& j) { return nlohmann::json::parse(j.dump()); }

InjectOptions fixed_options(std::uint64_t seed) {
  using namespace std::chrono;
  InjectOptions o;
  o.now = sys_days{year{2024} / 1 / 2} + hours{3} + minutes{4} + seconds{5};
  o.seed = seed;
  return o;
}

// The warnings of an injection, one a line.
std::string warning_lines(const Injection& injection) {
  std::string out;
  for (const auto& w : injection.warnings) {
    out += w + "\n";
  }
  return out;
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(fs::path(INJECTOR_SOURCE_DIR) / "fixtures/cases")) {
    if (e.is_directory()) {
      dirs.push_back(e.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST_CASE("golden injection cases") {
  const bool update = std::getenv("INJECTOR_UPDATE_GOLDEN") != nullptr &&
                      std::string(std::getenv("INJECTOR_UPDATE_GOLDEN")) == "1";
  const auto dirs = case_dirs();
  REQUIRE(!dirs.empty());
  for (const auto& dir : dirs) {
    DYNAMIC_SECTION(dir.filename().string()) {
      auto docs = parse_documents(read_file(dir / "sidecarsets.yaml"), "sidecarsets.yaml");
      REQUIRE(docs.has_value());
      auto built = build_world(std::move(*docs), 1);
      if (!built) {
        for (const auto& p : built.error()) {
          UNSCOPED_INFO(p.to_string());
        }
      }
      REQUIRE(built.has_value());
      const World& world = *built->world;

      auto pod_docs = parse_documents(read_file(dir / "pod.yaml"), "pod.yaml");
      REQUIRE(pod_docs.has_value());
      REQUIRE(pod_docs->size() == 1);
      const Json pod = (*pod_docs)[0].object;

      const std::string ns =
          fs::exists(dir / "namespace.txt") ? trim(read_file(dir / "namespace.txt")) : "";
      const std::uint64_t seed =
          fs::exists(dir / "seed.txt") ? std::stoull(trim(read_file(dir / "seed.txt"))) : 0;
      const auto options = fixed_options(seed);
      auto result = inject(world, pod, ns, options);

      if (update) {
        fs::remove(dir / "expected-error.txt");
        fs::remove(dir / "expected-patch.json");
        fs::remove(dir / "expected-pod.json");
        fs::remove(dir / "expected-warnings.txt");
        if (result) {
          write_file(dir / "expected-patch.json", result->patch.dump(2) + "\n");
          write_file(dir / "expected-pod.json", result->pod.dump(2) + "\n");
          if (!result->warnings.empty()) {
            write_file(dir / "expected-warnings.txt", warning_lines(*result));
          }
        } else {
          write_file(dir / "expected-error.txt", result.error().message + "\n");
        }
      }

      if (fs::exists(dir / "expected-error.txt")) {
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().message == trim(read_file(dir / "expected-error.txt")));
        continue;
      }
      if (!result) {
        FAIL("unexpected error: " << result.error().message);
      }
      const Json expected_patch = Json::parse(read_file(dir / "expected-patch.json"));
      const Json expected_pod = Json::parse(read_file(dir / "expected-pod.json"));
      CHECK(result->patch.dump(2) == expected_patch.dump(2));
      CHECK(plain(result->pod) == plain(expected_pod));
      if (fs::exists(dir / "expected-warnings.txt")) {
        CHECK(warning_lines(*result) == read_file(dir / "expected-warnings.txt"));
      }

      // nlohmann's own RFC 6902 implementation must agree with our patch.
      CHECK(plain(pod.patch(result->patch)) == plain(expected_pod));

      // Idempotence: the API server reinvokes the webhook on the mutated pod, with whatever
      // randomness that review gets.
      for (std::uint64_t reseed : {seed, seed + 1, seed + 2}) {
        auto again = inject(world, result->pod, ns, fixed_options(reseed));
        REQUIRE(again.has_value());
        CHECK(again->patch.dump() == "[]");
      }
    }
  }
}

}  // namespace
}  // namespace injector
