#include "cli/workload/inject_run.hpp"

#include <iostream>

#include "cli/options.hpp"
#include "injector/wire/warnings.hpp"
#include "sources/sources.hpp"

namespace injector::cli {

void add_manifest_options(cxxopts::Options& options) {
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::vector<std::string>>())("R,recursive", "")(
      "n,namespace", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "now", "", cxxopts::value<std::string>())("strict", "")("h,help", "");
}

std::expected<ManifestRun, int> inject_files(const cxxopts::ParseResult& r,
                                             const std::vector<std::string>& paths,
                                             std::string_view command, std::istream& in,
                                             std::ostream& err) {
  if (r.count("file") == 0) {
    return std::unexpected(usage_error(err, command, "-f/--file is required (use '-' for stdin)"));
  }
  auto engine = engine_options(r, command, err);
  if (!engine) {
    return std::unexpected(engine.error());
  }
  const bool recursive = r.count("recursive") != 0;
  ManifestRun run;
  run.world = load_or_report(paths, err, BuildOptions{r.count("strict") != 0}, recursive);
  if (!run.world) {
    return std::unexpected(kExitUsage);
  }
  auto docs = read_manifests(r["file"].as<std::vector<std::string>>(), recursive, in, err);
  if (!docs) {
    return std::unexpected(kExitUsage);
  }
  run.documents = std::move(*docs);
  run.injected = inject_manifests(*run.world, run.documents,
                                  string_option(r, "namespace").value_or(""), *engine);
  if (run.injected.refused) {
    err << *run.injected.refused << '\n';
    return std::unexpected(kExitUsage);
  }
  for (const ObjectReport& o : run.injected.objects) {
    if (o.denied) {
      err << "denied: " << o.where << ": " << o.message << '\n';
    }
    // Bounded as the server's response carries them.
    for (const std::string& w : bound_warnings(o.injection.warnings)) {
      err << "warning: " << o.where << ": " << w << '\n';
    }
  }
  return run;
}

}  // namespace injector::cli
