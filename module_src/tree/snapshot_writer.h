// Snapshot writer: serialises a DataTree as a plain (uncompressed) ZooKeeper
// snapshot that a real server loads (docs/FORMATS.md 4.2 and 15.6).
//
// Layout written: FileHeader (ZKSN, 2, -1); the sessions sorted by id (none if
// !include_sessions); the ACL entries some live node references, keys kept; the
// nodes in DataTree::ForEach order (parents first), the root under path "";
// the "/" terminator; seal 1. kZk36 adds the digest trailer (opts.zxid, 2, the
// digest of the nodes written) and seal 2; kZk39 also adds lastProcessedZxid
// (opts.zxid) and seal 3. kLegacy stops after seal 1, which 3.4/3.5 and (with
// digest enabled, EOF is tolerated there) 3.6+ all load.
//
// A node whose parent is not in the tree (or was itself skipped) is skipped and
// counted in skipped_orphans: ZooKeeper would refuse the whole file otherwise.
// A parent that sits later in ForEach order (re-created after its children) is
// still written first. The tree must have a root (path "").
//
// Compression is the caller's business (wrap the sink); the name of the file
// (snapshot.<hex zxid>) too.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "format/byte_source.h"
#include "tree/data_tree.h"

namespace zkm {

enum class SnapshotFormat {
  kZk36,   // digest trailer + seal 2 (3.6-3.8)
  kZk39,   // + lastProcessedZxid + seal 3
  kLegacy  // 3.4/3.5: seal 1 only
};

struct SnapshotWriteOptions {
  SnapshotFormat format = SnapshotFormat::kZk36;
  int64_t zxid = 0;  // the digest zxid and lastProcessedZxid
  bool include_sessions = true;
  // Hash non-ASCII path characters as '?' in the digest trailer, as a JVM with a
  // US-ASCII default charset does (the source's servers did, so the target's will).
  bool digest_ascii = false;
};

struct SnapshotWriteStats {
  uint64_t bytes = 0;
  uint64_t nodes = 0;
  int64_t digest = 0;  // AdHash over the nodes written
  uint64_t skipped_orphans = 0;
  uint64_t acl_entries = 0;
  uint64_t sessions = 0;  // added beyond the shared interface
};

// Writes the snapshot to `sink` (which is not committed or closed here). `stats`
// may be null.
Status WriteSnapshot(const DataTree& tree, const SnapshotWriteOptions& opts, ByteSink& sink,
                     SnapshotWriteStats* stats);

}  // namespace zkm
