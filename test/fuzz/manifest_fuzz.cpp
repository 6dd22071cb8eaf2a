// Fuzz target: the manifest loader (YAML or JSON text to a World). Properties:
// 1. parse_documents() and build_world() never throw; every error and problem has a message;
// 2. never half-loads: build_world() gives either a World holding every SidecarSet document,
//    sorted by name, names unique, each with both hash annotations, or no World and at least one
//    problem;
// 3. build_world_tolerant() always gives a World; when the strict build succeeds it holds the
//    same SidecarSets with the same hashes and reports no problem, and when the strict build
//    fails it reports a problem.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "injector/model/load.hpp"

namespace {

constexpr std::string_view kTarget = "manifest_fuzz";

bool is_sidecarset(const injector::Json& obj) {
  const std::string api = fuzz::string_field(obj, "apiVersion");
  return fuzz::string_field(obj, "kind") == "SidecarSet" &&
         (api == "apps.kruise.io/v1alpha1" || api == "apps.kruise.io/v1beta1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  injector::Result<std::vector<injector::Document>> docs;
  try {
    docs = injector::parse_documents(input, "fuzz.yaml");
  } catch (...) {
    fuzz::violated(kTarget, "parse_documents() threw", input);
  }
  if (!docs) {
    if (docs.error().message.empty()) {
      fuzz::violated(kTarget, "a parse error without a message", input);
    }
    return 0;
  }
  std::size_t sidecarsets = 0;
  for (const auto& d : *docs) {
    sidecarsets += is_sidecarset(d.object) ? 1 : 0;
  }
  std::expected<injector::WorldBuild, std::vector<injector::Problem>> strict;
  injector::TolerantWorldBuild tolerant;
  try {
    strict = injector::build_world(*docs, 1);
    tolerant = injector::build_world_tolerant(*docs, 1);
  } catch (...) {
    fuzz::violated(kTarget, "build_world() threw", input);
  }
  if (!tolerant.build.world) {
    fuzz::violated(kTarget, "the tolerant build has no World", input);
  }
  if (!strict) {
    if (strict.error().empty() || tolerant.problems.empty()) {
      fuzz::violated(kTarget, "a failed build without problems", input);
    }
    for (const auto& p : strict.error()) {
      if (p.message.empty() || p.to_string().empty()) {
        fuzz::violated(kTarget, "a problem without a message", input);
      }
    }
    return 0;
  }
  const auto& world = *strict->world;
  if (world.sidecarsets.size() != sidecarsets) {
    fuzz::violated(kTarget, "a World without every SidecarSet document", input);
  }
  for (std::size_t i = 0; i < world.sidecarsets.size(); ++i) {
    const auto& s = world.sidecarsets[i];
    if (s.name.empty() || s.hash.empty() || s.hash_without_image.empty() ||
        (i > 0 && !(world.sidecarsets[i - 1].name < s.name))) {
      fuzz::violated(kTarget, "a SidecarSet without a name, a hash or its place", input);
    }
  }
  const auto& again = *tolerant.build.world;
  bool same = tolerant.problems.empty() && again.sidecarsets.size() == world.sidecarsets.size();
  for (std::size_t i = 0; same && i < world.sidecarsets.size(); ++i) {
    same = again.sidecarsets[i].name == world.sidecarsets[i].name &&
           again.sidecarsets[i].hash == world.sidecarsets[i].hash;
  }
  if (!same) {
    fuzz::violated(kTarget, "the tolerant build differs from a successful strict one", input);
  }
  return 0;
}
