// `sidecarset-injector diff`.

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/diff/unified_diff.hpp"
#include "cli/options.hpp"
#include "cli/workload/inject_run.hpp"
#include "cli/yaml_out.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kDiffHelp = R"(Usage:
  sidecarset-injector diff --sidecarsets PATH... -f FILE|DIR|- [-R] [-n NS] [--context N]

Shows what admission would change in the -f manifests, as `kubectl diff` shows what apply would
change: for every Pod and pod template that injection changes (the same objects and the same
injection as `inject`), a unified diff of its YAML before and after, headed
`diff -u -N original/NAME injected/NAME` with NAME as kubectl names it
(GROUP.VERSION.KIND.NAMESPACE.NAME) and the file and document after the `---` name. Both sides
are printed by the same YAML writer in the object's own field order, so the diff holds only what
injection adds or replaces. Objects injection leaves alone, including manifests already printed
by `inject -o yaml`, give no diff.

Exit status: 0 no differences, 1 differences shown, 2 usage error, unreadable input, an object
of another namespace than --namespace, or invalid SidecarSets, 3 the webhook would deny a pod
(`denied: FILE: document N: KIND "NAME": reason` on stderr; the other objects' diffs are shown).
Warnings go to stderr.

Options:
  --sidecarsets PATH...  SidecarSet files or directories (several after one --sidecarsets,
                         repeated, or comma-separated); required
  -f, --file PATH        a manifest file, a directory of .yaml/.yml/.json files, or '-' for
                         stdin (repeat for several); required
  -R, --recursive        read -f and --sidecarsets directories recursively, as kubectl -R
  -n, --namespace NS     namespace of the request (default: the object's own, else "default")
  --context N            lines of context around each change (default 3)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  --now TIME             RFC 3339 time for the hash annotations' updateTimestamp (default: the
                         clock; also $SIDECARSET_INJECTOR_NOW)
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -h, --help             show this help

Example:
  sidecarset-injector diff --sidecarsets sidecarsets -f deploy/ -R
)";

constexpr int kExitDiffDenied = 3;

// kubectl diff's file name for an object: apps.v1.Deployment.prod.web, v1.Pod.prod.web.
std::string object_name(const ObjectReport& o) {
  std::string name = o.api_version;
  for (char& c : name) {
    if (c == '/') {
      c = '.';
    }
  }
  return name + "." + o.kind + "." + o.ns + "." + o.name;
}

}  // namespace

int run_diff(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
             std::ostream& err) {
  constexpr std::string_view kCmd = "diff";
  cxxopts::Options options("sidecarset-injector diff");
  add_manifest_options(options);
  options.add_options()("context", "", cxxopts::value<std::string>());
  auto command = parse_engine_command(options, args, kCmd, kDiffHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  auto context = unsigned_option(r, "context", 3);
  if (!context) {
    return usage_error(err, kCmd, context.error());
  }
  if (*context > 1000000) {
    return usage_error(err, kCmd, "--context " + std::to_string(*context) + " is too large");
  }
  auto run = inject_files(r, command->paths, kCmd, in, err);
  if (!run) {
    return run.error();
  }
  bool changed = false;
  for (const ObjectReport& o : run->injected.objects) {
    if (o.denied || o.object == o.original) {
      continue;
    }
    const std::string name = object_name(o);
    const std::string before = "original/" + name;
    const std::string after = "injected/" + name;
    // The source after a tab, where diff -u puts a file's time: patch(1) reads the name only.
    const std::string diff =
        unified_diff(to_yaml(o.original), to_yaml(o.object), before + '\t' + o.where, after,
                     static_cast<int>(*context));
    if (diff.empty()) {
      continue;  // equal as YAML (a change only in JSON number spelling)
    }
    out << "diff -u -N " << before << ' ' << after << '\n' << diff;
    changed = true;
  }
  if (run->injected.denied) {
    return kExitDiffDenied;
  }
  return changed ? 1 : kExitOk;
}

}  // namespace injector::cli
