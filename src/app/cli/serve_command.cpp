// `sidecarset-injector serve`.

#include "cli/commands.hpp"

#include <chrono>
#include <iostream>
#include <string>
#include <utility>

#include "cli/options.hpp"
#include "cli/serve_cluster.hpp"
#include "injector/model/load.hpp"
#include "metrics/metrics.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "sources/reloader.hpp"
#include "sources/sources.hpp"
#include "world_holder.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kServeHelp = R"(Usage:
  sidecarset-injector serve [--sidecarsets PATH... | --kubeconfig FILE] --tls-cert FILE --tls-key FILE [options]

Runs the mutating admission webhook over HTTPS (TLS 1.2+). Paths (AdmissionReview
admission.k8s.io/v1 and v1beta1):
  POST /mutate-pod                                pods: inject the selected sidecars
  POST /mutate-apps-kruise-io-v1beta1-sidecarset  SidecarSets: defaults and hash annotations
  POST /mutate-apps-kruise-io-v1alpha1-sidecarset (also /mutate-apps-kruise-io-sidecarset)
  POST /validate-apps-kruise-io-sidecarset        SidecarSets: OpenKruise's validation, with
                                                  conflicts against the SidecarSets held
  GET  /healthz                                   the process is alive
  GET  /readyz[?verbose]                          the SidecarSets generation in use
On SIGTERM or SIGINT /readyz
fails at once; connections are still accepted and answered (with Connection: close) for
--shutdown-delay; then no new connection is accepted, every request received or arriving on an
open connection is answered, and the process exits 0 (at the latest after --shutdown-timeout; a
second signal skips the delay). Bad SidecarSets (file mode), a bad
kubeconfig or TLS material at startup exit 2.

Exit status: 0 stopped by SIGTERM/SIGINT, 2 usage error, invalid SidecarSets or startup failure.

File mode (--sidecarsets): the sources are polled and reloaded on change; an invalid change is
logged and the last good SidecarSets keep serving. Unknown or duplicate SidecarSet fields, hash
annotations that do not match the spec and empty source directories are logged as warnings.

Cluster mode (--kubeconfig FILE, or neither option inside a pod: the in-cluster service
account): SidecarSets (apps.kruise.io v1beta1, else v1alpha1), Namespaces and the
ControllerRevisions of --revision-namespace are listed and watched; every change is served
within moments. A SidecarSet that fails validation is left out (logged, and listed by
/readyz?verbose) while the others serve. /readyz fails until everything was listed once; during
an API server outage the last state keeps serving.

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, several after one --sidecarsets,
                         or separate with commas); -f PATH is the same (directories are not
                         read recursively: a reload watches the listed files)
  --kubeconfig FILE      read the cluster through this kubeconfig (its current context)
  --revision-namespace NS
                         namespace of the SidecarSets' ControllerRevisions (default kruise-system)
  --kube-insecure-skip-tls-verify
                         DANGEROUS: do not verify the API server's certificate
  --tls-cert FILE        PEM serving certificate (chain); required
  --tls-key FILE         PEM private key of the certificate; required
                         (both are read again every second: a changed, valid pair serves new
                         handshakes at once, open connections keep theirs; an unreadable,
                         mismatched or expired pair is logged once and the current one kept)
  --client-ca FILE       mutual TLS: PEM CA certificates; every client must present a
                         certificate that chains to one of them, others fail the handshake
                         (kube-apiserver presents one when its AdmissionConfiguration names a
                         kubeconfig for the webhook; read again with the pair)
  --listen HOST:PORT     address to listen on (default 0.0.0.0:8443; [::]:8443 for IPv6)
  --metrics-listen HOST:PORT
                         plain HTTP address of GET /metrics, Prometheus' text format (default
                         :8080, all interfaces; 0 disables)
  --threads N            I/O threads (default 0 = one per core)
  --max-connections N    open connections before the oldest idle ones are closed (default 10000)
  --max-buffered-bytes N request-body bytes held across all connections (default 67108864 =
                         64 MiB; 0 = no cap; at least the 8 MiB body limit): a request whose
                         body does not fit gets 429 with Retry-After: 1, its body discarded
  --shutdown-delay S     seconds still serving after SIGTERM, not ready (default 5)
  --shutdown-timeout S   seconds from SIGTERM to exit at the latest (default 25; more than the
                         delay; terminationGracePeriodSeconds must exceed it)
  --reload-interval S    seconds between checks of the sources (default 2; 0 disables reload)
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
Options take their value as `--name value` or `--name=value`.
  --log-format FORMAT    text or json (default text)
  --log-level LEVEL      trace, debug, info, warn, error, critical or off (default info)
  -h, --help             show this help

Example:
  sidecarset-injector serve --sidecarsets /etc/sidecarsets --tls-cert certs/tls.crt \
      --tls-key certs/tls.key --listen 127.0.0.1:8443
  sidecarset-injector serve --kubeconfig ~/.kube/config --tls-cert certs/tls.crt \
      --tls-key certs/tls.key
)";

std::vector<std::pair<std::string, std::string>> count_fields(std::uint64_t generation,
                                                              const WorldCounts& counts) {
  return {{"generation", std::to_string(generation)},
          {"sidecarsets", std::to_string(counts.sidecarsets)},
          {"namespaces", std::to_string(counts.namespaces)},
          {"revisions", std::to_string(counts.revisions)},
          {"files", std::to_string(counts.files)}};
}

void log_reload(const ReloadResult& result) {
  if (result.outcome == ReloadResult::Outcome::kReloaded) {
    for (const std::string& warning : result.warnings) {
      log_event(spdlog::level::warn, "sidecarset warning", {{"warning", warning}});
    }
    for (const std::string& note : result.notes) {
      log_event(spdlog::level::info, "sidecarset source note", {{"note", note}});
    }
    log_event(spdlog::level::info, "sidecarsets reloaded",
              count_fields(result.generation, result.counts));
  } else if (result.outcome == ReloadResult::Outcome::kRejected) {
    for (const std::string& problem : result.problems) {
      log_event(spdlog::level::err, "sidecarset problem", {{"problem", problem}});
    }
    log_event(spdlog::level::err, "sidecarsets reload rejected, keeping the last good ones",
              {{"generation", std::to_string(result.generation)},
               {"problems", std::to_string(result.problems.size())}});
  }
}

}  // namespace

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "serve";
  cxxopts::Options options("sidecarset-injector serve");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "tls-cert", "", cxxopts::value<std::string>())("tls-key", "", cxxopts::value<std::string>())(
      "client-ca", "", cxxopts::value<std::string>())("listen", "", cxxopts::value<std::string>())(
      "threads", "", cxxopts::value<std::string>())(
      "max-connections", "", cxxopts::value<std::string>())("max-buffered-bytes", "",
                                                            cxxopts::value<std::string>())(
      "shutdown-delay", "", cxxopts::value<std::string>())("shutdown-timeout", "",
                                                           cxxopts::value<std::string>())(
      "reload-interval", "", cxxopts::value<std::string>())("metrics-listen", "",
                                                            cxxopts::value<std::string>())(
      "log-format", "", cxxopts::value<std::string>())("log-level", "",
                                                       cxxopts::value<std::string>())("h,help", "");
  options.add_options()("strict", "")("f,file", "", cxxopts::value<std::vector<std::string>>());
  add_cluster_options(options);
  auto parsed = parse_command(options, args, kCmd, kServeHelp, out, err);
  if (!parsed) {
    return parsed.error();
  }
  const cxxopts::ParseResult& r = *parsed;
  std::vector<std::string> paths = path_option(r);
  if (r.count("file") != 0) {  // kubectl's -f: the same as --sidecarsets
    auto files = r["file"].as<std::vector<std::string>>();
    paths.insert(paths.end(), files.begin(), files.end());
  }
  auto cluster = cluster_settings(r, !paths.empty());
  if (!cluster) {
    return usage_error(err, kCmd, cluster.error());
  }
  ServerOptions server_options;
  auto cert = string_option(r, "tls-cert");
  auto key = string_option(r, "tls-key");
  if (!cert || !key) {
    return usage_error(err, kCmd, "--tls-cert and --tls-key are required");
  }
  server_options.cert_file = *cert;
  server_options.key_file = *key;
  server_options.client_ca_file = string_option(r, "client-ca").value_or("");
  if (r.count("client-ca") != 0 && server_options.client_ca_file.empty()) {
    return usage_error(err, kCmd, "--client-ca must not be empty");
  }
  server_options.listen = string_option(r, "listen").value_or(server_options.listen);
  auto threads = unsigned_option(r, "threads", 0);
  auto max_connections = unsigned_option(r, "max-connections", server_options.max_connections);
  auto max_buffered = unsigned_option(r, "max-buffered-bytes", server_options.max_buffered_bytes);
  auto interval = unsigned_option(r, "reload-interval", 2);
  auto delay = unsigned_option(r, "shutdown-delay", 5);
  auto timeout = unsigned_option(r, "shutdown-timeout", 25);
  for (const auto* v : {&threads, &max_connections, &max_buffered, &interval, &delay, &timeout}) {
    if (!*v) {
      return usage_error(err, kCmd, v->error());
    }
  }
  if (*threads > 1024) {
    return usage_error(err, kCmd, "--threads " + std::to_string(*threads) + " is above 1024");
  }
  if (*max_connections == 0) {
    return usage_error(err, kCmd, "--max-connections must be at least 1");
  }
  if (*max_buffered != 0 && *max_buffered < server_options.body_limit) {
    return usage_error(err, kCmd,
                       "--max-buffered-bytes " + std::to_string(*max_buffered) +
                           " is below the request body limit of " +
                           std::to_string(server_options.body_limit) +
                           " bytes (0 turns the cap off)");
  }
  if (*timeout <= *delay) {
    return usage_error(err, kCmd,
                       "--shutdown-timeout " + std::to_string(*timeout) +
                           " must be more than --shutdown-delay " + std::to_string(*delay));
  }
  server_options.shutdown_delay = std::chrono::seconds(*delay);
  server_options.shutdown_timeout = std::chrono::seconds(*timeout);
  server_options.threads = static_cast<unsigned>(*threads);
  server_options.max_connections = static_cast<std::size_t>(*max_connections);
  server_options.max_buffered_bytes = static_cast<std::size_t>(*max_buffered);
  if (auto listen = parse_listen_address(server_options.listen); !listen) {
    return usage_error(err, kCmd, listen.error().message);
  }
  const std::string metrics_listen = string_option(r, "metrics-listen").value_or(":8080");
  if (metrics_listen != "0") {
    if (auto listen = parse_listen_address(metrics_listen); !listen) {
      return usage_error(err, kCmd, "--metrics-listen: " + listen.error().message);
    }
  }
  auto format = parse_log_format(string_option(r, "log-format").value_or("text"));
  if (!format) {
    return usage_error(err, kCmd, format.error().message);
  }
  std::string level = string_option(r, "log-level").value_or("info");
  if (auto known = parse_log_level(level); !known) {
    return usage_error(err, kCmd, known.error().message);
  }

  init_logging(*format, level);
  if (*cluster) {
    return serve_cluster(**cluster, std::move(server_options), metrics_listen);
  }
  // The baseline is taken before reading, so a change made while loading is reloaded later.
  std::string baseline = fingerprint(paths);
  const BuildOptions build_options{r.count("strict") != 0};
  const auto load_started = std::chrono::steady_clock::now();
  auto loaded = load_world(paths, 1, build_options);
  if (!loaded) {
    for (const std::string& problem : loaded.error()) {
      log_event(spdlog::level::err, "sidecarset problem", {{"problem", problem}});
    }
    log_event(spdlog::level::critical, "cannot start: invalid SidecarSets",
              {{"problems", std::to_string(loaded.error().size())}});
    return kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) {
    log_event(spdlog::level::warn, "sidecarset warning", {{"warning", warning}});
  }
  for (const std::string& note : loaded->build.notes) {
    log_event(spdlog::level::info, "sidecarset source note", {{"note", note}});
  }
  log_event(spdlog::level::info, "sidecarsets loaded", count_fields(1, loaded->counts));
  metrics::record_world(metrics::global(), 1, loaded->build.world->sidecarsets.size(), 0, 0,
                        std::chrono::steady_clock::now() - load_started,
                        std::chrono::system_clock::now());

  WorldHolder holder(loaded->build.world);
  Server server(server_options, holder);
  if (auto started = server.start(); !started) {
    log_event(spdlog::level::critical, "cannot start: " + started.error().message);
    return kExitUsage;
  }
  std::unique_ptr<metrics::Listener> metrics_listener;
  if (!start_metrics(metrics_listen, metrics_listener)) {
    return kExitUsage;
  }
  Reloader reloader(paths, holder, std::move(baseline), loaded->digest,
                    std::chrono::seconds(*interval), log_reload, build_options);
  reloader.start();
  server.handle_signals();
  server.run();
  reloader.stop();
  log_event(spdlog::level::info, "stopped");
  return kExitOk;
}

}  // namespace injector::cli
