#include "format/zk_types.h"

#include "format/jute.h"

namespace zkm {

Stat DecodeStat(const char* p) {
  Stat s;
  s.czxid = LoadLong(p);
  s.mzxid = LoadLong(p + 8);
  s.ctime = LoadLong(p + 16);
  s.mtime = LoadLong(p + 24);
  s.version = LoadInt(p + 32);
  s.cversion = LoadInt(p + 36);
  s.aversion = LoadInt(p + 40);
  s.ephemeral_owner = LoadLong(p + 44);
  s.pzxid = LoadLong(p + 52);
  return s;
}

void EncodeStat(const Stat& s, char* p) {
  StoreLong(p, s.czxid);
  StoreLong(p + 8, s.mzxid);
  StoreLong(p + 16, s.ctime);
  StoreLong(p + 24, s.mtime);
  StoreInt(p + 32, s.version);
  StoreInt(p + 36, s.cversion);
  StoreInt(p + 40, s.aversion);
  StoreLong(p + 44, s.ephemeral_owner);
  StoreLong(p + 52, s.pzxid);
}

std::string PermsToString(int32_t perms) {
  std::string s;
  if (perms & 4) s += 'c';
  if (perms & 8) s += 'd';
  if (perms & 1) s += 'r';
  if (perms & 2) s += 'w';
  if (perms & 16) s += 'a';
  return s;
}

std::string AclToString(const Acl& a) {
  return a.scheme + ":" + a.id + ":" + PermsToString(a.perms);
}

NodeKind KindOfOwner(int64_t owner) {
  if (owner == 0) return NodeKind::kPersistent;
  if (owner == kContainerOwner) return NodeKind::kContainer;
  auto u = static_cast<uint64_t>(owner);
  if ((u >> 56) == 0xff && ((u >> 40) & 0xffff) == 0) return NodeKind::kTtl;
  return NodeKind::kEphemeral;
}

int64_t TtlOfOwner(int64_t owner) {
  return owner & 0xffffffffffLL;
}
int64_t TtlOwner(int64_t ttl_ms) {
  return static_cast<int64_t>(0xff00000000000000ULL |
                              (static_cast<uint64_t>(ttl_ms) & 0xffffffffffULL));
}

}  // namespace zkm
