#include "kube/config.hpp"

#include <charconv>

#include "injector/model/load.hpp"
#include "injector/wire/admission.hpp"
#include "injector/wire/json_access.hpp"

namespace injector::kube {
namespace {

// The entry named `name` of a kubeconfig list (`clusters`, `users`, `contexts`): its `key` map.
const Json* named(const Json& config, std::string_view list, std::string_view key,
                  std::string_view name) {
  const Json& entries = member(config, list);
  if (!entries.is_array()) {
    return nullptr;
  }
  for (const auto& e : entries) {
    if (member_string(e, "name") == name) {
      const Json& v = member(e, key);
      static const Json kEmpty = Json::object();
      return v.is_object() ? &v : &kEmpty;
    }
  }
  return nullptr;
}

std::string resolve(std::string_view directory, const std::string& path) {
  if (path.empty() || path.front() == '/' || directory.empty()) {
    return path;
  }
  std::string out(directory);
  if (out.back() != '/') {
    out += '/';
  }
  return out + path;
}

bool is_true(const Json& v) { return v.is_boolean() && v.get<bool>(); }

}  // namespace

Result<ServerAddress> parse_server_url(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return fail("config", "API server URL \"" + std::string(url) + "\": " + std::string(why));
  };
  constexpr std::string_view kHttps = "https://";
  if (!url.starts_with(kHttps)) {
    return bad(url.starts_with("http://") ? "plain http is not supported (use https)"
                                          : "want https://host[:port]");
  }
  std::string_view rest = url.substr(kHttps.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (path.ends_with('/')) {
    path.remove_suffix(1);
  }
  if (authority.find('@') != std::string_view::npos) {
    return bad("user info in the URL is not supported");
  }
  ServerAddress out;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("unclosed [ in the host");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad("want [v6-address]:port");
      }
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    return bad("no host");
  }
  if (port.empty()) {
    out.port = "443";
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("port \"" + std::string(port) + "\" is not a number from 1 to 65535");
    }
    out.port = std::string(port);
  }
  out.base_path = std::string(path);
  return out;
}

Result<ApiConfig> parse_kubeconfig(std::string_view text, std::string_view file,
                                   std::string_view directory, std::string_view context) {
  const std::string where = "kubeconfig \"" + std::string(file) + "\"";
  auto docs = parse_documents(text, file);
  if (!docs) {
    return fail("config", docs.error().message);
  }
  if (docs->size() != 1 || !docs->front().object.is_object()) {
    return fail("config", where + ": not a kubeconfig (want one Config document)");
  }
  const Json& config = docs->front().object;
  std::string context_name(context);
  if (context_name.empty()) {
    context_name = member_string(config, "current-context");
    if (context_name.empty()) {
      return fail("config", where + ": current-context is not set");
    }
  }
  const std::string in_context = where + " context \"" + context_name + "\"";
  const Json* ctx = named(config, "contexts", "context", context_name);
  if (ctx == nullptr) {
    return fail("config", where + ": no context named \"" + context_name + "\"");
  }
  const std::string cluster_name = member_string(*ctx, "cluster");
  const Json* cluster = named(config, "clusters", "cluster", cluster_name);
  if (cluster == nullptr) {
    return fail("config", in_context + ": no cluster named \"" + cluster_name + "\"");
  }
  ApiConfig out;
  out.source = in_context;
  out.namespace_name = member_string(*ctx, "namespace");
  out.server = member_string(*cluster, "server");
  if (out.server.empty()) {
    return fail("config", in_context + ": cluster \"" + cluster_name + "\" has no server");
  }
  if (auto address = parse_server_url(out.server); !address) {
    return fail("config", in_context + ": " + address.error().message);
  }
  if (!member_string(*cluster, "proxy-url").empty()) {
    return fail("config",
                in_context + ": cluster \"" + cluster_name + "\": proxy-url is not supported");
  }
  out.tls_server_name = member_string(*cluster, "tls-server-name");
  out.insecure_skip_tls_verify = is_true(member(*cluster, "insecure-skip-tls-verify"));

  // `-data` wins over the file, as in client-go.
  struct Pem {
    const Json* section;
    const char* data_key;
    const char* file_key;
    std::string* pem;
    std::string* path;
  };
  const std::string user_name = member_string(*ctx, "user");
  const Json* user = user_name.empty() ? nullptr : named(config, "users", "user", user_name);
  if (!user_name.empty() && user == nullptr) {
    return fail("config", in_context + ": no user named \"" + user_name + "\"");
  }
  static const Json kNoUser = Json::object();
  const Json& u = user != nullptr ? *user : kNoUser;
  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    if (!member(u, unsupported).is_null()) {
      return fail("config", in_context + ": user \"" + user_name + "\": " + unsupported +
                                " is not supported (use a token, a token file or a client "
                                "certificate)");
    }
  }
  const Pem pems[] = {
      {cluster, "certificate-authority-data", "certificate-authority", &out.ca_pem, &out.ca_file},
      {&u, "client-certificate-data", "client-certificate", &out.cert_pem, &out.cert_file},
      {&u, "client-key-data", "client-key", &out.key_pem, &out.key_file},
  };
  for (const auto& p : pems) {
    const std::string data = member_string(*p.section, p.data_key);
    if (!data.empty()) {
      auto decoded = base64_decode(data);
      if (!decoded) {
        return fail("config", in_context + ": " + p.data_key + " is not valid base64");
      }
      *p.pem = std::move(*decoded);
    } else {
      *p.path = resolve(directory, member_string(*p.section, p.file_key));
    }
  }
  const bool has_cert = !out.cert_pem.empty() || !out.cert_file.empty();
  const bool has_key = !out.key_pem.empty() || !out.key_file.empty();
  if (has_cert != has_key) {
    return fail("config", in_context + ": user \"" + user_name +
                              "\": client-certificate and client-key go together");
  }
  out.token = member_string(u, "token");
  if (out.token.empty()) {
    out.token_file = resolve(directory, member_string(u, "tokenFile"));
  }
  return out;
}

Result<ApiConfig> in_cluster_config(std::string_view host, std::string_view port,
                                    std::string_view account_dir) {
  if (host.empty() || port.empty()) {
    return fail("config",
                "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
                "not set (give --kubeconfig FILE or --sidecarsets PATH)");
  }
  ApiConfig out;
  const bool v6 = host.find(':') != std::string_view::npos;
  out.server = "https://" + (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" +
               std::string(port);
  if (auto address = parse_server_url(out.server); !address) {
    return fail("config", "in-cluster: " + address.error().message);
  }
  std::string dir(account_dir);
  if (!dir.empty() && dir.back() != '/') {
    dir += '/';
  }
  out.ca_file = dir + "ca.crt";
  out.token_file = dir + "token";
  out.source = "in-cluster service account " + std::string(account_dir);
  return out;
}

}  // namespace injector::kube
