#include "tree/replay.h"

#include <algorithm>

#include "format/jute.h"
#include "tree/digest.h"

namespace zkm {

ReplayOptions ReplayOptions::ForSnapshot(int64_t zxid, const SnapshotSummary& ss) {
  ReplayOptions ro;
  ro.snapshot_zxid = zxid;
  ro.has_snapshot_digest = ss.has_digest;
  ro.snapshot_digest_zxid = ss.digest_zxid;
  ro.snapshot_digest_version = ss.digest_version;
  ro.snapshot_digest = ss.digest;
  ro.snapshot_max_zxid = ss.max_zxid;
  ro.digest_charset = ss.digest_charset;
  return ro;
}

Replayer::Replayer(DataTree* tree, const ReplayOptions& opts)
    : tree_(tree), opts_(opts), prev_zxid_(opts.snapshot_zxid) {
  stats_.last_zxid = opts.snapshot_zxid;
  if (opts.digest_charset == "us-ascii") {
    charset_ = 1;
    stats_.digest_charset = opts.digest_charset;
  }
  // ZooKeeper keeps a snapshot digest pending only if its zxid is set and not
  // older than the snapshot's name zxid (DataTree.deserializeZxidDigest).
  if (opts.has_snapshot_digest && opts.snapshot_digest_zxid > 0 &&
      opts.snapshot_digest_zxid >= opts.snapshot_zxid) {
    snapshot_digest_pending_ = true;
    if (opts.snapshot_digest_zxid == opts.snapshot_zxid) {
      CompareDigest(opts.snapshot_zxid, opts.snapshot_digest, true);
      snapshot_digest_pending_ = false;
    }
  }
}

void Replayer::CompareDigest(int64_t zxid, int64_t expected, bool snapshot) {
  stats_.digests_compared++;
  bool utf8 = tree_->digest() == expected;
  bool ascii = tree_->digest_ascii() == expected;
  // Once one encoding has matched, keep to it; before that, either may.
  bool match = charset_ == 0 ? utf8 : charset_ == 1 ? ascii : (utf8 || ascii);
  if (match && charset_ < 0 && tree_->has_non_ascii_paths() && utf8 != ascii) {
    charset_ = utf8 ? 0 : 1;
    stats_.digest_charset = utf8 ? "utf-8" : "us-ascii";
  }
  bool fuzzy = zxid < opts_.snapshot_max_zxid;
  if (snapshot && (match || !fuzzy)) {
    stats_.snapshot_digest_checked = true;
    stats_.snapshot_digest_ok = match;
  }
  if (match) return;
  // A snapshot may hold changes up to its highest zxid beyond what its digest
  // (or the txn being compared) covers; until replay passes that zxid a mismatch
  // is a fuzzy artefact that ZooKeeper only logs, not evidence about replay.
  if (fuzzy) {
    stats_.fuzzy_mismatches++;
    if (snapshot) {
      stats_.warnings.push_back("the snapshot's digest at " + Hex(zxid) +
                                " was taken while newer changes (up to " +
                                Hex(opts_.snapshot_max_zxid) +
                                ") were being applied; the logs' digests are checked instead");
    }
    return;
  }
  stats_.digest_mismatches++;
  if (stats_.first_mismatch_zxid < 0) stats_.first_mismatch_zxid = zxid;
}

Status Replayer::Apply(const TxnRecord& rec) {
  const TxnHeader& h = rec.header;
  int64_t zxid = h.zxid;
  if (zxid <= opts_.snapshot_zxid) {
    stats_.skipped++;
    return Status::Ok();
  }
  if (zxid <= prev_zxid_) {
    if (zxid == prev_zxid_ && h.type == kTxnError) {
      // A marshalling-error txn may reuse the current zxid (docs/FORMATS.md 5.8).
      stats_.warnings.push_back("txn " + Hex(zxid) + " repeats the previous zxid; skipped");
      return Status::Ok();
    }
    return Status::Gap("zxid " + Hex(zxid) + " follows " + Hex(prev_zxid_) +
                       ": the logs go backwards");
  }
  bool same_epoch = EpochOf(zxid) == EpochOf(prev_zxid_);
  bool continuous = same_epoch ? zxid == prev_zxid_ + 1 : CounterOf(zxid) == 1;
  if (!continuous) {
    return Status::Gap("the logs jump from zxid " + Hex(prev_zxid_) + " to " + Hex(zxid) + ": " +
                       (prev_zxid_ == opts_.snapshot_zxid && stats_.applied == 0
                            ? "the transactions right after the snapshot are missing"
                            : "transactions in between are missing") +
                       " (a log file is missing or cut short)");
  }
  if (!same_epoch && opts_.single_epoch && EpochOf(zxid) - EpochOf(prev_zxid_) > 1) {
    return Status::Mismatch(
        "the logs go from epoch " + std::to_string(EpochOf(prev_zxid_)) + " (zxid " +
        Hex(prev_zxid_) + ") to epoch " + std::to_string(EpochOf(zxid)) + " (zxid " + Hex(zxid) +
        ") in the data of a standalone server (no myid, no epoch files), whose epoch never "
        "changes: a log here comes from another cluster");
  }
  if (!same_epoch && opts_.single_epoch && !warned_single_epoch_) {
    // One epoch further: a quorum node's files copied without myid and epoch files
    // look the same (snapshot.0 in epoch 0, the first leader's epoch 1) and
    // ZooKeeper loads them: a warning.
    warned_single_epoch_ = true;
    stats_.warnings.push_back(
        "the logs go from epoch " + std::to_string(EpochOf(prev_zxid_)) + " (zxid " +
        Hex(prev_zxid_) + ") to epoch " + std::to_string(EpochOf(zxid)) + " (zxid " + Hex(zxid) +
        ") in a data dir with no myid and no epoch files: a standalone server never changes"
        " epoch, so these are a quorum node's files copied without them, or a log from another"
        " cluster");
  }
  if (!same_epoch && EpochOf(zxid) - EpochOf(prev_zxid_) > 1) {
    // Legitimate when a leader was elected and lost its quorum before committing
    // anything (no txn marks an epoch's start); also what a foreign log looks like.
    stats_.warnings.push_back(
        "the logs go from epoch " + std::to_string(EpochOf(prev_zxid_)) + " (zxid " +
        Hex(prev_zxid_) + ") to epoch " + std::to_string(EpochOf(zxid)) + " (zxid " + Hex(zxid) +
        "): no transactions in the epochs between (an election without writes, or a log "
        "from another cluster)");
  }
  prev_zxid_ = zxid;
  if (stats_.first_zxid < 0) stats_.first_zxid = zxid;
  stats_.last_zxid = zxid;
  stats_.applied++;

  ApplyOp(h, rec.op, false);
  if (zxid > tree_->last_processed_zxid) tree_->last_processed_zxid = zxid;

  if (snapshot_digest_pending_) {
    if (zxid == opts_.snapshot_digest_zxid) {
      CompareDigest(zxid, opts_.snapshot_digest, true);
      snapshot_digest_pending_ = false;
    } else if (zxid > opts_.snapshot_digest_zxid) {
      stats_.warnings.push_back("the snapshot's digest zxid " + Hex(opts_.snapshot_digest_zxid) +
                                " is not in the logs; its digest was not compared");
      snapshot_digest_pending_ = false;
    }
  }
  // As ZooKeeper does, per-txn digests count from the txn that ends the fuzzy state.
  if (!snapshot_digest_pending_ && rec.has_digest && rec.digest_version == kDigestVersion) {
    CompareDigest(zxid, rec.digest, false);
  }
  return Status::Ok();
}

void Replayer::ApplyOp(const TxnHeader& h, const TxnOp& op, bool sub) {
  switch (op.type) {
    case kTxnCreate:
    case kTxnCreate2:
    case kTxnCreateContainer:
    case kTxnCreateTtl:
      Create(h, op, op.type);
      break;
    case kTxnDelete:
    case kTxnDeleteContainer:
      Delete(op.path, h.zxid);
      break;
    case kTxnSetData:
    case kTxnReconfig: {
      if (tree_->Find(op.path)) {
        tree_->SetData(op.path, op.data, op.data_null, h.zxid, h.time, op.version);
      } else {
        stats_.ignored_errors++;
        if (op.type == kTxnSetData) Missing(op.path, h.zxid);
      }
      break;
    }
    case kTxnSetAcl: {
      const Node* n = tree_->Find(op.path);
      if (!n) {
        stats_.ignored_errors++;
        Missing(op.path, h.zxid);
        break;
      }
      Stat s = n->stat;
      s.aversion = op.version;
      tree_->SetStat(op.path, s);
      tree_->SetAclRef(op.path, tree_->InternAcl(op.acl));
      break;
    }
    case kTxnCreateSession:
      if (!sub) tree_->sessions()[h.client_id] = op.timeout;
      break;
    case kTxnCloseSession:
      if (!sub) CloseSession(h, op);
      break;
    case kTxnMulti: {
      // All or nothing: one error sub-txn means none of them applies (5.6).
      for (const TxnOp& s : op.ops)
        if (s.type == kTxnError) return;
      for (const TxnOp& s : op.ops) ApplyOp(h, s, true);
      break;
    }
    default:  // error, check: no change
      break;
  }
}

void Replayer::Create(const TxnHeader& h, const TxnOp& op, int32_t type) {
  std::string_view parent_path = ParentPath(op.path);
  const Node* parent = tree_->Find(parent_path);
  if (!parent) {
    stats_.ignored_errors++;
    Missing(parent_path, h.zxid);
    return;
  }
  // ZooKeeper interns the ACL before it checks for the node (ACL keys match).
  int64_t acl_ref = tree_->InternAcl(op.acl);
  Stat ps = parent->stat;
  if (tree_->Find(op.path)) {
    stats_.ignored_errors++;
    if (h.zxid > std::max(opts_.snapshot_zxid, opts_.snapshot_max_zxid)) {
      if (stats_.impossible_creates++ == 0) {
        stats_.first_impossible_zxid = h.zxid;
        stats_.first_impossible_path = op.path;
      }
    }
    // NODEEXISTS on a plain create still moves the parent's cversion/pzxid
    // (DataTree.processTxn -> setCversionPzxid).
    if (type == kTxnCreate) {
      int32_t cv = op.parent_cversion == -1 ? ps.cversion + 1 : op.parent_cversion;
      if (cv > ps.cversion) {
        ps.cversion = cv;
        ps.pzxid = h.zxid;
        tree_->SetStat(parent_path, ps);
      }
    }
    return;
  }
  int32_t cv = op.parent_cversion == -1 ? ps.cversion + 1 : op.parent_cversion;
  if (cv > ps.cversion) {
    ps.cversion = cv;
    ps.pzxid = h.zxid;
    tree_->SetStat(parent_path, ps);
  }
  Stat s;
  s.czxid = s.mzxid = s.pzxid = h.zxid;
  s.ctime = s.mtime = h.time;
  if (type == kTxnCreateContainer) {
    s.ephemeral_owner = kContainerOwner;
  } else if (type == kTxnCreateTtl) {
    s.ephemeral_owner = TtlOwner(op.ttl);
  } else {
    s.ephemeral_owner = op.ephemeral ? h.client_id : 0;
  }
  tree_->Put(op.path, op.data, op.data_null, acl_ref, s);
}

void Replayer::Missing(std::string_view path, int64_t zxid) {
  if (missing_.find(path) == missing_.end()) missing_.emplace(std::string(path), zxid);
}

void Replayer::Delete(const std::string& path, int64_t zxid) {
  if (!missing_.empty()) {
    auto it = missing_.find(path);
    if (it != missing_.end()) missing_.erase(it);  // deleted later: a fuzzy artefact
  }
  std::string_view parent_path = ParentPath(path);
  const Node* parent = tree_->Find(parent_path);
  if (!parent) {
    stats_.ignored_errors++;
    return;
  }
  // The parent's pzxid moves even if the child is already gone (fuzzy snapshot);
  // its cversion never does on delete.
  if (zxid > parent->stat.pzxid) {
    Stat ps = parent->stat;
    ps.pzxid = zxid;
    tree_->SetStat(parent_path, ps);
  }
  if (!tree_->Remove(path)) stats_.ignored_errors++;
}

void Replayer::CloseSession(const TxnHeader& h, const TxnOp& op) {
  tree_->sessions().erase(h.client_id);
  // Paths named in the txn first, then whatever the session still owns here.
  for (const std::string& p : op.paths_to_delete) Delete(p, h.zxid);
  for (const std::string& p : tree_->EphemeralsOf(h.client_id)) Delete(p, h.zxid);
}

Status Replayer::Finish() {
  int64_t last = std::max(stats_.last_zxid, opts_.snapshot_zxid);
  int64_t epoch = EpochOf(last);
  if (opts_.accepted_epoch && epoch > *opts_.accepted_epoch) {
    return Status::Mismatch("the last zxid " + Hex(last) + " is in epoch " + std::to_string(epoch) +
                            ", above this node's acceptedEpoch " +
                            std::to_string(*opts_.accepted_epoch) +
                            ": a node logs only in epochs it accepted, so a log or snapshot "
                            "here comes from another cluster (or the epoch files do)");
  }
  if (opts_.current_epoch && epoch > *opts_.current_epoch && !opts_.current_epoch_tmp) {
    return Status::Mismatch("the last zxid " + Hex(last) + " is in epoch " + std::to_string(epoch) +
                            ", above this node's currentEpoch " +
                            std::to_string(*opts_.current_epoch) +
                            ": ZooKeeper refuses to start (\"The current epoch is older than "
                            "the last zxid\"); a log here may come from another cluster");
  }
  stats_.unexplained_missing = missing_.size();
  if (!missing_.empty()) {
    auto first = missing_.begin();
    for (auto it = missing_.begin(); it != missing_.end(); ++it)
      if (it->second < first->second) first = it;
    return Status::Mismatch("txn " + Hex(first->second) + " finds no node " +
                            (first->first.empty() ? std::string("/") : first->first) +
                            " and no later txn deletes it (" + std::to_string(missing_.size()) +
                            " such paths): these logs do not belong to this tree (a log from "
                            "another cluster?)");
  }
  if (stats_.impossible_creates > 0) {
    return Status::Mismatch(
        "txn " + Hex(stats_.first_impossible_zxid) + " creates " + stats_.first_impossible_path +
        ", which already exists past the snapshot's fuzzy window (" +
        std::to_string(stats_.impossible_creates) +
        " such creates): these logs do not belong to this tree (a log from another cluster?)");
  }
  if (snapshot_digest_pending_) {
    return Status::Gap("the logs end at " + Hex(stats_.last_zxid) +
                       " before the snapshot's digest zxid " + Hex(opts_.snapshot_digest_zxid) +
                       ": the snapshot is fuzzy and the logs that make it consistent are missing");
  }
  if (stats_.snapshot_digest_checked && !stats_.snapshot_digest_ok) {
    return Status::Mismatch("the snapshot's tree digest does not match its contents at zxid " +
                            Hex(opts_.snapshot_digest_zxid));
  }
  if (stats_.digest_mismatches > 0) {
    return Status::Mismatch("the replayed tree's digest differs from the log's TxnDigest at zxid " +
                            Hex(stats_.first_mismatch_zxid) + " (" +
                            std::to_string(stats_.digest_mismatches) + " mismatches)");
  }
  return Status::Ok();
}

namespace {
std::vector<std::string> KillSessions(DataTree* tree, const std::vector<int64_t>& owners,
                                      int64_t zxid) {
  std::vector<std::string> removed;
  for (int64_t owner : owners) {
    for (const std::string& p : tree->EphemeralsOf(owner)) {
      std::string_view parent_path = ParentPath(p);
      if (const Node* parent = tree->Find(parent_path); parent && zxid > parent->stat.pzxid) {
        Stat ps = parent->stat;
        ps.pzxid = zxid;
        tree->SetStat(parent_path, ps);
      }
      if (tree->Remove(p)) removed.push_back(p);
    }
  }
  return removed;
}
}  // namespace

std::vector<std::string> DropOrphanEphemerals(DataTree* tree, int64_t zxid) {
  std::vector<int64_t> dead;
  for (const auto& [owner, count] : tree->EphemeralOwners()) {
    (void)count;
    if (!tree->sessions().count(owner)) dead.push_back(owner);
  }
  return KillSessions(tree, dead, zxid);
}

std::vector<std::string> DropAllSessions(DataTree* tree, int64_t zxid) {
  std::vector<int64_t> all;
  for (const auto& [owner, count] : tree->EphemeralOwners()) {
    (void)count;
    all.push_back(owner);
  }
  tree->sessions().clear();
  return KillSessions(tree, all, zxid);
}

}  // namespace zkm
