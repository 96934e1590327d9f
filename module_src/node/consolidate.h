// Consolidation: the newest valid snapshot of a data directory plus every log
// it needs, replayed and written out as ONE snapshot named after the last zxid,
// which a ZooKeeper loads with no logs at all (docs/DESIGN.md step 4).
//
// Like a ZooKeeper leader at load (docs/FORMATS.md 8.4), ephemerals whose session
// is not in the session table are dropped (with parent pzxid = the last zxid) so
// that every server loading the file holds the same tree. Sessions are kept by
// default; drop_sessions removes them and their ephemerals.
//
// A tree rebuilt from 3.4 files has no /zookeeper/config; for a 3.6/3.9 layout it
// is added (AddConfigNode) as a 3.5+ server would add it at load, so the file is
// what such a server itself would write. The 3.4 layout keeps the tree as it is.
//
// The output is written through a temporary file, fsynced, renamed, then read
// back and checked (seals, digest, node count) before success is reported.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "node/analysis.h"
#include "tree/snapshot.h"
#include "tree/snapshot_writer.h"

namespace zkm {

struct ConsolidateOptions {
  AnalyzeOptions source;
  std::string out_dir;
  SnapshotFormat format = SnapshotFormat::kZk36;
  bool drop_sessions = false;
  bool keep_orphans = false;  // keep ephemerals of unknown sessions (not recommended)
};

struct ConsolidateReport {
  Status status;
  DataDirReport source;
  std::string output_path;
  std::string output_name;
  uint64_t output_bytes = 0;
  std::string sha256;
  int64_t zxid = 0;
  uint64_t nodes = 0;  // node records written, the root included
  uint64_t data_bytes = 0;
  int64_t digest = 0;  // tree digest written in the trailer
  std::string digest_charset;
  uint64_t sessions = 0;
  uint64_t acl_entries = 0;
  std::vector<std::string> dropped_ephemerals;  // orphans (and all, with drop_sessions)
  bool added_config_node = false;               // /zookeeper/config added (3.4 source)
  SnapshotSummary verify;                       // the written file read back
};

ConsolidateReport Consolidate(const ConsolidateOptions& opts);

}  // namespace zkm
