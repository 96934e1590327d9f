// Constants of the ZooKeeper snapshot file (the prose spec is docs/FORMATS.md section 4;
// Appendix A annotates a real 457-byte 3.8 snapshot byte by byte).
//
// After decompression a snapshot is: FileHeader, sessions, ACL cache, node records
// until the path "/", seal 1, then optional trailers told apart only by how many
// bytes are left after seal 1 (kTrailer*). Every seal is the Adler-32 of all the
// decompressed bytes before its own long, zero-extended into a big-endian long and
// followed by the ustring "/".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zkm {

constexpr int32_t kSnapMagic = 0x5A4B534E;  // "ZKSN"
constexpr int32_t kSnapVersion = 2;         // written; never checked by ZooKeeper on read
constexpr int64_t kSnapDbId = -1;           // written; never checked by ZooKeeper on read
constexpr size_t kSnapHeaderSize = 16;      // int magic, int version, long dbid

// Session entry: long id + int timeout.
constexpr size_t kSnapSessionSize = 12;
// A node record after its path: buffer data, long aclRef, 60-byte StatPersisted.
constexpr size_t kSnapNodeTailSize = 8 + 60;

// The node section ends at this path; it is also the string after every seal.
constexpr std::string_view kSnapTerminator = "/";
// A seal: long Adler-32 (high 4 bytes zero) + ustring "/".
constexpr size_t kSnapSealSize = 8 + 4 + 1;
// Digest trailer (3.6+): long zxid, int digestVersion, long digest.
constexpr size_t kSnapDigestSize = 8 + 4 + 8;
// lastProcessedZxid trailer (3.9+): long.
constexpr size_t kSnapLastZxidSize = 8;

// Bytes left after seal 1 (docs/FORMATS.md 4.6), the only way to tell the trailers apart.
constexpr size_t kTrailerNone = 0;                                            // 3.4/3.5
constexpr size_t kTrailerLastZxid = kSnapLastZxidSize + kSnapSealSize;        // 21: 3.9, digest off
constexpr size_t kTrailerDigest = kSnapDigestSize + kSnapSealSize;            // 33: 3.6-3.8
constexpr size_t kTrailerDigestLastZxid = kTrailerDigest + kTrailerLastZxid;  // 54: 3.9

// The 3.4+ precheck on a plain file: the last 5 bytes are the ustring "/" of the
// final seal (FileSnap skips a plain file that fails it, or is under 10 bytes).
constexpr std::string_view kSnapPlainTail("\x00\x00\x00\x01\x2f", 5);
constexpr size_t kSnapPlainMinSize = 10;
// Compressed containers are prechecked by their magic only (docs/FORMATS.md 4.1).
constexpr std::string_view kGzipMagic("\x1f\x8b", 2);
constexpr std::string_view kSnappyJavaMagic("\x82SNAPPY\x00", 8);

}  // namespace zkm
