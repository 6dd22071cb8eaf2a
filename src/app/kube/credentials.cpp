#include "kube/credentials.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include "server/log.hpp"

namespace injector::kube {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::string openssl_error() {
  std::string message;
  while (const unsigned long code = ERR_get_error()) {
    if (message.empty()) {
      const char* reason = ERR_reason_error_string(code);
      message = reason != nullptr ? reason : "unknown OpenSSL error";
    }
  }
  return message.empty() ? "no PEM data" : message;
}

Result<std::string> read_file(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail("config", "cannot read " + what + " \"" + path + "\": " + std::strerror(errno));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// PEM text from the -data field or the file.
Result<std::string> pem_of(const std::string& what, const std::string& pem,
                           const std::string& file) {
  if (!pem.empty() || file.empty()) {
    return pem;
  }
  return read_file(what, file);
}

std::unique_ptr<BIO, BioFree> bio_of(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string name_of(const std::string& what, const std::string& file) {
  return file.empty() ? what + " (inline data)" : what + " \"" + file + "\"";
}

Result<void> add_cas(SSL_CTX* ctx, const std::string& pem, const std::string& name) {
  auto bio = bio_of(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  ERR_clear_error();
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    std::unique_ptr<X509, X509Free> cert(raw);
    if (X509_STORE_add_cert(store, cert.get()) != 1) {
      return fail("config", "cannot use " + name + ": " + openssl_error());
    }
    ++added;
  }
  ERR_clear_error();  // the loop ends with a "no start line" error
  if (added == 0) {
    return fail("config", "cannot use " + name + ": no PEM certificate in it");
  }
  return {};
}

Result<void> use_client_certificate(SSL_CTX* ctx, const std::string& cert_pem,
                                    const std::string& key_pem, const std::string& cert_name,
                                    const std::string& key_name) {
  auto bio = bio_of(cert_pem);
  ERR_clear_error();
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return fail("config", "cannot use " + cert_name + ": " + openssl_error());
  }
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) {  // takes ownership on success
      X509_free(extra);
      return fail("config", "cannot use " + cert_name + ": " + openssl_error());
    }
  }
  ERR_clear_error();
  auto key_bio = bio_of(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return fail("config", "cannot use " + key_name + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return fail("config", key_name + " does not match " + cert_name);
    }
    return fail("config", "cannot use " + key_name + ": " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return fail("config", key_name + " does not match " + cert_name);
  }
  return {};
}

}  // namespace

Result<void> configure_tls(SSL_CTX* ctx, const ApiConfig& config, bool insecure) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // The API server speaks HTTP/2 and HTTP/1.1; watches are read as HTTP/1.1 chunked streams.
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
  auto ca = pem_of("certificate-authority", config.ca_pem, config.ca_file);
  if (!ca) {
    return std::unexpected(ca.error());
  }
  if (!ca->empty()) {
    if (auto ok = add_cas(ctx, *ca, name_of("certificate-authority", config.ca_file)); !ok) {
      return ok;
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return fail("config", "cannot load the system's CA certificates: " + openssl_error());
  }
  SSL_CTX_set_verify(ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  auto cert = pem_of("client-certificate", config.cert_pem, config.cert_file);
  auto key = pem_of("client-key", config.key_pem, config.key_file);
  if (!cert) {
    return std::unexpected(cert.error());
  }
  if (!key) {
    return std::unexpected(key.error());
  }
  if (!cert->empty()) {
    return use_client_certificate(ctx, *cert, *key, name_of("client-certificate", config.cert_file),
                                  name_of("client-key", config.key_file));
  }
  return {};
}

Result<void> configure_connection(SSL* ssl, const std::string& host,
                                  const std::string& tls_server_name) {
  const std::string& name = tls_server_name.empty() ? host : tls_server_name;
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!ec) {
    // An IP literal: no SNI (RFC 6066 §3), the certificate must carry it as an IP SAN.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      return fail("tls", "cannot verify IP address " + name);
    }
    return {};
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, name.c_str()) != 1 || SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return fail("tls", "cannot verify host name " + name);
  }
  return {};
}

TokenSource::TokenSource(std::string token, std::string file)
    : token_(std::move(token)), file_(std::move(file)) {}

const std::string& TokenSource::current() {
  if (file_.empty()) {
    return token_;
  }
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    if (!warned_) {
      log_event(spdlog::level::warn, "cannot stat the API token file, keeping the last token",
                {{"file", file_}, {"error", std::strerror(errno)}});
      warned_ = true;
    }
    return token_;
  }
  const bool same = st.st_dev == stamp_.dev && st.st_ino == stamp_.ino &&
                    st.st_size == stamp_.size && st.st_mtim.tv_sec == stamp_.mtime.tv_sec &&
                    st.st_mtim.tv_nsec == stamp_.mtime.tv_nsec;
  if (same) {
    return token_;
  }
  std::ifstream in(file_, std::ios::binary);
  if (!in.is_open()) {
    if (!warned_) {
      log_event(spdlog::level::warn, "cannot read the API token file, keeping the last token",
                {{"file", file_}, {"error", std::strerror(errno)}});
      warned_ = true;
    }
    return token_;
  }
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  // client-go trims white space around the file's token.
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  token_ = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  stamp_ = Stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  ++reads_;
  warned_ = false;
  return token_;
}

}  // namespace injector::kube
