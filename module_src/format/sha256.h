// SHA-256 through OpenSSL's EVP interface, for manifests and verification.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "format/byte_source.h"

namespace zkm {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const char* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  std::string HexDigest();  // lowercase hex; the object cannot be updated afterwards

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hashes the bytes a source yields as they pass through.
class HashingSource : public ByteSource {
 public:
  explicit HashingSource(ByteSource& inner) : inner_(inner) {}
  Result<size_t> Read(char* buf, size_t n) override {
    auto r = inner_.Read(buf, n);
    if (r.ok()) hash_.Update(buf, *r);
    return r;
  }
  std::string HexDigest() { return hash_.HexDigest(); }

 private:
  ByteSource& inner_;
  Sha256 hash_;
};

Result<std::string> Sha256File(const std::string& path);

}  // namespace zkm
