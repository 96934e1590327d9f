// state: rollback (docs/DESIGN.md step 9), on a target node, stopped.
//
// Puts a backup made by `place` back exactly as it was, from its backup.json:
//   1. everything now in dataDir/version-2 and dataLogDir/version-2 (the placed
//      files, and whatever ZooKeeper wrote since: epoch files, new logs and
//      snapshots) and dataLogDir/initialize is renamed into
//      `<backup>/displaced-<time>/`;
//   2. every moved entry is renamed back to where it came from;
//   3. the displaced files that are exactly the placed ones (same SHA-256) are
//      deleted; anything ZooKeeper wrote after placement is kept in the
//      displaced folder and reported;
//   4. placed.json and the manifest copy go; backup.json says "restored".
// Steps 1-2 are renames and are reversed if one fails. A backup already
// restored (or none at all) is nothing to do: changed false.
#include "format/sha256.h"
#include "module/module.h"
#include "module/module_node.h"
#include "node/backup_record.h"
#include "node/placement.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

// The backup folder to restore: `dir` itself when it holds backup.json, else
// its newest sub-folder (names are UTC stamps) that does. "" if none.
std::string FindBackup(const std::string& dir) {
  if (PathExists(dir + "/" + kBackupRecordName)) return dir;
  auto names = ListDir(dir);
  if (!names.ok()) return "";
  for (auto it = names->rbegin(); it != names->rend(); ++it)
    if (PathExists(dir + "/" + *it + "/" + kBackupRecordName)) return dir + "/" + *it;
  return "";
}

std::string BaseName(const std::string& p) {
  size_t k = p.find_last_of('/');
  return k == std::string::npos ? p : p.substr(k + 1);
}

}  // namespace

void RunRollback(const ModuleParams& p, ModuleResult* r) {
  auto& a = r->alloc();
  auto node = LoadNode(p.config);
  if (!node.ok()) return r->Fail(node.status().message(), node.status());
  const NodeContext& n = *node;
  std::unique_ptr<NodeLock> lock;
  Status st = LockNode(n, "rollback", p.check_mode, &lock, &r->warnings);
  if (!st.ok()) return r->Fail(st.message(), st);
  std::string unused;
  st = RequireStopped(n, p.timeout, false, "rollback", &unused);
  if (!st.ok()) return r->Fail(st.message(), st);

  std::string root = p.backup_dir.empty() ? n.cfg.data_dir + "/zkmigrate-backup" : p.backup_dir;
  std::string dir = FindBackup(root);
  if (dir.empty()) {
    r->msg = "nothing to roll back: no backup in " + root;
    return;
  }
  auto rec = ReadBackupRecord(dir);
  if (!rec.ok())
    return r->Fail("the backup record in " + dir + " is unreadable: " + rec.status().message(),
                   rec.status());
  r->SetString("backup_dir", dir);
  if (rec->state == "restored") {
    r->msg = "nothing to roll back: the backup in " + dir + " was already restored at " +
             rec->restored_at;
    return;
  }
  if (rec->data_dir != n.cfg.data_dir || rec->data_log_dir != n.cfg.data_log_dir)
    return r->Fail("the backup in " + dir + " was made for dataDir " + rec->data_dir +
                       ", not for this node's " + n.cfg.data_dir,
                   Status::Mismatch(dir));

  // What goes back, what goes aside.
  std::vector<MovedEntry> back;
  for (const MovedEntry& mv : rec->moves) {
    if (PathExists(mv.to)) {
      back.push_back({mv.to, mv.from});
    } else if (rec->state == "placed") {
      return r->Fail("the backup in " + dir + " is incomplete: " + mv.to + " is missing",
                     Status::NotFound(mv.to));
    }
  }
  std::string aside = dir + "/displaced-" + UtcStampCompact();
  for (int k = 2; PathExists(aside); ++k)
    aside = dir + "/displaced-" + UtcStampCompact() + "-" + std::to_string(k);
  std::vector<MovedEntry> out;
  auto add_dir = [&](const std::string& d, const std::string& sub) -> Status {
    if (!PathExists(d)) return Status::Ok();
    auto names = ListDir(d);
    if (!names.ok()) return names.status();
    for (const std::string& x : *names) out.push_back({d + "/" + x, aside + "/" + sub + "/" + x});
    return Status::Ok();
  };
  st = add_dir(n.snap_dir(), "data-version-2");
  if (st.ok() && n.split()) st = add_dir(n.log_dir(), "log-version-2");
  if (!st.ok()) return r->Fail("cannot read the target's data dirs: " + st.message(), st);
  std::string init = n.cfg.data_log_dir + "/initialize";
  if (PathExists(init)) out.push_back({init, aside + "/initialize"});
  for (const std::string& d : {n.snap_dir(), n.log_dir(), dir}) {
    st = CheckWritable(NearestExisting(d));
    if (!st.ok()) return r->Fail("cannot roll back on " + n.config_path + ": " + st.message(), st);
  }

  Value restored(rapidjson::kArrayType), displaced(rapidjson::kArrayType);
  for (const MovedEntry& mv : back) restored.PushBack(Str(mv.to, a), a);
  r->Set("restored", std::move(restored));
  r->has_diff = true;
  r->diff_before.AddMember("snapshot_dir", DirSummary(n.snap_dir(), a), a);
  if (n.split()) r->diff_before.AddMember("log_dir", DirSummary(n.log_dir(), a), a);
  Value after_snap(rapidjson::kArrayType), after_log(rapidjson::kArrayType);
  for (const MovedEntry& mv : back)
    (ParentDir(mv.to) == n.snap_dir() ? after_snap : after_log)
        .PushBack(Str(BaseName(mv.to), a), a);
  r->diff_after.AddMember("snapshot_dir", after_snap, a);
  if (n.split()) r->diff_after.AddMember("log_dir", after_log, a);
  if (p.check_mode) {
    r->changed = true;
    r->msg =
        "would restore " + std::to_string(back.size()) + " entries from " + dir + " (check mode)";
    return;
  }

  // 1-2: renames only, reversed on failure.
  std::vector<MovedEntry> done;
  auto undo = [&](const Status& why) {
    for (auto it = done.rbegin(); it != done.rend(); ++it) MoveEntry(it->to, it->from);
    RemoveTree(aside);
    r->Fail("rolling back from " + dir + " failed and was undone: " + why.ToString(), why);
  };
  for (const MovedEntry& mv : out) {
    st = MakeDirs(ParentDir(mv.to), 0755, FileOwner{});
    if (st.ok()) st = MoveEntry(mv.from, mv.to);
    if (!st.ok()) return undo(st);
    done.push_back(mv);
  }
  for (const MovedEntry& mv : back) {
    st = MakeDirs(ParentDir(mv.to), 0755, FileOwner{});
    if (st.ok()) st = MoveEntry(mv.from, mv.to);
    if (!st.ok()) return undo(st);
    done.push_back(mv);
  }
  // 3: drop displaced copies of exactly the placed files; keep the rest.
  for (const MovedEntry& mv : out) {
    bool placed = false;
    for (const InstalledFile& f : rec->installed) {
      if (f.path != mv.from) continue;
      auto sha = Sha256File(mv.to);
      placed = sha.ok() && *sha == f.sha256;
    }
    if (placed && RemoveFile(mv.to).ok()) continue;
    displaced.PushBack(Str(mv.to, a), a);
    rec->displaced.push_back(mv);
  }
  if (rec->displaced.empty()) RemoveTree(aside);
  // 4: the placement records.
  std::string state_dir = n.cfg.data_dir + "/zkmigrate";
  auto placed = ReadPlacedRecord(state_dir + "/" + kPlacedRecordName);
  if (placed.ok() && placed->bundle_id == rec->bundle_id) {
    RemoveFile(state_dir + "/" + kPlacedRecordName);
    RemoveFile(state_dir + "/manifest.json");
  }
  rec->state = "restored";
  rec->restored_at = UtcNowIso();
  st = WriteFileDurable(dir, kBackupRecordName, BackupRecordToJson(*rec), 0644, FileOwner{});
  if (!st.ok())
    r->warnings.push_back("the backup was restored but its record could not be updated: " +
                          st.ToString());
  r->Set("displaced", std::move(displaced));
  if (!rec->displaced.empty())
    r->warnings.push_back(std::to_string(rec->displaced.size()) +
                          " files written after the placement were moved to " + aside);
  r->changed = true;
  r->msg =
      "restored " + std::to_string(back.size()) + " entries from " + dir + " on " + n.config_path;
}

}  // namespace zkm
