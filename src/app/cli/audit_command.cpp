// `sidecarset-injector audit`: the live pods the current SidecarSets select but that lack a
// sidecar or carry an outdated one. The World is read as `serve` reads it in cluster mode; pods
// are listed page by page and each page is folded into the report (core/audit) and dropped.

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/serve_cluster.hpp"
#include "injector/audit/audit.hpp"
#include "injector/model/cluster.hpp"
#include "injector/wire/json_access.hpp"
#include "injector/wire/json_parse.hpp"
#include "kube/client.hpp"
#include "kube/pager.hpp"
#include "kube/rest.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kCmd = "audit";

constexpr std::string_view kAuditHelp = R"(Usage:
  sidecarset-injector audit [--kubeconfig FILE] [-o text|json] [options]

Lists the running pods that the cluster's current SidecarSets select but that lack a sidecar
(created while the webhook was down or not registered, or before the SidecarSet existed) or
carry an outdated one, grouped by SidecarSet and namespace with counts, and the CPU and memory
the sidecars request across the fleet (selected pods x their sidecars). Selection is the
webhook's own (selectors, namespaceSelector, paused, canaries); a pod is judged by its
kruise.io/sidecarset-hash annotation: no entry for a selecting SidecarSet is "missing", an entry
with another hash "outdated" ("image only" when kruise.io/sidecarset-hash-without-image still
matches: OpenKruise can update it in place; otherwise the pod must be recreated). Pods that
have finished or are terminating are not audited.

The cluster is read through --kubeconfig FILE (its current context) or, without it inside a
pod, the in-cluster service account; it needs list on namespaces, pods, sidecarsets and
controllerrevisions (in --revision-namespace). Lists are paginated (--chunk-size), so memory
stays bounded: only counts and the first --max-pods names of each group are kept. A list whose
continue token expires midway is read again in one page (a warning says so).

Options:
  --kubeconfig FILE      read the cluster through this kubeconfig
  --revision-namespace NS
                         where SidecarSet ControllerRevisions live (default kruise-system)
  --kube-insecure-skip-tls-verify
                         accept a kubeconfig that skips verifying the API server's certificate
  -o, --output FORMAT    text (default) or json: one object {"kind": "SidecarAudit",
                         "sidecarsets": [{"name", "hash", "selected", "missing", "outdated",
                         "outdatedImageOnly", "requests": {"cpu", "memory"}, "namespaces":
                         [{..., "missingPods", "outdatedPods"}]}], "totals", "maxListed",
                         "errors"} on stdout
  --chunk-size N         items per list page (default 500, as kubectl; 0 = unpaginated)
  --max-pods N           pod names kept per SidecarSet, namespace and status (default 20)
  --request-timeout S    seconds for each API request (default 60)
  -h, --help             show this help

Exit status: 0 nothing missing or outdated, 1 some pod misses a sidecar or carries an outdated
one, 2 usage error or unusable kubeconfig, 3 the API server could not be read (unreachable,
refused, forbidden) or a pod could not be classified.

Example:
  sidecarset-injector audit --kubeconfig ~/.kube/config -o json
)";

constexpr int kExitFailed = 3;
constexpr std::string_view kGroup = "apps.kruise.io";

// GET /apis/apps.kruise.io: v1beta1 when served, else v1alpha1 (as serve's cluster source).
std::expected<std::string, std::string> discover(kube::Client& client) {
  kube::HttpRequest request;
  request.target = "/apis/" + std::string(kGroup);
  auto answer = client.request(std::move(request));
  if (!answer) {
    if (answer.error().status.code == 404) {
      return std::unexpected(
          "the API server does not serve apps.kruise.io: install the SidecarSet CRD "
          "(kubectl apply -k manifests/crd) or OpenKruise");
    }
    return std::unexpected(answer.error().message);
  }
  auto group = parse_json(answer->body);
  if (!group) {
    return std::unexpected("GET /apis/apps.kruise.io: answer is not JSON");
  }
  bool beta = false;
  bool alpha = false;
  if (const Json& versions = member(*group, "versions"); versions.is_array()) {
    for (const auto& v : versions) {
      beta = beta || member_string(v, "version") == "v1beta1";
      alpha = alpha || member_string(v, "version") == "v1alpha1";
    }
  }
  if (!beta && !alpha) {
    return std::unexpected("apps.kruise.io serves neither v1beta1 nor v1alpha1");
  }
  return beta ? "v1beta1" : "v1alpha1";
}

// A continue token that expired mid-list: said on stderr, then the list is read again in full
// (client-go's pager does the same); `restart` voids what the pages gave so far.
kube::ExpiredList relist_in_full(std::ostream& err, std::function<void()> restart) {
  return {[out = &err, restart = std::move(restart)](const kube::ApiError& e) {
    *out << "warning: " << e.message << " (listing again in one page)\n";
    restart();
  }};
}

// Every item of a collection (namespaces, SidecarSets, revisions: small, and the World needs
// them all).
kube::ApiResult<std::size_t> collect(kube::Rest& rest, const kube::Resource& r, std::string ns,
                                     std::string selector, std::size_t chunk,
                                     std::vector<std::shared_ptr<const Json>>& out,
                                     std::ostream& err) {
  kube::ListOptions o;
  o.label_selector = std::move(selector);
  return kube::list_pages(
      rest, r, ns, o, chunk,
      [&](kube::ListPage& page) {
        for (auto& item : page.items) {
          out.push_back(std::move(item));
        }
      },
      relist_in_full(err, [&out] { out.clear(); }));
}

std::string pad(std::string s, std::size_t width) {
  s.resize(std::max(s.size(), width), ' ');
  return s;
}

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : pad(row[i], widths[i] + 3);
    }
    out << line << '\n';
  }
}

void print_names(std::string_view status, const AuditReport& report, std::ostream& out) {
  bool header = false;
  for (const auto& [name, s] : report.sidecarsets) {
    for (const auto& [ns, g] : s.namespaces) {
      const bool missing = status == "missing";
      const auto& names = missing ? g.missing_pods : g.outdated_pods;
      const std::size_t total = missing ? g.counts.missing : g.counts.outdated;
      if (total == 0) {
        continue;
      }
      if (!header) {
        out << '\n' << status << ":\n";
        header = true;
      }
      for (const auto& pod : names) {
        out << "  " << name << "  " << ns << '/' << pod << '\n';
      }
      if (total > names.size()) {
        out << "  " << name << "  " << ns << ": and " << (total - names.size()) << " more\n";
      }
    }
  }
}

void print_text(const AuditReport& report, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"SIDECARSET", "NAMESPACE", "SELECTED", "MISSING", "OUTDATED", "CPU", "MEMORY"}};
  auto row = [](const std::string& ss, const std::string& ns, const AuditCounts& c) {
    std::string outdated = std::to_string(c.outdated);
    if (c.outdated_image_only != 0) {
      outdated += " (" + std::to_string(c.outdated_image_only) + " image only)";
    }
    return std::vector<std::string>{ss,
                                    ns,
                                    std::to_string(c.selected),
                                    std::to_string(c.missing),
                                    outdated,
                                    format_quantity(c.requests.cpu),
                                    format_quantity(c.requests.memory)};
  };
  for (const auto& [name, s] : report.sidecarsets) {
    if (s.namespaces.empty()) {
      rows.push_back(row(name, "-", s.counts));
    }
    for (const auto& [ns, g] : s.namespaces) {
      rows.push_back(row(name, ns, g.counts));
    }
  }
  print_table(rows, out);
  print_names("missing", report, out);
  print_names("outdated", report, out);
  std::size_t missing = 0;
  std::size_t outdated = 0;
  for (const auto& [name, s] : report.sidecarsets) {
    missing += s.counts.missing;
    outdated += s.counts.outdated;
  }
  out << '\n'
      << report.pods << " pods listed (" << report.pods_inactive << " finished or terminating), "
      << report.pods_selected << " selected by " << report.sidecarsets.size() << " SidecarSets; "
      << report.pods_affected << " pods affected: " << missing << " sidecars missing, " << outdated
      << " outdated; the sidecars request cpu " << format_quantity(report.requests.cpu)
      << ", memory " << format_quantity(report.requests.memory) << '\n';
}

struct AuditSettings {
  ClusterSettings cluster;
  std::string output = "text";
  std::size_t chunk = 500;
  std::size_t max_pods = 20;
  std::chrono::seconds timeout{60};
};

int audit(const AuditSettings& settings, std::ostream& out, std::ostream& err) {
  kube::Client::Options client_options;
  client_options.config = settings.cluster.api;
  client_options.insecure_skip_tls_verify = settings.cluster.insecure_skip_tls_verify;
  client_options.request_timeout = settings.timeout;
  auto client = kube::Client::create(std::move(client_options));
  if (!client) {
    return usage_error(err, kCmd, client.error().message);
  }
  struct Stop {
    kube::Client& c;
    ~Stop() { c.stop(); }
  } stop{**client};
  auto failed = [&](const std::string& message) {
    err << kProgram << ' ' << kCmd << ": " << message << '\n';
    return kExitFailed;
  };
  auto version = discover(**client);
  if (!version) {
    return failed(version.error());
  }
  kube::Rest rest(**client);
  ClusterObjects objects;
  auto listed = collect(rest, kube::namespaces(), "", "", settings.chunk, objects.namespaces, err);
  if (listed) {
    listed = collect(rest, kube::sidecarsets(*version), "", "", settings.chunk, objects.sidecarsets,
                     err);
  }
  if (listed) {
    // OpenKruise labels every SidecarSet revision with its owner's name.
    listed = collect(rest, kube::controller_revisions(), settings.cluster.revision_namespace,
                     std::string(kRevisionOwnerLabel), settings.chunk, objects.revisions, err);
  }
  if (!listed) {
    return failed(listed.error().message);
  }
  TolerantWorldBuild built = build_cluster_world(objects, 1, settings.cluster.revision_namespace);
  for (const auto& p : built.problems) {
    err << "warning: left out: " << p.to_string() << '\n';
  }
  objects = {};  // the World holds what it needs
  const World& world = *built.build.world;
  AuditReport report = start_report(world, settings.max_pods);
  auto pods = kube::list_pages(
      rest, kube::pods(), "", {}, settings.chunk,
      [&](kube::ListPage& p) {
        for (const auto& pod : p.items) {
          add_pod(report, world, *pod);
        }
      },
      relist_in_full(err, [&] { report = start_report(world, settings.max_pods); }));
  if (!pods) {
    return failed(pods.error().message);
  }
  if (settings.output == "json") {
    out << report_json(report).dump(2) << '\n';
  } else {
    print_text(report, out);
  }
  for (const auto& e : report.error_messages) {
    err << "error: " << e << '\n';
  }
  if (report.errors > report.error_messages.size()) {
    err << "error: and " << (report.errors - report.error_messages.size()) << " more pods\n";
  }
  if (report.errors != 0) {
    return kExitFailed;
  }
  return report.clean() ? kExitOk : kExitDenied;
}

}  // namespace

int run_audit(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  cxxopts::Options options("sidecarset-injector audit");
  options.add_options()("o,output", "", cxxopts::value<std::string>())(
      "chunk-size", "", cxxopts::value<std::string>())(
      "max-pods", "", cxxopts::value<std::string>())("request-timeout", "",
                                                     cxxopts::value<std::string>())("h,help", "");
  add_cluster_options(options);
  auto parsed = parse_command(options, args, kCmd, kAuditHelp, out, err);
  if (!parsed) {
    return parsed.error();
  }
  const cxxopts::ParseResult& r = *parsed;
  AuditSettings settings;
  settings.output = string_option(r, "output").value_or("text");
  if (settings.output != "text" && settings.output != "json") {
    return usage_error(err, kCmd,
                       "--output \"" + settings.output + "\" is not supported (text or json)");
  }
  auto chunk = unsigned_option(r, "chunk-size", 500);
  auto max_pods = unsigned_option(r, "max-pods", 20);
  auto timeout = unsigned_option(r, "request-timeout", 60);
  for (const auto* v : {&chunk, &max_pods, &timeout}) {
    if (!*v) {
      return usage_error(err, kCmd, v->error());
    }
  }
  if (*timeout == 0) {
    return usage_error(err, kCmd, "--request-timeout must be at least 1 second");
  }
  settings.chunk = static_cast<std::size_t>(*chunk);
  settings.max_pods = static_cast<std::size_t>(*max_pods);
  settings.timeout = std::chrono::seconds(*timeout);
  if (r.count("kubeconfig") == 0 && std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
    return usage_error(err, kCmd,
                       "--kubeconfig FILE is required outside a pod (KUBERNETES_SERVICE_HOST is "
                       "not set)");
  }
  auto cluster = cluster_settings(r, false);
  if (!cluster) {
    return usage_error(err, kCmd, cluster.error());
  }
  settings.cluster = std::move(**cluster);
  return audit(settings, out, err);
}

}  // namespace injector::cli
