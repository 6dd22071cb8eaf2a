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
  sidecarset-injector validate [--strict] [-o text|json] [-R] PATH... | -f PATH...

Checks SidecarSet manifests as OpenKruise's admission would (after its defaulting): selectors,
containers, volumes, patchPodMetadata, resourcesPolicy, name conflicts between SidecarSets, and
the files' syntax. Prints every problem on its own line,
  FILE: document N: sidecarset "NAME": FIELD: MESSAGE
(documents counted from 1), and exits 2 when there is any; otherwise prints a one-line summary
and exits 0. Warnings are printed as `warning: ...` and do not fail the check: unknown and
duplicate SidecarSet fields (as the API server reports them with fieldValidation=Warn:
unknown field "spec.selectr"), hash annotations that do not match the spec (the annotation is
what gets used), a directory PATH without manifests.

Options:
  -f, --file PATH        a PATH as above (repeat for several; same as giving it bare)
  -R, --recursive        read directories recursively, as kubectl -R
  --strict               unknown and duplicate fields are problems (fieldValidation=Strict)
  -o, --output FORMAT    text (default) or json: one object {"valid", "problems", "warnings",
                         "notes", "counts"} on stdout, each problem and warning with its "message"
                         and, when known, "file", "document", "sidecarset" and "field"
  -h, --help             show this help

Exit status: 0 valid (warnings allowed), 2 a problem or a usage error.

Example:
  sidecarset-injector validate examples/sidecarsets/ examples/hot-upgrade/sidecarset.yaml
)";

Json problem_json(const Problem& p) {
  Json j = Json::object();
  j["message"] = p.to_string();
  j["file"] = p.origin.file;
  if (p.origin.document >= 0) {
    j["document"] = p.origin.document + 1;
  }
  if (!p.object.empty()) {
    j["sidecarset"] = p.object;
  }
  if (!p.field.empty()) {
    j["field"] = p.field;
  }
  j["reason"] = p.message;
  return j;
}

Json text_json(const std::string& text) { return Json{{"message", text}}; }

}  // namespace

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "validate";
  cxxopts::Options options("sidecarset-injector validate");
  options.add_options()("strict", "")("o,output", "", cxxopts::value<std::string>())(
      "f,file", "", cxxopts::value<std::vector<std::string>>())("R,recursive", "")("h,help", "");
  auto parsed = parse(options, args);
  if (!parsed) {
    return usage_error(err, kCmd, parsed.error());
  }
  if (parsed->result.count("help") != 0) {
    out << kValidateHelp;
    return kExitOk;
  }
  const std::string output = string_option(parsed->result, "output").value_or("text");
  if (output != "text" && output != "json") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (text or json)");
  }
  std::vector<std::string> paths = parsed->positional;
  if (parsed->result.count("file") != 0) {
    auto files = parsed->result["file"].as<std::vector<std::string>>();
    paths.insert(paths.end(), files.begin(), files.end());
  }
  if (paths.empty()) {
    return usage_error(err, kCmd, "at least one PATH is required");
  }
  SourceDocuments sources = read_sources(paths, parsed->result.count("recursive") != 0);
  Json problems = Json::array();
  Json warnings = Json::array();
  for (const std::string& e : sources.errors) {
    problems.push_back(text_json(e));
  }
  for (const std::string& w : sources.warnings) {
    warnings.push_back(text_json(w));
  }
  std::size_t files = sources.files.size();
  BuildOptions build_options{parsed->result.count("strict") != 0};
  build_options.threads = build_threads();
  auto build = build_world(std::move(sources.documents), 1, build_options);
  if (!build) {
    for (const Problem& p : build.error()) {
      problems.push_back(problem_json(p));
    }
  } else {
    for (const Problem& w : build->warnings) {
      warnings.push_back(problem_json(w));
    }
  }
  Json report = Json::object();
  report["valid"] = problems.empty();
  report["problems"] = problems;
  report["warnings"] = warnings;
  report["notes"] = build ? Json(build->notes) : Json::array();
  if (build) {
    report["counts"] = Json{{"files", files},
                            {"sidecarsets", build->world->sidecarsets.size()},
                            {"namespaces", build->world->namespaces.size()},
                            {"revisions", build->world->revisions.size()}};
  }
  if (output == "json") {
    out << report.dump(2) << '\n';
    return problems.empty() ? kExitOk : kExitUsage;
  }
  for (const Json& w : warnings) {
    out << "warning: " << w["message"].get<std::string>() << '\n';
  }
  if (!problems.empty()) {
    for (const Json& p : problems) {
      out << p["message"].get<std::string>() << '\n';
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
