// `sidecarset-injector inject`.

#include "cli/commands.hpp"

#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "cli/yaml_out.hpp"
#include "injector/model/load.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kInjectHelp = R"(Usage:
  sidecarset-injector inject --sidecarsets PATH... -f FILE|- [--namespace NS] [-o json|yaml]

Reads a Pod (YAML or JSON) and prints it as the webhook would mutate it on CREATE: matching
SidecarSets in name order, their containers, volumes, env and annotations injected. A pod that
nothing applies to is printed unchanged. Warnings go to stderr.

Exit status: 0 printed, 1 the webhook would deny the pod (reason on stderr), 2 usage error,
unreadable pod, a pod of another namespace than --namespace, or invalid SidecarSets (every
problem on stderr, naming file, document, SidecarSet and field).

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, or separate with commas); required
  -f, --file FILE        the Pod; '-' reads stdin; required
  --namespace NS         namespace of the request (default: the pod's own, else "default"); a
                         pod of another namespace is refused, as the API server refuses it
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -o, --output FORMAT    json (pretty, 2-space indent) or yaml (default json)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  -h, --help             show this help

Example:
  sidecarset-injector inject --sidecarsets examples/sidecarsets -f pod.yaml -o yaml
)";

}  // namespace

int run_inject(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "inject";
  cxxopts::Options options("sidecarset-injector inject");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::string>())("namespace", "", cxxopts::value<std::string>())(
      "o,output", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "strict", "")("h,help", "");
  auto command = parse_engine_command(options, args, kCmd, kInjectHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  const std::vector<std::string>& paths = command->paths;
  auto file = string_option(r, "file");
  if (!file) {
    return usage_error(err, kCmd, "-f/--file is required (use '-' for stdin)");
  }
  std::string output = string_option(r, "output").value_or("json");
  if (output != "json" && output != "yaml") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (json or yaml)");
  }
  auto seed = seed_option(r);
  if (!seed) {
    return usage_error(err, kCmd, seed.error());
  }

  std::shared_ptr<const World> world =
      load_or_report(paths, err, BuildOptions{r.count("strict") != 0});
  if (!world) {
    return kExitUsage;
  }
  auto text = read_input(*file, in);
  if (!text) {
    err << text.error() << '\n';
    return kExitUsage;
  }
  std::string display = *file == "-" ? "<stdin>" : *file;
  auto docs = parse_documents(*text, display);
  if (!docs) {
    err << docs.error().message << '\n';
    return kExitUsage;
  }
  if (docs->size() != 1) {
    err << display << ": expected one Pod, found " << docs->size() << " documents\n";
    return kExitUsage;
  }
  const Json& pod = docs->front().object;
  if (!pod.is_object()) {
    err << display << ": expected a Pod object, found " << pod.type_name() << '\n';
    return kExitUsage;
  }
  if (pod.contains("kind") && pod["kind"] != "Pod") {
    err << display << ": expected a Pod, found kind " << pod["kind"].dump() << '\n';
    return kExitUsage;
  }

  std::string own;
  if (auto m = pod.find("metadata"); m != pod.end() && m->is_object()) {
    if (auto n = m->find("namespace"); n != m->end() && n->is_string()) {
      own = n->get<std::string>();
    }
  }
  std::string ns = string_option(r, "namespace").value_or("");
  if (!ns.empty() && !own.empty() && ns != own) {
    // kube-apiserver refuses the create before any webhook runs (400 BadRequest).
    err << display
        << ": the namespace of the provided object does not match the namespace sent on the "
           "request (metadata.namespace \""
        << own << "\", --namespace \"" << ns << "\")\n";
    return kExitUsage;
  }
  if (ns.empty()) {
    ns = own.empty() ? std::string("default") : own;
  }

  auto injection = inject(*world, pod, ns, inject_options(*seed));
  if (!injection) {
    err << "denied: " << injection.error().message << '\n';
    return kExitDenied;
  }
  for (const std::string& w : injection->warnings) {
    err << "warning: " << w << '\n';
  }
  if (output == "yaml") {
    out << to_yaml(injection->pod);
  } else {
    out << injection->pod.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  return kExitOk;
}

}  // namespace injector::cli
