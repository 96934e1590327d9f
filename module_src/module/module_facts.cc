// state: facts. Read-only on every host (safe in check mode): what zoo.cfg
// says, whether the server runs (srvr/mntr, a plain connect, /proc), what the
// files on disk hold, free space, and the settings a target must match.
//
// Only a missing or unparsable zoo.cfg fails the module. Anything wrong with the
// data (no snapshot, a gap, damage) or with the service (down, not answering,
// 4lw not whitelisted) is a fact, reported under `zk_node` and `node`.
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/json.h"
#include "format/byte_source.h"
#include "format/zk_types.h"
#include "module/module.h"
#include "module/module_node.h"
#include "net/probe.h"
#include "node/analysis.h"
#include "node/node_settings.h"
#include "node/zoo_cfg.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

bool IsFile(const std::string& p) {
  std::ifstream f(p);
  return static_cast<bool>(f);
}

void Hex(Value& o, const char* key, int64_t zxid, JsonAlloc& a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(zxid));
  o.AddMember(Value(key, a), Value(buf, a), a);
}

}  // namespace

std::optional<uint64_t> AvailableBytesFor(const std::string& path) {
  std::string d = path.empty() ? "." : path;
  for (;;) {
    struct stat st;
    if (::stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) break;
    if (d == "/" || d == ".") return std::nullopt;
    size_t slash = d.find_last_of('/');
    d = slash == std::string::npos ? "." : slash == 0 ? "/" : d.substr(0, slash);
  }
  struct statvfs sv;
  if (::statvfs(d.c_str(), &sv) != 0) return std::nullopt;
  return uint64_t(sv.f_bavail) * uint64_t(sv.f_frsize ? sv.f_frsize : sv.f_bsize);
}

std::string FindZooCfg(const std::string& config, std::string* found_by,
                       std::vector<std::string>* searched) {
  if (!config.empty()) {
    *found_by = "option";
    searched->push_back(config);
    // A given path that exists is returned even if it cannot be read, so that
    // loading it reports the real reason (permission denied, a directory).
    struct stat st;
    return ::stat(config.c_str(), &st) == 0 ? config : "";
  }
  std::vector<std::pair<std::string, std::string>> places;
  if (const char* d = std::getenv("ZOOCFGDIR"); d && *d)
    places.push_back({std::string(d) + "/zoo.cfg", "ZOOCFGDIR"});
  for (const char* s : {"/etc/zookeeper/conf/zoo.cfg", "/opt/zookeeper/conf/zoo.cfg",
                        "/usr/share/zookeeper/conf/zoo.cfg", "/opt/zookeeper/current/conf/zoo.cfg"})
    places.push_back({s, "default location"});
  for (const auto& pl : places) {
    searched->push_back(pl.first);
    if (IsFile(pl.first)) {
      *found_by = pl.second;
      return pl.first;
    }
  }
  return "";
}

namespace {

Value FreeSpace(const std::string& dir, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("path", Str(dir, a), a);
  struct statvfs sv;
  if (::statvfs(dir.c_str(), &sv) != 0) {
    o.AddMember("error", Str("cannot statvfs " + dir, a), a);
    return o;
  }
  uint64_t bs = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
  o.AddMember("bytes_total", Value(uint64_t(sv.f_blocks) * bs), a);
  o.AddMember("bytes_free", Value(uint64_t(sv.f_bfree) * bs), a);
  o.AddMember("bytes_available", Value(uint64_t(sv.f_bavail) * bs), a);
  o.AddMember("filesystem_id", Value(uint64_t(sv.f_fsid)), a);
  return o;
}

Value ProbeJson(const ProbeResult& r, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("command", Str(r.command, a), a);
  o.AddMember("status", Value(ProbeStatusName(r.status), a), a);
  o.AddMember("seconds", Value(r.seconds), a);
  if (r.status != ProbeStatus::kOk) {
    o.AddMember("error", Str(r.error, a), a);
    o.AddMember("answer", Str(r.answer.substr(0, 400), a), a);
  }
  return o;
}

// The service part: probe, connect, /proc. Fills `node`.
void ServiceFacts(const ModuleParams& p, const std::string& endpoint,
                  const std::optional<ServerProcess>& proc, Value& node, JsonAlloc& a) {
  const int timeout = static_cast<int>(p.timeout);
  Value running, serving, mode, zxid, node_count, version;  // null: unknown
  node.AddMember("client_endpoint", Str(endpoint, a), a);
  // The same split in two ("[::1]:2181" -> "[::1]", 2181), for callers that connect to it.
  size_t colon = endpoint.rfind(':');
  node.AddMember("client_host", Str(colon == std::string::npos ? "" : endpoint.substr(0, colon), a),
                 a);
  node.AddMember("client_port",
                 Value(colon == std::string::npos ? 0 : std::atoi(endpoint.c_str() + colon + 1)),
                 a);
  Value process;  // null: no JVM with this zoo.cfg on its command line
  if (proc) {
    process.SetObject();
    process.AddMember("pid", proc->pid, a);
  }
  node.AddMember("process", process, a);
  if (endpoint.empty()) {
    node.AddMember("probe", Value(), a);
    running = Value(proc.has_value());
  } else {
    ProbeResult srvr = Probe4lw(endpoint, "srvr", timeout);
    Value probe = ProbeJson(srvr, a);
    switch (srvr.status) {
      case ProbeStatus::kOk:
        running = Value(true);
        if (auto s = ParseSrvr(srvr.answer); s.ok()) {
          serving = Value(true);
          mode = Str(s->mode, a);
          zxid = Value(s->zxid);
          if (s->node_count >= 0) node_count = Value(s->node_count);
          version = Str(s->version, a);
        }
        break;
      case ProbeStatus::kNotServing:
        running = Value(true);
        serving = Value(false);
        break;
      case ProbeStatus::kNotWhitelisted:  // it answered, so it runs; mode unknown
        running = Value(true);
        break;
      case ProbeStatus::kRefused:
        running = Value(proc.has_value());  // a JVM with this config but no client port
        serving = Value(false);
        break;
      case ProbeStatus::kTimeout:
      case ProbeStatus::kUnexpected: {
        ProbeResult c = ProbeConnect(endpoint, timeout);
        probe.AddMember("connect", Value(ProbeStatusName(c.status), a), a);
        // An open but silent port may be anything: unknown, unless the JVM is there.
        if (proc)
          running = Value(true);
        else if (c.status == ProbeStatus::kRefused)
          running = Value(false);
        break;
      }
    }
    if (srvr.status == ProbeStatus::kOk || srvr.status == ProbeStatus::kNotWhitelisted ||
        srvr.status == ProbeStatus::kNotServing) {
      ProbeResult m = Probe4lw(endpoint, "mntr", timeout);
      Value mj = ProbeJson(m, a);
      if (auto mi = ParseMntr(m.answer); m.status == ProbeStatus::kOk && mi.ok()) {
        mj.AddMember("server_state", Str(mi->server_state, a), a);
        mj.AddMember("znode_count", Value(mi->znode_count), a);
        mj.AddMember("ephemerals_count", Value(mi->ephemerals_count), a);
        mj.AddMember("approximate_data_size", Value(mi->approximate_data_size), a);
        if (mode.IsNull()) mode = Str(mi->server_state, a);
      }
      node.AddMember("mntr", mj, a);
    }
    node.AddMember("probe", probe, a);
  }
  bool has_zxid = zxid.IsInt64();
  int64_t z = has_zxid ? zxid.GetInt64() : 0;
  node.AddMember("running", running, a);
  node.AddMember("serving", serving, a);
  node.AddMember("mode", mode, a);
  node.AddMember("zxid", zxid, a);
  if (has_zxid)
    Hex(node, "zxid_hex", z, a);
  else
    node.AddMember("zxid_hex", Value(), a);
  node.AddMember("node_count", node_count, a);
  node.AddMember("version", version, a);
}

// The disk part: AnalyzeDataDir (never fails the module).
void DiskFacts(const ZooCfg& cfg, int32_t max_buffer, Value& node, JsonAlloc& a) {
  AnalyzeOptions opts;
  opts.data_dir = cfg.data_dir;
  opts.log_dir = cfg.data_log_dir;
  opts.max_buffer = max_buffer;
  DataTree tree;
  auto t0 = std::chrono::steady_clock::now();
  DataDirReport rep = AnalyzeDataDir(opts, &tree);
  Value disk(rapidjson::kObjectType);
  disk.AddMember("status", Value(rep.status.ok() ? "ok" : CodeName(rep.status.code()), a), a);
  disk.AddMember("msg", Str(rep.status.ToString(), a), a);
  disk.AddMember(
      "seconds",
      Value(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()), a);
  disk.AddMember("snapshot", rep.snapshot ? ToJson(*rep.snapshot, a) : Value(), a);
  disk.AddMember("from_empty_tree", rep.from_empty_tree, a);
  Value rejected(rapidjson::kArrayType);
  for (const RejectedSnapshot& r : rep.rejected) {
    Value e(rapidjson::kObjectType);
    e.AddMember("name", Str(r.file.name, a), a);
    e.AddMember("reason", Str(r.reason, a), a);
    rejected.PushBack(e, a);
  }
  disk.AddMember("rejected_snapshots", rejected, a);
  bool consistent = rep.status.ok();
  // last_zxid is only a fact when the files replay to a consistent tree.
  node.AddMember("last_zxid", consistent ? Value(rep.last_zxid) : Value(), a);
  if (consistent)
    Hex(node, "last_zxid_hex", rep.last_zxid, a);
  else
    node.AddMember("last_zxid_hex", Value(), a);
  node.AddMember("last_epoch", consistent ? Value(rep.last_zxid >> 32) : Value(), a);
  const DataDirScan& s = rep.scan;
  node.AddMember("current_epoch", s.current_epoch ? Value(*s.current_epoch) : Value(), a);
  node.AddMember("accepted_epoch", s.accepted_epoch ? Value(*s.accepted_epoch) : Value(), a);
  disk.AddMember("znodes", consistent ? Value(rep.znodes) : Value(), a);
  disk.AddMember("sessions", consistent ? Value(rep.sessions) : Value(), a);
  disk.AddMember("tree_digest", consistent ? Value(rep.digest) : Value(), a);
  uint64_t orphans = 0;
  for (const auto& kv : rep.orphan_ephemerals) orphans += kv.second;
  disk.AddMember("orphan_ephemerals", Value(orphans), a);
  disk.AddMember("snapshot_count", Value(uint64_t(s.snapshots.size())), a);
  disk.AddMember("snapshot_bytes", Value(s.snap_bytes), a);
  disk.AddMember("log_count", Value(uint64_t(s.logs.size())), a);
  disk.AddMember("log_bytes", Value(s.log_bytes), a);
  disk.AddMember("logs_replayed", Value(uint64_t(rep.logs.size())), a);
  // Figures of the tree for the plan: the heap it needs and the bytes the
  // bundle really holds (valid bytes of the replayed logs, not file sizes).
  uint64_t valid_log_bytes = 0;
  for (const LogUse& l : rep.logs) valid_log_bytes += l.summary.end_offset;
  disk.AddMember("valid_log_bytes", Value(valid_log_bytes), a);
  Value tf(rapidjson::kObjectType);
  if (consistent) {
    uint64_t path_bytes = 0, largest = 0, ephemerals = 0, containers = 0, ttl_nodes = 0;
    tree.ForEach([&](const Node& n) {
      path_bytes += n.path.size();
      if (n.data_len > 0) largest = std::max<uint64_t>(largest, uint64_t(n.data_len));
      switch (KindOfOwner(n.stat.ephemeral_owner)) {
        case NodeKind::kEphemeral:
          ++ephemerals;
          break;
        case NodeKind::kContainer:
          ++containers;
          break;
        case NodeKind::kTtl:
          ++ttl_nodes;
          break;
        default:
          break;
      }
    });
    tf.AddMember("znodes", Value(uint64_t(tree.size())), a);
    tf.AddMember("path_bytes", Value(path_bytes), a);
    tf.AddMember("data_bytes", Value(tree.data_bytes()), a);
    tf.AddMember("acl_entries", Value(uint64_t(tree.acls().size())), a);
    tf.AddMember("sessions", Value(uint64_t(tree.sessions().size())), a);
    tf.AddMember("ephemerals", Value(ephemerals), a);
    tf.AddMember("containers", Value(containers), a);
    tf.AddMember("ttl_nodes", Value(ttl_nodes), a);
    tf.AddMember("largest_data_bytes", Value(largest), a);
  }
  if (!consistent) tf.SetNull();
  disk.AddMember("tree", tf, a);
  std::vector<std::string> warnings = s.warnings;
  warnings.insert(warnings.end(), rep.warnings.begin(), rep.warnings.end());
  Value w(rapidjson::kArrayType);
  for (const std::string& x : warnings) w.PushBack(Str(x, a), a);
  disk.AddMember("warnings", w, a);
  node.AddMember("disk", disk, a);
}

}  // namespace

void RunFacts(const ModuleParams& p, ModuleResult* r) {
  JsonAlloc& a = r->alloc();
  std::optional<uint64_t> heap_option;
  if (!p.heap.empty() && !(heap_option = ParseJvmSize(p.heap))) {
    r->Fail("option heap must be a JVM size such as 512m, 4g or a number of bytes, got: " + p.heap);
    return;
  }
  std::string found_by;
  std::vector<std::string> searched;
  std::string path = FindZooCfg(p.config, &found_by, &searched);
  if (path.empty()) {
    std::string list;
    for (const std::string& s : searched) list += (list.empty() ? "" : ", ") + s;
    r->Fail(p.config.empty() ? "no zoo.cfg found; looked in: " + list + " (set the config option)"
                             : "zoo.cfg " + p.config + " does not exist or cannot be read");
    Value s(rapidjson::kArrayType);
    for (const std::string& x : searched) s.PushBack(Str(x, a), a);
    r->Set("searched", std::move(s));
    return;
  }
  auto cfg = LoadZooCfg(path);
  if (!cfg.ok()) {
    r->Fail("cannot use " + path + ": " + cfg.status().ToString(), cfg.status());
    return;
  }
  Value node(rapidjson::kObjectType);
  node.AddMember("config_path", Str(path, a), a);
  node.AddMember("config_found_by", Str(found_by, a), a);
  node.AddMember("data_dir", Str(cfg->data_dir, a), a);
  node.AddMember("data_log_dir", Str(cfg->data_log_dir, a), a);
  std::optional<int64_t> myid = ReadMyid(cfg->data_dir);
  node.AddMember("myid", myid ? Value(*myid) : Value(), a);
  node.AddMember("standalone", Value(cfg->servers.empty()), a);
  Value servers(rapidjson::kArrayType);
  for (const ServerEntry& s : cfg->servers) {
    Value e(rapidjson::kObjectType);
    e.AddMember("id", Value(s.id), a);
    e.AddMember("host", Str(s.host, a), a);
    e.AddMember("quorum_port", s.quorum_port, a);
    e.AddMember("election_port", s.election_port, a);
    e.AddMember("role", Str(s.role, a), a);
    e.AddMember("client_address", Str(s.client_address, a), a);
    e.AddMember("client_port", s.client_port, a);
    servers.PushBack(e, a);
  }
  node.AddMember("servers", servers, a);

  std::optional<ServerProcess> proc = FindServerProcess(path);
  std::vector<std::string> env_files;
  JvmFlags env = ReadConfDirEnvFiles(path, &env_files);
  JvmFlags pflags;
  if (proc) pflags = JvmFlagsFromArgv(proc->argv, "cmdline of pid " + std::to_string(proc->pid));
  NodeSettings settings = ResolveSettings(*cfg, env, proc ? &pflags : nullptr);

  std::string endpoint = p.client.empty() ? cfg->ClientEndpoint(myid.value_or(0)) : p.client;
  ServiceFacts(p, endpoint, proc, node, a);

  int64_t limit = p.max_buffer > 0 ? p.max_buffer : settings.jute_limit;
  DiskFacts(*cfg, static_cast<int32_t>(std::min<int64_t>(limit, INT32_MAX)), node, a);

  Value free_space(rapidjson::kObjectType);
  free_space.AddMember("data_dir", FreeSpace(cfg->data_dir, a), a);
  free_space.AddMember("data_log_dir", FreeSpace(cfg->data_log_dir, a), a);
  node.AddMember("free_space", free_space, a);

  Value sv(rapidjson::kObjectType);
  for (const SettingValue& s : settings.values) {
    Value e(rapidjson::kObjectType);
    e.AddMember("value", Str(s.value, a), a);
    e.AddMember("source", Str(s.source, a), a);
    e.AddMember("property", Str(s.property, a), a);
    sv.AddMember(Str(s.name, a), e, a);
  }
  node.AddMember("settings", sv, a);
  node.AddMember("jute_limit", Value(settings.jute_limit), a);
  Value ef(rapidjson::kArrayType);
  for (const std::string& f : env_files) ef.PushBack(Str(f, a), a);
  node.AddMember("env_files", ef, a);

  std::vector<std::string> warnings = cfg->warnings;
  warnings.insert(warnings.end(), settings.warnings.begin(), settings.warnings.end());
  if (!cfg->data_dir.empty() && cfg->data_dir[0] != '/')
    warnings.push_back("dataDir " + cfg->data_dir +
                       " is relative: the server resolves it against its working directory");

  // The heap the server holds its tree with (the plan compares it with the tree):
  // the option wins (a heap set in a way this cannot read), else the running JVM's.
  std::optional<uint64_t> heap = heap_option;
  std::string heap_source = heap ? "option" : "";
  if (!heap && proc) {
    heap = MaxHeapFromArgv(proc->argv);
    if (heap) heap_source = "cmdline of pid " + std::to_string(proc->pid);
  }
  r->Set("heap_bytes", heap ? Value(*heap) : Value());
  r->Set("heap_source", heap ? Str(heap_source, a) : Value());
  if (!p.work_dir.empty()) {
    std::optional<uint64_t> f = AvailableBytesFor(p.work_dir);
    r->SetString("work_dir", p.work_dir);
    r->Set("work_free_bytes", f ? Value(*f) : Value());
  }
  // The marker an earlier migration into this node left (zk_verify writes it).
  Value marker;
  if (!cfg->data_dir.empty()) {
    std::string mpath = cfg->data_dir + "/zkmigrate-migration.json";
    struct stat st;
    if (::stat(mpath.c_str(), &st) == 0) {
      std::string head, tail;
      rapidjson::Document md;
      Status st2 = st.st_size > (1 << 20)
                       ? Status::Invalid("larger than 1 MiB")
                       : ReadFileEnds(mpath, size_t(st.st_size), 0, &head, &tail);
      if (st2.ok()) st2 = ParseJson(head, mpath, &md);
      if (st2.ok() && md.IsObject())
        marker.CopyFrom(md, a);
      else
        warnings.push_back("the migration marker " + mpath + " cannot be read (" +
                           (st2.ok() ? std::string("not a JSON object") : st2.ToString()) +
                           "): it is ignored");
    }
  }
  r->Set("marker", std::move(marker));
  // The server's version: what it answers (srvr), else what the caller says.
  std::string answered = node["version"].IsString() ? node["version"].GetString() : "";
  if (!answered.empty()) {
    r->SetString("version", answered);
    r->SetString("version_source", "srvr");
  } else if (!p.server_version.empty()) {
    r->SetString("version", p.server_version);
    r->SetString("version_source", "option");
  } else {
    r->Set("version", Value());
    r->Set("version_source", Value());
  }

  Value w(rapidjson::kArrayType);
  for (const std::string& x : warnings) w.PushBack(Str(x, a), a);
  node.AddMember("warnings", w, a);

  Value copy(node, a);  // deep copy for ansible_facts
  Value facts(rapidjson::kObjectType);
  facts.AddMember("zk_node", copy, a);
  r->Set("ansible_facts", std::move(facts));
  r->Set("node", std::move(node));
  r->changed = false;
  r->msg = "facts of " + path;
}

}  // namespace zkm
