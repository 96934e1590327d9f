#include "module/module_node.h"

#include <cstdio>

#include "format/byte_source.h"
#include "format/jute.h"
#include "net/probe.h"
#include "node/placement.h"
#include "report/json_report.h"

namespace zkm {

using rapidjson::Value;

std::optional<int64_t> ReadMyid(const std::string& data_dir) {
  auto f = FileSource::Open(data_dir + "/myid");
  if (!f.ok()) return std::nullopt;
  std::string text;
  if (!(*f)->ReadAll(&text, 4096).ok()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str()) return std::nullopt;
  return v;
}

Result<NodeContext> LoadNode(const std::string& config) {
  NodeContext n;
  std::string found_by;
  std::vector<std::string> searched;
  n.config_path = FindZooCfg(config, &found_by, &searched);
  if (n.config_path.empty()) {
    if (!config.empty()) return Status::NotFound("zoo.cfg " + config + " does not exist");
    std::string where;
    for (const std::string& s : searched) where += (where.empty() ? "" : ", ") + s;
    return Status::NotFound("no zoo.cfg given and none found (looked in " + where + ")");
  }
  auto cfg = LoadZooCfg(n.config_path);
  if (!cfg.ok()) return cfg.status();
  n.cfg = std::move(*cfg);
  n.myid = ReadMyid(n.cfg.data_dir).value_or(-1);
  n.endpoint = n.cfg.ClientEndpoint(n.myid);
  return n;
}

bool ClientPortAnswers(const std::string& endpoint, int64_t timeout_s) {
  return ProbeConnect(endpoint, static_cast<int>(timeout_s)).status == ProbeStatus::kOk;
}

Status RequireStopped(const NodeContext& node, int64_t timeout_s, bool allow,
                      const std::string& state, std::string* warning) {
  if (node.endpoint.empty() || !ClientPortAnswers(node.endpoint, timeout_s)) return Status::Ok();
  if (!allow)
    return Status::Invalid("ZooKeeper is running on " + node.endpoint + " (from " +
                           node.config_path + "); stop it before state " + state);
  *warning = "ZooKeeper is running on " + node.endpoint +
             "; the bundle is a fuzzy copy of a live node and may miss its latest writes";
  return Status::Ok();
}

Status LockNode(const NodeContext& node, const std::string& state, bool probe_only,
                std::unique_ptr<NodeLock>* out, std::vector<std::string>* warnings) {
  if (!IsDirectory(node.cfg.data_dir)) return Status::Ok();
  if (probe_only) return NodeLock::Probe(node.cfg.data_dir);
  auto l = NodeLock::Acquire(node.cfg.data_dir, state);
  if (!l.ok()) return l.status();
  if (!(*l)->stale().empty()) warnings->push_back((*l)->stale());
  *out = std::move(*l);
  return Status::Ok();
}

Value RecoveredJson(const std::vector<Recovery>& v, rapidjson::Document::AllocatorType& a) {
  Value arr(rapidjson::kArrayType);
  for (const Recovery& x : v) {
    Value o(rapidjson::kObjectType);
    o.AddMember("migration_id", Str(x.migration_id, a), a);
    o.AddMember("backup_dir", Str(x.dir, a), a);
    o.AddMember("found_phase", Str(x.found_phase, a), a);
    o.AddMember("action", Str(x.action, a), a);
    o.AddMember("detail", Str(x.detail, a), a);
    arr.PushBack(o, a);
  }
  return arr;
}

Value ManifestSummary(const Manifest& m, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("mode", Str(m.mode, a), a);
  o.AddMember("snapshot_format", Str(m.snapshot_format, a), a);
  Value files(rapidjson::kArrayType);
  for (const ManifestFile& f : m.files) files.PushBack(Str(f.name, a), a);
  o.AddMember("files", files, a);
  o.AddMember("bytes", m.TotalBytes(), a);
  o.AddMember("snapshot_zxid", m.snapshot_zxid, a);
  o.AddMember("snapshot_zxid_hex", Str(Hex(m.snapshot_zxid), a), a);
  o.AddMember("last_zxid", m.last_zxid, a);
  o.AddMember("last_zxid_hex", Str(Hex(m.last_zxid), a), a);
  o.AddMember("znodes", m.znodes, a);
  o.AddMember("tree_digest", m.tree_digest, a);
  o.AddMember("sessions", m.sessions, a);
  o.AddMember("ephemerals", m.ephemerals, a);
  o.AddMember("created", Str(m.created, a), a);
  return o;
}

Value DirSummary(const std::string& dir, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kArrayType);
  auto names = ListDir(dir);
  if (names.ok())
    for (const std::string& n : *names) o.PushBack(Str(n, a), a);
  return o;
}

}  // namespace zkm
