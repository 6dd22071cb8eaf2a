#include "cli/serve_cluster.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/options.hpp"
#include "kube/client.hpp"
#include "kube/cluster_source.hpp"
#include "metrics/metrics.hpp"
#include "server/log.hpp"
#include "world_holder.hpp"

namespace injector::cli {
namespace {

// Where the kubelet mounts the service account (rest.InClusterConfig).
constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

void add_cluster_options(cxxopts::Options& options) {
  options.add_options()("kubeconfig", "", cxxopts::value<std::string>())(
      "revision-namespace", "", cxxopts::value<std::string>())("kube-insecure-skip-tls-verify", "");
}

std::expected<std::optional<ClusterSettings>, std::string> cluster_settings(
    const cxxopts::ParseResult& r, bool have_sidecarset_paths) {
  auto kubeconfig = string_option(r, "kubeconfig");
  const bool cluster_flags =
      r.count("revision-namespace") != 0 || r.count("kube-insecure-skip-tls-verify") != 0;
  if (have_sidecarset_paths) {
    if (kubeconfig) {
      return std::unexpected(
          "--sidecarsets and --kubeconfig are exclusive: files or the cluster, not both");
    }
    if (cluster_flags) {
      return std::unexpected(
          "--revision-namespace and --kube-insecure-skip-tls-verify are for cluster mode, not "
          "with --sidecarsets");
    }
    return std::optional<ClusterSettings>();
  }
  ClusterSettings settings;
  settings.revision_namespace = string_option(r, "revision-namespace").value_or("kruise-system");
  if (settings.revision_namespace.empty()) {
    return std::unexpected("--revision-namespace must not be empty");
  }
  settings.insecure_skip_tls_verify = r.count("kube-insecure-skip-tls-verify") != 0;
  if (kubeconfig) {
    std::ifstream in(*kubeconfig, std::ios::binary);
    if (!in) {
      return std::unexpected("cannot read kubeconfig \"" + *kubeconfig +
                             "\": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    const std::string dir = std::filesystem::path(*kubeconfig).parent_path().string();
    auto api = kube::parse_kubeconfig(text.str(), *kubeconfig, dir);
    if (!api) {
      return std::unexpected(api.error().message);
    }
    settings.api = std::move(*api);
  } else {
    auto api = kube::in_cluster_config(env("KUBERNETES_SERVICE_HOST"),
                                       env("KUBERNETES_SERVICE_PORT"), kServiceAccountDir);
    if (!api) {
      return std::unexpected(
          "--sidecarsets PATH or --kubeconfig FILE is required outside a pod "
          "(KUBERNETES_SERVICE_HOST is not set)");
    }
    settings.api = std::move(*api);
  }
  if (settings.api.insecure_skip_tls_verify && !settings.insecure_skip_tls_verify) {
    return std::unexpected(settings.api.source +
                           ": insecure-skip-tls-verify is set; the API server's certificate "
                           "would not be verified (pass --kube-insecure-skip-tls-verify to "
                           "accept that risk)");
  }
  return std::optional<ClusterSettings>(std::move(settings));
}

bool start_metrics(const std::string& listen, std::unique_ptr<metrics::Listener>& out) {
  if (listen == "0") {
    return true;
  }
  out = std::make_unique<metrics::Listener>(listen, metrics::global());
  if (auto started = out->start(); !started) {
    log_event(spdlog::level::critical, "cannot start: " + started.error().message);
    out.reset();
    return false;
  }
  log_event(spdlog::level::info, "metrics listening",
            {{"address", listen}, {"port", std::to_string(out->port())}});
  return true;
}

int serve_cluster(const ClusterSettings& settings, ServerOptions server_options,
                  const std::string& metrics_listen) {
  kube::Client::Options client_options;
  client_options.config = settings.api;
  client_options.insecure_skip_tls_verify = settings.insecure_skip_tls_verify;
  client_options.on_retry = [](const kube::RetryNotice& n) {
    log_event(spdlog::level::info, "API server asked to retry later",
              {{"target", n.target},
               {"status", std::to_string(n.status)},
               {"delay_ms", std::to_string(n.delay.count())},
               {"attempt", std::to_string(n.attempt)}});
  };
  auto client = kube::Client::create(std::move(client_options));
  if (!client) {
    log_event(spdlog::level::critical, "cannot start: " + client.error().message);
    return kExitUsage;
  }
  if (settings.insecure_skip_tls_verify) {
    log_event(spdlog::level::warn,
              "INSECURE: the API server's TLS certificate is NOT verified "
              "(--kube-insecure-skip-tls-verify); anyone on the path can feed this webhook "
              "SidecarSets",
              {{"server", settings.api.server}});
  }
  log_event(spdlog::level::info, "cluster mode",
            {{"server", settings.api.server}, {"config", settings.api.source}});

  WorldHolder holder(nullptr);
  kube::ClusterSourceOptions source_options;
  source_options.revision_namespace = settings.revision_namespace;
  kube::ClusterSource source(**client, source_options, holder);
  server_options.readiness = [&source](bool verbose) { return source.readiness(verbose); };
  Server server(server_options, holder);
  if (auto started = server.start(); !started) {
    log_event(spdlog::level::critical, "cannot start: " + started.error().message);
    (*client)->stop();
    return kExitUsage;
  }
  std::unique_ptr<metrics::Listener> metrics_listener;
  if (!start_metrics(metrics_listen, metrics_listener)) {
    (*client)->stop();
    return kExitUsage;
  }
  source.start();
  server.handle_signals();
  server.run();
  source.stop();
  (*client)->stop();
  log_event(spdlog::level::info, "stopped");
  return kExitOk;
}

}  // namespace injector::cli
