#include "node/analysis.h"

#include "format/jute.h"

namespace zkm {

Result<size_t> CountingSource::Read(char* buf, size_t n) {
  auto r = inner_.Read(buf, n);
  if (r.ok()) {
    count_ += *r;
    if (progress_ && (count_ - last_report_ >= (8u << 20) || *r == 0)) {
      last_report_ = count_;
      progress_(what_, count_, total_);
    }
  }
  return r;
}

SnapshotSummary ReadSnapshotFile(const DataFile& file, int32_t max_buffer, DataTree* tree,
                                 const ProgressFn& progress) {
  SnapshotSummary summary;
  auto f = FileSource::Open(file.path);
  if (!f.ok()) {
    summary.status = f.status();
    return summary;
  }
  CountingSource counted(**f, file.name, file.size, progress);
  std::unique_ptr<ByteSource> plain = Decompress(file.compression, counted);
  SnapshotReadOptions ro;
  ro.max_buffer = max_buffer;
  ro.name_zxid = file.zxid;
  summary = tree ? LoadSnapshot(*plain, ro, tree) : ReadSnapshot(*plain, ro, nullptr);
  if (!summary.status.ok()) summary.status = summary.status.WithContext(file.path);
  return summary;
}

namespace {
// Steps 3 and 4: the logs needed from zxid `z` (the loaded snapshot's, or 0 with
// no snapshot) replayed onto `tree`.
DataDirReport ReplayLogs(const AnalyzeOptions& opts, int64_t z, const SnapshotSummary& ss,
                         DataTree* tree, DataDirReport rep);
}  // namespace

DataDirReport AnalyzeDataDir(const AnalyzeOptions& opts, DataTree* tree) {
  DataDirReport rep;
  std::string log_dir = opts.log_dir.empty() ? opts.data_dir : opts.log_dir;
  auto scan =
      opts.flat ? ScanFlatDirs(opts.data_dir, log_dir) : ScanDataDirs(opts.data_dir, log_dir);
  if (!scan.ok()) {
    rep.status = scan.status();
    return rep;
  }
  rep.scan = std::move(scan.value());
  if (rep.scan.snapshots.empty() && rep.scan.logs.empty()) {
    rep.status = Status::NotFound("no snapshot and no log in " + rep.scan.snap_dir);
    return rep;
  }
  if (rep.scan.snapshots.empty()) {
    // ZooKeeper 3.4 data: replay every log from zxid 0 onto the empty 3.4 tree.
    *tree = DataTree::Fresh34();
    rep.from_empty_tree = true;
    rep.warnings.push_back(
        "no snapshot in " + rep.scan.snap_dir +
        ", only logs (ZooKeeper 3.4 data; 3.5+ servers refuse such a dir): replayed from zxid 0 "
        "onto the empty tree a 3.4 server starts with");
    return ReplayLogs(opts, 0, SnapshotSummary(), tree, std::move(rep));
  }

  // Newest first; ZooKeeper considers at most 100 candidates that pass the precheck.
  int candidates = 0;
  for (auto it = rep.scan.snapshots.rbegin(); it != rep.scan.snapshots.rend(); ++it) {
    const DataFile& f = *it;
    std::string head, tail;
    Status st = ReadFileEnds(f.path, 16, 5, &head, &tail);
    if (!st.ok()) {
      rep.rejected.push_back({f, st.ToString()});
      continue;
    }
    if (!SnapshotPrecheck(f.compression, head, tail)) {
      rep.rejected.push_back({f, std::string("fails ZooKeeper's quick check for a ") +
                                     CompressionName(f.compression) +
                                     " snapshot (truncated or not a snapshot)"});
      continue;
    }
    if (++candidates > 100) break;
    *tree = DataTree();
    SnapshotSummary s = ReadSnapshotFile(f, opts.max_buffer, tree, opts.progress);
    if (!s.status.ok()) {
      rep.rejected.push_back({f, s.status.ToString()});
      continue;
    }
    rep.snapshot = f;
    rep.snapshot_summary = std::move(s);
    break;
  }
  if (!rep.snapshot) {
    rep.status = Status::Corrupt("no valid snapshot in " + rep.scan.snap_dir + " (" +
                                 std::to_string(rep.rejected.size()) + " rejected)");
    return rep;
  }
  for (const RejectedSnapshot& r : rep.rejected) {
    rep.warnings.push_back("newer snapshot " + r.file.name + " is not usable (" + r.reason +
                           "); fell back to " + rep.snapshot->name);
  }

  int64_t z = rep.snapshot->zxid;
  SnapshotSummary ss = rep.snapshot_summary;
  return ReplayLogs(opts, z, ss, tree, std::move(rep));
}

namespace {

DataDirReport ReplayLogs(const AnalyzeOptions& opts, int64_t z, const SnapshotSummary& ss,
                         DataTree* tree, DataDirReport rep) {
  tree->last_processed_zxid = z;
  ReplayOptions ro = ReplayOptions::ForSnapshot(z, ss);
  ro.accepted_epoch = rep.scan.accepted_epoch;
  ro.current_epoch = rep.scan.current_epoch;
  ro.current_epoch_tmp = rep.scan.current_epoch_tmp;
  const DataDirScan& sc = rep.scan;
  ro.single_epoch = !opts.flat && !sc.myid && !sc.current_epoch && !sc.accepted_epoch &&
                    !sc.current_epoch_invalid && !sc.accepted_epoch_invalid &&
                    !sc.current_epoch_tmp && !sc.accepted_epoch_tmp && !sc.updating_epoch;
  Replayer replayer(tree, ro);

  std::vector<DataFile> needed = LogsNeededFor(rep.scan.logs, z);
  TxnRecord rec;
  for (size_t i = 0; i < needed.size(); ++i) {
    const DataFile& lf = needed[i];
    LogUse use{lf, {}};
    auto f = FileSource::Open(lf.path);
    if (!f.ok()) {
      rep.status = f.status();
      return rep;
    }
    CountingSource counted(**f, lf.name, lf.size, opts.progress);
    TxnLogReader reader(counted, opts.max_buffer);
    Status st = reader.ReadFileHeader();
    if (!st.ok()) {
      rep.status = st.WithContext(lf.path);
      use.summary.status = rep.status;
      rep.logs.push_back(std::move(use));
      return rep;
    }
    bool first = true;
    while (reader.Next(&rec)) {
      if (first && rec.header.zxid != lf.zxid) {
        rep.warnings.push_back(lf.name + " starts with zxid " + Hex(rec.header.zxid) +
                               ", not the zxid in its name");
      }
      if (first) use.summary.first_zxid = rec.header.zxid;
      first = false;
      use.summary.records++;
      use.summary.last_zxid = rec.header.zxid;
      if (!rec.anomaly.empty()) rep.warnings.push_back(lf.name + ": " + rec.anomaly);
      Status ap = replayer.Apply(rec);
      if (!ap.ok()) {
        if (rep.from_empty_tree && replayer.stats().applied == 0)
          ap = ap.WithContext(
              "with no snapshot the oldest log must start an epoch (zxid counter 1) for the "
              "tree to be rebuilt from zxid 0; earlier txns are gone (purged?)");
        rep.status = ap.WithContext(lf.path);
        rep.replay = replayer.stats();
        rep.logs.push_back(std::move(use));
        return rep;
      }
    }
    use.summary.end = reader.end();
    use.summary.end_offset = reader.end_offset();
    if (!reader.status().ok()) {
      rep.status = reader.status().WithContext(lf.path);
      use.summary.status = rep.status;
      rep.replay = replayer.stats();
      rep.logs.push_back(std::move(use));
      return rep;
    }
    if (reader.end() == LogEnd::kTornRecord || reader.end() == LogEnd::kBadEor) {
      rep.warnings.push_back(
          lf.name + " ends in a partial record at byte " + std::to_string(reader.end_offset()) +
          (i + 1 == needed.size() ? " (an unfinished last write; ZooKeeper drops it too)"
                                  : " (a log in the middle was cut short)"));
    }
    rep.logs.push_back(std::move(use));
  }
  Status fin = replayer.Finish();
  rep.replay = replayer.stats();
  for (const std::string& w : rep.replay.warnings) rep.warnings.push_back(w);
  rep.last_zxid = std::max(z, rep.replay.last_zxid);
  rep.znodes = tree->size();
  rep.data_bytes = tree->data_bytes();
  rep.sessions = tree->sessions().size();
  rep.digest = rep.replay.digest_charset == "us-ascii" ? tree->digest_ascii() : tree->digest();
  rep.ephemerals_by_owner = tree->EphemeralOwners();
  for (const auto& [owner, n] : rep.ephemerals_by_owner) {
    if (!tree->sessions().count(owner)) rep.orphan_ephemerals[owner] = n;
  }
  if (!rep.orphan_ephemerals.empty()) {
    size_t total = 0;
    for (const auto& [owner, n] : rep.orphan_ephemerals) total += n;
    rep.warnings.push_back(std::to_string(total) + " ephemeral znode(s) belong to " +
                           std::to_string(rep.orphan_ephemerals.size()) +
                           " session(s) missing from the session table: a ZooKeeper leader "
                           "deletes them at load, followers keep them (consolidate drops them)");
  }
  // With no snapshot nothing is fuzzy: a txn that does not apply to the tree
  // rebuilt from zxid 0 means earlier txns are missing (a whole epoch's log gone);
  // that is the reason to give, before the replay's own finding.
  if (rep.status.ok() && rep.from_empty_tree && rep.replay.ignored_errors > 0)
    rep.status = Status::Gap(
        std::to_string(rep.replay.ignored_errors) + " txn(s) of the logs in " + rep.scan.log_dir +
        " do not apply to the tree rebuilt from zxid 0 (no snapshot): earlier txns are missing; "
        "with no snapshot the oldest log must start the data's first epoch (zxid counter 1)" +
        (fin.ok() ? std::string() : " (" + fin.message() + ")"));
  else if (!fin.ok())
    rep.status = fin;
  return rep;
}

}  // namespace

}  // namespace zkm
