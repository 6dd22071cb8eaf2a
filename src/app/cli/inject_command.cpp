// `sidecarset-injector inject`.

#include "cli/commands.hpp"

#include <filesystem>
#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "cli/yaml_out.hpp"
#include "injector/model/load.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kInjectHelp = R"(Usage:
  sidecarset-injector inject --sidecarsets PATH... -f FILE|DIR|- [-R] [-n NS] [-o json|yaml]

Reads Pods (YAML or JSON) and prints them as the webhook would mutate them on CREATE: matching
SidecarSets in name order, their containers, volumes, env and annotations injected. A pod that
nothing applies to is printed unchanged. One pod prints as itself; several (a directory, several
-f, a file of several documents or a List) print as a v1 List, as kubectl prints them. Warnings
go to stderr.

Exit status: 0 printed, 1 the webhook would deny a pod (reason on stderr; the others are still
printed), 2 usage error, unreadable input, a pod of another namespace than --namespace, or
invalid SidecarSets (every problem on stderr, naming file, document, SidecarSet and field).

Options:
  --sidecarsets PATH...  SidecarSet files or directories (several after one --sidecarsets,
                         repeated, or comma-separated); required
  -f, --file PATH        a Pod file, a directory of .yaml/.yml/.json files, or '-' for stdin
                         (repeat for several); required
  -R, --recursive        read -f and --sidecarsets directories recursively, as kubectl -R
  -n, --namespace NS     namespace of the request (default: the pod's own, else "default"); a
                         pod of another namespace is refused, as the API server refuses it
  -o, --output FORMAT    json (pretty, 2-space indent) or yaml (default json)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  --now TIME             RFC 3339 time for the hash annotations' updateTimestamp (default: the
                         clock; also $SIDECARSET_INJECTOR_NOW), for reproducible output
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -h, --help             show this help
Options take their value as `--name value` or `--name=value` (`-f=pod.yaml` too).

Example:
  sidecarset-injector inject --sidecarsets examples/sidecarsets -f pod.yaml -o yaml
)";

struct PodInput {
  std::string display;
  Json pod;
};

// Every pod of every -f PATH; false (with every error printed) when any is unreadable.
bool read_pods(const std::vector<std::string>& paths, bool recursive, std::istream& in,
               std::ostream& err, std::vector<PodInput>& pods) {
  bool ok = true;
  for (const std::string& path : paths) {
    std::vector<SourceFile> files;
    std::error_code ec;
    if (path != "-" && std::filesystem::is_directory(path, ec)) {
      auto listed = list_sources({path}, recursive);
      if (!listed) {
        for (const std::string& e : listed.error()) {
          err << e << '\n';
        }
        ok = false;
        continue;
      }
      files = std::move(*listed);
    } else {
      files.push_back(SourceFile{path, path == "-" ? "<stdin>" : path});
    }
    for (const SourceFile& file : files) {
      auto text = read_input(file.path, in);
      if (!text) {
        err << text.error() << '\n';
        ok = false;
        continue;
      }
      auto docs = parse_documents(*text, file.display);
      if (!docs) {
        err << docs.error().message << '\n';
        ok = false;
        continue;
      }
      for (Document& doc : *docs) {
        const std::string where =
            file.display + ": document " + std::to_string(doc.origin.document + 1);
        if (!doc.object.is_object()) {
          err << where << ": expected a Pod object, found " << doc.object.type_name() << '\n';
          ok = false;
        } else if (doc.object.contains("kind") && doc.object["kind"] != "Pod") {
          err << where << ": expected a Pod, found kind " << doc.object["kind"].dump() << '\n';
          ok = false;
        } else {
          pods.push_back(PodInput{file.display, std::move(doc.object)});
        }
      }
    }
  }
  if (ok && pods.empty()) {
    err << "no Pod in " << paths.front() << (paths.size() > 1 ? " and the other -f paths" : "")
        << '\n';
    ok = false;
  }
  return ok;
}

std::string own_namespace(const Json& pod) {
  if (auto m = pod.find("metadata"); m != pod.end() && m->is_object()) {
    if (auto n = m->find("namespace"); n != m->end() && n->is_string()) {
      return n->get<std::string>();
    }
  }
  return "";
}

}  // namespace

int run_inject(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "inject";
  cxxopts::Options options("sidecarset-injector inject");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::vector<std::string>>())("R,recursive", "")(
      "n,namespace", "", cxxopts::value<std::string>())(
      "o,output", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "now", "", cxxopts::value<std::string>())("strict", "")("h,help", "");
  auto command = parse_engine_command(options, args, kCmd, kInjectHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  if (r.count("file") == 0) {
    return usage_error(err, kCmd, "-f/--file is required (use '-' for stdin)");
  }
  const auto files = r["file"].as<std::vector<std::string>>();
  std::string output = string_option(r, "output").value_or("json");
  if (output != "json" && output != "yaml") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (json or yaml)");
  }
  auto seed = seed_option(r);
  if (!seed) {
    return usage_error(err, kCmd, seed.error());
  }
  auto now = now_option(r);
  if (!now) {
    return usage_error(err, kCmd, now.error());
  }
  const bool recursive = r.count("recursive") != 0;

  auto loaded = load_world(command->paths, 1, BuildOptions{r.count("strict") != 0}, recursive);
  if (!loaded) {
    for (const std::string& problem : loaded.error()) {
      err << problem << '\n';
    }
    return kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) {
    err << "warning: " << warning << '\n';
  }
  const World& world = *loaded->build.world;
  std::vector<PodInput> pods;
  if (!read_pods(files, recursive, in, err, pods)) {
    return kExitUsage;
  }

  const std::string requested = string_option(r, "namespace").value_or("");
  for (const PodInput& p : pods) {
    const std::string own = own_namespace(p.pod);
    if (!requested.empty() && !own.empty() && requested != own) {
      // kube-apiserver refuses the create before any webhook runs (400 BadRequest).
      err << p.display
          << ": the namespace of the provided object does not match the namespace sent on the "
             "request (metadata.namespace \""
          << own << "\", --namespace \"" << requested << "\")\n";
      return kExitUsage;
    }
  }
  int status = kExitOk;
  Json printed = Json::array();
  for (PodInput& p : pods) {
    const std::string own = own_namespace(p.pod);
    const std::string ns = !requested.empty() ? requested : own.empty() ? "default" : own;
    auto injection = inject(world, p.pod, ns, inject_options(*seed, *now));
    if (!injection) {
      err << "denied: " << (pods.size() > 1 ? p.display + ": " : "") << injection.error().message
          << '\n';
      status = kExitDenied;
      continue;
    }
    for (const std::string& w : injection->warnings) {
      err << "warning: " << w << '\n';
    }
    printed.push_back(std::move(injection->pod));
  }
  if (printed.empty()) {
    return status;
  }
  // Several objects print as kubectl prints them: a v1 List.
  Json doc = pods.size() == 1 ? std::move(printed[0])
                              : Json{{"apiVersion", "v1"},
                                     {"items", std::move(printed)},
                                     {"kind", "List"},
                                     {"metadata", {{"resourceVersion", ""}}}};
  if (output == "yaml") {
    out << to_yaml(doc);
  } else {
    out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  return status;
}

}  // namespace injector::cli
