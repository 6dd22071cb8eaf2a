#include "server/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace injector {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites: ECDHE with AEAD only. Go ≥ 1.22 clients (kube-apiserver) no longer offer RSA
// key exchange or 3DES; TLS 1.3 suites are OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";

std::string openssl_error() {
  std::string message;
  while (const unsigned long code = ERR_get_error()) {
    if (message.empty()) {
      const char* reason = ERR_reason_error_string(code);
      message = reason != nullptr ? reason : "unknown OpenSSL error";
    }
  }
  return message.empty() ? "unknown OpenSSL error" : message;
}

Result<void> readable(const std::string& kind, const std::string& file) {
  if (file.empty()) {
    return fail("tls", kind + " file not set");
  }
  std::ifstream in(file);
  if (!in) {
    return fail("tls", "cannot read " + kind + " \"" + file + "\": " + std::strerror(errno));
  }
  return {};
}

// The API server forces ALPN "http/1.1" (kubernetes#75791); we speak nothing else, so a client
// offering only other protocols gets the RFC 7301 no_application_protocol alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<TlsMaterial> load_tls_material(const std::string& cert_file, const std::string& key_file) {
  if (auto ok = readable("TLS certificate", cert_file); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = readable("TLS key", key_file); !ok) {
    return std::unexpected(ok.error());
  }
  const auto mismatch = [&] {
    return fail("tls",
                "TLS key \"" + key_file + "\" does not match certificate \"" + cert_file + "\"");
  };
  TlsMaterial material;
  material.context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = material.context->native_handle();
  ERR_clear_error();
  // TLS 1.2+ only; the API server's Go client does not go lower either.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle keep-alive connections then hold no TLS read/write buffers (~34 KiB each): 10,000
  // idle connections cost descriptors, not hundreds of MiB.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return fail("tls", "cannot configure TLS: " + openssl_error());
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return fail("tls", "cannot load TLS certificate \"" + cert_file + "\": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
      return fail("tls", "cannot load TLS key \"" + key_file + "\": " + openssl_error());
    }
    ERR_clear_error();
    return mismatch();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return mismatch();
  }
  // Kept for /readyz: an expired certificate fails every API server call, so the replica must
  // not look ready (it still starts: the Secret may be renewed and the pod restarted).
  std::tm not_after{};
  if (X509* cert = SSL_CTX_get0_certificate(ctx);
      cert != nullptr && ASN1_TIME_to_tm(X509_get0_notAfter(cert), &not_after) == 1) {
    material.not_after = std::chrono::system_clock::from_time_t(timegm(&not_after));
  }
  return material;
}

}  // namespace injector
