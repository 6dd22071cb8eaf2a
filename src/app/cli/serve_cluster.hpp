#pragma once
// `serve` in cluster mode: SidecarSets, Namespaces and ControllerRevisions from the API server
// (--kubeconfig FILE, or the in-cluster service account when neither --sidecarsets nor
// --kubeconfig is given inside a pod).

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include <cxxopts.hpp>

#include "kube/config.hpp"
#include "metrics/listener.hpp"
#include "server/server.hpp"

namespace injector::cli {

/// Registers --kubeconfig, --revision-namespace and --kube-insecure-skip-tls-verify.
void add_cluster_options(cxxopts::Options& options);

struct ClusterSettings {
  kube::ApiConfig api;
  std::string revision_namespace = "kruise-system";
  bool insecure_skip_tls_verify = false;
};

/// The mode `serve` runs in: nullopt for file mode (--sidecarsets given), the cluster settings
/// otherwise (the kubeconfig read, or the in-cluster configuration). The error is a usage
/// message: both modes asked for, a kubeconfig that cannot be used, or not in a pod.
std::expected<std::optional<ClusterSettings>, std::string> cluster_settings(
    const cxxopts::ParseResult& r, bool have_sidecarset_paths);

/// Runs the server until SIGTERM/SIGINT with the World read from the cluster; the exit status.
/// `metrics_listen` as start_metrics takes it.
int serve_cluster(const ClusterSettings& settings, ServerOptions server_options,
                  const std::string& metrics_listen);

/// Starts /metrics on `listen` ("0": none, `out` stays null), once the webhook server is up, so
/// that a startup error is the webhook's own. False (logged as "cannot start: ...") when it
/// cannot listen.
bool start_metrics(const std::string& listen, std::unique_ptr<metrics::Listener>& out);

}  // namespace injector::cli
