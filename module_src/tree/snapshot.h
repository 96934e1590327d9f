// Snapshot reader: streams a decompressed ZooKeeper snapshot (docs/FORMATS.md section 4)
// once, verifies it the way ZooKeeper would load it, and returns the facts.
//
// The reader takes the *decompressed* stream (wrap the file with Decompress() from
// byte_source.h): every seal and every offset in a report is about that stream.
// It opens no files and prints nothing (docs/STYLE.md habit 2).
//
// What is checked, in stream order:
//   * FileHeader: the magic only (ZooKeeper ignores version and dbid; both reported);
//   * sessions and ACL cache: counts must not be negative; a null ACL list is damage
//     (ZooKeeper crashes on it); every length and ACL-list count is bounded;
//   * nodes until the path "/": a null path is damage, a path without '/' is the
//     root, every other node's parent must have been read before it ("Invalid
//     Datatree, unable to find parent ..."), data is bounded by max_buffer;
//   * seal 1, then the trailer chosen by the exact number R of bytes left after it
//     (0, 21, 33 or 54; anything else is damage naming R), and every further seal.
//     A seal is damage if its high 4 bytes are not 0, if it differs from the
//     running Adler-32, or if the ustring "/" does not follow it;
//   * the tree digest is computed while streaming and compared with the digest
//     trailer as ZooKeeper does (DataTree.deserializeZxidDigest): a trailer with
//     zxid <= 0 is "empty" and a trailer older than the name zxid is ignored
//     (digest_check stays kAbsent, with a warning), one equal to the name zxid is
//     compared now, a newer one is kDeferred to replay.
//
// Reading stops at the first structural damage; a seal mismatch is recorded and
// reading goes on so that later seals and the trailer are still reported, but
// `status` keeps the first damage. Nothing here allocates per node.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/byte_source.h"
#include "format/jute.h"
#include "format/zk_types.h"
#include "tree/data_tree.h"

namespace zkm {

// One node record as it streams by. `path` is "" for the root.
struct SnapshotNodeView {
  std::string_view path;
  std::string_view data;  // empty when data_null
  bool data_null;
  int64_t acl_ref;
  Stat stat;
};

// Receives the contents in stream order; views are valid only during the call.
class SnapshotVisitor {
 public:
  virtual ~SnapshotVisitor() = default;
  virtual void OnSession(int64_t /*id*/, int32_t /*timeout_ms*/) {}
  virtual void OnAcl(int64_t /*ref*/, const AclList& /*acl*/) {}
  virtual void OnNode(const SnapshotNodeView& /*node*/) {}
};

struct SnapshotReadOptions {
  // Bound for every ustring/buffer (ZooKeeper's jute.maxbuffer + extrasize).
  int32_t max_buffer = kDefaultJuteLimit;
  // The zxid from the file name, -1 if unknown.
  int64_t name_zxid = -1;
};

// One verified seal: `offset` is where its long starts in the decompressed stream.
struct SealCheck {
  uint64_t offset;
  uint32_t stored;
  uint32_t computed;
  bool ok;
};

struct SnapshotSummary {
  Status status;  // ok, or the first damage (with decompressed-stream offset)
  int32_t version = 0;
  int64_t dbid = 0;
  uint64_t sessions = 0;
  uint64_t acl_entries = 0;
  uint64_t nodes = 0;  // node records incl. root
  uint64_t data_bytes = 0;
  std::string largest_path;
  uint64_t largest_bytes = 0;
  std::map<int64_t, uint64_t> ephemerals_by_owner;
  uint64_t containers = 0, ttl_nodes = 0;
  std::vector<SealCheck> seals;
  bool has_digest = false;
  int64_t digest_zxid = 0;
  int32_t digest_version = 0;
  int64_t digest = 0;
  bool has_last_zxid = false;
  int64_t last_processed_zxid = 0;  // 3.9 trailer
  int64_t computed_digest = 0;      // AdHash over the nodes as read
  // The same with non-ASCII path characters as '?', how a JVM with a US-ASCII
  // default charset hashes them; digest_charset says which one matched.
  int64_t computed_digest_ascii = 0;
  std::string digest_charset = "utf-8";
  // kAbsent: no trailer, or one ZooKeeper ignores (empty, older than the name zxid,
  // version != 2; see warnings). kDeferred: digest_zxid > name_zxid (compare during
  // replay).
  enum class DigestCheck {
    kAbsent,
    kMatch,
    kMismatch,
    kDeferred
  } digest_check = DigestCheck::kAbsent;
  int64_t max_mzxid = 0;
  bool fuzzy = false;                     // max mzxid/czxid/pzxid > name_zxid (name zxid known)
  std::vector<int64_t> missing_acl_refs;  // aclRef neither -1 nor in the map
  std::vector<int64_t> orphan_ephemeral_owners;  // owner not in the session table
  std::vector<std::string> warnings;
  uint64_t stream_bytes = 0;  // decompressed bytes read

  // Added beyond the shared interface:
  int64_t max_zxid = 0;        // max of czxid, mzxid, pzxid over all nodes
  uint64_t trailer_bytes = 0;  // R, the bytes after seal 1 (valid once seal 1 was read)
  bool seals_ok() const {
    for (const SealCheck& s : seals)
      if (!s.ok) return false;
    return !seals.empty();
  }
};

SnapshotSummary ReadSnapshot(ByteSource& decompressed, const SnapshotReadOptions& opts,
                             SnapshotVisitor* visitor);  // visitor may be null

// Reads into `tree` (sessions, ACL entries, nodes). tree->last_processed_zxid is
// set to name_zxid, or if that is unknown to the 3.9 trailer, else the digest zxid,
// else the highest zxid in any node. On damage the tree holds what was read so far.
SnapshotSummary LoadSnapshot(ByteSource& decompressed, const SnapshotReadOptions& opts,
                             DataTree* tree);

// ZooKeeper's quick precheck (docs/FORMATS.md 4.1) on the raw, still compressed file:
// plain: the last 5 bytes are 00 00 00 01 2F; gz: the gzip magic; snappy: the
// snappy-java magic. The caller passes what it has of the file's first and last
// bytes (a plain file shorter than 10 bytes should not be passed as passing).
bool SnapshotPrecheck(Compression c, std::string_view first_bytes, std::string_view last_5_bytes);

}  // namespace zkm
