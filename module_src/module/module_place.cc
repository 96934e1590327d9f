// state: place (docs/DESIGN.md step 6), on a target node, stopped.
//
// Order of work, each step undone if a later one fails:
//   1. checks that change nothing: node stopped, bundle verifies against its
//      manifest, dirs writable and not read-only, free space, backup on the
//      dataDir's filesystem (moves are renames);
//   2. backup.json (state in-progress, the planned moves) in the backup folder;
//   3. every entry of dataDir/version-2 and dataLogDir/version-2 (snapshots,
//      logs, epoch files and their .tmp, anything else) and a stale
//      dataLogDir/initialize renamed into the backup folder;
//   4. the bundle's files installed by the temp+fsync+hash+rename recipe with
//      the service user's owner and mode 0644; a consolidated snapshot gets the
//      target's membership in /zookeeper/config (membership.h). No epoch file
//      is created: ZooKeeper derives them from the data (docs/FORMATS.md 9);
//   5. <dataDir>/zkmigrate/manifest.json, placed.json; backup.json -> placed.
// `myid` and everything else outside version-2 is left alone.
#include <sys/stat.h>

#include <algorithm>

#include "format/jute.h"
#include "format/sha256.h"
#include "module/module.h"
#include "module/module_node.h"
#include "node/analysis.h"
#include "node/backup_record.h"
#include "node/journal.h"
#include "node/manifest.h"
#include "node/membership.h"
#include "node/placement.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

struct Ctx {
  NodeContext node;
  Manifest m;
  std::string src, bundle_id, state_dir;
  FileOwner owner;
  int32_t max_buffer = kDefaultJuteLimit;
};

// The same bundle is installed and every installed file is intact.
bool AlreadyPlaced(const Ctx& c, PlacedRecord* rec) {
  auto p = ReadPlacedRecord(c.state_dir + "/" + kPlacedRecordName);
  if (!p.ok() || p->bundle_id != c.bundle_id || p->installed.empty()) return false;
  for (const InstalledFile& f : p->installed) {
    auto sha = Sha256File(f.path);
    if (!sha.ok() || *sha != f.sha256) return false;
  }
  *rec = *p;
  return true;
}

// Files and (with `analyze`) zxid/count of what a data dir holds now.
Value DataState(const Ctx& c, bool analyze, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("snapshot_dir", DirSummary(c.node.snap_dir(), a), a);
  if (c.node.split()) o.AddMember("log_dir", DirSummary(c.node.log_dir(), a), a);
  if (analyze && IsDirectory(c.node.snap_dir())) {
    AnalyzeOptions ao;
    ao.data_dir = c.node.cfg.data_dir;
    ao.log_dir = c.node.cfg.data_log_dir;
    ao.max_buffer = c.max_buffer;
    DataTree tree;
    DataDirReport rep = AnalyzeDataDir(ao, &tree);
    if (rep.status.ok()) {
      o.AddMember("last_zxid_hex", Str(Hex(rep.last_zxid), a), a);
      o.AddMember("znodes", rep.znodes, a);
    } else {
      o.AddMember("unreadable", Str(rep.status.ToString(), a), a);
    }
  }
  return o;
}

Value BundleState(const Ctx& c, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kObjectType), snaps(rapidjson::kArrayType), logs(rapidjson::kArrayType);
  for (const ManifestFile& f : c.m.files)
    (f.role == "snapshot" || !c.node.split() ? snaps : logs).PushBack(Str(f.name, a), a);
  o.AddMember("snapshot_dir", snaps, a);
  if (c.node.split()) o.AddMember("log_dir", logs, a);
  o.AddMember("last_zxid_hex", Str(Hex(c.m.last_zxid), a), a);
  o.AddMember("znodes", c.m.znodes, a);
  return o;
}

// Everything to move out of the way, into `bak` (and `log_bak` for the log dir):
// the version-2 entries, a stale dataLogDir/initialize, and the placement
// records of an earlier migration (so a rollback brings those back too).
Result<std::vector<MovedEntry>> PlanMoves(const Ctx& c, const std::string& bak,
                                          const std::string& log_bak) {
  std::vector<MovedEntry> moves;
  auto add_dir = [&](const std::string& dir, const std::string& to) -> Status {
    if (!PathExists(dir)) return Status::Ok();
    auto names = ListDir(dir);
    if (!names.ok()) return names.status();
    for (const std::string& n : *names) moves.push_back({dir + "/" + n, to + "/" + n});
    return Status::Ok();
  };
  ZKM_RETURN_IF_ERROR(add_dir(c.node.snap_dir(), bak + "/data-version-2"));
  if (c.node.split()) ZKM_RETURN_IF_ERROR(add_dir(c.node.log_dir(), log_bak + "/log-version-2"));
  std::string init = c.node.cfg.data_log_dir + "/initialize";
  if (PathExists(init)) moves.push_back({init, log_bak + "/initialize"});
  for (const char* rec : {kPlacedRecordName, kManifestName}) {
    std::string at = c.state_dir + "/" + rec;
    if (PathExists(at)) moves.push_back({at, bak + "/state/" + rec});
  }
  return moves;
}

Status Preconditions(const Ctx& c, const std::string& root) {
  const ZooCfg& cfg = c.node.cfg;
  if (!IsDirectory(cfg.data_dir))
    return Status::NotFound("dataDir " + cfg.data_dir + " does not exist");
  for (const std::string& d : {c.node.snap_dir(), c.node.log_dir(), root}) {
    if (PathExists(d) && !IsDirectory(d)) return Status::Io(d + " exists and is not a directory");
    ZKM_RETURN_IF_ERROR(CheckWritable(NearestExisting(d)));
  }
  if (!SameFilesystem(NearestExisting(root), cfg.data_dir))
    return Status::Invalid("backup_dir " + root + " is not on the filesystem of dataDir " +
                           cfg.data_dir + "; the backup must be a rename, not a copy");
  uint64_t snap = 0, logs = 0;
  for (const ManifestFile& f : c.m.files) (f.role == "snapshot" ? snap : logs) += f.size;
  std::string sd = NearestExisting(c.node.snap_dir()), ld = NearestExisting(c.node.log_dir());
  if (SameFilesystem(sd, ld)) return CheckFreeSpace(sd, snap + logs);
  ZKM_RETURN_IF_ERROR(CheckFreeSpace(sd, snap));
  return CheckFreeSpace(ld, logs);
}

// Steps 2-5, each phase written to the journal; on failure the originals are
// put back from the journal (RestoreOriginals) and the Status returned.
Status Execute(const Ctx& c, const NodeDirs& nd, BackupRecord* rec, PlacedRecord* placed) {
  ZKM_RETURN_IF_ERROR(MakeDirs(rec->dir, 0755, FileOwner{}));
  for (const std::string& d : {c.node.snap_dir(), c.node.log_dir(), c.state_dir})
    if (!PathExists(d) &&
        std::find(rec->created_dirs.begin(), rec->created_dirs.end(), d) == rec->created_dirs.end())
      rec->created_dirs.push_back(d);
  for (const ManifestFile& f : c.m.files) {
    std::string dir = f.role == "snapshot" ? c.node.snap_dir() : c.node.log_dir();
    rec->installed.push_back({dir + "/" + f.name, f.name, f.role, f.size, f.sha256, f.sha256});
  }
  Status st = WriteJournal(rec, "begun");
  if (!st.ok()) return st;
  auto undo = [&](Status why) {
    RestoreOutcome o;
    Status u = RestoreOriginals(nd, rec, &o);
    if (u.ok()) u = WriteJournal(rec, "undone");
    if (u.ok()) return why;
    return why.WithContext("undo incomplete (" + u.ToString() + "); the original data is in " +
                           rec->dir + " and the next place or rollback puts it back");
  };
  for (const MovedEntry& mv : rec->moves) {
    st = MakeDirs(ParentDir(mv.to), 0755, FileOwner{});
    if (st.ok()) st = MoveEntry(mv.from, mv.to);
    if (!st.ok()) return undo(st);
  }
  st = WriteJournal(rec, "backed-up");
  if (st.ok()) st = MakeDirs(c.node.snap_dir(), 0755, c.owner);
  if (st.ok()) st = MakeDirs(c.node.log_dir(), 0755, c.owner);
  if (!st.ok()) return undo(st);
  std::string text = MembershipText(c.node.cfg);
  for (size_t i = 0; i < c.m.files.size(); ++i) {
    const ManifestFile& f = c.m.files[i];
    InstalledFile& inst = rec->installed[i];
    bool snap = f.role == "snapshot";
    std::string dir = snap ? c.node.snap_dir() : c.node.log_dir();
    bool copied = false;
    if (snap && c.m.mode == "consolidated") {
      auto rw = WriteWithMembership(c.src + "/" + f.name, c.m.snapshot_zxid, c.m.snapshot_format,
                                    text, dir, f.name, c.m.znodes, c.max_buffer);
      if (!rw.ok()) return undo(rw.status());
      if (rw->rewritten) {
        inst.sha256 = rw->sha256;
        inst.size = rw->size;
        placed->membership_rewritten = true;
        copied = true;
        st = SetOwnerMode(inst.path, 0644, c.owner);
        if (!st.ok()) return undo(st);
      }
      placed->membership = text;
    }
    if (!copied) {
      st = CopyFileDurable(c.src + "/" + f.name, dir, f.name, f.sha256, 0644, c.owner, false,
                           nullptr);
      if (!st.ok()) return undo(st);
    }
  }
  st = WriteJournal(rec, "copied");
  placed->installed = rec->installed;
  if (st.ok()) st = MakeDirs(c.state_dir, 0755, c.owner);
  if (st.ok())
    st = CopyFileDurable(c.src + "/" + kManifestName, c.state_dir, kManifestName, c.bundle_id, 0644,
                         c.owner, true, nullptr);
  if (st.ok())
    st = WriteFileDurable(c.state_dir, kPlacedRecordName, PlacedRecordToJson(*placed), 0644,
                          c.owner);
  if (st.ok()) st = WriteJournal(rec, "installed");
  if (!st.ok()) return undo(st);
  return WriteJournal(rec, "done");
}

}  // namespace

void RunPlace(const ModuleParams& p, ModuleResult* r) {
  auto& a = r->alloc();
  auto node = LoadNode(p.config);
  if (!node.ok()) return r->Fail(node.status().message(), node.status());
  Ctx c;
  c.node = std::move(*node);
  if (p.max_buffer > 0)
    c.max_buffer = static_cast<int32_t>(std::min<int64_t>(p.max_buffer, 1 << 30));
  std::unique_ptr<NodeLock> lock;
  Status st = LockNode(c.node, "place", p.check_mode, &lock, &r->warnings);
  if (!st.ok()) return r->Fail(st.message(), st);
  std::string unused;
  st = RequireStopped(c.node, p.timeout, false, "place", &unused);
  if (!st.ok()) return r->Fail(st.message(), st);

  c.src = p.src;
  if (!IsDirectory(c.src))
    return r->Fail("src " + c.src + " is not a bundle directory", Status::NotFound(c.src));
  auto m = ReadManifest(c.src);
  if (!m.ok())
    return r->Fail("src " + c.src + " holds no readable manifest.json: " + m.status().message(),
                   m.status());
  c.m = std::move(*m);
  st = VerifyBundle(c.src, c.m);
  if (!st.ok())
    return r->Fail("the bundle in " + c.src + " does not match its manifest: " + st.message(), st);
  auto id = Sha256File(c.src + "/" + kManifestName);
  if (!id.ok()) return r->Fail(id.status().message(), id.status());
  c.bundle_id = *id;
  c.state_dir = c.node.cfg.data_dir + "/zkmigrate";
  r->SetString("bundle_id", c.bundle_id);

  std::string mid = p.migration_id;
  if (mid.empty()) {
    mid = "bundle-" + c.bundle_id.substr(0, 16);
    r->warnings.push_back("no migration_id given: the backup is named " + mid +
                          " after the bundle; a stable migration_id (one per migration, the same "
                          "for place and rollback) keeps the backup of the original data when "
                          "the bundle is rebuilt");
  }
  st = CheckMigrationId(mid);
  if (!st.ok()) return r->Fail(st.message(), st);
  r->SetString("migration_id", mid);
  NodeDirs nd{c.node.cfg.data_dir, c.node.cfg.data_log_dir};
  std::string root =
      p.backup_dir.empty() ? c.node.cfg.data_dir + "/zkmigrate-backup" : p.backup_dir;

  // What an interrupted earlier run left is finished or undone before anything else.
  std::vector<Recovery> recovered;
  st = RecoverNode(nd, root, p.check_mode, &recovered);
  r->Set("recovered", RecoveredJson(recovered, a));
  if (!st.ok())
    return r->Fail("cannot recover what an interrupted run left on " + c.node.config_path + ": " +
                       st.ToString(),
                   st);
  std::string recovered_msg;
  for (const Recovery& x : recovered) recovered_msg += x.detail + "; ";

  std::string bak = root + "/" + mid;
  PlacedRecord prev;
  if (AlreadyPlaced(c, &prev) && prev.migration_id == mid) {
    r->SetString("backup_dir", prev.backup_dir);
    r->Set("bundle", ManifestSummary(c.m, a));
    r->changed = !recovered.empty() && !p.check_mode;
    r->msg = recovered_msg + "bundle " + c.bundle_id.substr(0, 12) + " is already placed in " +
             c.node.snap_dir() + " (migration " + mid + ")";
    return;
  }

  auto owner = ResolveOwner(p.owner, p.group, c.node.cfg.data_dir);
  if (!owner.ok()) return r->Fail(owner.status().message(), owner.status());
  c.owner = *owner;
  st = Preconditions(c, root);
  if (!st.ok())
    return r->Fail("cannot place the bundle on " + c.node.config_path + ": " + st.message(), st);

  // The journal of this migration: its backup holds the node's original data once
  // it is done; a new place of the same migration first puts that back, so the
  // backup is never of placed (or torn) data.
  BackupRecord rec;
  bool replace = false;
  if (PathExists(bak + "/" + kBackupRecordName)) {
    auto old = ReadBackupRecord(bak);
    if (!old.ok())
      return r->Fail("the journal in " + bak + " is unreadable: " + old.status().message(),
                     old.status());
    if (old->data_dir != c.node.cfg.data_dir || old->data_log_dir != c.node.cfg.data_log_dir)
      return r->Fail("the backup folder " + bak + " belongs to dataDir " + old->data_dir +
                         ", not to this node's " + c.node.cfg.data_dir +
                         "; give each node its own backup_dir",
                     Status::Mismatch(bak));
    rec = std::move(*old);
    replace = rec.phase == "done";
  }
  rec.dir = bak;
  if (replace && !p.check_mode) {
    st = WriteJournal(&rec, "rolling-back");
    RestoreOutcome o;
    if (st.ok()) st = RestoreOriginals(nd, &rec, &o);
    rec.restored_at = UtcNowIso();
    if (st.ok()) st = WriteJournal(&rec, "restored");
    if (!st.ok())
      return r->Fail("cannot put back the original data of migration " + mid + " from " + bak +
                         " before placing the new bundle: " + st.ToString(),
                     st);
    Recovery x{mid, bak, "done", "restored",
               "the data placed earlier by migration " + mid + " (bundle " +
                   rec.bundle_id.substr(0, 12) + ") was replaced by the original data from " + bak +
                   " before placing bundle " + c.bundle_id.substr(0, 12)};
    recovered.push_back(x);
    recovered_msg += x.detail + "; ";
    r->Set("recovered", RecoveredJson(recovered, a));
  }

  std::string log_bak = bak;
  if (c.node.split() && !SameFilesystem(NearestExisting(root), NearestExisting(c.node.log_dir())))
    log_bak = c.node.cfg.data_log_dir + "/zkmigrate-backup/" + mid;
  auto moves = PlanMoves(c, bak, log_bak);
  if (!moves.ok())
    return r->Fail("cannot read the target's data dirs: " + moves.status().message(),
                   moves.status());

  Value before = DataState(c, p.diff, a);
  r->has_diff = true;
  r->diff_before = Value(before, a);
  r->diff_after = BundleState(c, a);
  Value moved(rapidjson::kArrayType);
  for (const MovedEntry& mv : *moves) moved.PushBack(Str(mv.from, a), a);
  r->Set("moved", std::move(moved));
  r->SetString("backup_dir", bak);
  r->Set("bundle", ManifestSummary(c.m, a));
  if (p.check_mode) {
    r->changed = true;
    r->msg = recovered_msg + "would place bundle " + c.bundle_id.substr(0, 12) + " (" +
             Hex(c.m.last_zxid) + ") on " + c.node.config_path + " and move " +
             std::to_string(moves->size()) + " entries to " + bak +
             (replace ? " after putting back the original data of migration " + mid : "") +
             " (check mode)";
    return;
  }

  rec.migration_id = mid;
  rec.created = UtcNowIso();
  rec.restored_at.clear();
  rec.bundle_id = c.bundle_id;
  rec.bundle_src = c.src;
  rec.data_dir = c.node.cfg.data_dir;
  rec.data_log_dir = c.node.cfg.data_log_dir;
  rec.moves = *moves;
  rec.installed.clear();
  rec.created_dirs.clear();
  PlacedRecord placed;
  placed.bundle_id = c.bundle_id;
  placed.bundle_src = c.src;
  placed.placed_at = rec.created;
  placed.mode = c.m.mode;
  placed.last_zxid = c.m.last_zxid;
  placed.znodes = c.m.znodes;
  placed.backup_dir = bak;
  placed.migration_id = mid;
  st = Execute(c, nd, &rec, &placed);
  if (!st.ok()) {
    r->Set("moved", Value(rapidjson::kArrayType));
    return r->Fail(recovered_msg + "placing the bundle on " + c.node.config_path +
                       " failed and was undone: " + st.ToString(),
                   st);
  }
  Value inst(rapidjson::kArrayType);
  for (const InstalledFile& f : rec.installed) {
    Value o(rapidjson::kObjectType);
    o.AddMember("path", Str(f.path, a), a);
    o.AddMember("sha256", Str(f.sha256, a), a);
    inst.PushBack(o, a);
  }
  r->Set("installed", std::move(inst));
  r->Set("membership_rewritten", Value(placed.membership_rewritten));
  if (c.m.mode == "raw")
    r->warnings.push_back("a raw bundle keeps the source's membership in /zookeeper/config");
  r->changed = true;
  r->msg = recovered_msg + "placed bundle " + c.bundle_id.substr(0, 12) + " (" +
           Hex(c.m.last_zxid) + ", " + std::to_string(c.m.znodes) + " znodes) on " +
           c.node.config_path + "; old data in " + bak + " (migration " + mid + ")";
}

}  // namespace zkm
