// The Ansible side of zk_snapshot (docs/ANSIBLE.md 1): called with one argument,
// the path of a JSON file of arguments, it validates them against a declared
// spec, runs one `state` and prints exactly one JSON object (changed, failed,
// msg, results) whatever happens. The core never sees Ansible: states call the
// engine units and fill a ModuleResult.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace zkm {

// Options after validation and coercion (strings from `-a k=v` become bools/ints).
struct ModuleParams {
  std::string state;                  // facts | bundle | place | verify | rollback
  std::string config;                 // zoo.cfg path; empty: found in the usual places
  std::string dest;                   // bundle: directory the bundle is written to
  std::string src;                    // place: directory holding a bundle
  std::string mode = "consolidated";  // bundle: consolidated | raw
  std::string backup_dir;             // place/rollback: where the old data goes / comes from
  // place/rollback: names the backup folder <backup_dir>/<migration_id>/ (place: default
  // "bundle-<16 hex of the bundle id>"; rollback: default the placed or only migration).
  std::string migration_id;
  std::string manifest;  // verify: manifest.json to compare with
  bool deep = false;     // verify: walk the live tree
  // verify with deep: credentials for the walk, each "scheme:credential" (e.g.
  // "digest:super:secret"); never echoed in results.
  std::vector<std::string> auth;
  bool allow_running = false;  // bundle: accept a running source (fuzzy copy)
  bool drop_sessions = false;  // bundle: drop sessions and their ephemerals
  std::string format = "3.6";  // bundle: snapshot layout 3.4 | 3.6 | 3.9
  std::string owner;           // place: owner of installed files (default: dataDir's owner)
  std::string group;           // place: group (default: dataDir's group)
  std::string client;          // facts/verify: host:port override for the client endpoint
  int64_t timeout = 5;         // seconds for each network call
  int64_t max_buffer = 0;  // bytes; 0: jute.maxbuffer from the node's settings, else the default
  // fleet: the inventory as the playbook sees it ({groups, host_variables, zk_migrations,
  // zk_source_group, zk_target_group}); null when not given.
  std::shared_ptr<const rapidjson::Document> inventory;
  // report: the run file and the record of one pair (see report/run_report.h).
  std::string report_file;
  std::shared_ptr<const rapidjson::Document> record;
  // plan: host -> that host's `state: facts` result (the dict option), and which hosts are the
  // source and the target.
  std::shared_ptr<const rapidjson::Document> facts;
  std::vector<std::string> source_hosts;
  std::vector<std::string> target_hosts;
  // plan: the group names (for messages), the phase ("preflight": nodes as they run;
  // "bundle": the source was stopped and read again, the node to bundle on is chosen),
  // replace an earlier migration (force), and the controller's staging dir.
  std::string source_group = "the source";
  std::string target_group = "the target";
  std::string phase = "preflight";
  bool force = false;
  std::string controller_dir;
  bool format_given = false;  // format was set by the caller (plan: else chosen from versions)
  // facts: the heap the server runs with when it cannot be read from its JVM ("512m"),
  // and the dir bundles are written under (its free space is reported).
  std::string heap;
  std::string work_dir;
  std::string server_version;  // facts: the server's version when it cannot be asked (stopped)
  // From Ansible.
  bool check_mode = false;
  bool diff = false;
  bool no_log = false;
};

// What a state reports. `data` is the JSON object printed (results go into it);
// changed/failed/msg/warnings/diff are added by the framework at the end.
class ModuleResult {
 public:
  ModuleResult() : data(rapidjson::kObjectType) {}
  rapidjson::Document data;
  bool changed = false;
  bool failed = false;
  std::string msg;
  std::vector<std::string> warnings;
  bool has_diff = false;
  rapidjson::Value diff_before{rapidjson::kObjectType};
  rapidjson::Value diff_after{rapidjson::kObjectType};

  rapidjson::Document::AllocatorType& alloc() { return data.GetAllocator(); }
  // Adds or replaces a top-level key.
  void Set(const char* key, rapidjson::Value value);
  void SetString(const char* key, const std::string& value);
  // Marks the result failed with one sentence and the Status in `error` details.
  void Fail(const std::string& message, const Status& cause = Status::Ok());
  // The final JSON text.
  std::string Render(bool include_diff);
};

// True when argv is a module call: exactly one argument naming a regular file
// whose first non-blank byte is '{'.
bool IsModuleInvocation(int argc, char** argv);
// Runs the module for the arguments file; prints one JSON object on stdout.
// Returns 0, or 1 when the result is failed (Ansible reads `failed`, not this).
int RunModule(const std::string& args_path);

// Parses and validates an arguments object (exposed for tests). On failure the
// Status message is the sentence for `msg`.
Status ParseModuleParams(const rapidjson::Value& args, ModuleParams* out);

// zoo.cfg for the facts and verify states: `config` if given (then "" when it
// does not exist), else the first existing one of $ZOOCFGDIR/zoo.cfg,
// /etc/zookeeper/conf, /opt/zookeeper/conf, /usr/share/zookeeper/conf and
// /opt/zookeeper/current/conf (each /zoo.cfg). `found_by` says which rule
// matched ("option", "ZOOCFGDIR", "default location"); `searched` lists the
// paths tried. Defined in module_facts.cc.
std::string FindZooCfg(const std::string& config, std::string* found_by,
                       std::vector<std::string>* searched);

// The states (module_<state>.cc).
void RunFacts(const ModuleParams& p, ModuleResult* r);
void RunBundle(const ModuleParams& p, ModuleResult* r);
void RunPlace(const ModuleParams& p, ModuleResult* r);
void RunVerify(const ModuleParams& p, ModuleResult* r);
void RunRollback(const ModuleParams& p, ModuleResult* r);
void RunFleet(const ModuleParams& p, ModuleResult* r);
void RunReport(const ModuleParams& p, ModuleResult* r);
void RunPlan(const ModuleParams& p, ModuleResult* r);

}  // namespace zkm
