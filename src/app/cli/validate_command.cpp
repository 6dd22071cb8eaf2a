// `sidecarset-injector validate`.

#include "cli/commands.hpp"

#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "injector/model/load.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kValidateHelp = R"(Usage:
  sidecarset-injector validate PATH...

Checks SidecarSet manifests as OpenKruise's admission would (after its defaulting): selectors,
containers, volumes, patchPodMetadata, resourcesPolicy, name conflicts between SidecarSets, and
the files' syntax. Prints every problem on its own line,
  FILE: document N: sidecarset "NAME": FIELD: MESSAGE
(documents counted from 1), and exits 2 when there is any; otherwise prints a one-line summary
and exits 0. A directory PATH without manifests is a problem too.

Options:
  -h, --help             show this help

Example:
  sidecarset-injector validate examples/sidecarsets/ examples/hot-upgrade/sidecarset.yaml
)";

}  // namespace

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "validate";
  cxxopts::Options options("sidecarset-injector validate");
  options.add_options()("h,help", "");
  auto parsed = parse(options, args);
  if (!parsed) {
    return usage_error(err, kCmd, parsed.error());
  }
  if (parsed->result.count("help") != 0) {
    out << kValidateHelp;
    return kExitOk;
  }
  if (parsed->positional.empty()) {
    return usage_error(err, kCmd, "at least one PATH is required");
  }
  SourceDocuments sources = read_sources(parsed->positional);
  std::vector<std::string> problems = std::move(sources.errors);
  // Validating nothing is almost always a wrong PATH; say so rather than report "ok".
  for (const std::string& path : parsed->positional) {
    auto files = list_sources({path});
    if (files && files->empty()) {
      problems.push_back(path + ": no .yaml, .yml or .json files");
    }
  }
  std::size_t files = sources.files.size();
  auto build = build_world(std::move(sources.documents), 1);
  if (!build) {
    for (const Problem& p : build.error()) {
      problems.push_back(p.to_string());
    }
  }
  if (!problems.empty()) {
    for (const std::string& p : problems) {
      out << p << '\n';
    }
    err << kProgram << " validate: " << problems.size()
        << (problems.size() == 1 ? " problem" : " problems") << '\n';
    return kExitUsage;
  }
  for (const std::string& note : build->notes) {
    out << "note: " << note << '\n';
  }
  WorldCounts counts{files, build->world->sidecarsets.size(), build->world->namespaces.size(),
                     build->world->revisions.size()};
  out << describe(counts) << ": ok\n";
  return kExitOk;
}

}  // namespace injector::cli
