// `sidecarset-injector explain`: for every Pod and pod template, why each SidecarSet applies or
// not, and what the applying ones add. The decisions are the core's (injector/explain); this
// file reads the inputs as `inject` does and formats the answer.

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/explain/format.hpp"
#include "cli/options.hpp"
#include "cli/workload/inject_run.hpp"
#include "cli/workload/manifests.hpp"
#include "injector/explain/explain.hpp"
#include "injector/model/load.hpp"
#include "injector/wire/json_access.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kExplainHelp = R"(Usage:
  sidecarset-injector explain --sidecarsets PATH... -f FILE|DIR|- [--namespaces FILE...] [-R]
                              [-n NS] [-o text|json]

For every Pod and pod template in the -f manifests (the workload kinds `inject` takes), says for
each SidecarSet whether it applies and, if not, exactly why, in the webhook's own order:
  pod_inactive        the pod has finished or is being deleted (OpenKruise skips it)
  paused              spec.injectionStrategy.paused is true
  namespace_mismatch  spec.namespaceSelector: the requirement that failed and the namespace's
                      labels (from a Namespace object in the inputs, else only
                      kubernetes.io/metadata.name)
  selector_mismatch   spec.selector: the requirement that failed and the pod's value for its key
  no_selector         spec.selector is empty or missing: it selects no pod
  selector_error      an unknown operator: the webhook denies the pod
  revision_missing    injectionStrategy.revision names no ControllerRevision: the pod is denied
  denies              another reason of this SidecarSet to deny the pod (resourcesPolicy, ...)
  pod_denied          it selects the pod, but the pod is denied for another reason
  replaced_by_canary  a canary SidecarSet (apps.kruise.io/sidecarset-base) takes its place
  no_app_containers   the pod has no app container, so the webhook leaves it alone
  already_injected    the pod already carries it: injecting again changes nothing
  conflict            it conflicts with another SidecarSet (same container name, a differing
                      volume of one name, an annotation both overwrite): admission refuses it
  invalid             it fails SidecarSet validation: admission refuses it
  injects             it applies
For one that applies: the containers it adds with their list and index in the injected pod,
placement, native sidecar or not and whether one replaces a pod container of its name; the
volumes it adds; env vars it copies from app containers; annotations it patches; hot-upgrade
pairs. SidecarSets that fail validation are explained, not fatal.

Exit status: 0 explained, 1 explained and the webhook would deny a pod, 2 usage error,
unreadable input, no Pod or pod template in the -f input, or an object of another namespace
than --namespace.

Options:
  --sidecarsets PATH...  SidecarSet files or directories, as for inject; required
  --namespaces FILE...   more files or directories holding only Namespace objects (their labels
                         feed namespaceSelector)
  -f, --file PATH        a manifest file, a directory, or '-' for stdin (repeat); required
  -R, --recursive        read directories recursively
  -n, --namespace NS     namespace of the request (default: the object's own, else "default")
  -o, --output FORMAT    text (default) or json
  --seed N               seed for injectionStrategy.revision Partial rollouts
  --now TIME             RFC 3339 time for the hash annotations (also $SIDECARSET_INJECTOR_NOW)
  --strict               unknown and duplicate SidecarSet fields make a SidecarSet invalid
  -h, --help             show this help

Example:
  sidecarset-injector explain --sidecarsets sidecarsets/ --namespaces namespaces.yaml -f pod.yaml
)";

// The Namespace-only documents of --namespaces; false (with the errors printed) otherwise.
bool read_namespaces(const std::vector<std::string>& paths, bool recursive,
                     std::vector<Document>& documents, std::ostream& err) {
  SourceDocuments src = read_sources(paths, recursive);
  for (const std::string& e : src.errors) {
    err << e << '\n';
  }
  bool ok = src.errors.empty();
  for (Document& doc : src.documents) {
    const std::string kind = member_string(doc.object, "kind");
    if (kind != "Namespace") {
      err << doc.origin.file << ": document " << doc.origin.document + 1 << ": --namespaces takes "
          << "Namespace objects, found " << (kind.empty() ? "an object without kind" : kind)
          << '\n';
      ok = false;
      continue;
    }
    documents.push_back(std::move(doc));
  }
  return ok;
}

}  // namespace

int run_explain(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err) {
  constexpr std::string_view kCmd = "explain";
  cxxopts::Options options("sidecarset-injector explain");
  add_manifest_options(options);
  options.add_options()("namespaces", "", cxxopts::value<std::vector<std::string>>())(
      "o,output", "", cxxopts::value<std::string>());
  auto command = parse_engine_command(options, args, kCmd, kExplainHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  if (r.count("file") == 0) {
    return usage_error(err, kCmd, "-f/--file is required (use '-' for stdin)");
  }
  const std::string output = string_option(r, "output").value_or("text");
  if (output != "text" && output != "json") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (text or json)");
  }
  auto engine = engine_options(r, kCmd, err);
  if (!engine) {
    return engine.error();
  }
  const bool recursive = r.count("recursive") != 0;

  // Loaded tolerantly: a SidecarSet that fails validation is one of the answers, not an error.
  SourceDocuments src = read_sources(command->paths, recursive);
  for (const std::string& e : src.errors) {
    err << e << '\n';
  }
  for (const std::string& w : src.warnings) {
    err << "warning: " << w << '\n';
  }
  bool inputs_ok = src.errors.empty();
  if (r.count("namespaces") != 0) {
    inputs_ok = read_namespaces(r["namespaces"].as<std::vector<std::string>>(), recursive,
                                src.documents, err) &&
                inputs_ok;
  }
  if (!inputs_ok) {
    return kExitUsage;
  }
  TolerantWorldBuild built =
      build_world_tolerant(std::move(src.documents), 1, BuildOptions{r.count("strict") != 0});
  for (const Problem& p : built.build.warnings) {
    err << "warning: " << p.to_string() << '\n';
  }
  for (const Problem& p : built.problems) {
    if (p.object.empty()) {
      err << "warning: left out: " << p.to_string() << '\n';
    }
  }
  const World& world = *built.build.world;

  auto docs = read_manifests(r["file"].as<std::vector<std::string>>(), recursive, in, err);
  if (!docs) {
    return kExitUsage;
  }
  const InjectedManifests injected =
      inject_manifests(world, *docs, string_option(r, "namespace").value_or(""), *engine);
  if (injected.refused) {
    err << *injected.refused << '\n';
    return kExitUsage;
  }
  if (injected.objects.empty()) {
    err << kProgram << ' ' << kCmd << ": no Pod or pod template in the -f input ("
        << describe_kinds(*docs) << ")\n";
    return kExitUsage;
  }
  std::vector<ExplainedObject> explained;
  bool denied = false;
  for (const ObjectReport& o : injected.objects) {
    explained.push_back({o, explain(world, built.problems, o.pod, o.ns, *engine)});
    denied = denied || explained.back().explanation.denied.has_value();
  }
  out << (output == "json" ? explanations_json(explained) : explanations_text(explained));
  return denied ? kExitDenied : kExitOk;
}

}  // namespace injector::cli
