// state: rollback (docs/DESIGN.md step 9), on a target node, stopped.
//
// Puts back the data the node had before the first `place` of a migration, from
// the journal in `<backup_dir>/<migration_id>/backup.json` (node/journal.h):
//   0. RecoverNode: an interrupted place is undone, an interrupted rollback
//      finished, before anything else;
//   1. the journal says rolling-back;
//   2. RestoreOriginals: everything now in dataDir/version-2,
//      dataLogDir/version-2, dataLogDir/initialize and the placement records that
//      is not an original goes aside (deleted when it is exactly a placed file;
//      anything ZooKeeper wrote after placement kept in `<backup>/displaced-N/`
//      and reported), then every original is renamed back;
//   3. the journal says restored.
// Each step is idempotent: a rollback killed half way is finished by the next
// place or rollback. A migration already restored (or none at all) is nothing to
// do: changed false.
#include "module/module.h"
#include "module/module_node.h"
#include "node/backup_record.h"
#include "node/journal.h"
#include "node/placement.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

std::string BaseName(const std::string& p) {
  size_t k = p.find_last_of('/');
  return k == std::string::npos ? p : p.substr(k + 1);
}

// The journal folder to restore: `<root>/<id>` when an id is given; else `root`
// itself when it holds backup.json; else the migration placed.json names; else
// the only journal of this node that is done. "" and `why` when none or several.
std::string ChooseJournal(const NodeDirs& nd, const std::string& root, const std::string& id,
                          std::string* why) {
  if (!id.empty()) {
    std::string dir = root + "/" + id;
    if (PathExists(dir + "/" + kBackupRecordName)) return dir;
    *why = "nothing to roll back: no backup of migration " + id + " in " + root;
    return "";
  }
  if (PathExists(root + "/" + kBackupRecordName)) return root;
  auto placed = ReadPlacedRecord(nd.state_dir() + "/" + kPlacedRecordName);
  if (placed.ok() && !placed->backup_dir.empty() &&
      PathExists(placed->backup_dir + "/" + kBackupRecordName))
    return placed->backup_dir;
  std::vector<std::string> done;
  for (const BackupRecord& b : ListJournals(nd, root))
    if (b.phase == "done") done.push_back(b.dir);
  if (done.size() == 1) return done[0];
  if (done.empty()) {
    *why = "nothing to roll back: no placed migration in " + root;
  } else {
    *why = "several migrations in " + root + " could be rolled back (";
    for (size_t i = 0; i < done.size(); ++i) *why += (i ? ", " : "") + BaseName(done[i]);
    *why += "); name one with migration_id";
  }
  return "";
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
  if (!p.migration_id.empty()) {
    st = CheckMigrationId(p.migration_id);
    if (!st.ok()) return r->Fail(st.message(), st);
  }

  NodeDirs nd{n.cfg.data_dir, n.cfg.data_log_dir};
  std::string root = p.backup_dir.empty() ? n.cfg.data_dir + "/zkmigrate-backup" : p.backup_dir;
  std::vector<Recovery> recovered;
  st = RecoverNode(nd, root, p.check_mode, &recovered);
  r->Set("recovered", RecoveredJson(recovered, a));
  if (!st.ok())
    return r->Fail(
        "cannot recover what an interrupted run left on " + n.config_path + ": " + st.ToString(),
        st);
  std::string recovered_msg;
  for (const Recovery& x : recovered) recovered_msg += x.detail + "; ";
  r->changed = !recovered.empty();

  std::string why;
  std::string dir = ChooseJournal(nd, root, p.migration_id, &why);
  if (dir.empty()) {
    r->msg = recovered_msg + why;
    return;
  }
  auto rec = ReadBackupRecord(dir);
  if (!rec.ok())
    return r->Fail("the backup record in " + dir + " is unreadable: " + rec.status().message(),
                   rec.status());
  if (rec->migration_id.empty()) rec->migration_id = BaseName(dir);
  r->SetString("backup_dir", dir);
  r->SetString("migration_id", rec->migration_id);
  if (rec->data_dir != n.cfg.data_dir || rec->data_log_dir != n.cfg.data_log_dir)
    return r->Fail("the backup in " + dir + " was made for dataDir " + rec->data_dir +
                       ", not for this node's " + n.cfg.data_dir,
                   Status::Mismatch(dir));
  if (rec->phase == "restored" || rec->phase == "undone") {
    r->msg = recovered_msg + "nothing to roll back: the original data of migration " +
             rec->migration_id + " is in place (" + dir + " is " + rec->phase +
             (rec->restored_at.empty() ? "" : " since " + rec->restored_at) + ")";
    return;
  }
  // Only `done` is left here (RecoverNode brought the rest to rest, or check mode).
  for (const MovedEntry& mv : rec->moves)
    if (!PathExists(mv.to) && !PathExists(mv.from))
      return r->Fail("the backup in " + dir + " is incomplete: " + mv.to + " is missing",
                     Status::NotFound(mv.to));
  for (const std::string& d : {n.snap_dir(), n.log_dir(), dir}) {
    st = CheckWritable(NearestExisting(d));
    if (!st.ok()) return r->Fail("cannot roll back on " + n.config_path + ": " + st.message(), st);
  }

  r->has_diff = true;
  r->diff_before.AddMember("snapshot_dir", DirSummary(n.snap_dir(), a), a);
  if (n.split()) r->diff_before.AddMember("log_dir", DirSummary(n.log_dir(), a), a);
  Value after_snap(rapidjson::kArrayType), after_log(rapidjson::kArrayType);
  for (const MovedEntry& mv : rec->moves) {
    std::string parent = ParentDir(mv.from);
    if (parent == n.snap_dir())
      after_snap.PushBack(Str(BaseName(mv.from), a), a);
    else if (parent == n.log_dir())
      after_log.PushBack(Str(BaseName(mv.from), a), a);
  }
  r->diff_after.AddMember("snapshot_dir", after_snap, a);
  if (n.split()) r->diff_after.AddMember("log_dir", after_log, a);
  if (p.check_mode) {
    Value restored(rapidjson::kArrayType);
    for (const MovedEntry& mv : rec->moves) restored.PushBack(Str(mv.from, a), a);
    r->Set("restored", std::move(restored));
    r->changed = true;
    r->msg = recovered_msg + "would restore " + std::to_string(rec->moves.size()) +
             " entries from " + dir + " (check mode)";
    return;
  }

  RestoreOutcome o;
  st = WriteJournal(&*rec, "rolling-back");
  if (st.ok()) st = RestoreOriginals(nd, &*rec, &o);
  if (st.ok()) {
    rec->restored_at = UtcNowIso();
    st = WriteJournal(&*rec, "restored");
  }
  Value restored(rapidjson::kArrayType), displaced(rapidjson::kArrayType);
  for (const std::string& x : o.restored) restored.PushBack(Str(x, a), a);
  for (const MovedEntry& mv : o.displaced) displaced.PushBack(Str(mv.to, a), a);
  r->Set("restored", std::move(restored));
  r->Set("displaced", std::move(displaced));
  r->changed = true;
  if (!st.ok())
    return r->Fail(recovered_msg + "rolling back from " + dir + " stopped: " + st.ToString() +
                       "; the journal says rolling-back and the next rollback finishes it",
                   st);
  if (!o.displaced.empty())
    r->warnings.push_back(std::to_string(o.displaced.size()) +
                          " entries written after the placement were kept in " +
                          ParentDir(ParentDir(o.displaced[0].to)));
  r->msg = recovered_msg + "restored " + std::to_string(o.restored.size()) + " entries from " +
           dir + " on " + n.config_path + " (migration " + rec->migration_id + ")";
}

}  // namespace zkm
