// state: bundle (docs/DESIGN.md step 4), on the chosen source node, stopped.
//
// The bundle is built in `dest/.zkm-staging-<pid>` and only then moved into
// `dest` (data files first, manifest.json last, so a manifest always describes
// files that are there); a failure at any step removes the staging dir and puts
// a previous bundle back, leaving `dest` as it was. The same source state (the
// name, size and mtime of every snapshot, log and epoch file), the same options
// and a bundle that still verifies mean there is nothing to do.
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "format/jute.h"
#include "format/sha256.h"
#include "format/zk_types.h"
#include "module/module.h"
#include "module/module_node.h"
#include "node/analysis.h"
#include "node/consolidate.h"
#include "node/datadir.h"
#include "node/manifest.h"
#include "node/placement.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

// Keys of zoo.cfg (also as "zookeeper."-less system-property spellings) that
// must agree between source and target (docs/FORMATS.md 11).
const char* const kSettingKeys[] = {"jute.maxbuffer",
                                    "zookeeper.jute.maxbuffer.extrasize",
                                    "digest.enabled",
                                    "zookeeper.digest.enabled",
                                    "extendedTypesEnabled",
                                    "zookeeper.extendedTypesEnabled",
                                    "emulate353TTLNodes",
                                    "zookeeper.emulate353TTLNodes",
                                    "snapshot.compression.method",
                                    "zookeeper.snapshot.compression.method",
                                    "closeSessionTxn.enabled",
                                    "zookeeper.closeSessionTxn.enabled",
                                    "serializeLastProcessedZxid.enabled",
                                    "reconfigEnabled"};

SnapshotFormat FormatOf(const std::string& f, std::string* name) {
  if (f == "3.4" || f == "3.5") return *name = "3.4", SnapshotFormat::kLegacy;
  if (f == "3.9") return *name = "3.9", SnapshotFormat::kZk39;
  return *name = "3.6", SnapshotFormat::kZk36;
}

void Stamp(const std::string& dir, const std::string& name, std::vector<SourceStamp>* out) {
  struct stat st;
  std::string path = dir + "/" + name;
  if (::stat(path.c_str(), &st) != 0) return;
  out->push_back({name, static_cast<uint64_t>(st.st_size),
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec});
}

std::vector<SourceStamp> Stamps(const DataDirScan& scan) {
  std::vector<SourceStamp> out;
  for (const DataFile& f : scan.snapshots) Stamp(scan.snap_dir, f.name, &out);
  for (const DataFile& f : scan.logs) Stamp(scan.log_dir, f.name, &out);
  for (const char* e : {"currentEpoch", "acceptedEpoch"}) Stamp(scan.snap_dir, e, &out);
  return out;
}

// Counts a manifest needs, from a tree (raw mode).
void CountTree(const DataTree& tree, Manifest* m) {
  tree.ForEach([&](const Node& n) {
    switch (KindOfOwner(n.stat.ephemeral_owner)) {
      case NodeKind::kEphemeral:
        m->ephemerals++;
        break;
      case NodeKind::kContainer:
        m->containers++;
        break;
      case NodeKind::kTtl:
        m->ttl_nodes++;
        break;
      default:
        break;
    }
    uint64_t len = n.data_len > 0 ? static_cast<uint64_t>(n.data_len) : 0;
    if (len > m->largest_bytes) {
      m->largest_bytes = len;
      m->largest_path = n.path.empty() ? "/" : std::string(n.path);
    }
  });
  m->acl_count = tree.UsedAclRefs().size();
  m->sessions = tree.sessions().size();
  m->data_bytes = tree.data_bytes();
}

struct Plan {
  NodeContext node;
  DataDirScan scan;
  Manifest m;  // source part and options filled before building
  SnapshotFormat format = SnapshotFormat::kZk36;
};

bool SameSource(const Manifest& old, const Manifest& now) {
  return old.mode == now.mode && old.snapshot_format == now.snapshot_format &&
         old.drop_sessions == now.drop_sessions && old.source.config == now.source.config &&
         old.source.data_dir == now.source.data_dir &&
         old.source.data_log_dir == now.source.data_log_dir &&
         old.source.stamps == now.source.stamps;
}

// Raw mode: the newest valid snapshot and its logs, copied unchanged.
Status BuildRaw(Plan& plan, const std::string& staging, const DataDirReport& rep,
                const DataTree& tree) {
  Manifest& m = plan.m;
  std::string sha;
  FileOwner keep;
  ZKM_RETURN_IF_ERROR(CopyFileDurable(rep.snapshot->path, staging, rep.snapshot->name, "", 0644,
                                      keep, false, &sha));
  m.files.push_back({rep.snapshot->name, "snapshot", rep.snapshot->size, sha});
  for (const LogUse& l : rep.logs) {
    ZKM_RETURN_IF_ERROR(
        CopyFileDurable(l.file.path, staging, l.file.name, "", 0644, keep, false, &sha));
    m.files.push_back({l.file.name, "log", l.file.size, sha});
  }
  m.snapshot_zxid = rep.snapshot->zxid;
  m.last_zxid = rep.last_zxid;
  m.znodes = rep.znodes;
  m.tree_digest = rep.digest;
  m.digest_charset = rep.replay.digest_charset;
  CountTree(tree, &m);
  return Status::Ok();
}

Status BuildConsolidated(Plan& plan, const std::string& staging, const ModuleParams& p,
                         const AnalyzeOptions& ao, uint64_t* dropped) {
  ConsolidateOptions co;
  co.source = ao;
  co.out_dir = staging;
  co.format = plan.format;
  co.drop_sessions = p.drop_sessions;
  ConsolidateReport r = Consolidate(co);
  if (!r.status.ok()) return r.status;
  Manifest& m = plan.m;
  m.files.push_back({r.output_name, "snapshot", r.output_bytes, r.sha256});
  m.snapshot_zxid = m.last_zxid = r.zxid;
  m.znodes = r.nodes;
  m.tree_digest = r.digest;
  m.digest_charset = r.digest_charset;
  m.acl_count = r.acl_entries;
  m.sessions = r.sessions;
  for (const auto& kv : r.verify.ephemerals_by_owner) m.ephemerals += kv.second;
  m.containers = r.verify.containers;
  m.ttl_nodes = r.verify.ttl_nodes;
  m.largest_path = r.verify.largest_path.empty() ? "/" : r.verify.largest_path;
  m.largest_bytes = r.verify.largest_bytes;
  m.data_bytes = r.data_bytes;
  *dropped = r.dropped_ephemerals.size();
  return Status::Ok();
}

// Moves the staged files into dest; the old bundle's files go aside first and
// come back if anything fails.
Status Swap(const std::string& dest, const std::string& staging, const Manifest* old,
            const Manifest& now) {
  std::string aside = dest + "/.zkm-old-" + std::to_string(::getpid());
  std::vector<std::string> moved_aside, moved_in;
  auto undo = [&](Status st) {
    for (auto it = moved_in.rbegin(); it != moved_in.rend(); ++it)
      MoveEntry(dest + "/" + *it, staging + "/" + *it);
    for (auto it = moved_aside.rbegin(); it != moved_aside.rend(); ++it)
      MoveEntry(aside + "/" + *it, dest + "/" + *it);
    RemoveTree(aside);
    return st;
  };
  if (old) {
    ZKM_RETURN_IF_ERROR(MakeDirs(aside, 0755, FileOwner{}));
    std::vector<std::string> names{kManifestName};
    for (const ManifestFile& f : old->files) names.push_back(f.name);
    for (const std::string& n : names) {
      if (!PathExists(dest + "/" + n)) continue;
      Status st = MoveEntry(dest + "/" + n, aside + "/" + n);
      if (!st.ok()) return undo(st);
      moved_aside.push_back(n);
    }
  }
  std::vector<std::string> names;
  for (const ManifestFile& f : now.files) names.push_back(f.name);
  names.push_back(kManifestName);  // last: the commit point
  for (const std::string& n : names) {
    Status st = MoveEntry(staging + "/" + n, dest + "/" + n);
    if (!st.ok()) return undo(st);
    moved_in.push_back(n);
  }
  RemoveTree(aside);
  return FsyncPath(dest);
}

}  // namespace

// Builds the bundle in a staging dir inside `dest`, writes the manifest and swaps
// it in. On failure `dest` is left as it was (removed if this run created it).
Status StageAndSwap(const std::string& dest, const Plan& plan, bool allow_running, Manifest* m,
                    const Manifest* old, const std::function<Status(const std::string&)>& build) {
  bool created = !PathExists(dest);
  Status st = MakeDirs(dest, 0755, FileOwner{});
  std::string staging = dest + "/.zkm-staging-" + std::to_string(::getpid());
  if (st.ok()) st = RemoveTree(staging);
  if (st.ok()) st = MakeDirs(staging, 0755, FileOwner{});
  if (st.ok()) st = build(staging);
  if (st.ok() && !allow_running && !(Stamps(plan.scan) == m->source.stamps))
    st = Status::Mismatch("the source files changed while they were read");
  if (st.ok()) {
    m->created = UtcNowIso();
    st = WriteFileDurable(staging, kManifestName, ManifestToJson(*m), 0644, FileOwner{});
  }
  if (st.ok()) st = Swap(dest, staging, old, *m);
  RemoveTree(staging);
  if (!st.ok() && created) RemoveTree(dest);
  return st;
}

void RunBundle(const ModuleParams& p, ModuleResult* r) {
  auto& a = r->alloc();
  const std::string dest = p.dest;
  auto node = LoadNode(p.config);
  if (!node.ok()) return r->Fail(node.status().message(), node.status());
  Plan plan;
  plan.node = std::move(*node);
  // A bundle written inside the node's data dirs changes the node: it takes the
  // node lock; elsewhere it only reads, and refuses while another run holds it.
  auto inside = [&](const std::string& d) {
    return dest == d || dest.compare(0, d.size() + 1, d + "/") == 0;
  };
  bool writes_node = inside(plan.node.cfg.data_dir) || inside(plan.node.cfg.data_log_dir);
  std::unique_ptr<NodeLock> lock;
  Status st = LockNode(plan.node, "bundle", p.check_mode || !writes_node, &lock, &r->warnings);
  if (!st.ok()) return r->Fail(st.message(), st);
  std::string warning;
  st = RequireStopped(plan.node, p.timeout, p.allow_running, "bundle", &warning);
  if (!st.ok()) return r->Fail(st.message(), st);
  if (!warning.empty()) r->warnings.push_back(warning);

  auto scan = ScanDataDirs(plan.node.cfg.data_dir, plan.node.cfg.data_log_dir);
  if (!scan.ok())
    return r->Fail(
        "cannot read the data dirs of " + plan.node.config_path + ": " + scan.status().message(),
        scan.status());
  plan.scan = std::move(*scan);
  if (plan.scan.snapshots.empty() && plan.scan.logs.empty())
    return r->Fail("no snapshot and no log in " + plan.scan.snap_dir + ": nothing to bundle",
                   Status::NotFound("no snapshot in " + plan.scan.snap_dir));
  // ZooKeeper 3.4 data (logs, no snapshot): a 3.5+ server refuses these files as
  // they are ("No snapshot found, but there are log entries"); the consolidated
  // bundle replays them from zxid 0 instead (docs/FORMATS.md 17).
  if (plan.scan.snapshots.empty() && p.mode == "raw")
    return r->Fail("no snapshot in " + plan.scan.snap_dir +
                       ", only logs (ZooKeeper 3.4 data): a raw bundle of these files does not "
                       "load on ZooKeeper 3.5+ (\"No snapshot found, but there are log "
                       "entries\"); use mode: consolidated, which replays the logs from zxid 0",
                   Status::Invalid("raw bundle of a data dir without a snapshot"));

  Manifest& m = plan.m;
  m.tool_version = ZKM_VERSION;
  m.mode = p.mode;
  plan.format = FormatOf(p.format, &m.snapshot_format);
  if (p.mode == "raw") m.snapshot_format = "source";
  m.drop_sessions = p.mode == "consolidated" && p.drop_sessions;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  m.source.host = host;
  m.source.config = plan.node.config_path;
  m.source.data_dir = plan.node.cfg.data_dir;
  m.source.data_log_dir = plan.node.cfg.data_log_dir;
  m.source.myid = plan.scan.myid.value_or(-1);
  m.source.current_epoch = plan.scan.current_epoch.value_or(-1);
  m.source.accepted_epoch = plan.scan.accepted_epoch.value_or(-1);
  for (const char* k : kSettingKeys) {
    auto it = plan.node.cfg.props.find(k);
    if (it != plan.node.cfg.props.end()) m.source.settings[k] = it->second;
  }
  m.source.settings["observed.snapshot_compression"] =
      plan.scan.snapshots.empty() ? "none"
                                  : CompressionName(plan.scan.snapshots.back().compression);
  m.source.stamps = Stamps(plan.scan);

  // Where the bundle goes, and what is there now.
  if (PathExists(dest) && !IsDirectory(dest))
    return r->Fail("dest " + dest + " exists and is not a directory", Status::Invalid(dest));
  std::optional<Manifest> old;
  if (IsDirectory(dest)) {
    auto om = ReadManifest(dest);
    if (om.ok()) old = *om;
    auto names = ListDir(dest);
    if (!names.ok()) return r->Fail(names.status().message(), names.status());
    for (const std::string& n : *names) {
      bool data = n.rfind("snapshot.", 0) == 0 || n.rfind("log.", 0) == 0;
      bool listed = false;
      if (old)
        for (const ManifestFile& f : old->files) listed |= f.name == n;
      if (data && !listed)
        return r->Fail("dest " + dest + " holds " + n +
                           ", which is not part of a zkmigrate bundle; choose an empty directory",
                       Status::Invalid(dest + "/" + n));
    }
  }
  Value before = old ? ManifestSummary(*old, a) : Value(rapidjson::kObjectType);
  if (old && SameSource(*old, m) && VerifyBundle(dest, *old).ok()) {
    Value b = ManifestSummary(*old, a);
    auto sha = Sha256File(dest + "/" + kManifestName);
    b.AddMember("dir", Str(dest, a), a);
    b.AddMember("manifest_sha256", Str(sha.ok() ? *sha : std::string(), a), a);
    r->Set("bundle", std::move(b));
    r->SetString("manifest", dest + "/" + kManifestName);
    r->msg = "bundle in " + dest + " is up to date (" + Hex(old->last_zxid) + ")";
    return;
  }

  // Preconditions before writing anything.
  std::string probe_dir = NearestExisting(dest);
  uint64_t needed = 0;
  int64_t from_zxid = 0;
  if (!plan.scan.snapshots.empty()) {
    const DataFile& newest = plan.scan.snapshots.back();
    needed = newest.size * (newest.compression == Compression::kPlain ? 1 : 4);
    from_zxid = newest.zxid;
  }
  for (const DataFile& f : LogsNeededFor(plan.scan.logs, from_zxid)) needed += f.size;
  Value checks(rapidjson::kObjectType);
  checks.AddMember("dest_free_bytes_needed", needed, a);
  r->Set("checks", std::move(checks));
  st = CheckWritable(probe_dir);
  if (st.ok()) st = CheckFreeSpace(probe_dir, needed);
  if (!st.ok()) return r->Fail("cannot write the bundle into " + dest + ": " + st.message(), st);

  AnalyzeOptions ao;
  ao.data_dir = plan.node.cfg.data_dir;
  ao.log_dir = plan.node.cfg.data_log_dir;
  if (p.max_buffer > 0)
    ao.max_buffer = static_cast<int32_t>(std::min<int64_t>(p.max_buffer, 1 << 30));
  if (p.check_mode || p.mode == "raw") {
    DataTree tree;
    DataDirReport rep = AnalyzeDataDir(ao, &tree);
    if (!rep.status.ok())
      return r->Fail(
          "the data in " + plan.scan.snap_dir + " cannot be bundled: " + rep.status.ToString(),
          rep.status);
    if (p.check_mode) {
      Value would(rapidjson::kObjectType);
      would.AddMember("mode", Str(p.mode, a), a);
      would.AddMember("source_snapshot", rep.snapshot ? Str(rep.snapshot->name, a) : Value(), a);
      would.AddMember("logs", static_cast<uint64_t>(rep.logs.size()), a);
      would.AddMember("last_zxid", rep.last_zxid, a);
      would.AddMember("last_zxid_hex", Str(Hex(rep.last_zxid), a), a);
      would.AddMember("znodes", rep.znodes, a);
      r->Set("bundle", std::move(would));
      r->changed = true;
      r->msg = "would write a " + p.mode + " bundle of " + Hex(rep.last_zxid) + " into " + dest +
               " (check mode)";
      r->has_diff = true;
      r->diff_before = Value(before, a);
      r->diff_after = Value(r->data["bundle"], a);
      return;
    }
    // Raw mode builds from this analysis below.
    st = StageAndSwap(
        dest, plan, p.allow_running, &m, old ? &*old : nullptr,
        [&](const std::string& staging) { return BuildRaw(plan, staging, rep, tree); });
    if (!st.ok()) return r->Fail("cannot write the bundle into " + dest + ": " + st.ToString(), st);
    if (!rep.orphan_ephemerals.empty())
      r->warnings.push_back(
          "the raw bundle holds ephemerals of sessions that are not in its "
          "session table; a ZooKeeper leader drops them at load, followers "
          "keep them (use mode: consolidated)");
  } else {
    uint64_t dropped = 0;
    st = StageAndSwap(dest, plan, p.allow_running, &m, old ? &*old : nullptr,
                      [&](const std::string& staging) {
                        return BuildConsolidated(plan, staging, p, ao, &dropped);
                      });
    if (!st.ok()) {
      std::string why = st.code() == Code::kIoError || st.code() == Code::kNotFound
                            ? "cannot write the bundle into " + dest + ": "
                            : "the data in " + plan.scan.snap_dir + " cannot be bundled: ";
      return r->Fail(why + st.ToString(), st);
    }
    r->Set("dropped_ephemerals", Value(dropped));
  }
  auto sha = Sha256File(dest + "/" + kManifestName);
  Value b = ManifestSummary(m, a);
  b.AddMember("dir", Str(dest, a), a);
  b.AddMember("manifest_sha256", Str(sha.ok() ? *sha : std::string(), a), a);
  r->Set("bundle", std::move(b));
  r->SetString("manifest", dest + "/" + kManifestName);
  r->changed = true;
  r->msg = "wrote a " + p.mode + " bundle of " + Hex(m.last_zxid) + " (" +
           std::to_string(m.znodes) + " znodes) into " + dest;
  r->has_diff = true;
  r->diff_before = std::move(before);
  r->diff_after = ManifestSummary(m, a);
}

}  // namespace zkm
