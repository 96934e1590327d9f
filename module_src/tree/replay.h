// Replays transaction-log records onto a DataTree with ZooKeeper's own
// semantics (docs/FORMATS.md section 7), checking zxid continuity (5.8, 8.3) and
// every digest on the way (section 6):
//
//  * the snapshot's digest is compared when replay reaches its zxid (or at once
//    if it equals the snapshot's name zxid); until then the tree is fuzzy and
//    per-txn digests are not compared, exactly as ZooKeeper does;
//  * after that, every TxnDigest is compared with the tree digest.
//
// Digests of non-ASCII paths depend on the JVM's default charset; the replayer
// accepts either the UTF-8 or the ASCII ('?') form and reports which one matched.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/txnlog.h"
#include "tree/data_tree.h"
#include "tree/snapshot.h"

namespace zkm {

struct ReplayOptions {
  int64_t snapshot_zxid = 0;  // Z: records with zxid <= Z are skipped
  // The snapshot's digest trailer, if it had one.
  bool has_snapshot_digest = false;
  int64_t snapshot_digest_zxid = 0;
  int32_t snapshot_digest_version = 0;
  int64_t snapshot_digest = 0;
  // Highest zxid found in any node of the snapshot (fuzziness bound when the
  // snapshot carries no digest).
  int64_t snapshot_max_zxid = 0;
  // "us-ascii" when the snapshot's own digest matched only in that form.
  std::string digest_charset = "utf-8";
  // The node's epoch files, if present (docs/DAMAGE.md): Finish() refuses a last zxid
  // whose epoch is above acceptedEpoch, or above currentEpoch unless currentEpoch.tmp
  // exists (ZooKeeper refuses to start on the latter: "The current epoch ... is older
  // than the last zxid").
  std::optional<int64_t> accepted_epoch, current_epoch;
  bool current_epoch_tmp = false;
  // The data of a standalone server (no myid, no epoch files): its epoch never changes.
  // One epoch further is a warning (a quorum node's files copied without myid and epoch
  // files, which ZooKeeper loads); a jump of more is refused (a log from another cluster).
  bool single_epoch = false;

  // The options that replay logs onto the snapshot `ss` read from a file named `zxid`
  // (its digest trailer and fuzziness bound); the epoch members are left to the caller.
  static ReplayOptions ForSnapshot(int64_t zxid, const SnapshotSummary& ss);
};

struct ReplayStats {
  uint64_t applied = 0;         // records with zxid > Z
  uint64_t skipped = 0;         // records at or before Z
  uint64_t ignored_errors = 0;  // NONODE/NODEEXISTS during replay (fuzzy artefacts)
  uint64_t digests_compared = 0;
  uint64_t digest_mismatches = 0;
  int64_t first_mismatch_zxid = -1;
  uint64_t fuzzy_mismatches = 0;  // mismatches while a digest-less snapshot was still fuzzy
  bool snapshot_digest_checked = false;
  bool snapshot_digest_ok = false;
  int64_t first_zxid = -1;               // first applied zxid
  int64_t last_zxid = -1;                // last applied zxid (or Z if none)
  std::string digest_charset = "utf-8";  // which path encoding matched the digests
  // Creates of a node that already exists, at a zxid past the snapshot's fuzzy window
  // (above its name zxid and its highest node zxid): impossible for the logs of this
  // tree, whatever the fuzziness, since a failed create is logged as an error txn.
  // A txn that finds no node (a create's parent, setData's or setACL's node) is a fuzzy
  // artefact only if a later txn deletes that path (it was deleted while the snapshot was
  // written); otherwise the logs do not belong to the tree. Counted at Finish().
  uint64_t unexplained_missing = 0;
  uint64_t impossible_creates = 0;
  int64_t first_impossible_zxid = -1;
  std::string first_impossible_path;
  std::vector<std::string> warnings;
};

class Replayer {
 public:
  Replayer(DataTree* tree, const ReplayOptions& opts);

  // Applies one record. Fails on a zxid gap (Code::kGap) or a decreasing zxid;
  // digest mismatches are counted in stats(), not failures (Finish decides).
  Status Apply(const TxnRecord& rec);
  // Ends the replay: fails if the snapshot digest zxid was never reached (the
  // logs are too short for a consistent tree) or if any digest mismatched.
  Status Finish();

  const ReplayStats& stats() const { return stats_; }

 private:
  void ApplyOp(const TxnHeader& h, const TxnOp& op, bool sub);
  void Create(const TxnHeader& h, const TxnOp& op, int32_t type);
  void Delete(const std::string& path, int64_t zxid);
  void CloseSession(const TxnHeader& h, const TxnOp& op);
  void CompareDigest(int64_t zxid, int64_t expected, bool snapshot);

  DataTree* tree_;
  ReplayOptions opts_;
  ReplayStats stats_;
  int64_t prev_zxid_;
  bool warned_single_epoch_ = false;
  bool snapshot_digest_pending_ = false;
  void Missing(std::string_view path, int64_t zxid);
  std::map<std::string, int64_t, std::less<>> missing_;  // path -> first zxid that missed it
  int charset_ = -1;                                     // -1 undecided, 0 utf-8, 1 ascii
};

// Deletes every ephemeral whose owner is not in the session table, as a
// ZooKeeper leader does locally after loading (docs/FORMATS.md 8.4), with parent
// pzxid updated to `zxid`. Returns the removed paths.
std::vector<std::string> DropOrphanEphemerals(DataTree* tree, int64_t zxid);
// Removes every session and its ephemerals (killSession semantics).
std::vector<std::string> DropAllSessions(DataTree* tree, int64_t zxid);

}  // namespace zkm
