#include "node/datadir.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "base/java_compat.h"
#include "format/jute.h"

namespace zkm {
namespace {

constexpr uint64_t kMaxSmallFile = 4096;  // epoch and myid files hold one number

// Java String.split on '.': trailing empty components are dropped.
std::vector<std::string_view> SplitDots(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find('.', start);
    out.push_back(s.substr(start, p == std::string_view::npos ? s.npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  while (out.size() > 1 && out.back().empty()) out.pop_back();
  if (out.size() == 1 && out[0].empty() && !s.empty()) out.clear();  // "..." -> []
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Long.toHexString: how ZooKeeper writes the zxid into a name.
std::string JavaHex(int64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

Status CheckDir(const std::string& path, const std::string& what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT) return Status::NotFound(what + " " + path + " does not exist");
    return ErrnoStatus("cannot stat " + what, path, e);
  }
  if (!S_ISDIR(st.st_mode)) return Status::Invalid(what + " " + path + " is not a directory");
  return Status::Ok();
}

struct Entry {
  std::string name;
  uint64_t size = 0;
  bool is_dir = false;
  int stat_errno = 0;  // stat failed (a dangling symlink)
};

Result<std::vector<Entry>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("cannot list", dir, errno);
  std::unique_ptr<DIR, int (*)(DIR*)> closer(d, ::closedir);
  std::vector<Entry> out;
  for (;;) {
    errno = 0;
    struct dirent* de = ::readdir(d);
    if (de == nullptr) {
      if (errno != 0) return ErrnoStatus("cannot list", dir, errno);
      break;
    }
    Entry e;
    e.name = de->d_name;
    if (e.name == "." || e.name == "..") continue;
    struct stat st;
    if (::stat(Join(dir, e.name).c_str(), &st) != 0) {
      e.stat_errno = errno;
    } else {
      e.is_dir = S_ISDIR(st.st_mode);
      e.size = static_cast<uint64_t>(st.st_size);
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

bool SameDir(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Reads a one-number file the way QuorumPeer.readLongFromFile does (first line,
// Long.parseLong). Absent -> nullopt, nothing recorded; present but unusable ->
// nullopt, *invalid set and a warning.
std::optional<int64_t> ReadNumberFile(const std::string& path, const std::string& what,
                                      bool* invalid, std::vector<std::string>* warnings) {
  auto f = FileSource::Open(path);
  if (!f.ok()) {
    if (f.status().code() == Code::kNotFound) return std::nullopt;
    *invalid = true;
    warnings->push_back(f.status().message() + ": ZooKeeper cannot read " + what + " either");
    return std::nullopt;
  }
  std::string text;
  Status st = (*f)->ReadAll(&text, kMaxSmallFile);
  if (!st.ok()) {
    *invalid = true;
    warnings->push_back(st.message());
    return std::nullopt;
  }
  if (text.empty()) {
    *invalid = true;
    warnings->push_back(path + " is empty: ZooKeeper cannot read the " + what +
                        " from it and refuses to start");
    return std::nullopt;
  }
  std::string_view line = std::string_view(text).substr(0, text.find_first_of("\r\n"));
  int64_t v = 0;
  if (!ParseJavaLong(line, 10, &v)) {
    *invalid = true;
    warnings->push_back(path + " holds '" + std::string(line.substr(0, 64)) +
                        "', not a number: ZooKeeper refuses to start");
    return std::nullopt;
  }
  return v;
}

DataFile MakeFile(const std::string& dir, const Entry& e, int64_t zxid, bool snapshot) {
  DataFile f;
  f.name = e.name;
  f.path = Join(dir, e.name);
  f.zxid = zxid;
  f.size = e.size;
  std::vector<std::string_view> comps = SplitDots(e.name);
  size_t normal = 2;
  if (snapshot) {  // SnapStream.getStreamMode: the last component decides
    if (EqualsIgnoreCase(comps.back(), "gz")) f.compression = Compression::kGzip;
    if (EqualsIgnoreCase(comps.back(), "snappy")) f.compression = Compression::kSnappy;
    if (f.compression != Compression::kPlain) normal = 3;
  }
  f.extra_components = comps.size() > normal;
  return f;
}

void WarnAboutName(const DataFile& f, const std::string& dir, const char* prefix,
                   std::vector<std::string>* warnings) {
  const bool snap = std::string_view(prefix) == "snapshot";
  if (f.extra_components)
    warnings->push_back(f.name + " is live data: ZooKeeper 3.6+ " +
                        (snap ? "loads any snapshot.<hex>.<suffix> as a snapshot of zxid "
                              : "replays any log.<hex>.<suffix> as a log from zxid ") +
                        Hex(f.zxid) + " (3.4/3.5 ignore it); move it out of " + dir);
  std::string_view written = SplitDots(f.name)[1];
  if (written != JavaHex(f.zxid))
    warnings->push_back(f.name + ": ZooKeeper would have named it " + prefix + "." +
                        JavaHex(f.zxid) +
                        "; a renamed file changes which transactions are replayed");
  if (f.size == 0)
    warnings->push_back(
        f.name + " is empty (0 bytes): " +
        (snap ? "ZooKeeper skips it and loads an older snapshot"
              : "ZooKeeper up to 3.9.2 fails to start on a zero-length log; delete it"));
}

void SortAndCheck(std::vector<DataFile>* files, bool snap, std::vector<std::string>* warnings,
                  uint64_t* bytes) {
  std::sort(files->begin(), files->end(), [](const DataFile& a, const DataFile& b) {
    return a.zxid != b.zxid ? a.zxid < b.zxid : a.name < b.name;
  });
  for (size_t i = 0; i < files->size(); ++i) {
    *bytes += (*files)[i].size;
    if (i > 0 && (*files)[i].zxid == (*files)[i - 1].zxid)
      warnings->push_back((*files)[i - 1].name + " and " + (*files)[i].name +
                          " have the same zxid " + Hex((*files)[i].zxid) +
                          (snap ? ": ZooKeeper picks either one (directory order); keep only one"
                                : ": ZooKeeper replays both, in directory order; keep only one"));
  }
}

}  // namespace

std::optional<int64_t> ParseZxidFromName(std::string_view name, std::string_view prefix) {
  std::vector<std::string_view> comps = SplitDots(name);
  int64_t z = 0;
  if (comps.size() < 2 || comps[0] != prefix || !ParseJavaLong(comps[1], 16, &z) || z == -1)
    return std::nullopt;
  return z;
}

std::vector<DataFile> LogsNeededFor(const std::vector<DataFile>& logs, int64_t z) {
  // FileTxnLog.getLogFiles: the start is the largest name zxid <= z (0 if none),
  // then every log whose name zxid is >= that start.
  int64_t start = 0;
  for (const DataFile& f : logs) {
    if (f.zxid > z) break;
    start = std::max(start, f.zxid);
  }
  std::vector<DataFile> out;
  for (const DataFile& f : logs)
    if (f.zxid >= start) out.push_back(f);
  return out;
}

namespace {
Result<DataDirScan> Scan(const std::string& data_dir, const std::string& data_log_dir, bool flat) {
  const std::string dd = NormaliseDir(data_dir);
  const std::string ld = NormaliseDir(data_log_dir.empty() ? data_dir : data_log_dir);
  DataDirScan scan;
  scan.snap_dir = flat ? dd : Join(dd, "version-2");
  scan.log_dir = flat ? ld : Join(ld, "version-2");
  ZKM_RETURN_IF_ERROR(CheckDir(dd, flat ? "snapshot dir" : "dataDir"));
  if (ld != dd) ZKM_RETURN_IF_ERROR(CheckDir(ld, flat ? "log dir" : "dataLogDir"));
  ZKM_RETURN_IF_ERROR(CheckDir(scan.snap_dir, "snapshot dir"));
  const bool same = scan.snap_dir == scan.log_dir;
  if (!same) ZKM_RETURN_IF_ERROR(CheckDir(scan.log_dir, "log dir"));

  auto snap_entries = ListDir(scan.snap_dir);
  if (!snap_entries.ok()) return snap_entries.status();
  Result<std::vector<Entry>> log_entries = same ? snap_entries : ListDir(scan.log_dir);
  if (!log_entries.ok()) return log_entries.status();
  if (!same && SameDir(scan.snap_dir, scan.log_dir))
    scan.warnings.push_back("dataDir and dataLogDir are one directory under two names (" +
                            scan.snap_dir + ", " + scan.log_dir +
                            "): ZooKeeper checks them as separate dirs and refuses to start when "
                            "they hold both snapshot.* and log.* files");

  auto note_unusable = [&](const Entry& e, const std::string& dir) {
    if (e.stat_errno != 0)
      scan.warnings.push_back(
          ErrnoStatus("cannot stat", Join(dir, e.name), e.stat_errno).message());
    else
      scan.warnings.push_back(Join(dir, e.name) + " is a directory, not a file");
    scan.ignored.push_back(e.name);
  };

  for (const Entry& e : *snap_entries) {
    const std::string& n = e.name;
    if (auto z = ParseZxidFromName(n, "snapshot")) {
      if (e.is_dir || e.stat_errno != 0) {
        note_unusable(e, scan.snap_dir);
        continue;
      }
      scan.snapshots.push_back(MakeFile(scan.snap_dir, e, *z, true));
      if (*z < 0) scan.warnings.push_back(n + " has a negative zxid " + std::to_string(*z));
    } else if (n == "currentEpoch" || n == "acceptedEpoch") {
      bool cur = n == "currentEpoch";
      (cur ? scan.current_epoch : scan.accepted_epoch) = ReadNumberFile(
          Join(scan.snap_dir, n), cur ? "current epoch" : "accepted epoch",
          cur ? &scan.current_epoch_invalid : &scan.accepted_epoch_invalid, &scan.warnings);
    } else if (n == "currentEpoch.tmp") {
      scan.current_epoch_tmp = true;
    } else if (n == "acceptedEpoch.tmp") {
      scan.accepted_epoch_tmp = true;
    } else if (n == "updatingEpoch") {
      scan.updating_epoch = true;
    } else if (same && ParseZxidFromName(n, "log")) {
      // a log in the shared dir: handled below
    } else if (!same && StartsWith(n, "log.")) {
      scan.ignored.push_back(n);
      scan.warnings.push_back(n + " is in the snapshot dir " + scan.snap_dir +
                              ": ZooKeeper refuses to start when the snapshot dir holds log.* "
                              "files and dataLogDir differs from dataDir");
    } else {
      scan.ignored.push_back(n);
    }
  }
  for (const Entry& e : *log_entries) {
    const std::string& n = e.name;
    auto z = ParseZxidFromName(n, "log");
    if (z && *z >= 0) {
      if (e.is_dir || e.stat_errno != 0) {
        note_unusable(e, scan.log_dir);
        continue;
      }
      scan.logs.push_back(MakeFile(scan.log_dir, e, *z, false));
    } else if (same) {
      if (z) scan.ignored.push_back(n);  // negative: getLogFiles never picks it
    } else if (StartsWith(n, "snapshot.")) {
      scan.ignored.push_back(n);
      scan.warnings.push_back(n + " is in the log dir " + scan.log_dir +
                              ": ZooKeeper refuses to start when the log dir holds snapshot.* "
                              "files and dataLogDir differs from dataDir");
    } else {
      scan.ignored.push_back(n);
    }
  }

  SortAndCheck(&scan.snapshots, true, &scan.warnings, &scan.snap_bytes);
  SortAndCheck(&scan.logs, false, &scan.warnings, &scan.log_bytes);
  for (const DataFile& f : scan.snapshots)
    WarnAboutName(f, scan.snap_dir, "snapshot", &scan.warnings);
  for (const DataFile& f : scan.logs) WarnAboutName(f, scan.log_dir, "log", &scan.warnings);

  if (scan.current_epoch && scan.accepted_epoch && *scan.accepted_epoch < *scan.current_epoch)
    scan.warnings.push_back("acceptedEpoch " + std::to_string(*scan.accepted_epoch) +
                            " is less than currentEpoch " + std::to_string(*scan.current_epoch) +
                            ": ZooKeeper refuses to start");

  bool myid_invalid = false;
  scan.myid = ReadNumberFile(Join(dd, "myid"), "server id", &myid_invalid, &scan.warnings);

  const std::string init = Join(ld, "initialize");
  struct stat st;
  scan.initialize_file = ::stat(init.c_str(), &st) == 0;
  if (scan.initialize_file && (!scan.snapshots.empty() || !scan.logs.empty()))
    scan.warnings.push_back(init +
                            " is stale (the dirs already hold data): ZooKeeper deletes it "
                            "at the next start and, if no snapshot loads, starts with an "
                            "empty database instead of failing");
  return scan;
}
}  // namespace

Result<DataDirScan> ScanDataDirs(const std::string& data_dir, const std::string& data_log_dir) {
  return Scan(data_dir, data_log_dir, false);
}

Result<DataDirScan> ScanFlatDirs(const std::string& snap_dir, const std::string& log_dir) {
  return Scan(snap_dir, log_dir, true);
}

}  // namespace zkm
