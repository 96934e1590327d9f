#include "cli/cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "format/jute.h"
#include "net/probe.h"
#include "node/analysis.h"
#include "node/consolidate.h"
#include "node/zoo_cfg.h"
#include "plan/plan.h"
#include "report/json_report.h"
#include "tree/tree_diff.h"

namespace zkm {

namespace {

const char* kUsage =
    "usage: zk_snapshot <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect PATH           show what PATH holds (a snapshot or log file, a dataDir, a zoo.cfg)\n"
    "  check PATH             validate PATH: seals, CRCs, digests, zxid continuity\n"
    "  consolidate (--config ZOO.CFG | --data-dir D [--log-dir L]) --out DIR\n"
    "                         replay the newest valid snapshot and its logs into one\n"
    "                         snapshot.<last zxid> in DIR that needs no logs\n"
    "  diff A B               compare two snapshots or data dirs node by node\n"
    "  probe HOST:PORT        ask a server `srvr` (four-letter word): mode, zxid, znodes\n"
    "  plan --facts FILE      the migration plan from the facts of every node: FILE is\n"
    "                         {\"source\": {host: facts}, \"target\": {host: facts}}\n"
    "  version                print the version\n"
    "\n"
    "options (before or after the paths):\n"
    "  --json                 machine-readable output\n"
    "  --max-buffer N         largest znode/record accepted in bytes (default 2097150,\n"
    "                         ZooKeeper's jute.maxbuffer plus extrasize)\n"
    "  --format 3.6|3.9|3.4   consolidate: snapshot layout (3.4 also suits 3.5 servers)\n"
    "  --drop-sessions        consolidate: drop sessions and their ephemeral znodes\n"
    "  --keep-orphans         consolidate: keep ephemerals of sessions that no longer exist\n"
    "  --log-dir L            inspect/check of a dataDir: its dataLogDir (default: the same)\n"
    "  --limit N              diff: differences to list (default 100)\n"
    "  --timeout S            probe: seconds for each network call (default 5)\n"
    "  --no-progress          no progress bar (shown only on a terminal)\n"
    "\n"
    "exit codes: 0 ok, 1 problems found, 2 usage error\n";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> opts;  // --name value
  std::set<std::string> flags;              // --name
};

const std::set<std::string> kValueOptions = {"--config", "--data-dir", "--log-dir",
                                             "--out",    "--format",   "--max-buffer",
                                             "--limit",  "--timeout",  "--facts"};
const std::set<std::string> kFlagOptions = {"--json", "--drop-sessions", "--keep-orphans",
                                            "--no-progress", "--help"};

int Usage(const std::string& msg) {
  std::cerr << "zk_snapshot: " << msg << "\n\n" << kUsage;
  return kExitUsage;
}

bool ParseArgs(int argc, char** argv, Args* a, std::string* err) {
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.size() > 2 && s.compare(0, 2, "--") == 0) {
      std::string name = s, value;
      size_t eq = s.find('=');
      bool has_value = eq != std::string::npos;
      if (has_value) {
        name = s.substr(0, eq);
        value = s.substr(eq + 1);
      }
      if (kFlagOptions.count(name) && !has_value) {
        a->flags.insert(name);
      } else if (kValueOptions.count(name)) {
        if (!has_value) {
          if (i + 1 >= argc) {
            *err = name + " needs a value";
            return false;
          }
          value = argv[++i];
        }
        a->opts[name] = value;
      } else {
        *err = "unknown option " + s;
        return false;
      }
    } else if (s == "-h") {
      a->flags.insert("--help");
    } else if (a->command.empty()) {
      a->command = s;
    } else {
      a->positional.push_back(s);
    }
  }
  return true;
}

// A progress bar on stderr, only when it is a terminal.
ProgressFn MakeProgress(bool enabled) {
  if (!enabled || !::isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [last](const std::string& what, uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    bool finished = total > 0 && done >= total;
    if (!finished && now - *last < std::chrono::milliseconds(200)) return;
    *last = now;
    int pct = total > 0 ? static_cast<int>(std::min<uint64_t>(100, done * 100 / total)) : 0;
    int bar = pct / 4;
    std::fprintf(stderr, "\r[%.*s%*s] %3d%% %-32.32s %8.1f MB", bar, "#########################",
                 25 - bar, "", pct, what.c_str(), static_cast<double>(done) / 1e6);
    if (finished) std::fprintf(stderr, "\r%*s\r", 79, "");
    std::fflush(stderr);
  };
}

enum class PathKind { kMissing, kSnapshot, kLog, kDataDir, kZooCfg, kUnknownFile };

bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string BaseName(const std::string& p) {
  size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string DirName(const std::string& p) {
  size_t s = p.find_last_of('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : p.substr(0, s);
}

// A snapshot file named on the command line, as the readers take it.
DataFile SnapshotFileAt(const std::string& path, int64_t zxid, Compression comp) {
  DataFile f;
  f.path = path;
  f.name = BaseName(path);
  f.zxid = zxid;
  f.compression = comp;
  struct stat st;
  f.size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return f;
}

// Decides what PATH is: by name first, then by its first bytes.
PathKind Classify(const std::string& path, Compression* comp, int64_t* zxid) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PathKind::kMissing;
  if (S_ISDIR(st.st_mode)) return PathKind::kDataDir;
  std::string name = BaseName(path);
  *zxid = -1;
  if (auto z = ParseZxidFromName(name, "snapshot")) {
    *zxid = *z;
    std::string last = name.substr(name.find_last_of('.') + 1);
    for (auto& c : last) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    *comp = last == "gz"       ? Compression::kGzip
            : last == "snappy" ? Compression::kSnappy
                               : Compression::kPlain;
    return PathKind::kSnapshot;
  }
  if (auto z = ParseZxidFromName(name, "log")) {
    *zxid = *z;
    return PathKind::kLog;
  }
  std::string head, tail;
  if (!ReadFileEnds(path, 8, 0, &head, &tail).ok()) return PathKind::kUnknownFile;
  if (head.size() >= 4 && LoadInt(head.data()) == 0x5A4B534E) {
    *comp = Compression::kPlain;
    return PathKind::kSnapshot;
  }
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
      static_cast<unsigned char>(head[1]) == 0x8b) {
    *comp = Compression::kGzip;
    return PathKind::kSnapshot;
  }
  if (head.size() >= 8 && std::memcmp(head.data(), "\x82SNAPPY\0", 8) == 0) {
    *comp = Compression::kSnappy;
    return PathKind::kSnapshot;
  }
  if (head.size() >= 4 && LoadInt(head.data()) == 0x5A4B4C47) return PathKind::kLog;
  return PathKind::kZooCfg;  // anything else is tried as a zoo.cfg
}

// The dataDir/dataLogDir a directory or zoo.cfg stands for.
// True for a directory holding snapshot.* files itself, with no version-2 below
// (what `consolidate --out` writes).
bool IsFlatSnapshotDir(const std::string& d) {
  if (IsDir(d + "/version-2")) return false;
  auto scan = ScanFlatDirs(d, d);
  return scan.ok() && !scan->snapshots.empty();
}

Status ResolveDirs(const std::string& path, PathKind kind, std::string* data_dir,
                   std::string* log_dir, std::string* cfg_path) {
  if (kind == PathKind::kZooCfg) {
    auto cfg = LoadZooCfg(path);
    if (!cfg.ok()) return cfg.status();
    *data_dir = cfg->data_dir;
    *log_dir = cfg->data_log_dir;
    *cfg_path = path;
    return Status::Ok();
  }
  // A version-2 directory stands for its parent.
  std::string d = path;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (BaseName(d) == "version-2") d = DirName(d);
  *data_dir = d;
  if (log_dir->empty()) *log_dir = d;
  return Status::Ok();
}

void PrintStatusLine(const Status& st) {
  if (st.ok()) {
    std::cout << "result:      OK\n";
  } else {
    std::cout << "result:      PROBLEM (" << CodeName(st.code()) << "): " << st.ToString() << "\n";
  }
}

void PrintWarnings(const std::vector<std::string>& w) {
  for (const std::string& s : w) std::cout << "warning:     " << s << "\n";
}

std::string Mb(uint64_t bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return b;
}

void PrintSnapshot(const std::string& path, const SnapshotSummary& s) {
  std::cout << "snapshot:    " << path << "\n";
  PrintStatusLine(s.status);
  std::cout << "znodes:      " << s.nodes << " (data " << s.data_bytes << " bytes; largest "
            << (s.largest_path.empty() ? "/" : s.largest_path) << " " << s.largest_bytes
            << " bytes)\n";
  uint64_t eph = 0;
  for (const auto& [o, n] : s.ephemerals_by_owner) {
    (void)o;
    eph += n;
  }
  std::cout << "sessions:    " << s.sessions << "    acl entries: " << s.acl_entries
            << "    ephemerals: " << eph << " (" << s.ephemerals_by_owner.size()
            << " owners)    containers: " << s.containers << "    ttl: " << s.ttl_nodes << "\n";
  std::cout << "seals:       ";
  for (const SealCheck& c : s.seals) std::cout << (c.ok ? "ok " : "BAD ");
  if (s.seals.empty()) std::cout << "none read";
  std::cout << "\n";
  if (s.has_digest) {
    std::cout << "digest:      " << s.digest << " at zxid " << Hex(s.digest_zxid) << " ("
              << DigestCheckName(s.digest_check) << ", computed " << s.computed_digest << ")\n";
  } else {
    std::cout << "digest:      none in the file (computed " << s.computed_digest << ")\n";
  }
  if (s.has_last_zxid)
    std::cout << "last zxid:   " << Hex(s.last_processed_zxid) << " (3.9 trailer)\n";
  std::cout << "max zxid:    " << Hex(s.max_zxid)
            << (s.fuzzy ? " (fuzzy: newer than its name)" : "") << "\n";
  if (!s.orphan_ephemeral_owners.empty())
    std::cout << "orphans:     " << s.orphan_ephemeral_owners.size()
              << " session(s) own ephemerals but are not in the session table\n";
  if (!s.missing_acl_refs.empty())
    std::cout << "acl refs:    " << s.missing_acl_refs.size() << " missing from the ACL map\n";
  PrintWarnings(s.warnings);
}

void PrintLog(const std::string& path, const TxnLogSummary& s) {
  std::cout << "log:         " << path << "\n";
  PrintStatusLine(s.status);
  std::cout << "records:     " << s.records << " (" << s.with_digest << " with digest)\n";
  if (s.records) {
    std::cout << "zxids:       " << Hex(s.first_zxid) << " .. " << Hex(s.last_zxid) << "\n";
  }
  std::cout << "end:         " << LogEndName(s.end) << " at byte " << s.end_offset << "\n";
  for (const auto& [name, n] : s.counts_by_type) {
    std::printf("  %-24s %llu\n", name.c_str(), static_cast<unsigned long long>(n));
  }
  std::fflush(stdout);
  PrintWarnings(s.warnings);
}

void PrintScan(const DataDirScan& s) {
  std::cout << "snap dir:    " << s.snap_dir << "\n";
  std::cout << "log dir:     " << s.log_dir << "\n";
  std::cout << "myid:        " << (s.myid ? std::to_string(*s.myid) : "-")
            << "    currentEpoch: " << (s.current_epoch ? std::to_string(*s.current_epoch) : "-")
            << "    acceptedEpoch: " << (s.accepted_epoch ? std::to_string(*s.accepted_epoch) : "-")
            << "\n";
  std::cout << "files:       " << s.snapshots.size() << " snapshots (" << Mb(s.snap_bytes) << "), "
            << s.logs.size() << " logs (" << Mb(s.log_bytes) << ")\n";
  for (const DataFile& f : s.snapshots)
    std::printf("  %-36s %12llu  %s\n", f.name.c_str(), static_cast<unsigned long long>(f.size),
                CompressionName(f.compression));
  for (const DataFile& f : s.logs)
    std::printf("  %-36s %12llu\n", f.name.c_str(), static_cast<unsigned long long>(f.size));
  std::fflush(stdout);
  PrintWarnings(s.warnings);
}

void PrintDataDir(const DataDirReport& r) {
  PrintScan(r.scan);
  for (const RejectedSnapshot& x : r.rejected)
    std::cout << "passed over: " << x.file.name << ": " << x.reason << "\n";
  if (r.snapshot) {
    std::cout << "chosen:      " << r.snapshot->name << " (" << r.snapshot_summary.nodes
              << " znodes, digest " << DigestCheckName(r.snapshot_summary.digest_check) << ")\n";
  }
  for (const LogUse& l : r.logs) {
    std::cout << "replayed:    " << l.file.name << " " << l.summary.records << " records";
    if (l.summary.records)
      std::cout << " " << Hex(l.summary.first_zxid) << ".." << Hex(l.summary.last_zxid);
    std::cout << "\n";
  }
  const ReplayStats& rs = r.replay;
  std::cout << "replay:      " << rs.applied << " txns applied, " << rs.skipped
            << " already in the snapshot, " << rs.digests_compared << " digests compared, "
            << rs.digest_mismatches << " mismatched\n";
  if (r.last_zxid >= 0) std::cout << "last zxid:   " << Hex(r.last_zxid) << "\n";
  if (r.status.ok()) {
    size_t eph = 0;
    for (const auto& [o, n] : r.ephemerals_by_owner) eph += n;
    std::cout << "tree:        " << r.znodes << " znodes, " << r.data_bytes << " data bytes, "
              << r.sessions << " sessions, " << eph << " ephemerals (" << r.orphan_ephemerals.size()
              << " orphan owners), digest " << r.digest << "\n";
  }
  PrintWarnings(r.warnings);
  PrintStatusLine(r.status);
}

void Emit(const rapidjson::Value& v) {
  std::cout << Serialize(v, true) << "\n";
}

std::string OptionOr(const Args& a, const char* name, const std::string& dflt) {
  auto it = a.opts.find(name);
  return it == a.opts.end() ? dflt : it->second;
}

int32_t MaxBuffer(const Args& a, bool* ok) {
  *ok = true;
  auto it = a.opts.find("--max-buffer");
  if (it == a.opts.end()) return kDefaultJuteLimit;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (!end || *end || v < 1024 || v > (1LL << 30)) {
    *ok = false;
    return 0;
  }
  return static_cast<int32_t>(v);
}

// inspect and check share the reading; check is terse and judged by its exit code.
int InspectOrCheck(const Args& a, bool check) {
  if (a.positional.size() != 1) return Usage(a.command + " takes exactly one PATH");
  const std::string& path = a.positional[0];
  bool json = a.flags.count("--json");
  bool mb_ok = true;
  int32_t max_buffer = MaxBuffer(a, &mb_ok);
  if (!mb_ok) return Usage("--max-buffer must be a number of bytes between 1024 and 2^30");
  ProgressFn progress = MakeProgress(!a.flags.count("--no-progress"));
  Compression comp = Compression::kPlain;
  int64_t zxid = -1;
  PathKind kind = Classify(path, &comp, &zxid);
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& al = doc.GetAllocator();
  doc.AddMember("command", Str(a.command, al), al);
  doc.AddMember("path", Str(path, al), al);
  switch (kind) {
    case PathKind::kMissing:
      return Usage(path + " does not exist");
    case PathKind::kUnknownFile:
      return Usage(path + " cannot be read");
    case PathKind::kSnapshot: {
      DataFile f = SnapshotFileAt(path, zxid, comp);
      SnapshotSummary s = ReadSnapshotFile(f, max_buffer, nullptr, progress);
      if (s.status.ok() && s.digest_check == SnapshotSummary::DigestCheck::kMismatch)
        s.status = Status::Mismatch("the stored tree digest does not match the nodes");
      bool problems = !s.status.ok() || !s.missing_acl_refs.empty();
      if (json) {
        doc.AddMember("kind", "snapshot", al);
        doc.AddMember("ok", !problems, al);
        doc.AddMember("compression", rapidjson::Value(CompressionName(comp), al), al);
        doc.AddMember("snapshot", ToJson(s, al), al);
        Emit(doc);
      } else if (check) {
        std::cout << (problems ? "PROBLEM " : "OK      ") << path << ": " << s.nodes << " znodes, "
                  << s.seals.size() << " seals " << (s.seals_ok() ? "ok" : "NOT ok") << ", digest "
                  << DigestCheckName(s.digest_check) << "\n";
        if (!s.status.ok()) std::cout << "  " << s.status.ToString() << "\n";
        PrintWarnings(s.warnings);
      } else {
        PrintSnapshot(path, s);
      }
      return problems ? kExitProblems : kExitOk;
    }
    case PathKind::kLog: {
      auto f = FileSource::Open(path);
      if (!f.ok()) return Usage(f.status().ToString());
      CountingSource counted(**f, BaseName(path), (*f)->size(), progress);
      TxnLogSummary s = SummarizeTxnLog(counted, max_buffer);
      if (s.status.ok() && zxid >= 0 && s.records > 0 && s.first_zxid != zxid) {
        s.warnings.push_back("the first record's zxid " + Hex(s.first_zxid) +
                             " differs from the zxid in the file name " + Hex(zxid));
      }
      if (json) {
        doc.AddMember("kind", "log", al);
        doc.AddMember("ok", s.status.ok(), al);
        doc.AddMember("log", ToJson(s, al), al);
        Emit(doc);
      } else if (check) {
        std::cout << (s.status.ok() ? "OK      " : "PROBLEM ") << path << ": " << s.records
                  << " records";
        if (s.records) std::cout << " " << Hex(s.first_zxid) << ".." << Hex(s.last_zxid);
        std::cout << ", ends with " << LogEndName(s.end) << "\n";
        if (!s.status.ok()) std::cout << "  " << s.status.ToString() << "\n";
        PrintWarnings(s.warnings);
      } else {
        PrintLog(path, s);
      }
      return s.status.ok() ? kExitOk : kExitProblems;
    }
    case PathKind::kDataDir:
    case PathKind::kZooCfg: {
      std::string data_dir, cfg;
      std::string log_dir = kind == PathKind::kDataDir ? OptionOr(a, "--log-dir", "") : "";
      Status st = ResolveDirs(path, kind, &data_dir, &log_dir, &cfg);
      if (!st.ok()) {
        if (json) {
          doc.AddMember("ok", false, al);
          doc.AddMember("status", ToJson(st, al), al);
          Emit(doc);
        } else {
          std::cerr << "zk_snapshot: " << st.ToString() << "\n";
        }
        return st.code() == Code::kNotFound ? kExitUsage : kExitProblems;
      }
      AnalyzeOptions ao;
      ao.data_dir = data_dir;
      ao.log_dir = log_dir;
      ao.flat = kind == PathKind::kDataDir && IsFlatSnapshotDir(data_dir);
      ao.max_buffer = max_buffer;
      ao.progress = progress;
      DataTree tree;
      DataDirReport r = AnalyzeDataDir(ao, &tree);
      if (!r.status.ok() && r.scan.snap_dir.empty() && r.status.code() == Code::kNotFound) {
        return Usage(r.status.ToString());
      }
      // A newer snapshot passed over (damaged, truncated, a stray .tmp) is a problem
      // found even though an older one gives a consistent tree, as ZooKeeper would
      // silently do the same.
      bool problems = !r.status.ok() || !r.rejected.empty();
      if (json) {
        doc.AddMember("kind",
                      rapidjson::Value(kind == PathKind::kZooCfg ? "zoo.cfg" : "data_dir", al), al);
        doc.AddMember("ok", !problems, al);
        doc.AddMember("usable", r.status.ok(), al);
        doc.AddMember("data_dir", Str(data_dir, al), al);
        doc.AddMember("data_log_dir", Str(log_dir, al), al);
        doc.AddMember("znodes", rapidjson::Value(static_cast<uint64_t>(tree.size())), al);
        doc.AddMember("report", ToJson(r, al), al);
        Emit(doc);
      } else if (check) {
        std::cout << (problems ? "PROBLEM " : "OK      ") << path << ": "
                  << (r.snapshot ? r.snapshot->name : std::string("no snapshot")) << " + "
                  << r.logs.size() << " logs replayed to "
                  << (r.last_zxid >= 0 ? Hex(r.last_zxid) : std::string("-")) << ", "
                  << r.replay.digests_compared << " digests compared, " << tree.size()
                  << " znodes\n";
        if (!r.status.ok()) std::cout << "  " << r.status.ToString() << "\n";
        PrintWarnings(r.warnings);
      } else {
        if (!cfg.empty()) std::cout << "zoo.cfg:     " << cfg << "\n";
        PrintDataDir(r);
        if (r.status.ok()) std::cout << "znodes:      " << tree.size() << " after replay\n";
      }
      return problems ? kExitProblems : kExitOk;
    }
  }
  return kExitUsage;
}

int Consolidate(const Args& a) {
  if (!a.positional.empty()) return Usage("consolidate takes no positional arguments");
  bool json = a.flags.count("--json");
  auto get = [&](const char* k) {
    auto it = a.opts.find(k);
    return it == a.opts.end() ? std::string() : it->second;
  };
  std::string cfg = get("--config"), data_dir = get("--data-dir"), log_dir = get("--log-dir"),
              out = get("--out");
  if (cfg.empty() == data_dir.empty())
    return Usage("consolidate needs either --config ZOO.CFG or --data-dir DIR");
  if (!cfg.empty() && !log_dir.empty())
    return Usage("--log-dir goes with --data-dir, not --config");
  if (out.empty()) return Usage("consolidate needs --out DIR");
  struct stat out_st;
  bool out_missing = ::stat(out.c_str(), &out_st) != 0 && errno == ENOENT;
  if (!out_missing && !IsDir(out)) return Usage("--out " + out + " is not a directory");
  ConsolidateOptions co;
  std::string fmt = get("--format");
  if (fmt.empty() || fmt == "3.6" || fmt == "3.7" || fmt == "3.8") {
    co.format = SnapshotFormat::kZk36;
  } else if (fmt == "3.9") {
    co.format = SnapshotFormat::kZk39;
  } else if (fmt == "3.4" || fmt == "3.5") {
    co.format = SnapshotFormat::kLegacy;
  } else {
    return Usage("--format must be 3.4, 3.5, 3.6, 3.7, 3.8 or 3.9");
  }
  bool mb_ok = true;
  co.source.max_buffer = MaxBuffer(a, &mb_ok);
  if (!mb_ok) return Usage("--max-buffer must be a number of bytes between 1024 and 2^30");
  if (!cfg.empty()) {
    auto c = LoadZooCfg(cfg);
    if (!c.ok()) return Usage(c.status().ToString());
    co.source.data_dir = c->data_dir;
    co.source.log_dir = c->data_log_dir;
  } else {
    if (!IsDir(data_dir)) return Usage("--data-dir " + data_dir + " is not a directory");
    if (!log_dir.empty() && !IsDir(log_dir))
      return Usage("--log-dir " + log_dir + " is not a directory");
    co.source.data_dir = data_dir;
    co.source.log_dir = log_dir.empty() ? data_dir : log_dir;
  }
  co.out_dir = out;
  if (out_missing) {  // as `mkdir -p` would, once every other argument is known to be good
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return Usage("cannot create --out " + out + ": " + ec.message());
  }
  co.drop_sessions = a.flags.count("--drop-sessions");
  co.keep_orphans = a.flags.count("--keep-orphans");
  co.source.progress = MakeProgress(!a.flags.count("--no-progress"));
  ConsolidateReport r = Consolidate(co);
  if (json) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& al = doc.GetAllocator();
    doc.AddMember("command", "consolidate", al);
    doc.AddMember("ok", r.status.ok(), al);
    doc.AddMember("result", ToJson(r, al), al);
    Emit(doc);
  } else {
    PrintDataDir(r.source);
    if (r.status.ok()) {
      std::cout << "wrote:       " << r.output_path << " (" << r.output_bytes << " bytes, "
                << r.nodes << " znodes, zxid " << Hex(r.zxid) << ")\n";
      std::cout << "sha256:      " << r.sha256 << "\n";
      std::cout << "digest:      " << r.digest << " (" << r.digest_charset << ")\n";
      std::cout << "sessions:    " << r.sessions << " kept, " << r.dropped_ephemerals.size()
                << " ephemeral znodes dropped\n";
    }
    if (!r.source.status.ok() || !r.status.ok()) PrintStatusLine(r.status);
  }
  return r.status.ok() ? kExitOk : kExitProblems;
}

// Loads a snapshot file or a data dir / zoo.cfg (replayed) into a tree.
Status LoadAny(const std::string& path, int32_t max_buffer, const ProgressFn& progress,
               DataTree* tree, std::string* what) {
  Compression comp = Compression::kPlain;
  int64_t zxid = -1;
  PathKind kind = Classify(path, &comp, &zxid);
  switch (kind) {
    case PathKind::kMissing:
      return Status::NotFound(path + " does not exist");
    case PathKind::kUnknownFile:
      return Status::Invalid(path + " cannot be read");
    case PathKind::kLog:
      return Status::Invalid(path + " is a log; diff compares snapshots or data dirs");
    case PathKind::kSnapshot: {
      DataFile f = SnapshotFileAt(path, zxid, comp);
      SnapshotSummary s = ReadSnapshotFile(f, max_buffer, tree, progress);
      *what = "snapshot " + f.name;
      return s.status;
    }
    case PathKind::kDataDir:
    case PathKind::kZooCfg: {
      std::string data_dir, log_dir, cfg;
      ZKM_RETURN_IF_ERROR(ResolveDirs(path, kind, &data_dir, &log_dir, &cfg));
      AnalyzeOptions ao;
      ao.data_dir = data_dir;
      ao.log_dir = log_dir;
      ao.flat = kind == PathKind::kDataDir && IsFlatSnapshotDir(data_dir);
      ao.max_buffer = max_buffer;
      ao.progress = progress;
      DataDirReport r = AnalyzeDataDir(ao, tree);
      *what = "data dir replayed to " + Hex(r.last_zxid);
      return r.status;
    }
  }
  return Status::Invalid("unknown path kind");
}

int Diff(const Args& a) {
  if (a.positional.size() != 2) return Usage("diff takes two paths: diff A B");
  bool json = a.flags.count("--json");
  bool mb_ok = true;
  int32_t max_buffer = MaxBuffer(a, &mb_ok);
  if (!mb_ok) return Usage("--max-buffer must be a number of bytes between 1024 and 2^30");
  DiffOptions dopts;
  if (auto it = a.opts.find("--limit"); it != a.opts.end()) {
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (!end || *end || v < 0) return Usage("--limit must be a non-negative number");
    dopts.limit = static_cast<size_t>(v);
  }
  ProgressFn progress = MakeProgress(!a.flags.count("--no-progress"));
  DataTree ta, tb;
  std::string wa, wb;
  for (int i = 0; i < 2; ++i) {
    const std::string& p = a.positional[static_cast<size_t>(i)];
    Status st = LoadAny(p, max_buffer, progress, i == 0 ? &ta : &tb, i == 0 ? &wa : &wb);
    if (st.code() == Code::kNotFound && !IsDir(p)) return Usage(st.ToString());
    if (!st.ok()) {
      std::cerr << "zk_snapshot: cannot read " << p << ": " << st.ToString() << "\n";
      if (json) {
        rapidjson::Document doc(rapidjson::kObjectType);
        auto& al = doc.GetAllocator();
        doc.AddMember("command", "diff", al);
        doc.AddMember("ok", false, al);
        doc.AddMember("status", ToJson(st, al), al);
        Emit(doc);
      }
      return kExitProblems;
    }
  }
  TreeDiff d = DiffTrees(ta, tb, dopts);
  if (json) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& al = doc.GetAllocator();
    doc.AddMember("command", "diff", al);
    doc.AddMember("ok", true, al);
    doc.AddMember("a", Str(a.positional[0], al), al);
    doc.AddMember("b", Str(a.positional[1], al), al);
    doc.AddMember("diff", ToJson(d, al), al);
    Emit(doc);
  } else {
    std::cout << "A: " << a.positional[0] << " (" << wa << ", " << d.nodes_a << " znodes)\n";
    std::cout << "B: " << a.positional[1] << " (" << wb << ", " << d.nodes_b << " znodes)\n";
    if (d.identical()) {
      std::cout << "identical: every znode's data, ACL and stat, and the sessions\n";
    } else {
      std::cout << "only in A: " << d.only_in_a << "  only in B: " << d.only_in_b
                << "  data: " << d.data << "  acl: " << d.acl << "  stat: " << d.stat
                << "  sessions only in A/B: " << d.sessions_only_in_a << "/" << d.sessions_only_in_b
                << "\n";
      for (const DiffEntry& e : d.entries)
        std::cout << "  " << e.kind << "\t" << (e.path.empty() ? "/" : e.path)
                  << (e.detail.empty() ? "" : "\t" + e.detail) << "\n";
    }
  }
  return d.identical() ? kExitOk : kExitProblems;
}

// probe: one four-letter word, classified (ok, not whitelisted, timeout, ...).
int Probe(const Args& a) {
  if (a.positional.size() != 1) return Usage("probe takes one HOST:PORT");
  long timeout = std::strtol(OptionOr(a, "--timeout", "5").c_str(), nullptr, 10);
  if (timeout < 1 || timeout > 3600) return Usage("--timeout must be 1..3600 seconds");
  std::string host;
  int port = 0;
  if (Status hp = ParseHostPort(a.positional[0], &host, &port); !hp.ok())
    return Usage(hp.message());
  ProbeResult pr = Probe4lw(a.positional[0], "srvr", static_cast<int>(timeout));
  auto info = pr.status == ProbeStatus::kOk ? ParseSrvr(pr.answer)
                                            : Result<SrvrInfo>(Status::Invalid(pr.error));
  bool ok = pr.status == ProbeStatus::kOk && info.ok();
  if (a.flags.count("--json")) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& al = doc.GetAllocator();
    doc.AddMember("command", "probe", al);
    doc.AddMember("ok", ok, al);
    doc.AddMember("endpoint", Str(a.positional[0], al), al);
    doc.AddMember("status", rapidjson::Value(ProbeStatusName(pr.status), al), al);
    doc.AddMember("error", Str(pr.error, al), al);
    doc.AddMember("seconds", pr.seconds, al);
    if (ok) {
      doc.AddMember("mode", Str(info->mode, al), al);
      doc.AddMember("zxid", info->zxid, al);
      doc.AddMember("zxid_hex", Str(Hex(info->zxid), al), al);
      doc.AddMember("node_count", info->node_count, al);
      doc.AddMember("version", Str(info->version, al), al);
    }
    Emit(doc);
  } else if (ok) {
    std::cout << a.positional[0] << ": " << info->mode << ", zxid " << Hex(info->zxid) << ", "
              << info->node_count << " nodes, ZooKeeper " << info->version << "\n";
  } else {
    std::cout << a.positional[0] << ": " << ProbeStatusName(pr.status) << ": " << pr.error << "\n";
  }
  return ok ? kExitOk : kExitProblems;
}

// plan: the decisions of the preflight from a file of every node's facts.
int PlanVerb(const Args& a) {
  if (!a.positional.empty()) return Usage("plan takes no positional arguments");
  std::string path = OptionOr(a, "--facts", "");
  if (path.empty()) return Usage("plan needs --facts FILE");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Usage("--facts " + path + " cannot be read");
  std::string text;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  rapidjson::Document in;
  if (Status st = ParseJson(text, "--facts " + path, &in); !st.ok()) return Usage(st.message());
  if (!in.IsObject())
    return Usage("--facts " + path + " is not a JSON object of source and target facts");
  Plan p = BuildPlan(in);
  if (a.flags.count("--json")) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& al = doc.GetAllocator();
    doc.AddMember("command", "plan", al);
    rapidjson::Value v = PlanToJson(p, al);
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) doc.AddMember(m->name, m->value, al);
    Emit(doc);
  } else {
    std::cout << PlanText(p) << "\n";
  }
  return p.ok() ? kExitOk : kExitProblems;
}

}  // namespace

int RunCli(int argc, char** argv) {
  Args a;
  std::string err;
  if (!ParseArgs(argc, argv, &a, &err)) return Usage(err);
  if (a.flags.count("--help") || a.command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (a.command.empty()) return Usage("no command given");
  if (a.command == "version") {
    std::cout << "zk_snapshot " << ZKM_VERSION << "\n";
    return kExitOk;
  }
  try {
    if (a.command == "inspect") return InspectOrCheck(a, false);
    if (a.command == "check") return InspectOrCheck(a, true);
    if (a.command == "consolidate") return Consolidate(a);
    if (a.command == "diff") return Diff(a);
    if (a.command == "probe") return Probe(a);
    if (a.command == "plan") return PlanVerb(a);
  } catch (const std::exception& e) {
    std::cerr << "zk_snapshot: internal error: " << e.what() << "\n";
    return kExitProblems;
  }
  return Usage("unknown command " + a.command);
}

}  // namespace zkm
