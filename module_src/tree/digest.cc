#include "tree/digest.h"

#include "format/jute.h"

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

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string AsciiReplacedPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else if ((u & 0xC0) != 0x80) {
      out += '?';  // a lead byte starts one character; continuation bytes vanish
    }
  }
  return out;
}

uint32_t NodeDigestAscii(std::string_view path, std::string_view data, const Stat& stat) {
  if (IsAscii(path)) return NodeDigest(path, data, stat);
  return NodeDigest(AsciiReplacedPath(path), data, stat);
}

}  // namespace zkm
