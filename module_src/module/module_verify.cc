// state: verify. A target node, running, checked against the bundle manifest
// (docs/DESIGN.md step 8): it serves, as leader or follower (standalone accepted for
// a one-node target, with a warning), its zxid has moved past the manifest's
// last zxid into a newer epoch, and `srvr` Node count is the manifest's znodes
// + 1 (the "/" alias, docs/FORMATS.md 8.4). With `deep`, a walk of the live tree
// (live_tree.h) must give the manifest's tree digest, znode and ACL counts.
//
// Every check is reported in `checks` with expected and actual values; the
// first failed one names the failure in `msg`. Read-only, so check mode runs
// it as usual and `changed` is always false. The live digest moves as soon as
// clients write (or imported sessions expire), so run it right after the start.
#include <cstdio>
#include <optional>

#include "module/module.h"
#include "module/module_node.h"
#include "net/live_tree.h"
#include "net/probe.h"
#include "node/datadir.h"
#include "node/manifest.h"
#include "node/zoo_cfg.h"
#include "report/json_report.h"

namespace zkm {

namespace {

using rapidjson::Value;

class Checks {
 public:
  explicit Checks(ModuleResult* r) : r_(r), list_(rapidjson::kArrayType) {}

  // status: ok | failed | skipped | inconclusive.
  void Add(const std::string& name, const std::string& status, Value expected, Value actual,
           const std::string& msg) {
    JsonAlloc& a = r_->alloc();
    Value c(rapidjson::kObjectType);
    c.AddMember("name", Str(name, a), a);
    c.AddMember("status", Str(status, a), a);
    c.AddMember("expected", expected, a);
    c.AddMember("actual", actual, a);
    c.AddMember("msg", Str(msg, a), a);
    list_.PushBack(c, a);
    if (status == "failed" && first_failure_.empty()) first_failure_ = name + ": " + msg;
    if (status == "inconclusive") r_->warnings.push_back(name + ": " + msg);
  }
  void Skip(const std::string& name, const std::string& why) {
    Add(name, "skipped", Value(), Value(), why);
  }
  Value S(const std::string& s) { return zkm::Str(s, r_->alloc()); }
  const std::string& first_failure() const { return first_failure_; }
  size_t size() const { return list_.Size(); }
  Value Take() { return std::move(list_); }

 private:
  ModuleResult* r_;
  Value list_;
  std::string first_failure_;
};

void DeepChecks(const Manifest& m, const std::string& endpoint, int timeout,
                const std::vector<std::string>& auth, Checks* c, ModuleResult* r) {
  JsonAlloc& a = r->alloc();
  LiveWalkOptions o;
  o.endpoint = endpoint;
  o.timeout_s = timeout;
  o.ascii_digest = m.digest_charset == "us-ascii";
  o.auth = auth;
  LiveWalk w = WalkLiveTree(o);
  Value deep(rapidjson::kObjectType);
  deep.AddMember("status", Str(w.status.ok() ? "ok" : w.status.ToString(), a), a);
  deep.AddMember("znodes", Value(w.nodes), a);
  deep.AddMember("tree_digest", Value(w.digest), a);
  deep.AddMember("acl_lists", Value(w.acl_lists), a);
  deep.AddMember("ephemerals", Value(w.ephemerals), a);
  deep.AddMember("unreadable", Value(w.unreadable), a);
  Value up(rapidjson::kArrayType);
  for (const std::string& p : w.unreadable_paths) up.PushBack(Str(p, a), a);
  deep.AddMember("unreadable_paths", up, a);
  deep.AddMember("vanished", Value(w.vanished), a);
  deep.AddMember("seconds", Value(w.seconds), a);
  r->Set("deep", std::move(deep));
  if (!w.status.ok()) {
    c->Add("tree_walk", "failed", Value(), Value(),
           "the walk of the live tree failed: " + w.status.ToString());
    return;
  }
  c->Add("tree_znodes", w.nodes == m.znodes && w.unreadable == 0 ? "ok" : "failed", Value(m.znodes),
         Value(w.nodes),
         w.unreadable
             ? "the walk could not read every znode"
             : "znodes read by a client walk " +
                   std::string(w.nodes == m.znodes ? "match" : "differ from") + " the manifest");
  if (w.unreadable > 0) {
    std::string msg =
        "the tree digest cannot be computed: " + std::to_string(w.unreadable) +
        " znode(s) deny READ to an unauthenticated client (first: " + w.unreadable_paths.front() +
        ")";
    c->Add("tree_digest", "failed", Value(m.tree_digest), Value(), msg);
    c->Skip("acl_count", "some ACLs could not be read");
    return;
  }
  if (w.digest == m.tree_digest) {
    c->Add("tree_digest", "ok", Value(m.tree_digest), Value(w.digest),
           "the live tree's digest equals the manifest's");
  } else if (m.containers + m.ttl_nodes > 0) {
    c->Add("tree_digest", "inconclusive", Value(m.tree_digest), Value(w.digest),
           "the digests differ, but the tree holds " + std::to_string(m.containers + m.ttl_nodes) +
               " container/TTL znode(s) whose ephemeralOwner a client cannot see");
  } else {
    std::string why = "the live tree's digest differs from the manifest's";
    if (w.ephemerals != m.ephemerals)
      why += " (" + std::to_string(w.ephemerals) + " ephemeral znodes live, " +
             std::to_string(m.ephemerals) + " in the manifest: imported sessions may have expired)";
    else
      why += " (a znode's data or stat changed; clients may have written since the start)";
    c->Add("tree_digest", "failed", Value(m.tree_digest), Value(w.digest), why);
  }
  // The null-ACL nodes (root, /zookeeper, /zookeeper/quota) look like an explicit
  // world:anyone ALL list, which the manifest counts only if some node has one.
  bool acl_ok = w.acl_lists == m.acl_count || (w.open_acl_seen && w.acl_lists + 1 == m.acl_count);
  c->Add("acl_count", acl_ok ? "ok" : "failed", Value(m.acl_count), Value(w.acl_lists),
         acl_ok ? "distinct ACL lists match the manifest's ACL entries"
                : "the live tree has a different number of distinct ACL lists");
}

}  // namespace

void RunVerify(const ModuleParams& p, ModuleResult* r) {
  JsonAlloc& a = r->alloc();
  r->changed = false;
  std::string found_by;
  std::vector<std::string> searched;
  std::string cfg_path = FindZooCfg(p.config, &found_by, &searched);
  std::optional<ZooCfg> cfg;
  if (!cfg_path.empty()) {
    auto loaded = LoadZooCfg(cfg_path);
    if (!loaded.ok())
      return r->Fail("cannot use " + cfg_path + ": " + loaded.status().ToString(), loaded.status());
    cfg = std::move(*loaded);
  } else if (!p.config.empty() || p.manifest.empty() || p.client.empty()) {
    std::string list;
    for (const std::string& s : searched) list += (list.empty() ? "" : ", ") + s;
    return r->Fail(p.config.empty()
                       ? "no zoo.cfg found; looked in: " + list + " (set the config option)"
                       : "zoo.cfg " + p.config + " does not exist or cannot be read");
  }
  int64_t myid = cfg ? ReadMyid(cfg->data_dir).value_or(-1) : -1;
  // A follower's srvr zxid stays at the imported zxid until the first txn of the
  // new epoch; the currentEpoch file it wrote when it joined says it moved on.
  std::optional<int64_t> disk_epoch;
  if (cfg) {
    auto scan = ScanDataDirs(cfg->data_dir, cfg->data_log_dir);
    if (scan.ok()) disk_epoch = scan->current_epoch;
  }
  std::string manifest_path =
      !p.manifest.empty() ? p.manifest : cfg->data_dir + "/zkmigrate/manifest.json";
  auto m = ReadManifest(manifest_path);
  r->SetString("manifest_path", manifest_path);
  if (!m.ok())
    return r->Fail("cannot read the manifest " + manifest_path + ": " + m.status().ToString(),
                   m.status());
  std::string endpoint = !p.client.empty() ? p.client : cfg->ClientEndpoint(myid);
  r->SetString("endpoint", endpoint);
  Value man(rapidjson::kObjectType);
  man.AddMember("last_zxid", Value(m->last_zxid), a);
  man.AddMember("last_zxid_hex", Str(Hex(m->last_zxid), a), a);
  man.AddMember("znodes", Value(m->znodes), a);
  man.AddMember("tree_digest", Value(m->tree_digest), a);
  man.AddMember("acl_count", Value(m->acl_count), a);
  r->Set("manifest", std::move(man));

  Checks c(r);
  const int timeout = static_cast<int>(p.timeout);
  ProbeResult probe = Probe4lw(endpoint, "srvr", timeout);
  auto srvr = ParseSrvr(probe.answer);
  bool serving = probe.status == ProbeStatus::kOk && srvr.ok();
  c.Add("serving", serving ? "ok" : "failed", c.S("srvr answers"),
        c.S(ProbeStatusName(probe.status)),
        serving ? "the node answers srvr" : "the node does not serve: " + probe.error);
  Value node(rapidjson::kObjectType);
  if (serving) {
    node.AddMember("mode", Str(srvr->mode, a), a);
    node.AddMember("zxid", Value(srvr->zxid), a);
    node.AddMember("zxid_hex", Str(Hex(srvr->zxid), a), a);
    node.AddMember("node_count", Value(srvr->node_count), a);
    node.AddMember("version", Str(srvr->version, a), a);
  }
  r->Set("node", std::move(node));
  if (!serving) {
    for (const char* n : {"mode", "zxid", "epoch", "node_count"})
      c.Skip(n, "the node does not serve");
  } else {
    const std::string& mode = srvr->mode;
    bool one_node = !cfg || cfg->servers.size() <= 1;
    bool standalone = mode == "standalone";
    if (mode == "leader" || mode == "follower" || mode == "observer") {
      c.Add("mode", "ok", c.S("leader or follower"), c.S(mode), "the node is in a quorum");
    } else if (standalone && one_node) {
      c.Add("mode", "ok", c.S("leader or follower"), c.S(mode),
            "a one-node target runs standalone");
      r->warnings.push_back("the target runs standalone: its zxid stays in the imported epoch");
    } else {
      c.Add("mode", "failed", c.S("leader or follower"), c.S(mode),
            "the node is " + mode + ", not a quorum member");
    }
    int64_t z = srvr->zxid, last = m->last_zxid;
    bool joined_new_epoch = disk_epoch && *disk_epoch > (last >> 32);
    bool zxid_ok = standalone ? z >= last : z > last || (z == last && joined_new_epoch);
    c.Add("zxid", zxid_ok ? "ok" : "failed", c.S((standalone ? ">= " : "> ") + Hex(last)),
          c.S(Hex(z)),
          zxid_ok ? "the zxid continues from the manifest's last zxid"
                  : "the zxid " + Hex(z) + " is behind the manifest's last zxid " + Hex(last) +
                        " (the imported data was not loaded)");
    if (standalone) {
      c.Skip("epoch", "a standalone server keeps the imported epoch");
    } else {
      int64_t epoch = std::max<int64_t>(z >> 32, disk_epoch.value_or(0));
      bool ep_ok = epoch > (last >> 32);
      c.Add("epoch", ep_ok ? "ok" : "failed", c.S("> " + std::to_string(last >> 32)), Value(epoch),
            ep_ok ? "a new epoch began after the import"
                  : "epoch " + std::to_string(epoch) + " is not newer than the manifest's " +
                        std::to_string(last >> 32));
    }
    int64_t want = static_cast<int64_t>(m->znodes) + 1;
    bool count_ok = srvr->node_count == want;
    c.Add("node_count", count_ok ? "ok" : "failed", Value(want), Value(srvr->node_count),
          count_ok ? "srvr Node count is the manifest's znodes + 1"
                   : "srvr Node count " + std::to_string(srvr->node_count) +
                         " is not the manifest's " + std::to_string(m->znodes) + " znodes + 1");
  }
  if (p.deep) {
    if (serving)
      DeepChecks(*m, endpoint, timeout, p.auth, &c, r);
    else
      c.Skip("tree_digest", "the node does not serve");
  }
  size_t total = c.size();
  std::string first = c.first_failure();
  r->Set("checks", c.Take());
  r->Set("verified", Value(first.empty()));
  if (!first.empty()) return r->Fail("verify failed on " + endpoint + ": " + first);
  r->msg = "verified " + endpoint + " against " + manifest_path + " (" + std::to_string(total) +
           " checks)";
}

}  // namespace zkm
