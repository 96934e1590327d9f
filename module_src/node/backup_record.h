// The two small records placement leaves on a target node:
//
//  * `backup.json`, inside each backup folder `<backup_dir>/<migration_id>/`:
//    the placement journal (node/journal.h). What was moved from where to where
//    (so rollback can put it back exactly), which files were (to be) installed,
//    the dirs placement created, and the phase: begun (written before the first
//    move), backed-up, copied, installed, done; undone (an interrupted or failed
//    place put back); rolling-back, restored. A path that is not valid UTF-8 is
//    stored as `<key>_hex` (its bytes in hex) beside a readable `<key>`, and read
//    back byte-exact.
//  * `<dataDir>/zkmigrate/placed.json`: which bundle is installed (bundle id =
//    SHA-256 of its manifest.json), the installed files with their SHA-256, and
//    the backup folder; placing the same bundle again is then a no-op.
//
// Written with RapidJSON, read with FindMember and type checks.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace zkm {

struct MovedEntry {
  std::string from, to;  // absolute paths
};

struct InstalledFile {
  std::string path;  // absolute path on the target
  std::string name;
  std::string role;  // snapshot | log
  uint64_t size = 0;
  std::string sha256;         // of the installed bytes
  std::string bundle_sha256;  // of the bundle's file (differs when /zookeeper/config was rewritten)
};

struct BackupRecord {
  std::string dir;  // the folder holding backup.json (not serialised)
  std::string migration_id;
  // begun | backed-up | copied | installed | done | undone | rolling-back | restored
  // (format 1 records: in-progress -> begun, placed -> done).
  std::string phase;
  std::string updated;  // when the phase was written
  std::string created, restored_at;
  std::string bundle_id, bundle_src;
  std::string data_dir, data_log_dir;
  std::vector<MovedEntry> moves;
  std::vector<InstalledFile> installed;
  std::vector<MovedEntry> displaced;      // set by rollback: what it moved out of the way
  std::vector<std::string> created_dirs;  // made by place; removed on restore when empty
};

struct PlacedRecord {
  std::string bundle_id, bundle_src, placed_at, mode;
  int64_t last_zxid = 0;
  uint64_t znodes = 0;
  bool membership_rewritten = false;
  std::string membership;
  std::string backup_dir;  // the backup folder (holding backup.json)
  std::string migration_id;
  std::vector<InstalledFile> installed;
};

constexpr const char* kBackupRecordName = "backup.json";
constexpr const char* kPlacedRecordName = "placed.json";

std::string BackupRecordToJson(const BackupRecord& b);
Result<BackupRecord> ReadBackupRecord(const std::string& dir);  // <dir>/backup.json
std::string PlacedRecordToJson(const PlacedRecord& p);
Result<PlacedRecord> ReadPlacedRecord(const std::string& path);

// Hex of bytes and back (for names that are not valid UTF-8); false on bad hex.
std::string HexBytes(const std::string& s);
bool UnhexBytes(const std::string& hex, std::string* out);

// Compact UTC time for folder names: "20240501T120000Z".
std::string UtcStampCompact();

}  // namespace zkm
