// The bundle manifest (`manifest.json`): what a bundle holds and where it came
// from (docs/DESIGN.md step 4). A bundle is a directory with the snapshot (and, in
// raw mode, the logs) plus this file; every file is listed with its size and
// SHA-256, so a copy can be checked anywhere with VerifyBundle.
//
// The JSON is written with RapidJSON and read with FindMember and type checks:
// a missing or mistyped member is an error naming the member, never a crash.
// Unknown members are ignored (a newer tool may add some); a format_version
// newer than kManifestFormatVersion is refused.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zkm {

constexpr int kManifestFormatVersion = 1;
constexpr const char* kManifestName = "manifest.json";

struct ManifestFile {
  std::string name;  // file name inside the bundle dir, e.g. "snapshot.10000002a"
  std::string role;  // "snapshot" | "log"
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
};

// One source file as it was on disk when the bundle was made (for idempotency:
// the same stamps mean the same source state).
struct SourceStamp {
  std::string name;  // "snapshot.1a" / "log.1" / "currentEpoch" ...
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const SourceStamp& o) const {
    return name == o.name && size == o.size && mtime_ns == o.mtime_ns;
  }
};

struct ManifestSource {
  std::string host;    // gethostname()
  std::string config;  // zoo.cfg path
  std::string data_dir, data_log_dir;
  int64_t myid = -1;                                // -1: no myid (standalone)
  int64_t current_epoch = -1, accepted_epoch = -1;  // -1: no file
  // Settings that must match on a target (docs/FORMATS.md 11), as zoo.cfg states
  // them; absent keys are not set on the source.
  std::map<std::string, std::string> settings;
  std::vector<SourceStamp> stamps;  // every snapshot.*, log.* and epoch file
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string tool_version;     // ZKM_VERSION
  std::string created;          // UTC, ISO 8601 ("2024-05-01T12:00:00Z")
  std::string mode;             // "consolidated" | "raw"
  std::string snapshot_format;  // consolidated: "3.4" | "3.6" | "3.9"; raw: "source"
  bool drop_sessions = false;
  ManifestSource source;
  std::vector<ManifestFile> files;
  int64_t snapshot_zxid = 0;  // zxid of the bundle's snapshot (its name)
  int64_t last_zxid = 0;      // zxid of the tree the bundle loads to
  uint64_t znodes = 0;        // node records, the root included
  int64_t tree_digest = 0;
  std::string digest_charset;  // "utf-8" | "us-ascii"
  uint64_t acl_count = 0;      // ACL cache entries
  uint64_t sessions = 0;
  uint64_t ephemerals = 0;
  uint64_t containers = 0;
  uint64_t ttl_nodes = 0;
  std::string largest_path;
  uint64_t largest_bytes = 0;
  uint64_t data_bytes = 0;

  // The file with role "snapshot" (nullptr if none).
  const ManifestFile* Snapshot() const;
  uint64_t TotalBytes() const;
};

// Pretty JSON text (ends with a newline).
std::string ManifestToJson(const Manifest& m);
// Parses manifest text; errors are kInvalidArgument naming the member.
Result<Manifest> ParseManifest(std::string_view text);
// Reads and parses `<dir>/manifest.json` (or a manifest file path); kNotFound if absent.
Result<Manifest> ReadManifest(const std::string& path);

// Checks a bundle dir against its manifest: every listed file exists, is a
// regular file of the listed size and SHA-256; no snapshot.* or log.* file is
// present that the manifest does not list. kNotFound / kMismatch naming the file.
Status VerifyBundle(const std::string& dir, const Manifest& m);

// Current UTC time, ISO 8601 with seconds ("2024-05-01T12:00:00Z").
std::string UtcNowIso();
// The same for the time `t`.
std::string UtcIso(std::time_t t);
// "snapshot.<hex>" as ZooKeeper names it (Long.toHexString).
std::string SnapshotFileName(int64_t zxid);

}  // namespace zkm
