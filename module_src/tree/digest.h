// The tree digest of ZooKeeper 3.6+ (docs/FORMATS.md section 6).
//
// Each node outside /zookeeper/ hashes to CRC-32 over its path bytes, its data
// bytes (nothing for null or empty) and a 60-byte big-endian block (czxid, mzxid,
// pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: pzxid is third
// here, unlike StatPersisted). The tree digest is the sum of node digests modulo
// 2^64 (AdHash), so it can be kept up to date by subtracting and adding.
#pragma once

#include <cstdint>
#include <string_view>

#include "format/zk_types.h"

namespace zkm {

constexpr int32_t kDigestVersion = 2;
// Digest of a fresh 3.6+ tree (root + /zookeeper).
constexpr int64_t kEmptyTreeDigest = 1371985504;

// False for paths under /zookeeper/ (but /zookeeper itself and the root count).
bool DigestIncludes(std::string_view path);
// The node's digest; `path` is "" for the root. 0 if DigestIncludes(path) is false.
uint32_t NodeDigest(std::string_view path, std::string_view data, const Stat& stat);

// ZooKeeper hashes path bytes in the JVM's default charset. Under a C/POSIX locale
// a Java 17 server uses US-ASCII, where each non-ASCII character becomes '?'.
// Returns that form of `path` (equal to `path` when it is all ASCII).
std::string AsciiReplacedPath(std::string_view path);
bool IsAscii(std::string_view s);
// NodeDigest with the path in its US-ASCII form.
uint32_t NodeDigestAscii(std::string_view path, std::string_view data, const Stat& stat);

}  // namespace zkm
