#pragma once
// What the client presents and trusts: the TLS client context built from an ApiConfig (CA,
// client certificate and key, from PEM text or files) and the bearer token, re-read from its
// file when the file changes (bound service-account tokens rotate about hourly).

#include <sys/types.h>

#include <ctime>
#include <string>

#include <openssl/ssl.h>

#include "injector/json.hpp"
#include "kube/config.hpp"

namespace injector::kube {

/// Fills `ctx` (a TLS client context): TLS 1.2+, peer verification against the CA (the system
/// roots when none is given), the client certificate and key. Verification is off only when
/// `insecure` is true. Errors name the file or field that could not be used.
Result<void> configure_tls(SSL_CTX* ctx, const ApiConfig& config, bool insecure);

/// Per connection: SNI and the name (or IP address) the server's certificate must carry.
Result<void> configure_connection(SSL* ssl, const std::string& host,
                                  const std::string& tls_server_name);

/// The bearer token: fixed, or read from a file and re-read whenever the file's identity, size
/// or modification time changes (one stat per request). A read failure keeps the last token.
class TokenSource {
 public:
  TokenSource() = default;
  TokenSource(std::string token, std::string file);

  /// The token to send ("" = none).
  const std::string& current();
  /// Forces a re-read at the next current() (after a 401).
  void invalidate() { stamp_ = {}; }
  /// Whether the token comes from a file (only then can a 401 be cured by re-reading).
  bool from_file() const { return !file_.empty(); }
  /// Number of times the file was (re)read, for tests and logs.
  unsigned reads() const { return reads_; }

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    std::timespec mtime{};
  };
  std::string token_;
  std::string file_;
  Stamp stamp_;
  unsigned reads_ = 0;
  bool warned_ = false;
};

}  // namespace injector::kube
