// `sidecarset-injector inject`.

#include "cli/commands.hpp"

#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "cli/workload/inject_run.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kInjectHelp = R"(Usage:
  sidecarset-injector inject --sidecarsets PATH... -f FILE|DIR|- [-R] [-n NS] [-o json|yaml]

Reads manifests (YAML or JSON, multi-document streams, Lists) and prints them as admission
would leave them: each Pod as the webhook mutates it on CREATE (matching SidecarSets in name
order, their containers, volumes, env and annotations injected), and the pod template of each
workload as the pods it creates would be mutated: Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job, CronJob, ReplicationController, PodTemplate, and OpenKruise's CloneSet, Advanced
StatefulSet, Advanced DaemonSet and BroadcastJob. A template is reviewed as the pod its
controller creates: its labels and annotations, in the workload's namespace. Since reviewing an
injected pod again yields no patch, the webhook then leaves such pods alone. Objects of other
kinds, and those nothing applies to, are printed unchanged, in order.

-o yaml prints one YAML document per input document (a List stays a List), separated by ---;
-o json prints one document as itself and several as a v1 List, as kubectl prints them.
Warnings go to stderr, naming file, document, kind and name.

Exit status: 0 printed, 1 the webhook would deny a pod (`denied: FILE: document N: KIND "NAME":
reason` on stderr; that object is left out, the others are printed), 2 usage error, unreadable
input, an object of another namespace than --namespace, or invalid SidecarSets (every problem on
stderr, naming file, document, SidecarSet and field).

Options:
  --sidecarsets PATH...  SidecarSet files or directories (several after one --sidecarsets,
                         repeated, or comma-separated); required
  -f, --file PATH        a manifest file, a directory of .yaml/.yml/.json files, or '-' for
                         stdin (repeat for several); required
  -R, --recursive        read -f and --sidecarsets directories recursively, as kubectl -R
  -n, --namespace NS     namespace of the request (default: the object's own, else "default");
                         an object of another namespace is refused, as the API server refuses it
  -o, --output FORMAT    json (pretty, 2-space indent) or yaml (default json)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  --now TIME             RFC 3339 time for the hash annotations' updateTimestamp (default: the
                         clock; also $SIDECARSET_INJECTOR_NOW), for reproducible output
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -h, --help             show this help
Options take their value as `--name value` or `--name=value` (`-f=pod.yaml` too).

Example:
  sidecarset-injector inject --sidecarsets examples/sidecarsets -f pod.yaml -o yaml
  kustomize build overlays/prod | sidecarset-injector inject --sidecarsets sidecarsets -f - -o yaml
)";

}  // namespace

int run_inject(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "inject";
  cxxopts::Options options("sidecarset-injector inject");
  add_manifest_options(options);
  options.add_options()("o,output", "", cxxopts::value<std::string>());
  auto command = parse_engine_command(options, args, kCmd, kInjectHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  const std::string output = string_option(r, "output").value_or("json");
  if (output != "json" && output != "yaml") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (json or yaml)");
  }
  auto run = inject_files(r, command->paths, kCmd, in, err);
  if (!run) {
    return run.error();
  }
  if (!run->injected.documents.empty()) {
    out << print_manifests(run->injected.documents, output);
  }
  return run->injected.denied ? kExitDenied : kExitOk;
}

}  // namespace injector::cli
