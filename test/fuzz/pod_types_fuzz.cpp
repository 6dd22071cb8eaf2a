// Fuzz target: type mutations of real pods. The golden cases (fixtures/cases/*: SidecarSets and a
// pod each) are loaded once; the input's bytes choose a case, a seed, and one to four mutations,
// each replacing one node of the pod (any node: a field the engine reads or not, a list element,
// the root) with a value of another JSON type. Property (test/fuzz/pod_mutation.hpp): inject()
// never throws and gives a denial with a message, no patch, or a whole patch: it applies, a
// second review leaves it alone, it adds no problem to the API server's pod checks, and when the
// same SidecarSets match as on the unmutated pod it adds the same sidecars.
// test/core/inject/pod_types_test.cpp runs every single mutation exhaustively; this target
// explores combinations and more values per type.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "injector/model/load.hpp"
#include "pod_mutation.hpp"

namespace {

using injector::Json;
constexpr std::string_view kTarget = "pod_types_fuzz";

struct Case {
  std::string name;
  std::shared_ptr<const injector::World> world;
  Json pod;
  fuzz::Baseline baseline;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

injector::InjectOptions options(std::uint64_t seed) {
  injector::InjectOptions o;
  o.now = std::chrono::sys_days{std::chrono::year{2024} / 1 / 2};
  o.seed = seed;
  return o;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = [] {
    namespace fs = std::filesystem;
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(fs::path(INJECTOR_SOURCE_DIR) / "fixtures/cases")) {
      dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    std::vector<Case> out;
    for (const auto& dir : dirs) {
      auto docs = injector::parse_documents(slurp(dir / "sidecarsets.yaml"), "sidecarsets.yaml");
      auto pod = injector::parse_documents(slurp(dir / "pod.yaml"), "pod.yaml");
      if (!docs || !pod || pod->empty()) {
        fuzz::violated(kTarget, "a golden case does not parse", dir.string());
      }
      auto built = injector::build_world(std::move(*docs), 1);
      if (!built) {
        fuzz::violated(kTarget, "a golden case does not load", dir.string());
      }
      Case c{dir.filename().string(), built->world, (*pod)[0].object, {}};
      c.baseline = fuzz::baseline_of(*c.world, c.pod, "default", options(0));
      out.push_back(std::move(c));
    }
    if (out.empty()) {
      fuzz::violated(kTarget, "no golden cases", INJECTOR_SOURCE_DIR);
    }
    return out;
  }();
  return kCases;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Choices c(data, size);
  const auto& all = cases();
  const Case& base = all[c.pick(all.size())];
  const std::uint64_t seed = c.byte();
  Json pod = base.pod;
  std::string what = base.name + ":";
  for (std::size_t i = 0, n = 1 + c.pick(4); i < n; ++i) {
    const auto paths = fuzz::node_paths(pod);
    const std::size_t at = (static_cast<std::size_t>(c.byte()) << 8 | c.byte()) % paths.size();
    const std::size_t own = fuzz::type_index(pod.at(paths[at]));
    const std::size_t type = (own + 1 + c.pick(5)) % 6;
    const Json value = fuzz::value_of_type(type, c.byte());
    what += " " + paths[at].to_string() + "=" + value.dump();
    if (paths[at].empty()) {
      pod = value;
    } else {
      pod[paths[at]] = value;
    }
  }
  const std::string problem = fuzz::mutated_pod_problem(
      *base.world, pod, "default", options(seed),
      seed == 0 ? base.baseline
                : fuzz::baseline_of(*base.world, base.pod, "default", options(seed)));
  if (!problem.empty()) {
    fuzz::violated(kTarget, problem, what);
  }
  return 0;
}
