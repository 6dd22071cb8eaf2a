#pragma once
// The serving TLS context: protocol versions, suites, ALPN, the certificate/key pair and, for
// mutual TLS, the client CA, built from PEM files. Server-internal (Asio's SSL types appear here,
// never in server.hpp).

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "injector/json.hpp"

namespace injector {

/// Where the TLS material lives. `client_ca_file` empty: no client certificate is asked for.
struct TlsPaths {
  std::string cert_file, key_file, client_ca_file;
};

/// The bytes of the files of a TlsPaths, read once: what is compared to see a rotation is
/// exactly what is then loaded (a Secret volume swaps all files at once, a reader of the files
/// one by one could mix two generations).
struct TlsFileContents {
  std::string cert, key, client_ca;
  friend bool operator==(const TlsFileContents&, const TlsFileContents&) = default;
};

/// A TLS context ready for new handshakes, and the validity window of its certificate.
struct TlsMaterial {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::chrono::system_clock::time_point not_before = std::chrono::system_clock::time_point::min();
  std::chrono::system_clock::time_point not_after = std::chrono::system_clock::time_point::max();
  std::string serial;  // of the serving certificate, hex (for the rotation log line)
};

/// Reads the files of `paths`; the error names the file that is unset or unreadable.
Result<TlsFileContents> read_tls_files(const TlsPaths& paths);

/// Builds a server context from PEM `contents` (a certificate chain, its key, optionally client
/// CA certificates). Errors name the file: unparsable, a key that does not match the
/// certificate, a client CA file without certificates.
Result<TlsMaterial> build_tls_material(const TlsPaths& paths, const TlsFileContents& contents);

/// read_tls_files then build_tls_material.
Result<TlsMaterial> load_tls_material(const TlsPaths& paths);

}  // namespace injector
