#include "format/sha256.h"

#include <openssl/evp.h>

#include <vector>

namespace zkm {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(new Impl) {
  impl_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(impl_->ctx);
}

void Sha256::Update(const char* data, size_t n) {
  EVP_DigestUpdate(impl_->ctx, data, n);
}

std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Result<std::string> Sha256File(const std::string& path) {
  auto f = FileSource::Open(path);
  if (!f.ok()) return f.status();
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    auto r = (*f)->Read(buf.data(), buf.size());
    if (!r.ok()) return r.status();
    if (*r == 0) break;
    h.Update(buf.data(), *r);
  }
  return h.HexDigest();
}

}  // namespace zkm
