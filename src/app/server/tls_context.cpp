#include "server/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
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
// Sessions resumed on a context that verifies clients must carry its id (OpenSSL refuses
// resumption otherwise); one constant for every generation of the context.
constexpr unsigned char kSessionIdContext[] = "sidecarset-injector";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct InfoStackFree {
  void operator()(STACK_OF(X509_INFO) * infos) const {
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
  }
};
using Bio = std::unique_ptr<BIO, BioFree>;

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

Result<std::string> read_file(const std::string& kind, const std::string& file) {
  if (file.empty()) {
    return fail("tls", kind + " file not set");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail("tls", "cannot read " + kind + " \"" + file + "\": " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

Bio memory_bio(const std::string& bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// Never prompt on the terminal for an encrypted key: a key with a passphrase fails to load.
int no_passphrase(char*, int, int, void*) { return 0; }

// Whether the error queue ends with PEM's "no start line": the end of a PEM sequence.
bool at_pem_end() {
  const unsigned long code = ERR_peek_last_error();
  return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

// Leaves `out` as it is when the time does not parse.
void read_time(const ASN1_TIME* time, std::chrono::system_clock::time_point& out) {
  std::tm tm{};
  if (time != nullptr && ASN1_TIME_to_tm(time, &tm) == 1) {
    out = std::chrono::system_clock::from_time_t(timegm(&tm));
  }
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) {
    return "";
  }
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
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

// The leaf first, then any intermediates, as SSL_CTX_use_certificate_chain_file reads them.
Result<void> use_chain(SSL_CTX* ctx, const std::string& file, const std::string& pem) {
  const auto bad = [&] {
    return fail("tls", "cannot load TLS certificate \"" + file + "\": " + openssl_error());
  };
  Bio bio = memory_bio(pem);
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return bad();
  }
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {
      X509_free(next);
      return bad();
    }
  }
  if (!at_pem_end()) {
    return bad();
  }
  ERR_clear_error();
  return {};
}

Result<void> use_key(SSL_CTX* ctx, const TlsPaths& paths, const std::string& pem) {
  Bio bio = memory_bio(pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  const auto mismatch = [&] {
    ERR_clear_error();
    return fail("tls", "TLS key \"" + paths.key_file + "\" does not match certificate \"" +
                           paths.cert_file + "\"");
  };
  if (!key) {
    return fail("tls", "cannot load TLS key \"" + paths.key_file + "\": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
      return fail("tls", "cannot load TLS key \"" + paths.key_file + "\": " + openssl_error());
    }
    return mismatch();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return mismatch();
  }
  return {};
}

// Mutual TLS: every certificate of the file is a trust anchor for client certificates and is
// named in the CertificateRequest; a client without a certificate, or with one that does not
// chain to them, fails the handshake (Go's tls.RequireAndVerifyClientCert).
Result<void> use_client_ca(SSL_CTX* ctx, const std::string& file, const std::string& pem) {
  Bio bio = memory_bio(pem);
  std::unique_ptr<STACK_OF(X509_INFO), InfoStackFree> infos(
      PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr));
  if (!infos) {
    return fail("tls", "cannot load client CA \"" + file + "\": " + openssl_error());
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
    X509* cert = sk_X509_INFO_value(infos.get(), i)->x509;
    if (cert == nullptr) {
      continue;
    }
    if (X509_STORE_add_cert(store, cert) != 1 || SSL_CTX_add_client_CA(ctx, cert) != 1) {
      return fail("tls", "cannot load client CA \"" + file + "\": " + openssl_error());
    }
    ++count;
  }
  if (count == 0) {
    return fail("tls", "client CA \"" + file + "\" holds no PEM certificate");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return {};
}

}  // namespace

Result<TlsFileContents> read_tls_files(const TlsPaths& paths) {
  TlsFileContents contents;
  auto cert = read_file("TLS certificate", paths.cert_file);
  if (!cert) {
    return std::unexpected(cert.error());
  }
  auto key = read_file("TLS key", paths.key_file);
  if (!key) {
    return std::unexpected(key.error());
  }
  contents.cert = std::move(*cert);
  contents.key = std::move(*key);
  if (!paths.client_ca_file.empty()) {
    auto ca = read_file("client CA", paths.client_ca_file);
    if (!ca) {
      return std::unexpected(ca.error());
    }
    contents.client_ca = std::move(*ca);
  }
  return contents;
}

Result<TlsMaterial> build_tls_material(const TlsPaths& paths, const TlsFileContents& contents) {
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
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1 ||
      SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1) != 1) {
    return fail("tls", "cannot configure TLS: " + openssl_error());
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  if (auto ok = use_chain(ctx, paths.cert_file, contents.cert); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = use_key(ctx, paths, contents.key); !ok) {
    return std::unexpected(ok.error());
  }
  if (!paths.client_ca_file.empty()) {
    if (auto ok = use_client_ca(ctx, paths.client_ca_file, contents.client_ca); !ok) {
      return std::unexpected(ok.error());
    }
  }
  // Kept for /readyz and rotation: an expired certificate fails every API server call.
  if (X509* cert = SSL_CTX_get0_certificate(ctx); cert != nullptr) {
    read_time(X509_get0_notBefore(cert), material.not_before);
    read_time(X509_get0_notAfter(cert), material.not_after);
    material.serial = serial_hex(cert);
  }
  return material;
}

Result<TlsMaterial> load_tls_material(const TlsPaths& paths) {
  auto contents = read_tls_files(paths);
  if (!contents) {
    return std::unexpected(contents.error());
  }
  return build_tls_material(paths, *contents);
}

}  // namespace injector
