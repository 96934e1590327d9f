// Selection and replay of a whole data directory (docs/FORMATS.md 8 and 15):
//
//  1. scan dataDir/dataLogDir with ZooKeeper's naming rules;
//  2. take the newest snapshot that validates (precheck, full parse, every seal,
//     its digest), reporting every newer one that was passed over and why;
//  3. take the logs it needs (the newest log named <= its zxid and every later one);
//  4. replay them onto the tree, requiring zxid continuity from the snapshot to
//     the last logged txn and checking every digest on the way.
//
// A dir with logs and NO snapshot is ZooKeeper 3.4 data (a 3.4 follower synced by
// DIFF never snapshots before snapCount; 3.5+ servers refuse such a dir): its
// logs are replayed from zxid 0 onto the tree a 3.4 server starts with
// (DataTree::Fresh34), which needs the oldest log to start an epoch (counter 1)
// (docs/FORMATS.md 17).
//
// The result is the tree ZooKeeper itself would have after loading these files,
// plus a report that says how it was obtained.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/txnlog.h"
#include "node/datadir.h"
#include "tree/data_tree.h"
#include "tree/replay.h"
#include "tree/snapshot.h"

namespace zkm {

// Reports progress of long work: bytes done out of total (total may be 0).
using ProgressFn = std::function<void(const std::string& what, uint64_t done, uint64_t total)>;

struct AnalyzeOptions {
  std::string data_dir;  // as zoo.cfg names it (files are in its version-2/)
  std::string log_dir;   // dataLogDir; empty means data_dir
  bool flat = false;     // the files sit in data_dir/log_dir themselves (no version-2)
  int32_t max_buffer = kDefaultJuteLimit;
  ProgressFn progress;  // may be empty
};

struct RejectedSnapshot {
  DataFile file;
  std::string reason;
};

struct LogUse {
  DataFile file;
  TxnLogSummary summary;  // what reading it found (records, zxids, end, damage)
};

struct DataDirReport {
  Status status;  // ok, or why the directory cannot give a consistent tree
  DataDirScan scan;
  std::vector<RejectedSnapshot> rejected;  // newer snapshots passed over (a fallback)
  std::optional<DataFile> snapshot;        // the one loaded (none: from_empty_tree)
  // No snapshot: the logs were replayed from zxid 0 onto the empty 3.4 tree.
  bool from_empty_tree = false;
  SnapshotSummary snapshot_summary;
  std::vector<LogUse> logs;  // the logs replayed, in order
  ReplayStats replay;
  int64_t last_zxid = -1;  // zxid of the tree after replay
  // The tree after replay.
  uint64_t znodes = 0;  // node records, the root included
  uint64_t data_bytes = 0;
  uint64_t sessions = 0;
  int64_t digest = 0;
  std::map<int64_t, size_t> ephemerals_by_owner;
  // Owners of ephemerals that are not in the session table: a ZooKeeper leader
  // deletes these locally at load, followers keep them (docs/FORMATS.md 8.4, 13.2).
  std::map<int64_t, size_t> orphan_ephemerals;
  std::vector<std::string> warnings;
};

// Fills `tree` and returns the report. On failure report.status says why; the
// tree then holds whatever was loaded so far and must not be used.
DataDirReport AnalyzeDataDir(const AnalyzeOptions& opts, DataTree* tree);

// Reads one snapshot file (choosing the decompressor from its name) into `tree`
// (or only checks it when tree is null).
SnapshotSummary ReadSnapshotFile(const DataFile& file, int32_t max_buffer, DataTree* tree,
                                 const ProgressFn& progress);

// A ByteSource that counts bytes and calls `progress` now and then.
class CountingSource : public ByteSource {
 public:
  CountingSource(ByteSource& inner, std::string what, uint64_t total, const ProgressFn& progress)
      : inner_(inner), what_(std::move(what)), total_(total), progress_(progress) {}
  Result<size_t> Read(char* buf, size_t n) override;
  uint64_t count() const { return count_; }

 private:
  ByteSource& inner_;
  std::string what_;
  uint64_t total_;
  const ProgressFn& progress_;
  uint64_t count_ = 0;
  uint64_t last_report_ = 0;
};

}  // namespace zkm
