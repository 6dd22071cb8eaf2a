// Kubeconfig and in-cluster configuration, and the server URL, from text: no files are read.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "injector/wire/admission.hpp"
#include "kube/config.hpp"

using injector::kube::parse_kubeconfig;

namespace {

const std::string kConfig = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
  - name: dev
    context: {cluster: local, user: admin, namespace: shop}
  - name: files
    context: {cluster: remote, user: certs}
  - name: tokenfile
    context: {cluster: remote, user: rotating}
  - name: nouser
    context: {cluster: remote}
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: )" +
                            injector::base64_encode("CA PEM") + R"(
  - name: remote
    cluster:
      server: https://api.example.com/prefix/
      certificate-authority: ca/ca.crt
      tls-server-name: kubernetes.default.svc
users:
  - name: admin
    user:
      token: s3cret
      client-certificate-data: )" +
                            injector::base64_encode("CERT PEM") + R"(
      client-key-data: )" + injector::base64_encode("KEY PEM") +
                            R"(
  - name: certs
    user:
      client-certificate: /abs/client.crt
      client-key: keys/client.key
  - name: rotating
    user:
      tokenFile: token
)";

}  // namespace

TEST_CASE("kubeconfig: the current context's cluster and user") {
  auto c = parse_kubeconfig(kConfig, "/home/u/.kube/config", "/home/u/.kube");
  REQUIRE(c.has_value());
  CHECK(c->server == "https://127.0.0.1:6443");
  CHECK(c->ca_pem == "CA PEM");
  CHECK(c->ca_file.empty());
  CHECK(c->cert_pem == "CERT PEM");
  CHECK(c->key_pem == "KEY PEM");
  CHECK(c->token == "s3cret");
  CHECK(c->token_file.empty());
  CHECK(c->namespace_name == "shop");
  CHECK_FALSE(c->insecure_skip_tls_verify);
  CHECK(c->source == "kubeconfig \"/home/u/.kube/config\" context \"dev\"");
}

TEST_CASE("kubeconfig: files relative to the kubeconfig's directory, absolute ones as given") {
  auto c = parse_kubeconfig(kConfig, "/home/u/.kube/config", "/home/u/.kube", "files");
  REQUIRE(c.has_value());
  CHECK(c->server == "https://api.example.com/prefix/");
  CHECK(c->ca_file == "/home/u/.kube/ca/ca.crt");
  CHECK(c->cert_file == "/abs/client.crt");
  CHECK(c->key_file == "/home/u/.kube/keys/client.key");
  CHECK(c->tls_server_name == "kubernetes.default.svc");
  CHECK(c->token.empty());

  auto t = parse_kubeconfig(kConfig, "cfg", "/etc/k", "tokenfile");
  REQUIRE(t.has_value());
  CHECK(t->token_file == "/etc/k/token");

  auto anonymous = parse_kubeconfig(kConfig, "cfg", "", "nouser");
  REQUIRE(anonymous.has_value());
  CHECK(anonymous->token.empty());
  CHECK(anonymous->cert_file.empty());
}

TEST_CASE("kubeconfig: what cannot be used is an error naming it") {
  const auto with = [](const std::string& from, const std::string& to) {
    std::string text = kConfig;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  struct Case {
    const char* what;
    std::string text;
    std::string context;
    std::string message;
  };
  const std::string where = "kubeconfig \"cfg\"";
  const std::vector<Case> cases = {
      {"no current context", with("current-context: dev\n", ""), "",
       where + ": current-context is not set"},
      {"unknown context", kConfig, "prod", where + ": no context named \"prod\""},
      {"unknown cluster", with("cluster: local,", "cluster: gone,"), "",
       where + " context \"dev\": no cluster named \"gone\""},
      {"unknown user", with("user: admin,", "user: ghost,"), "",
       where + " context \"dev\": no user named \"ghost\""},
      {"no server", with("server: https://127.0.0.1:6443", "insecure-skip-tls-verify: false"), "",
       where + " context \"dev\": cluster \"local\" has no server"},
      {"plain http", with("https://127.0.0.1:6443", "http://127.0.0.1:8080"), "",
       where + " context \"dev\": API server URL \"http://127.0.0.1:8080\": plain http is not "
               "supported (use https)"},
      {"exec plugin", with("      token: s3cret\n", "      exec: {command: aws}\n"), "",
       where + " context \"dev\": user \"admin\": exec is not supported (use a token, a token "
               "file or a client certificate)"},
      {"basic auth", with("      token: s3cret\n", "      username: bob\n"), "",
       where + " context \"dev\": user \"admin\": username is not supported (use a token, a "
               "token file or a client certificate)"},
      {"bad base64", with("certificate-authority-data: ", "certificate-authority-data: ab!"), "",
       where + " context \"dev\": certificate-authority-data is not valid base64"},
      {"certificate without key", with("      client-key: keys/client.key\n", ""), "files",
       where + " context \"files\": user \"certs\": client-certificate and client-key go "
               "together"},
      {"proxy",
       with("      tls-server-name: kubernetes.default.svc\n",
            "      proxy-url: http://proxy:3128\n"),
       "files", where + " context \"files\": cluster \"remote\": proxy-url is not supported"},
      {"not a kubeconfig", "- a\n- b\n", "",
       where + ": not a kubeconfig (want one Config document)"},
      {"two documents", kConfig + "---\n" + kConfig, "",
       where + ": not a kubeconfig (want one Config document)"},
      {"YAML syntax", "a: [1,\n", "",
       "cfg: document 1: line 2: did not find expected node content"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      auto got = parse_kubeconfig(c.text, "cfg", "", c.context);
      REQUIRE_FALSE(got.has_value());
      CHECK(got.error().message == c.message);
    }
  }
}

TEST_CASE("kubeconfig: insecure-skip-tls-verify is read (the client decides)") {
  std::string text = kConfig;
  text.replace(text.find("      certificate-authority-data"), 0,
               "      insecure-skip-tls-verify: true\n");
  auto c = parse_kubeconfig(text, "cfg", "");
  REQUIRE(c.has_value());
  CHECK(c->insecure_skip_tls_verify);
}

TEST_CASE("in-cluster configuration") {
  auto c = injector::kube::in_cluster_config("10.96.0.1", "443", "/var/run/sa");
  REQUIRE(c.has_value());
  CHECK(c->server == "https://10.96.0.1:443");
  CHECK(c->ca_file == "/var/run/sa/ca.crt");
  CHECK(c->token_file == "/var/run/sa/token");
  auto v6 = injector::kube::in_cluster_config("fd00::1", "6443", "/sa/");
  REQUIRE(v6.has_value());
  CHECK(v6->server == "https://[fd00::1]:6443");
  CHECK(v6->token_file == "/sa/token");
  auto outside = injector::kube::in_cluster_config("", "", "/sa");
  REQUIRE_FALSE(outside.has_value());
  CHECK(outside.error().message ==
        "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set "
        "(give --kubeconfig FILE or --sidecarsets PATH)");
}

TEST_CASE("server URLs") {
  struct Case {
    const char* url;
    std::string host, port, path, error;
  };
  const std::vector<Case> cases = {
      {"https://127.0.0.1:6443", "127.0.0.1", "6443", "", ""},
      {"https://api.example.com", "api.example.com", "443", "", ""},
      {"https://api.example.com/k8s/clusters/c-1/", "api.example.com", "443", "/k8s/clusters/c-1",
       ""},
      {"https://[::1]:6443/", "::1", "6443", "", ""},
      {"http://a", "", "", "", "plain http is not supported (use https)"},
      {"a:6443", "", "", "", "want https://host[:port]"},
      {"https://:6443", "", "", "", "no host"},
      {"https://a:0", "", "", "", "port \"0\" is not a number from 1 to 65535"},
      {"https://a:x", "", "", "", "port \"x\" is not a number from 1 to 65535"},
      {"https://[::1", "", "", "", "unclosed [ in the host"},
      {"https://u:p@a", "", "", "", "user info in the URL is not supported"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.url) {
      auto got = injector::kube::parse_server_url(c.url);
      if (c.error.empty()) {
        REQUIRE(got.has_value());
        CHECK(got->host == c.host);
        CHECK(got->port == c.port);
        CHECK(got->base_path == c.path);
      } else {
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().message == "API server URL \"" + std::string(c.url) + "\": " + c.error);
      }
    }
  }
}
