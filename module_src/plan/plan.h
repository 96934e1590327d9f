// The migration plan: every decision the preflight makes, from the facts of
// every node of both clusters (the `node` object `state: facts` returns per
// host). Pure: reads JSON, returns a struct; prints nothing, touches nothing.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zkm {

// One figure of the plan and what it was computed from.
struct PlanEstimate {
  std::string name;    // "heap", "bundle_bytes"
  uint64_t bytes = 0;  // the estimate
  std::string inputs;  // "znodes=..., data_bytes=..., ..." (what it is made of)
};

// A source node as the choice of the bundle node saw it.
struct SourceCandidate {
  std::string host;
  bool eligible = false;  // readable, its files read cleanly (and stopped, in the bundle phase)
  bool running = false;
  int64_t current_epoch = -1;  // -1: no currentEpoch file
  int64_t last_zxid = -1;
  int64_t myid = 0;
};

struct Plan {
  // "migrate", or "skip" when every target already holds this source's data at
  // the same zxid (an earlier run finished). Meaningful only when ok().
  std::string action = "migrate";
  std::string skip_reason;
  std::string bundle_host;  // the source node to bundle on ("" when none qualifies)
  int64_t source_last_zxid = -1;
  bool source_running = false;  // some source node still runs
  // The snapshot layout the bundle is written in: the caller's, else the
  // oldest target version's ("3.4", "3.5", "3.6"; "3.6" when none is known).
  std::string bundle_format = "3.6";
  std::vector<SourceCandidate> candidates;  // sorted by host
  std::vector<std::string> problems;        // each refuses the migration and says what to change
  std::vector<std::string> warnings;
  std::vector<PlanEstimate> estimates;
  bool ok() const { return problems.empty(); }
};

// Heap (bytes) a ZooKeeper JVM needs to hold a tree of these figures.
// One formula, calibrated in docs/HEAP.md.
uint64_t HeapEstimate(uint64_t znodes, uint64_t path_bytes, uint64_t data_bytes,
                      uint64_t acl_entries, uint64_t sessions);

// The node to bundle on: the one ZooKeeper's election would pick among the
// eligible candidates, the highest (currentEpoch, last zxid, myid); equal
// ones go to the first host name. nullptr when none is eligible.
const SourceCandidate* ChooseBundleNode(const std::vector<SourceCandidate>& candidates);

// `input`: {"source": {host: entry}, "target": {host: entry}} where an entry is
// the result of `state: facts` on that host ({"node": {...}, "heap_bytes": N,
// "work_free_bytes": N, "marker": {...}|null, "version": "3.8.0"} or
// {"failed": true, "msg": "..."}); extra optional members of `input`:
// "controller_free_bytes" (and "controller_dir", named in the message), "bundle_mode" ("raw" or
// "consolidated"), "phase" ("preflight": the nodes as they run; "bundle": the source was stopped
// and read again, so a running or unreadable source node is refused), "force"
// (replace an earlier migration of this source), "format" (the bundle layout).
Plan BuildPlan(const rapidjson::Value& input);

// The plan as JSON (bundle_host, source_last_zxid, problems, warnings, estimates, msg).
rapidjson::Value PlanToJson(const Plan& p, rapidjson::Document::AllocatorType& a);
// One-paragraph human text.
std::string PlanText(const Plan& p);

}  // namespace zkm
