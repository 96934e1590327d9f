// ZooKeeper's shared records (docs/FORMATS.md section 3) as plain structs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zkm {

// StatPersisted, 60 bytes on disk in this field order.
struct Stat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;
  int64_t pzxid = 0;
  bool operator==(const Stat& o) const {
    return czxid == o.czxid && mzxid == o.mzxid && ctime == o.ctime && mtime == o.mtime &&
           version == o.version && cversion == o.cversion && aversion == o.aversion &&
           ephemeral_owner == o.ephemeral_owner && pzxid == o.pzxid;
  }
  bool operator!=(const Stat& o) const { return !(*this == o); }
};
constexpr size_t kStatPersistedSize = 60;

// Decodes/encodes the 60-byte StatPersisted layout.
Stat DecodeStat(const char* p);
void EncodeStat(const Stat& s, char* p);

struct Acl {
  int32_t perms = 0;
  std::string scheme;
  std::string id;
  bool operator==(const Acl& o) const {
    return perms == o.perms && scheme == o.scheme && id == o.id;
  }
  bool operator<(const Acl& o) const {
    if (perms != o.perms) return perms < o.perms;
    if (scheme != o.scheme) return scheme < o.scheme;
    return id < o.id;
  }
};
using AclList = std::vector<Acl>;
// "world:anyone:cdrwa" style rendering for reports.
std::string AclToString(const Acl& a);
std::string PermsToString(int32_t perms);

// The aclRef that means OPEN_ACL_UNSAFE (never stored in the ACL map).
constexpr int64_t kOpenAclUnsafeRef = -1;

// ephemeralOwner encodings (docs/FORMATS.md 4.8).
constexpr int64_t kContainerOwner = INT64_MIN;
enum class NodeKind { kPersistent, kEphemeral, kContainer, kTtl };
NodeKind KindOfOwner(int64_t owner);
// TTL in ms for a TTL-encoded owner.
int64_t TtlOfOwner(int64_t owner);
int64_t TtlOwner(int64_t ttl_ms);

// zxid = (epoch << 32) | counter.
inline int64_t EpochOf(int64_t zxid) {
  return static_cast<int64_t>(static_cast<uint64_t>(zxid) >> 32);
}
inline int64_t CounterOf(int64_t zxid) {
  return zxid & 0xffffffffLL;
}

}  // namespace zkm
