// Compares two data trees node by node: presence, data, ACL (resolved lists,
// not cache keys), and every persisted stat field; plus the session tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tree/data_tree.h"

namespace zkm {

struct DiffEntry {
  std::string path;
  std::string kind;    // only_in_a, only_in_b, data, acl, stat
  std::string detail;  // e.g. "mzxid 0x12 != 0x15"
};

struct TreeDiff {
  uint64_t nodes_a = 0, nodes_b = 0;
  uint64_t only_in_a = 0, only_in_b = 0, data = 0, acl = 0, stat = 0;
  uint64_t sessions_only_in_a = 0, sessions_only_in_b = 0, session_timeouts = 0;
  std::vector<DiffEntry> entries;  // the first `limit` differences, in path order
  bool identical() const {
    return only_in_a + only_in_b + data + acl + stat + sessions_only_in_a + sessions_only_in_b +
               session_timeouts ==
           0;
  }
};

struct DiffOptions {
  size_t limit = 100;
  // Skip /zookeeper/quota/**/zookeeper_stats, which every server recomputes at
  // load (docs/FORMATS.md 4.9), and /zookeeper/config, which each server rewrites.
  bool ignore_local_nodes = true;
  bool compare_sessions = true;
};

TreeDiff DiffTrees(const DataTree& a, const DataTree& b, const DiffOptions& opts);

}  // namespace zkm
