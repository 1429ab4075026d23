#include "eventstore/hash_chain.h"

#include <openssl/evp.h>

#include <initializer_list>
#include <memory>

#include "absl/strings/escaping.h"
#include "eventstore/format.h"

namespace kamgov::eventstore {

std::string GenesisHash() { return std::string(format::kHashSize, '\0'); }

// SHA-256 over the concatenation of `parts`. One EVP context per thread
// avoids an allocation per hash on the writer's hot path.
std::string Sha256(std::initializer_list<absl::string_view> parts) {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (absl::string_view part : parts) {
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  }
  std::string out(format::kHashSize, '\0');
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                     &size);
  return out;
}

std::string ChainHash(absl::string_view previous_hash, uint64_t position,
                      absl::string_view record_bytes) {
  const std::string p = format::BE64(position);
  return Sha256({previous_hash, p, record_bytes});
}

std::string PersonalDigest(absl::string_view salt, absl::string_view personal) {
  return Sha256({salt, personal});
}

std::string ToHex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

}  // namespace kamgov::eventstore
