#include "services/tls.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace kamgov::services {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, "=", path, ": cannot read the file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, "=", path, ": not a PEM file"));
  }
  return text.str();
}

// INVALID_ARGUMENT unless `cert_pem` starts with a certificate and
// `key_pem` is its private key.
absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem,
                          const std::string& cert_path,
                          const std::string& key_path) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), cert_pem.size());
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), key_pem.size());
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  absl::Cleanup free_all = [&] {
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cert_bio);
    BIO_free(key_bio);
  };
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_path, ": no certificate in the file"));
  }
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_path, ": no private key in the file (or it is encrypted)"));
  }
  if (X509_check_private_key(cert, key) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_path, " is not the private key of the certificate ", cert_path));
  }
  return absl::OkStatus();
}

absl::Status CheckCertificates(const std::string& pem,
                               const std::string& path) {
  BIO* bio = BIO_new_mem_buf(pem.data(), pem.size());
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  const bool ok = cert != nullptr;
  X509_free(cert);
  BIO_free(bio);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no certificate in the file"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MutualTlsServerCredentials(const ServerTlsFiles& files) {
  if (files.cert_file.empty() || files.key_file.empty() ||
      files.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs --tls_cert, --tls_key and --tls_client_ca together "
        "(kamgovd always requires client certificates)");
  }
  absl::StatusOr<std::string> cert = ReadPem(files.cert_file, "--tls_cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(files.key_file, "--tls_key");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca =
      ReadPem(files.client_ca_file, "--tls_client_ca");
  if (!ca.ok()) return ca.status();
  if (absl::Status s =
          CheckKeyPair(*cert, *key, files.cert_file, files.key_file);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckCertificates(*ca, files.client_ca_file); !s.ok()) {
    return s;
  }
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *std::move(ca);
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsChannelCredentials(
    const ClientTlsFiles& files) {
  if (files.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs --cacert, the CA that signed the server's certificate");
  }
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together");
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> ca = ReadPem(files.ca_file, "--cacert");
  if (!ca.ok()) return ca.status();
  if (absl::Status s = CheckCertificates(*ca, files.ca_file); !s.ok()) {
    return s;
  }
  options.pem_root_certs = *std::move(ca);
  if (!files.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(files.cert_file, "--cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(files.key_file, "--key");
    if (!key.ok()) return key.status();
    if (absl::Status s =
            CheckKeyPair(*cert, *key, files.cert_file, files.key_file);
        !s.ok()) {
      return s;
    }
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace kamgov::services
