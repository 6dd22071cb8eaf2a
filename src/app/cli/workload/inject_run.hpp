#pragma once
// What `inject` and `diff` share: their engine options, and loading SidecarSets, reading the -f
// manifests and injecting them, with denials and warnings reported as both print them.

#include <expected>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cxxopts.hpp>

#include "cli/workload/manifests.hpp"
#include "injector/model/world.hpp"

namespace injector::cli {

/// Adds --sidecarsets, -f/--file, -R, -n/--namespace, --seed, --now, --strict and -h.
void add_manifest_options(cxxopts::Options& options);

struct ManifestRun {
  std::shared_ptr<const World> world;
  std::vector<InputDocument> documents;  // as read
  InjectedManifests injected;
};

/// Checks -f, --seed and --now, loads the SidecarSets at `paths`, reads and injects the -f
/// manifests. Prints SidecarSet warnings, each denial (`denied: WHERE: reason`) and each object's
/// warnings to `err`. A usage error, unreadable input, invalid SidecarSets or an object of
/// another namespace than --namespace is printed and returned as the exit code (kExitUsage).
std::expected<ManifestRun, int> inject_files(const cxxopts::ParseResult& r,
                                             const std::vector<std::string>& paths,
                                             std::string_view command, std::istream& in,
                                             std::ostream& err);

}  // namespace injector::cli
