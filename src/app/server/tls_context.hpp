#pragma once
// The serving TLS context: protocol versions, suites, ALPN and the certificate/key pair, built
// from PEM files. Server-internal (Asio's SSL types appear here, never in server.hpp).

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "injector/json.hpp"

namespace injector {

/// A TLS context ready for new handshakes, and when its certificate stops being valid.
struct TlsMaterial {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::chrono::system_clock::time_point not_after = std::chrono::system_clock::time_point::max();
};

/// Builds a server context from `cert_file` (PEM chain) and `key_file` (PEM key). Errors name the
/// file: unreadable, unparsable, or a key that does not match the certificate.
Result<TlsMaterial> load_tls_material(const std::string& cert_file, const std::string& key_file);

}  // namespace injector
