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

struct Plan {
  std::string bundle_host;  // the source node to bundle on ("" when none qualifies)
  int64_t source_last_zxid = -1;
  std::vector<std::string> problems;  // each refuses the migration and says what to change
  std::vector<std::string> warnings;
  std::vector<PlanEstimate> estimates;
  bool ok() const { return problems.empty(); }
};

// Heap (bytes) a ZooKeeper JVM needs to hold a tree of these figures.
// One formula, calibrated in docs/HEAP.md.
uint64_t HeapEstimate(uint64_t znodes, uint64_t path_bytes, uint64_t data_bytes,
                      uint64_t acl_entries, uint64_t sessions);

// `input`: {"source": {host: entry}, "target": {host: entry}} where an entry is
// the result of `state: facts` on that host ({"node": {...}, "heap_bytes": N,
// "work_free_bytes": N} or {"failed": true, "msg": "..."}); extra optional
// members of `input`: "controller_free_bytes", "bundle_mode" ("raw" or
// "consolidated").
Plan BuildPlan(const rapidjson::Value& input);

// The plan as JSON (bundle_host, source_last_zxid, problems, warnings, estimates, msg).
rapidjson::Value PlanToJson(const Plan& p, rapidjson::Document::AllocatorType& a);
// One-paragraph human text.
std::string PlanText(const Plan& p);

}  // namespace zkm
