// What the bundle, place and rollback states share: the node they act on (its
// zoo.cfg, myid and client endpoint), the "is it stopped?" guard, and the small
// JSON summaries of a manifest and of a version-2 dir used in results and diffs.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "module/module.h"
#include "node/journal.h"
#include "node/lock.h"
#include "node/manifest.h"
#include "node/zoo_cfg.h"

namespace zkm {

struct NodeContext {
  std::string config_path;
  ZooCfg cfg;
  int64_t myid = -1;     // -1: no readable dataDir/myid
  std::string endpoint;  // client host:port ("" if none)
  std::string snap_dir() const { return cfg.data_dir + "/version-2"; }
  std::string log_dir() const { return cfg.data_log_dir + "/version-2"; }
  bool split() const { return snap_dir() != log_dir(); }
};

// dataDir/myid, if readable.
std::optional<int64_t> ReadMyid(const std::string& data_dir);

// zoo.cfg from `config`, or the first of the usual places (FindZooCfg);
// kNotFound names where it looked.
Result<NodeContext> LoadNode(const std::string& config);

// True when something accepts a TCP connection on the node's client endpoint
// within `timeout_s` (a connect only; nothing is sent).
bool ClientPortAnswers(const std::string& endpoint, int64_t timeout_s);

// Bytes available to an unprivileged writer on the filesystem that holds `path`
// (its nearest existing ancestor when it does not exist yet); nullopt when none
// can be read. Defined in module_facts.cc.
std::optional<uint64_t> AvailableBytesFor(const std::string& path);

// The stopped-node guard. Running and !allow -> kInvalidArgument with the
// sentence for msg; running and allow -> ok, with `warning` filled.
Status RequireStopped(const NodeContext& node, int64_t timeout_s, bool allow,
                      const std::string& state, std::string* warning);

// The node lock (node/lock.h) for `state`, taken before anything else: held by
// another run -> the Status to fail with (nothing was changed). With `probe_only`
// (check mode, a bundle written outside the data dirs) the lock is only tested,
// never created. A missing dataDir takes no lock (the state reports it). A stale
// lock taken over adds a warning.
Status LockNode(const NodeContext& node, const std::string& state, bool probe_only,
                std::unique_ptr<NodeLock>* out, std::vector<std::string>* warnings);

// [{migration_id, backup_dir, found_phase, action, detail}] for the `recovered` result.
rapidjson::Value RecoveredJson(const std::vector<Recovery>& v,
                               rapidjson::Document::AllocatorType& a);

// {mode, files:[names], snapshot_zxid(_hex), last_zxid(_hex), znodes, ...}.
rapidjson::Value ManifestSummary(const Manifest& m, rapidjson::Document::AllocatorType& a);
// Sorted names of the snapshot.*/log.* files and other entries of a dir ([] if absent).
rapidjson::Value DirSummary(const std::string& dir, rapidjson::Document::AllocatorType& a);

}  // namespace zkm
