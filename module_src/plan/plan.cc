#include "plan/plan.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "base/json.h"
#include "format/jute.h"

namespace zkm {

namespace {

using rapidjson::Value;

constexpr uint64_t kMiB = 1048576;

// Heap formula constants (docs/HEAP.md). Provisional until
// tests/bench/heap_calibration.py's table replaces them: from the objects one
// znode costs in a ZooKeeper 3.8 JVM (DataNode, StatPersisted, the path String
// in the node map and the child name in its parent's set, the data byte[]),
// doubled for the headroom a collecting JVM needs.
constexpr uint64_t kHeapBase = 64 * kMiB;
constexpr uint64_t kHeapPerZnode = 2 * 360;
constexpr uint64_t kHeapPerPathByte = 2 * 2;
constexpr uint64_t kHeapPerDataByte = 2 * 1;
constexpr uint64_t kHeapPerAcl = 2 * 200;
constexpr uint64_t kHeapPerSession = 2 * 250;

struct NodeView {
  std::string host;
  bool source = false;
  bool readable = false;  // the facts call succeeded and returned a node
  std::string failure;    // why not
  const Value* node = nullptr;
  const Value* entry = nullptr;
};

// Readers of one member; a missing or mistyped member is a warning naming it.
class Reader {
 public:
  explicit Reader(std::vector<std::string>* warnings) : warnings_(warnings) {}

  const Value* Member(const Value* o, const char* key) const {
    if (o == nullptr || !o->IsObject()) return nullptr;
    auto it = o->FindMember(key);
    return it == o->MemberEnd() ? nullptr : &it->value;
  }
  // Follows a dotted path ("disk.tree.znodes").
  const Value* At(const Value* o, const std::string& dotted) const {
    std::string part;
    std::istringstream in(dotted);
    while (o != nullptr && std::getline(in, part, '.')) o = Member(o, part.c_str());
    return o;
  }
  std::optional<uint64_t> U64(const NodeView& n, const std::string& dotted, bool warn = true) {
    const Value* v = At(n.node, dotted);
    if (v != nullptr && v->IsUint64()) return v->GetUint64();
    if (v != nullptr && v->IsInt64() && v->GetInt64() >= 0) return uint64_t(v->GetInt64());
    if (warn) Warn(n, dotted, v);
    return std::nullopt;
  }
  std::optional<int64_t> I64(const NodeView& n, const std::string& dotted, bool warn = true) {
    const Value* v = At(n.node, dotted);
    if (v != nullptr && v->IsInt64()) return v->GetInt64();
    if (warn) Warn(n, dotted, v);
    return std::nullopt;
  }
  std::string Text(const NodeView& n, const std::string& dotted) {
    const Value* v = At(n.node, dotted);
    return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
  }
  void Warn(const NodeView& n, const std::string& dotted, const Value* v) {
    warnings_->push_back((n.source ? "source node " : "target node ") + n.host +
                         ": the plan cannot read " + dotted +
                         (v == nullptr || v->IsNull() ? " (missing)" : " (not a number)") +
                         ": the estimates that need it leave it out");
  }

 private:
  std::vector<std::string>* warnings_;
};

std::string MiB(uint64_t b) {
  return std::to_string((b + kMiB - 1) / kMiB) + " MiB";
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// "3.8.0" -> {3, 8, 0}; empty when not a version.
std::vector<int> ParseVersion(const std::string& v) {
  std::vector<int> out;
  int cur = -1;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      cur = (cur < 0 ? 0 : cur * 10) + (c - '0');
    } else if (c == '.' && cur >= 0) {
      out.push_back(cur);
      cur = -1;
    } else {
      break;
    }
  }
  if (cur >= 0) out.push_back(cur);
  return out;
}

bool VersionBelow(const std::vector<int>& v, int major, int minor) {
  int a = v.empty() ? 0 : v[0], b = v.size() > 1 ? v[1] : 0;
  return a < major || (a == major && b < minor);
}

std::vector<NodeView> ReadSide(const Value& input, const char* side, bool source,
                               std::vector<std::string>* problems) {
  std::vector<NodeView> out;
  auto it = input.FindMember(side);
  if (it == input.MemberEnd() || !it->value.IsObject()) return out;
  for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
    NodeView n;
    n.host.assign(m->name.GetString(), m->name.GetStringLength());
    n.source = source;
    n.entry = &m->value;
    const Value& e = m->value;
    bool failed =
        e.IsObject() && e.HasMember("failed") && e["failed"].IsBool() && e["failed"].GetBool();
    if (e.IsObject() && !failed && e.HasMember("node") && e["node"].IsObject()) {
      n.readable = true;
      n.node = &e["node"];
    } else {
      n.failure = e.IsObject() && e.HasMember("msg") && e["msg"].IsString()
                      ? e["msg"].GetString()
                      : "its facts hold no node";
      problems->push_back(n.host + " cannot be read: " + n.failure +
                          " (set zk_config to its zoo.cfg and make it readable)");
    }
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(),
            [](const NodeView& x, const NodeView& y) { return x.host < y.host; });
  return out;
}

// Every address:port a node listens on or reaches its peers on.
std::vector<std::string> Endpoints(Reader& r, const NodeView& n) {
  std::vector<std::string> l;
  std::string ce = r.Text(n, "client_endpoint");
  if (!ce.empty()) l.push_back(ce);
  const Value* servers = r.Member(n.node, "servers");
  if (servers == nullptr || !servers->IsArray()) return l;
  for (const Value& s : servers->GetArray()) {
    if (!s.IsObject() || !s.HasMember("host") || !s["host"].IsString()) continue;
    std::string host = s["host"].GetString();
    auto port = [&](const char* k) { return s.HasMember(k) && s[k].IsInt() ? s[k].GetInt() : 0; };
    if (port("quorum_port") > 0) l.push_back(host + ":" + std::to_string(port("quorum_port")));
    if (port("election_port") > 0) l.push_back(host + ":" + std::to_string(port("election_port")));
    if (port("client_port") > 0) {
      std::string ca = s.HasMember("client_address") && s["client_address"].IsString()
                           ? s["client_address"].GetString()
                           : "";
      l.push_back((ca.empty() ? host : ca) + ":" + std::to_string(port("client_port")));
    }
  }
  return l;
}

bool Wildcard(const std::string& ep) {
  return ep.rfind("0.0.0.0:", 0) == 0 || ep.rfind(":::", 0) == 0 || ep.rfind("[::]:", 0) == 0;
}

std::optional<uint64_t> EntryU64(const NodeView& n, const char* key) {
  if (n.entry == nullptr || !n.entry->IsObject()) return std::nullopt;
  auto it = n.entry->FindMember(key);
  if (it == n.entry->MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

std::string EntryText(const NodeView& n, const char* key) {
  if (n.entry == nullptr || !n.entry->IsObject()) return "";
  auto it = n.entry->FindMember(key);
  return it == n.entry->MemberEnd() || !it->value.IsString()
             ? ""
             : std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

uint64_t HeapEstimate(uint64_t znodes, uint64_t path_bytes, uint64_t data_bytes,
                      uint64_t acl_entries, uint64_t sessions) {
  return kHeapBase + znodes * kHeapPerZnode + path_bytes * kHeapPerPathByte +
         data_bytes * kHeapPerDataByte + acl_entries * kHeapPerAcl + sessions * kHeapPerSession;
}

const SourceCandidate* ChooseBundleNode(const std::vector<SourceCandidate>& candidates) {
  std::vector<const SourceCandidate*> l;
  for (const SourceCandidate& c : candidates)
    if (c.eligible) l.push_back(&c);
  std::sort(l.begin(), l.end(),
            [](const SourceCandidate* x, const SourceCandidate* y) { return x->host < y->host; });
  const SourceCandidate* best = nullptr;
  auto key = [](const SourceCandidate* c) {
    return std::make_tuple(c->current_epoch, c->last_zxid, c->myid);
  };
  for (const SourceCandidate* c : l)
    if (best == nullptr || key(c) > key(best)) best = c;
  return best;
}

Plan BuildPlan(const Value& input) {
  Plan p;
  if (!input.IsObject()) {
    p.problems.push_back("the plan's input is not a JSON object of source and target facts");
    return p;
  }
  Reader r(&p.warnings);
  std::vector<NodeView> src = ReadSide(input, "source", true, &p.problems);
  std::vector<NodeView> dst = ReadSide(input, "target", false, &p.problems);
  auto text = [&](const char* k, const char* dflt) {
    auto it = input.FindMember(k);
    return it != input.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                           : std::string(dflt);
  };
  auto flag = [&](const char* k) {
    auto it = input.FindMember(k);
    return it != input.MemberEnd() && it->value.IsBool() && it->value.GetBool();
  };
  std::string mode = text("bundle_mode", "raw");
  bool bundle_phase = text("phase", "preflight") == "bundle";
  bool force = flag("force");
  std::string format = text("format", "");

  // Both groups name nodes, and different ones.
  if (src.empty())
    p.problems.push_back("the source group has no hosts: list the source ensemble's nodes there");
  if (dst.empty())
    p.problems.push_back("the target group has no hosts: list the target ensemble's nodes there");
  std::vector<std::string> both;
  for (const NodeView& s : src)
    for (const NodeView& d : dst)
      if (s.host == d.host) both.push_back(s.host);
  if (!both.empty())
    p.problems.push_back(
        "hosts " + Join(both, ", ") +
        " are in both the source and the target group: a node cannot be its own target");

  // Source files readable (a running node's files are read again once it is stopped).
  for (const NodeView& n : src) {
    if (!n.readable) continue;
    const Value* running = r.Member(n.node, "running");
    bool is_running = running != nullptr && running->IsBool() && running->GetBool();
    if (is_running) p.source_running = true;
    if (bundle_phase && is_running) {
      p.problems.push_back("source node " + n.host +
                           " still runs after its stop command: fix zk_stop_command / zk_service"
                           " so it stops the JVM");
      continue;
    }
    std::string status = r.Text(n, "disk.status");
    if (status == "ok") continue;
    std::string msg = r.Text(n, "disk.msg");
    if (is_running)
      p.warnings.push_back("source node " + n.host +
                           " is running and its files did not read cleanly (" + msg +
                           "); they are read again once it is stopped");
    else
      p.problems.push_back("source node " + n.host + " cannot be read: " + msg +
                           " (repair or remove its files in " + r.Text(n, "data_dir") +
                           ", or take it out of the source group)");
  }

  // Shared endpoints.
  std::set<std::string> src_eps;
  for (const NodeView& n : src)
    if (n.readable)
      for (const std::string& e : Endpoints(r, n)) src_eps.insert(e);
  std::set<std::string> shared;
  for (const NodeView& n : dst)
    if (n.readable)
      for (const std::string& e : Endpoints(r, n))
        if (src_eps.count(e) && !Wildcard(e)) shared.insert(e);
  if (!shared.empty())
    p.problems.push_back("source and target share " + Join({shared.begin(), shared.end()}, ", ") +
                         ": give the target ensemble its own addresses or ports in its zoo.cfg");

  // The bundle node: the one ZooKeeper's election would make leader among the
  // nodes whose files replay cleanly (a node that accepted a newer epoch has
  // everything its leader committed; a higher zxid of an older epoch is a
  // proposal no quorum took). Every role asks this plan for it.
  for (const NodeView& n : src) {
    SourceCandidate c;
    c.host = n.host;
    if (n.readable) {
      const Value* running = r.Member(n.node, "running");
      c.running = running != nullptr && running->IsBool() && running->GetBool();
      c.current_epoch = r.I64(n, "current_epoch", false).value_or(-1);
      c.myid = r.I64(n, "myid", false).value_or(0);
      std::optional<int64_t> z;
      if (r.Text(n, "disk.status") == "ok") z = r.I64(n, "last_zxid");
      c.last_zxid = z.value_or(-1);
      c.eligible = z.has_value() && !(bundle_phase && c.running);
    }
    p.candidates.push_back(c);
  }
  const SourceCandidate* chosen = ChooseBundleNode(p.candidates);
  const NodeView* best = nullptr;
  int64_t best_zxid = -1;
  if (chosen != nullptr) {
    for (const NodeView& n : src)
      if (n.host == chosen->host) best = &n;
    best_zxid = chosen->last_zxid;
    p.bundle_host = chosen->host;
    p.source_last_zxid = best_zxid;
    // ZooKeeper 3.4 data: logs and no snapshot load nowhere but on 3.4 itself.
    const Value* empty = r.At(best->node, "disk.from_empty_tree");
    if (mode == "raw" && empty != nullptr && empty->IsBool() && empty->GetBool())
      p.problems.push_back(
          "source node " + best->host +
          " holds logs and no snapshot (ZooKeeper 3.4 data): a raw bundle of these files does "
          "not load on ZooKeeper 3.5+ (\"No snapshot found, but there are log entries\"); set "
          "zk_bundle_mode=consolidated, which replays them from zxid 0");
  } else if (!src.empty()) {
    p.problems.push_back(
        "no source node holds valid data (a snapshot with complete logs): repair one node's files");
  }

  // Tree figures of the bundle node.
  uint64_t znodes = 0, path_bytes = 0, data_bytes = 0, acls = 0, sessions = 0, largest = 0;
  uint64_t containers = 0, ttl_nodes = 0;
  uint64_t snapshot_bytes = 0, valid_log_bytes = 0;
  bool compressed = false;
  int64_t source_jute = kDefaultJuteMaxBuffer;
  std::optional<uint64_t> source_heap;
  for (const NodeView& n : src)
    if (auto h = EntryU64(n, "heap_bytes")) source_heap = std::max(source_heap.value_or(0), *h);
  if (best != nullptr) {
    const NodeView& n = *best;
    znodes = r.U64(n, "disk.tree.znodes").value_or(0);
    path_bytes = r.U64(n, "disk.tree.path_bytes").value_or(0);
    data_bytes = r.U64(n, "disk.tree.data_bytes").value_or(0);
    acls = r.U64(n, "disk.tree.acl_entries").value_or(0);
    sessions = r.U64(n, "disk.tree.sessions").value_or(0);
    largest = r.U64(n, "disk.tree.largest_data_bytes").value_or(0);
    containers = r.U64(n, "disk.tree.containers", false).value_or(0);
    ttl_nodes = r.U64(n, "disk.tree.ttl_nodes", false).value_or(0);
    snapshot_bytes = r.U64(n, "disk.snapshot.size").value_or(0);
    valid_log_bytes = r.U64(n, "disk.valid_log_bytes").value_or(0);
    std::string comp = r.Text(n, "disk.snapshot.compression");
    compressed = !comp.empty() && comp != "plain";
    source_jute = r.I64(n, "jute_limit", false).value_or(kDefaultJuteMaxBuffer);
  }
  for (const NodeView& n : src)
    if (n.readable && r.Text(n, "disk.status") == "ok")
      largest = std::max(largest, r.U64(n, "disk.tree.largest_data_bytes", false).value_or(0));

  uint64_t heap = HeapEstimate(znodes, path_bytes, data_bytes, acls, sessions);
  p.estimates.push_back(
      {"heap", heap,
       "znodes=" + std::to_string(znodes) + " path_bytes=" + std::to_string(path_bytes) +
           " data_bytes=" + std::to_string(data_bytes) + " acl_entries=" + std::to_string(acls) +
           " sessions=" + std::to_string(sessions) + " (docs/HEAP.md)"});
  // The consolidated snapshot the bundle may write: paths, data and a fixed
  // record of stat and ACL reference per znode, plus the ACL and session tables.
  uint64_t consolidated = path_bytes + data_bytes + znodes * 100 + acls * 64 + sessions * 16 + 4096;
  uint64_t bundle = snapshot_bytes + valid_log_bytes + consolidated;
  p.estimates.push_back({"bundle_bytes", bundle,
                         "snapshot=" + std::to_string(snapshot_bytes) +
                             " valid_log_bytes=" + std::to_string(valid_log_bytes) +
                             " consolidated=" + std::to_string(consolidated)});

  // Targets: versions, jute.maxbuffer, heap, disk.
  std::vector<int> oldest;
  for (const NodeView& n : dst) {
    if (!n.readable) continue;
    std::string ver = r.Text(n, "version");
    if (ver.empty() && n.entry->IsObject() && n.entry->HasMember("version") &&
        (*n.entry)["version"].IsString())
      ver = (*n.entry)["version"].GetString();
    std::vector<int> v = ParseVersion(ver);
    if (!v.empty() && (oldest.empty() || v < oldest)) oldest = v;
    if (!v.empty() && VersionBelow(v, 3, 5) && containers + ttl_nodes > 0)
      p.problems.push_back(
          "target " + n.host + " runs ZooKeeper " + ver +
          ", which takes container and TTL nodes for ephemerals of dead sessions and deletes them"
          " at load, and the source holds " +
          std::to_string(containers) + " container and " + std::to_string(ttl_nodes) +
          " TTL nodes: upgrade the target to 3.5+ (TTL nodes also need"
          " zookeeper.extendedTypesEnabled=true)");
    if (v.empty()) {
      p.warnings.push_back(
          "the ZooKeeper version of target " + n.host +
          " is unknown (it is not running): set zk_version for it to have it checked");
    } else if (VersionBelow(v, 3, 4)) {
      p.problems.push_back(
          "target " + n.host + " runs ZooKeeper " + ver +
          ", older than 3.4, which zkmigrate cannot write for: upgrade the target");
    } else {
      if (mode == "raw" && VersionBelow(v, 3, 5))
        p.problems.push_back(
            "target " + n.host + " runs ZooKeeper " + ver +
            ": raw bundles carry txn logs whose types (create2, createContainer, createTTL...)"
            " need 3.5+; upgrade the target or set zk_bundle_mode=consolidated");
      if (mode == "raw" && compressed && VersionBelow(v, 3, 6))
        p.problems.push_back("target " + n.host + " runs ZooKeeper " + ver +
                             " and the source snapshot is compressed: raw bundles need 3.6+ there;"
                             " upgrade the target or set zk_bundle_mode=consolidated");
    }

    // jute_limit is what the server reads (jute.maxbuffer + its extra size); the
    // message names the setting as configured.
    int64_t jute = r.I64(n, "jute_limit", false).value_or(kDefaultJuteMaxBuffer);
    if (best != nullptr && uint64_t(std::max<int64_t>(jute, 0)) < largest + 1024) {
      std::string configured = r.Text(n, "settings.jute_maxbuffer.value");
      std::string src_configured = r.Text(*best, "settings.jute_maxbuffer.value");
      uint64_t src_value = uint64_t(std::max<int64_t>(source_jute, 0));
      if (!src_configured.empty() &&
          src_configured.find_first_not_of("0123456789") == std::string::npos &&
          src_configured.size() < 19)
        src_value = std::stoull(src_configured);
      uint64_t suggest = std::max<uint64_t>(src_value, largest + 1024);
      p.problems.push_back(
          "target " + n.host + " has jute.maxbuffer " +
          (configured.empty() ? std::to_string(jute) : configured) +
          (r.Text(n, "settings.jute_maxbuffer.source").empty()
               ? std::string()
               : " (" + r.Text(n, "settings.jute_maxbuffer.source") + ")") +
          " (reads records up to " + std::to_string(jute) + " bytes) but source node " +
          best->host + " holds a znode of " + std::to_string(largest) +
          " bytes: start the target with -Djute.maxbuffer=" + std::to_string(suggest) +
          " like the source in its JVM flags or java.env");
    }

    if (auto h = EntryU64(n, "heap_bytes")) {
      bool as_big_as_source = source_heap && *h >= *source_heap;
      if (!as_big_as_source && *h < heap)
        p.problems.push_back("target " + n.host + " runs with a heap of " +
                             std::to_string(*h / kMiB) +
                             " MiB (-Xmx) but the source tree needs about " + MiB(heap) + " (" +
                             p.estimates[0].inputs + "): raise -Xmx on the target");
    }
    if (auto f = r.U64(n, "free_space.data_dir.bytes_available", false); f && *f < bundle)
      p.problems.push_back(n.host + ": " + std::to_string(*f) + " bytes free in dataDir " +
                           r.Text(n, "data_dir") + " but the placed files need about " +
                           std::to_string(bundle) +
                           " (the old data is moved aside, not copied): free space there");
  }
  for (const std::vector<NodeView>* side : {&src, &dst})
    for (const NodeView& n : *side)
      if (auto f = EntryU64(n, "work_free_bytes"); n.readable && f && *f < bundle)
        p.problems.push_back(n.host + ": " + std::to_string(*f) + " bytes free for " +
                             (EntryText(n, "work_dir").empty() ? std::string("the work dir")
                                                               : EntryText(n, "work_dir")) +
                             " but the bundle needs about " + std::to_string(bundle) +
                             ": free space there or set zk_work_dir elsewhere");
  // The bundle's snapshot layout: the caller's, else what the oldest target reads.
  if (!format.empty())
    p.bundle_format = format;
  else if (!oldest.empty())
    p.bundle_format = VersionBelow(oldest, 3, 5)   ? "3.4"
                      : VersionBelow(oldest, 3, 6) ? "3.5"
                                                   : "3.6";

  // An earlier migration of this source into the target (the marker zk_verify
  // writes on every target node once the target is verified).
  std::set<std::string> src_hosts;
  for (const NodeView& n : src) src_hosts.insert(n.host);
  size_t same_source = 0, same_zxid = 0, serving = 0;
  std::string earlier_zxid, earlier_when;
  for (const NodeView& n : dst) {
    if (!n.readable) continue;
    const Value* serving_v = r.Member(n.node, "serving");
    if (serving_v != nullptr && serving_v->IsBool() && serving_v->GetBool()) ++serving;
    const Value* m = r.Member(n.entry, "marker");
    if (m == nullptr || !m->IsObject()) continue;
    const Value* hosts = r.Member(m, "source_hosts");
    std::set<std::string> mh;
    if (hosts != nullptr && hosts->IsArray())
      for (const Value& h : hosts->GetArray())
        if (h.IsString()) mh.insert(h.GetString());
    if (mh != src_hosts) continue;
    ++same_source;
    const Value* z = r.Member(m, "source_last_zxid");
    if (z != nullptr && z->IsInt64() && z->GetInt64() == p.source_last_zxid && best != nullptr)
      ++same_zxid;
    if (earlier_zxid.empty()) {
      const Value* zh = r.Member(m, "source_last_zxid_hex");
      const Value* f = r.Member(m, "finished");
      earlier_zxid = zh != nullptr && zh->IsString() ? zh->GetString() : "?";
      earlier_when = f != nullptr && f->IsString() ? f->GetString() : "an unknown time";
    }
  }
  if (same_source > 0 && !dst.empty()) {
    bool all_done = same_source == dst.size() && same_zxid == dst.size() && serving == dst.size() &&
                    !p.source_running;
    if (all_done && !force) {
      p.action = "skip";
      p.skip_reason = "the target already holds this source up to zxid " + earlier_zxid +
                      " (migrated " + earlier_when + "); nothing to do";
    } else if (!force) {
      p.problems.push_back(
          "the target already holds this source migrated up to zxid " + earlier_zxid + " on " +
          earlier_when + ", and the source has changed since (now " +
          (p.source_last_zxid >= 0 ? Hex(p.source_last_zxid) : std::string("unknown")) +
          (p.source_running ? ", still running" : "") +
          "): set zk_migrate_force=true to migrate again (the target data is moved to a backup"
          " first)");
    }
  }

  if (input.HasMember("controller_free_bytes") && input["controller_free_bytes"].IsUint64() &&
      input["controller_free_bytes"].GetUint64() < bundle)
    p.problems.push_back("the controller has " +
                         std::to_string(input["controller_free_bytes"].GetUint64()) +
                         " bytes free for " +
                         (text("controller_dir", "").empty() ? std::string("zk_controller_dir")
                                                             : text("controller_dir", "")) +
                         " but the bundle needs about " + std::to_string(bundle) +
                         ": free space there or set zk_controller_dir elsewhere");
  return p;
}

Value PlanToJson(const Plan& p, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("ok", Value(p.ok()), a);
  o.AddMember("action", Str(p.ok() ? p.action : "refuse", a), a);
  o.AddMember("bundle_host", Str(p.bundle_host, a), a);
  o.AddMember("bundle_format", Str(p.bundle_format, a), a);
  o.AddMember("source_running", Value(p.source_running), a);
  Value cands(rapidjson::kArrayType);
  for (const SourceCandidate& c : p.candidates) {
    Value one(rapidjson::kObjectType);
    one.AddMember("host", Str(c.host, a), a);
    one.AddMember("eligible", Value(c.eligible), a);
    one.AddMember("running", Value(c.running), a);
    one.AddMember("current_epoch", Value(c.current_epoch), a);
    one.AddMember("last_zxid", Value(c.last_zxid), a);
    one.AddMember("last_zxid_hex", c.last_zxid >= 0 ? Str(Hex(c.last_zxid), a) : Value(), a);
    one.AddMember("myid", Value(c.myid), a);
    cands.PushBack(one, a);
  }
  o.AddMember("source_candidates", cands, a);
  o.AddMember("source_last_zxid", Value(p.source_last_zxid), a);
  o.AddMember("source_last_zxid_hex",
              p.source_last_zxid >= 0 ? Str(Hex(p.source_last_zxid), a) : Value(), a);
  Value pr(rapidjson::kArrayType), w(rapidjson::kArrayType), e(rapidjson::kObjectType);
  for (const std::string& s : p.problems) pr.PushBack(Str(s, a), a);
  for (const std::string& s : p.warnings) w.PushBack(Str(s, a), a);
  for (const PlanEstimate& x : p.estimates) {
    Value one(rapidjson::kObjectType);
    one.AddMember("bytes", Value(x.bytes), a);
    one.AddMember("inputs", Str(x.inputs, a), a);
    e.AddMember(Str(x.name, a), one, a);
  }
  o.AddMember("problems", pr, a);
  o.AddMember("warnings", w, a);
  o.AddMember("estimates", e, a);
  o.AddMember("msg", Str(PlanText(p), a), a);
  return o;
}

std::string PlanText(const Plan& p) {
  if (p.ok() && p.action == "skip") return p.skip_reason;
  std::string s = p.ok() ? "plan: migrate" : "plan refused: " + Join(p.problems, "; ");
  if (!p.bundle_host.empty())
    s += (p.ok() ? ", bundling on " : " (bundle node ") + p.bundle_host + " at zxid " +
         Hex(p.source_last_zxid) + (p.ok() ? "" : ")");
  for (const PlanEstimate& e : p.estimates)
    s += "; " + e.name + " " + std::to_string(e.bytes) + " bytes";
  if (!p.warnings.empty()) s += "; warnings: " + Join(p.warnings, "; ");
  return s;
}

}  // namespace zkm
