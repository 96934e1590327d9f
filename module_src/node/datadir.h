// Data-dir scan: which files a ZooKeeper server would load from its dataDir and
// dataLogDir, named and sorted by ZooKeeper's own rules (docs/FORMATS.md 1, 8, 9).
//
// This unit lists directories and reads the tiny epoch/myid files; it opens no
// snapshot or log (readers do that from a ByteSource). Names are judged with the
// 3.6+ rules (Util.getZxidFromName): split on '.', component 0 is the prefix,
// component 1 a signed base-16 long, any number of further components, so
// `snapshot.1a.bak` is live data with zxid 0x1a. Everything that would surprise
// an operator (docs/FORMATS.md 14) is returned as a warning sentence, never printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/byte_source.h"

namespace zkm {

struct DataFile {
  std::string name;  // as listed, e.g. "snapshot.1a.gz"
  std::string path;  // dir + "/" + name
  int64_t zxid = 0;  // from the name (trusted by ZooKeeper, docs/FORMATS.md 14.2)
  uint64_t size = 0;
  Compression compression = Compression::kPlain;  // snapshots: from the last component
  // More components than ZooKeeper writes (snapshot.<hex>[.gz|.snappy], log.<hex>),
  // e.g. `.bak`/`.tmp`: 3.6+ loads the file anyway, 3.4/3.5 ignore it.
  bool extra_components = false;
};

struct DataDirScan {
  std::string snap_dir, log_dir;    // the version-2 dirs
  std::vector<DataFile> snapshots;  // by zxid, newest LAST (name breaks ties)
  std::vector<DataFile> logs;       // by zxid ascending (name breaks ties)
  // currentEpoch / acceptedEpoch in snap_dir, if present and readable.
  std::optional<int64_t> current_epoch, accepted_epoch;
  // The file exists but holds no number (empty or garbage): ZooKeeper fails to start.
  bool current_epoch_invalid = false, accepted_epoch_invalid = false;
  // currentEpoch.tmp / acceptedEpoch.tmp (3.5+) and updatingEpoch (3.4) present.
  bool current_epoch_tmp = false, accepted_epoch_tmp = false, updating_epoch = false;
  std::optional<int64_t> myid;   // dataDir/myid, if present and numeric
  bool initialize_file = false;  // dataLogDir/initialize present
  // Names in the version-2 dirs that ZooKeeper does not load (unparseable names,
  // strangers, and snapshot.*/log.* sitting in the other kind's dir).
  std::vector<std::string> ignored;
  // One sentence per trap: live `.bak`/`.tmp` names, empty logs or snapshots,
  // snapshot.* in the log dir / log.* in the snap dir, equal zxids, bad or
  // inconsistent epoch files, a stale `initialize` file, hand-renamed names.
  std::vector<std::string> warnings;
  uint64_t snap_bytes = 0, log_bytes = 0;  // sums over `snapshots` and `logs`
};

// Lists `<data_dir>/version-2` and `<data_log_dir>/version-2` (the same dir
// when the two are equal after java.io.File normalisation). Errors: a missing
// dataDir, dataLogDir or version-2 dir -> kNotFound naming it; a dir that cannot
// be listed or stat'ed -> kIoError from ErrnoStatus ("cannot list <dir>: ...").
Result<DataDirScan> ScanDataDirs(const std::string& data_dir, const std::string& data_log_dir);
// The same for directories that hold the files themselves (no version-2 below
// them), such as the output of `zk_snapshot consolidate` or an unpacked bundle.
Result<DataDirScan> ScanFlatDirs(const std::string& snap_dir, const std::string& log_dir);

// The logs ZooKeeper replays after a snapshot at zxid z (docs/FORMATS.md 8.2,
// FileTxnLog.getLogFiles): the newest log whose name zxid <= z, plus every later
// one (all logs if none is <= z). `logs` must be sorted as ScanDataDirs sorts.
std::vector<DataFile> LogsNeededFor(const std::vector<DataFile>& logs, int64_t z);

// Util.getZxidFromName: nullopt unless the name has >= 2 '.'-separated
// components, component 0 equals `prefix` and component 1 parses with Java's
// Long.parseLong(s, 16) (optional sign, either case). Java's failure value -1 is
// also nullopt, as ZooKeeper cannot tell the two apart.
std::optional<int64_t> ParseZxidFromName(std::string_view name, std::string_view prefix);

}  // namespace zkm
