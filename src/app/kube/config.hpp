#pragma once
// Where the API server is and how to authenticate to it: a kubeconfig's current context, or the
// in-cluster service account. Pure: the kubeconfig text and the environment come in as
// arguments; files it names are only named here (the client reads them).

#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector::kube {

/// Connection settings of one API server.
struct ApiConfig {
  std::string server;  // https://host[:port][/prefix]
  // Trust: PEM text (from *-data) or a file to read; neither = the system's roots.
  std::string ca_pem, ca_file;
  std::string cert_pem, cert_file;        // client certificate (PEM chain)
  std::string key_pem, key_file;          // its key
  std::string token, token_file;          // bearer token, or a file re-read when it changes
  std::string tls_server_name;            // overrides the name checked in the server's certificate
  bool insecure_skip_tls_verify = false;  // as the kubeconfig asks; honoured only with the flag
  std::string namespace_name;             // the context's (or the service account's) namespace
  std::string source;                     // for messages: kubeconfig "F" context "C" / in-cluster
};

/// The server URL split for connecting.
struct ServerAddress {
  std::string host;       // name or IP literal (no brackets)
  std::string port;       // "443" when the URL has none
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

/// Parses `https://host[:port][/path]`; plain http and other schemes are refused (every request
/// carries a bearer token). The error names the URL.
Result<ServerAddress> parse_server_url(std::string_view url);

/// Reads a kubeconfig (YAML or JSON) as kubectl does: `context` or else current-context; its
/// cluster (server, certificate-authority[-data], insecure-skip-tls-verify, tls-server-name) and
/// user (token, tokenFile, client-certificate[-data], client-key[-data]). Relative file paths are
/// taken relative to `directory` (the kubeconfig's). Unsupported authentication (exec plugins,
/// auth providers, basic auth) and proxies are errors naming the field, never ignored.
Result<ApiConfig> parse_kubeconfig(std::string_view text, std::string_view file,
                                   std::string_view directory, std::string_view context = {});

/// The in-cluster configuration (client-go rest.InClusterConfig): KUBERNETES_SERVICE_HOST and
/// _PORT, the service account's token and ca.crt under `account_dir`. The error says when the
/// variables are missing (not in a pod).
Result<ApiConfig> in_cluster_config(std::string_view host, std::string_view port,
                                    std::string_view account_dir);

}  // namespace injector::kube
