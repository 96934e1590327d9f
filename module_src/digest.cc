#include "digest.h"

#include "jute.h"

namespace zkm {

bool DigestIncludes(std::string_view path) {
  constexpr std::string_view kPrefix = "/zookeeper/";
  return path.substr(0, kPrefix.size()) != kPrefix;
}

uint32_t NodeDigest(std::string_view path, std::string_view data, const Stat& stat) {
  if (!DigestIncludes(path)) return 0;
  char block[60];
  StoreLong(block, stat.czxid);
  StoreLong(block + 8, stat.mzxid);
  StoreLong(block + 16, stat.pzxid);
  StoreLong(block + 24, stat.ctime);
  StoreLong(block + 32, stat.mtime);
  StoreInt(block + 40, stat.version);
  StoreInt(block + 44, stat.cversion);
  StoreInt(block + 48, stat.aversion);
  StoreLong(block + 52, stat.ephemeral_owner);
  uint32_t crc = Crc32Update(0, path);
  if (!data.empty()) crc = Crc32Update(crc, data);
  return Crc32Update(crc, std::string_view(block, sizeof block));
}

}  // namespace zkm
