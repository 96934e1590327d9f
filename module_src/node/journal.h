// The placement journal (docs/DESIGN.md "The placement journal"). `place` keeps
// the node's original data in `<backup_dir>/<migration_id>/` (named by the
// migration, never by the clock) and writes the phase of its work into that
// folder's backup.json durably (file and dir fsynced) at every transition:
//
//   begun -> backed-up -> copied -> installed -> done       (a place)
//   any of begun..copied -> undone                         (a failed or killed place put back)
//   done -> rolling-back -> restored                       (a rollback)
//
// Everything that changes a node starts with RecoverNode: a journal left in
// begun, backed-up or copied is undone (the originals go back), installed is
// finished (done) when every installed file is intact, rolling-back is
// finished (restored). RestoreOriginals is the one way back and is idempotent,
// so a run killed while recovering is recovered by the next one.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "node/backup_record.h"

namespace zkm {

struct NodeDirs {
  std::string data_dir, data_log_dir;
  std::string snap_dir() const { return data_dir + "/version-2"; }
  std::string log_dir() const { return data_log_dir + "/version-2"; }
  std::string state_dir() const { return data_dir + "/zkmigrate"; }
  bool split() const { return snap_dir() != log_dir(); }
};

// A migration id names a folder: 1-128 of [A-Za-z0-9._-], not starting with '.'.
Status CheckMigrationId(const std::string& id);

// Sets the phase (and `updated`) and writes `<rec->dir>/backup.json` durably.
Status WriteJournal(BackupRecord* rec, const std::string& phase);

// The places placement writes to and restore scans: every entry of the
// version-2 dirs, dataLogDir/initialize and the two records of state_dir.
std::vector<std::string> ScannedPaths(const NodeDirs& n);

struct RestoreOutcome {
  std::vector<std::string> restored;  // originals put back (their original paths)
  std::vector<std::string> removed;   // placed files (hash-identical to the bundle's) deleted
  std::vector<MovedEntry> displaced;  // anything else, moved into <dir>/displaced-N/
};

// Puts the originals of `rec` back where they were: whatever stands in their
// place or is not an original goes aside (deleted when it is exactly a file this
// journal placed or a temporary file of ours, kept in `<rec->dir>/displaced-N/`
// otherwise), then every backed-up entry is renamed back, then the dirs place
// created are removed when empty. Idempotent; does not write the journal.
Status RestoreOriginals(const NodeDirs& n, BackupRecord* rec, RestoreOutcome* out);

// The journals under `root` (sub-folders holding backup.json) made for this
// node (same data_dir, data_log_dir), by folder name.
std::vector<BackupRecord> ListJournals(const NodeDirs& n, const std::string& root);

struct Recovery {
  std::string migration_id, dir, found_phase, action;  // action: finished | undone | restored
  std::string detail;                                  // one sentence
};

// Brings every interrupted journal of this node under `root` to a resting phase
// (done, undone or restored), see above. `check_only`: only says what it would do.
Status RecoverNode(const NodeDirs& n, const std::string& root, bool check_only,
                   std::vector<Recovery>* out);

}  // namespace zkm
