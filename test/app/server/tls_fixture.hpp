#pragma once
// Test helpers for the loopback TLS tests: a throwaway CA and serving certificate made with the
// OpenSSL API, and a blocking raw TLS client for what an HTTP client library hides (protocol
// versions, ALPN, partial requests, connections held open). Header-only: test/ sources other
// than *_test.cpp are not built.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace injector::testing {

struct TlsFiles {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string other_key;     // a key that does not match server_cert
  std::string expired_cert;  // server_cert's twin (same key) that expired yesterday
  std::string rotated_cert;  // the next serving certificate (serial 4), with its own key
  std::string rotated_key;
  std::string client_ca;    // a CA for client certificates only
  std::string client_cert;  // signed by client_ca (clientAuth)
  std::string client_key;
  std::string foreign_client_cert;  // a clientAuth certificate signed by ca_cert, not client_ca
  std::string foreign_client_key;
};

namespace detail {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

inline void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("tls fixture: ") + what);
  }
}

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline Cert make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                      long serial, bool ca, long not_after = 30L * 24 * 3600,
                      const char* usage = "serverAuth") {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -2L * 24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), signer, NID_ext_key_usage, usage);
    add_extension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid");
  }
  check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "sign");
  return cert;
}

inline void write_cert(const std::string& path, X509* cert) {
  FILE* out = std::fopen(path.c_str(), "w");
  check(out != nullptr, "open cert file");
  PEM_write_X509(out, cert);
  std::fclose(out);
}

inline void write_key(const std::string& path, EVP_PKEY* key) {
  FILE* out = std::fopen(path.c_str(), "w");
  check(out != nullptr, "open key file");
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
}

}  // namespace detail

/// Makes a CA, a serving certificate for localhost/127.0.0.1 signed by it, its key and an
/// unrelated key, and an expired twin of the serving certificate, as PEM files under `dir`
/// (created).
inline TlsFiles make_tls_files(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  detail::Key ca_key(EVP_EC_gen("P-256"));
  detail::Key server_key(EVP_EC_gen("P-256"));
  detail::Key other_key(EVP_EC_gen("P-256"));
  detail::Key rotated_key(EVP_EC_gen("P-256"));
  detail::Key client_ca_key(EVP_EC_gen("P-256"));
  detail::Key client_key(EVP_EC_gen("P-256"));
  detail::Key foreign_key(EVP_EC_gen("P-256"));
  detail::check(ca_key && server_key && other_key && rotated_key && client_ca_key && client_key &&
                    foreign_key,
                "key generation");
  auto ca =
      detail::make_cert(ca_key.get(), "sidecarset-injector test CA", nullptr, nullptr, 1, true);
  auto server = detail::make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), 2, false);
  auto expired = detail::make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), 3, false,
                                   -24L * 3600);
  auto rotated =
      detail::make_cert(rotated_key.get(), "localhost", ca.get(), ca_key.get(), 4, false);
  auto client_ca = detail::make_cert(client_ca_key.get(), "sidecarset-injector test client CA",
                                     nullptr, nullptr, 5, true);
  auto client = detail::make_cert(client_key.get(), "kube-apiserver", client_ca.get(),
                                  client_ca_key.get(), 6, false, 30L * 24 * 3600, "clientAuth");
  auto foreign = detail::make_cert(foreign_key.get(), "kube-apiserver", ca.get(), ca_key.get(), 7,
                                   false, 30L * 24 * 3600, "clientAuth");
  TlsFiles files{(dir / "ca.crt").string(),
                 (dir / "tls.crt").string(),
                 (dir / "tls.key").string(),
                 (dir / "other.key").string(),
                 (dir / "expired.crt").string(),
                 (dir / "rotated.crt").string(),
                 (dir / "rotated.key").string(),
                 (dir / "client-ca.crt").string(),
                 (dir / "client.crt").string(),
                 (dir / "client.key").string(),
                 (dir / "foreign-client.crt").string(),
                 (dir / "foreign-client.key").string()};
  detail::write_cert(files.rotated_cert, rotated.get());
  detail::write_key(files.rotated_key, rotated_key.get());
  detail::write_cert(files.client_ca, client_ca.get());
  detail::write_cert(files.client_cert, client.get());
  detail::write_key(files.client_key, client_key.get());
  detail::write_cert(files.foreign_client_cert, foreign.get());
  detail::write_key(files.foreign_client_key, foreign_key.get());
  detail::write_cert(files.expired_cert, expired.get());
  detail::write_cert(files.ca_cert, ca.get());
  detail::write_cert(files.server_cert, server.get());
  detail::write_key(files.server_key, server_key.get());
  detail::write_key(files.other_key, other_key.get());
  return files;
}

/// make_tls_files in a directory of this process (ctest runs the cases of one file in parallel
/// processes) under the build dir, made once and removed at exit.
inline const TlsFiles& process_tls_files(const std::string& test_name) {
  struct Dir {
    std::filesystem::path path;
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir{std::filesystem::path(INJECTOR_BINARY_DIR) / "test-tls" /
                       (test_name + "-" + std::to_string(::getpid()))};
  static const auto files = make_tls_files(dir.path);
  return files;
}

struct ClientOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = 0;  // 0 = highest
  std::vector<std::string> alpn = {"http/1.1"};
  std::string ciphers;              // "" = OpenSSL default
  std::string cert_file, key_file;  // a client certificate to present; "" = none
};

/// A blocking TLS client on one loopback connection, verifying the server against the CA (unless
/// `verify` is false: only to reach a server whose certificate is expired on purpose).
class RawTlsClient {
 public:
  RawTlsClient(const TlsFiles& files, unsigned short port, const ClientOptions& options = {},
               bool verify = true) {
    // OpenSSL writes with write(2): a server that closed first must fail the write, not kill
    // the test process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    fd_ = connect_tcp(port);
    ctx_ = SSL_CTX_new(TLS_client_method());
    detail::check(ctx_ != nullptr, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx_, options.min_version);
    SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    if (!options.ciphers.empty()) {
      SSL_CTX_set_cipher_list(ctx_, options.ciphers.c_str());
    }
    detail::check(SSL_CTX_load_verify_locations(ctx_, files.ca_cert.c_str(), nullptr) == 1,
                  "load CA");
    SSL_CTX_set_verify(ctx_, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!options.cert_file.empty()) {
      detail::check(
          SSL_CTX_use_certificate_chain_file(ctx_, options.cert_file.c_str()) == 1 &&
              SSL_CTX_use_PrivateKey_file(ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) == 1,
          "load client certificate");
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    if (!options.alpn.empty()) {
      std::string wire;
      for (const auto& proto : options.alpn) {
        wire += static_cast<char>(proto.size());
        wire += proto;
      }
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
    SSL_set_fd(ssl_, fd_);
    handshake_ok_ = SSL_connect(ssl_) == 1;
    if (!handshake_ok_) {
      take_error();
    }
    ERR_clear_error();
  }
  ~RawTlsClient() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
    }
    if (ctx_ != nullptr) {
      SSL_CTX_free(ctx_);
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  /// The reason of the first OpenSSL failure on this connection, e.g. the server's alert
  /// ("tlsv1 alert unknown ca"); "" while nothing failed. With TLS 1.3 the client's handshake
  /// ends before the server has checked the client certificate, so the server's refusal
  /// arrives as the first read fails.
  const std::string& error() const { return error_; }
  /// The serial number of the server's certificate, as a decimal number ("" without one).
  std::string peer_serial() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) {
      return "";
    }
    const long serial = ASN1_INTEGER_get(X509_get0_serialNumber(cert));
    X509_free(cert);
    return std::to_string(serial);
  }
  std::string version() const { return SSL_get_version(ssl_); }
  std::string cipher() const { return SSL_get_cipher_name(ssl_); }
  std::string alpn() const {
    const unsigned char* data = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &data, &len);
    return std::string(reinterpret_cast<const char*>(data), len);
  }

  bool write(std::string_view bytes) {
    while (!bytes.empty()) {
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) {
        ERR_clear_error();
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads one HTTP response (headers and Content-Length body); nullopt when the connection
  /// closes first.
  std::optional<std::string> read_response() {
    while (true) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto headers = pending_.substr(0, end);
        if (auto pos = lower(headers).find("\r\ncontent-length:"); pos != std::string::npos) {
          length = std::stoul(headers.substr(pos + 17));
        }
        if (pending_.size() >= end + 4 + length) {
          auto response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (!fill()) {
        return std::nullopt;
      }
    }
  }

  /// Blocks until the server closes the connection; true when it did without sending anything.
  bool closed_without_data() {
    if (!pending_.empty()) {
      return false;
    }
    return !fill();
  }

 private:
  static std::string lower(std::string text) {
    for (auto& c : text) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
  }

  static int connect_tcp(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    detail::check(fd >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    detail::check(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }

  bool fill() {
    char buffer[16384];
    const int n = SSL_read(ssl_, buffer, sizeof buffer);
    if (n <= 0) {
      take_error();
      ERR_clear_error();
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  void take_error() {
    const unsigned long code = ERR_peek_error();
    if (error_.empty() && code != 0) {
      const char* reason = ERR_reason_error_string(code);
      error_ = reason != nullptr ? reason : "unknown";
    }
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
  std::string pending_;
  std::string error_;
};

/// A plain TCP connection (to show that the server refuses plaintext HTTP).
class PlainClient {
 public:
  explicit PlainClient(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    detail::check(fd_ >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    detail::check(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
  }
  ~PlainClient() { ::close(fd_); }
  PlainClient(const PlainClient&) = delete;
  PlainClient& operator=(const PlainClient&) = delete;

  void write(std::string_view bytes) {
    detail::check(
        ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()),
        "send");
  }
  /// Everything the server sends until it closes the connection.
  std::string read_all() {
    std::string out;
    char buffer[4096];
    while (true) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace injector::testing
