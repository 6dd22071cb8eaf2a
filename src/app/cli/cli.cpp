#include "cli/cli.hpp"

#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "version.hpp"

namespace injector {
namespace {

using cli::kProgram;
using cli::usage_error;

constexpr std::string_view kMainHelp =
    R"(sidecarset-injector - OpenKruise SidecarSet injection as a Kubernetes admission webhook

Usage:
  sidecarset-injector <command> [options]
  sidecarset-injector --help | --version

Commands:
  serve      Run the HTTPS mutating admission webhook (POST /mutate-pod, /healthz, /readyz)
  review     Answer one AdmissionReview request offline, byte for byte as the server would
  inject     Print Pods and workloads (their pod templates) as admission would leave them
  explain    Say for each SidecarSet whether it applies to a pod and why not, and what it adds
  diff       Show what admission would change in manifests, as a unified YAML diff
  validate   Check SidecarSet manifests and report every problem
  test       Run fixture-based admission test cases (golden files, checks, JUnit XML)
  audit      List running pods that miss their SidecarSets' sidecars or carry outdated ones

SidecarSet sources (PATH): a file, or a directory whose .yaml, .yml and .json files are read in
name order (recursively with -R, except for serve; names starting with '.' are skipped, so a
mounted ConfigMap works). A file may hold several documents: SidecarSets (apps.kruise.io/v1alpha1
or v1beta1), Namespaces (their labels feed namespaceSelector) and ControllerRevisions (for
injectionStrategy.revision). YAML is read as kubectl reads it (YAML 1.1: 0400 is 256, on is
true). Options take `--name value`, `--name=value` and `-f=x`.

Exit status: 0 success, 1 the pod would be denied (inject, review, explain), pods miss sidecars
(audit) or differences were found (diff), 2 usage error, unreadable input, invalid SidecarSets
or startup failure, 3 review answered a malformed request with an error, audit could not read
the cluster, or diff found a pod the webhook would deny. Each command's --help lists its own.

Run 'sidecarset-injector <command> --help' for the options of a command.
)";

}  // namespace

int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err) {
  if (args.empty()) {
    err << kMainHelp;
    return kExitUsage;
  }
  const std::string& command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help") {
    out << kMainHelp;
    return kExitOk;
  }
  if (command == "help") {
    if (rest.empty()) {
      out << kMainHelp;
      return kExitOk;
    }
    return run_cli({rest.front(), "--help"}, in, out, err);
  }
  if (command == "--version" || command == "version") {
    out << kProgram << ' ' << version() << '\n';
    return kExitOk;
  }
  if (command == "inject") {
    return cli::run_inject(rest, in, out, err);
  }
  if (command == "explain") {
    return cli::run_explain(rest, in, out, err);
  }
  if (command == "diff") {
    return cli::run_diff(rest, in, out, err);
  }
  if (command == "review") {
    return cli::run_review(rest, in, out, err);
  }
  if (command == "validate") {
    return cli::run_validate(rest, out, err);
  }
  if (command == "test") {
    return cli::run_test(rest, out, err);
  }
  if (command == "audit") {
    return cli::run_audit(rest, out, err);
  }
  if (command == "serve") {
    return cli::run_serve(rest, out, err);
  }
  if (command.starts_with('-')) {
    return usage_error(err, "", "unknown option '" + command + "' (a command comes first)");
  }
  return usage_error(err, "", "unknown command '" + command + "'");
}

}  // namespace injector
