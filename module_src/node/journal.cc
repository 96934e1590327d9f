#include "node/journal.h"

#include <unistd.h>

#include <cerrno>

#include "format/sha256.h"
#include "node/manifest.h"
#include "node/placement.h"

namespace zkm {

namespace {

std::string Base(const std::string& p) {
  size_t k = p.find_last_of('/');
  return k == std::string::npos ? p : p.substr(k + 1);
}

const MovedEntry* MoveFrom(const BackupRecord& rec, const std::string& path) {
  for (const MovedEntry& m : rec.moves)
    if (m.from == path) return &m;
  return nullptr;
}

// True when `path` is exactly something this journal's place wrote (so it may
// be deleted rather than kept aside).
bool PlacedByUs(const NodeDirs& n, const BackupRecord& rec, const std::string& path) {
  if (Base(path).find(".zkm-tmp-") != std::string::npos) return true;
  if (path == n.state_dir() + "/" + kPlacedRecordName) {
    auto p = ReadPlacedRecord(path);
    return p.ok() && p->bundle_id == rec.bundle_id && p->migration_id == rec.migration_id;
  }
  if (path == n.state_dir() + "/" + kManifestName) {
    auto sha = Sha256File(path);
    return sha.ok() && *sha == rec.bundle_id;
  }
  for (const InstalledFile& f : rec.installed) {
    if (f.path != path || IsDirectory(path)) continue;
    auto sha = Sha256File(path);
    if (sha.ok() && (*sha == f.sha256 || *sha == f.bundle_sha256)) return true;
  }
  return false;
}

// `name` is the temp file a durable write of `final_name` uses.
bool IsTempOf(const std::string& name, const std::string& final_name) {
  return name.rfind("." + final_name + ".zkm-tmp-", 0) == 0;
}

std::string AsideSub(const NodeDirs& n, const std::string& path) {
  std::string parent = ParentDir(path);
  if (parent == n.snap_dir()) return "data-version-2";
  if (parent == n.log_dir()) return "log-version-2";
  if (parent == n.state_dir()) return "state";
  return "other";
}

}  // namespace

Status CheckMigrationId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id[0] == '.' ||
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos)
    return Status::Invalid("migration_id " + id +
                           " must be 1-128 of A-Z a-z 0-9 . _ - and not start with a dot (it "
                           "names the backup folder)");
  return Status::Ok();
}

Status WriteJournal(BackupRecord* rec, const std::string& phase) {
  rec->phase = phase;
  rec->updated = UtcNowIso();
  return WriteFileDurable(rec->dir, kBackupRecordName, BackupRecordToJson(*rec), 0644, {});
}

std::vector<std::string> ScannedPaths(const NodeDirs& n) {
  std::vector<std::string> out;
  std::vector<std::string> dirs{n.snap_dir()};
  if (n.split()) dirs.push_back(n.log_dir());
  for (const std::string& d : dirs) {
    auto names = ListDir(d);
    if (!names.ok()) continue;
    for (const std::string& x : *names) out.push_back(d + "/" + x);
  }
  for (const std::string& p :
       {n.data_log_dir + "/initialize", n.state_dir() + "/" + kPlacedRecordName,
        n.state_dir() + "/" + kManifestName})
    if (PathExists(p)) out.push_back(p);
  // What a run killed while writing one of those left: `.<name>.zkm-tmp-<pid>`
  // (WriteFileDurable, CopyFileDurable). The node lock is held, so no live run
  // owns one; restore deletes them (PlacedByUs).
  const std::pair<std::string, std::vector<std::string>> temps[] = {
      {n.data_log_dir, {"initialize"}}, {n.state_dir(), {kPlacedRecordName, kManifestName}}};
  for (const auto& [dir, files] : temps) {
    auto names = ListDir(dir);
    if (!names.ok()) continue;
    for (const std::string& x : *names)
      for (const std::string& f : files)
        if (IsTempOf(x, f)) out.push_back(dir + "/" + x);
  }
  return out;
}

Status RestoreOriginals(const NodeDirs& n, BackupRecord* rec, RestoreOutcome* out) {
  // 1. Out of the way: what is not a restored original.
  std::string aside;
  for (const std::string& p : ScannedPaths(n)) {
    const MovedEntry* mv = MoveFrom(*rec, p);
    if (mv && !PathExists(mv->to)) continue;  // the original, already back (or never moved)
    if (PlacedByUs(n, *rec, p)) {
      ZKM_RETURN_IF_ERROR(IsDirectory(p) ? RemoveTree(p) : RemoveFile(p));
      out->removed.push_back(p);
      continue;
    }
    if (aside.empty()) {
      aside = rec->dir + "/displaced-1";
      for (int k = 2; PathExists(aside); ++k) aside = rec->dir + "/displaced-" + std::to_string(k);
    }
    MovedEntry d{p, aside + "/" + AsideSub(n, p) + "/" + Base(p)};
    ZKM_RETURN_IF_ERROR(MakeDirs(ParentDir(d.to), 0755, FileOwner{}));
    ZKM_RETURN_IF_ERROR(MoveEntry(d.from, d.to));
    out->displaced.push_back(d);
    rec->displaced.push_back(d);
  }
  // 2. The originals back.
  std::string lost;
  for (const MovedEntry& mv : rec->moves) {
    if (PathExists(mv.to)) {
      ZKM_RETURN_IF_ERROR(MakeDirs(ParentDir(mv.from), 0755, FileOwner{}));
      ZKM_RETURN_IF_ERROR(MoveEntry(mv.to, mv.from));
      out->restored.push_back(mv.from);
    } else if (!PathExists(mv.from)) {
      lost += (lost.empty() ? "" : ", ") + mv.from;
    }
  }
  // 3. Dirs place created, when empty again (deepest first).
  for (auto it = rec->created_dirs.rbegin(); it != rec->created_dirs.rend(); ++it) {
    auto names = ListDir(*it);
    if (names.ok() && names->empty() && ::rmdir(it->c_str()) == 0) FsyncParent(*it);
  }
  if (!lost.empty())
    return Status::NotFound("the backup in " + rec->dir + " lacks entries that are not in place " +
                            "either: " + lost);
  return Status::Ok();
}

std::vector<BackupRecord> ListJournals(const NodeDirs& n, const std::string& root) {
  std::vector<BackupRecord> out;
  auto names = ListDir(root);
  if (!names.ok()) return out;
  for (const std::string& x : *names) {
    std::string dir = root + "/" + x;
    if (!PathExists(dir + "/" + kBackupRecordName)) continue;
    auto rec = ReadBackupRecord(dir);
    if (!rec.ok() || rec->data_dir != n.data_dir || rec->data_log_dir != n.data_log_dir) continue;
    if (rec->migration_id.empty()) rec->migration_id = x;  // format 1: a time-stamped folder
    out.push_back(std::move(*rec));
  }
  return out;
}

Status RecoverNode(const NodeDirs& n, const std::string& root, bool check_only,
                   std::vector<Recovery>* out) {
  for (BackupRecord& rec : ListJournals(n, root)) {
    if (!check_only) {  // a kill while the journal itself was written
      auto names = ListDir(rec.dir);
      if (names.ok())
        for (const std::string& x : *names)
          if (IsTempOf(x, kBackupRecordName)) ZKM_RETURN_IF_ERROR(RemoveFile(rec.dir + "/" + x));
    }
    const std::string found = rec.phase;
    Recovery r{rec.migration_id, rec.dir, found, "", ""};
    if (found == "installed") {
      auto placed = ReadPlacedRecord(n.state_dir() + "/" + kPlacedRecordName);
      bool intact = placed.ok() && placed->migration_id == rec.migration_id &&
                    placed->bundle_id == rec.bundle_id && !rec.installed.empty();
      for (const InstalledFile& f : rec.installed) {
        auto sha = intact ? Sha256File(f.path) : Result<std::string>(Status::NotFound(""));
        intact = intact && sha.ok() && *sha == f.sha256;
      }
      if (intact) {
        r.action = "finished";
        r.detail = "an interrupted place of migration " + rec.migration_id +
                   " had installed every file of bundle " + rec.bundle_id.substr(0, 12) +
                   "; its journal in " + rec.dir + " now says done";
        if (!check_only) {
          for (const std::string& p : ScannedPaths(n))
            if (Base(p).find(".zkm-tmp-") != std::string::npos) ZKM_RETURN_IF_ERROR(RemoveFile(p));
          ZKM_RETURN_IF_ERROR(WriteJournal(&rec, "done"));
        }
        out->push_back(r);
        continue;
      }
    } else if (found != "begun" && found != "backed-up" && found != "copied" &&
               found != "rolling-back") {
      continue;  // done, undone, restored: at rest
    }
    bool rolling = found == "rolling-back";
    r.action = rolling ? "restored" : "undone";
    RestoreOutcome o;
    if (!check_only) {
      Status st = RestoreOriginals(n, &rec, &o);
      if (!st.ok())
        return st.WithContext("recovering the interrupted " +
                              std::string(rolling ? "rollback" : "place") + " of migration " +
                              rec.migration_id);
      if (rolling) rec.restored_at = UtcNowIso();
      ZKM_RETURN_IF_ERROR(WriteJournal(&rec, rolling ? "restored" : "undone"));
    }
    r.detail = std::string(check_only ? "would put back" : "put back") + " the original data of " +
               n.data_dir + " from " + rec.dir + " (an interrupted " +
               (rolling ? "rollback" : "place") + " of migration " + rec.migration_id +
               " left its journal at " + found + ")";
    if (!o.displaced.empty())
      r.detail += "; " + std::to_string(o.displaced.size()) + " other entries kept in " +
                  ParentDir(ParentDir(o.displaced[0].to));
    out->push_back(r);
  }
  return Status::Ok();
}

}  // namespace zkm
