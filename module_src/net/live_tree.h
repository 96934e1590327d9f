// A walk of a running server's tree through ZooKeeper's C client
// (libzookeeper_mt), computing what the files would say: the tree digest
// (docs/FORMATS.md 6), the number of node records and of distinct ACL lists.
//
// The walk is iterative (an explicit stack, never recursion on the C stack) and
// reads each node with getChildren2, get and getACL, as the identities in
// `auth` (none by default): a node whose ACL denies READ is counted as
// unreadable and its subtree stays unknown, so the digest of such a tree cannot
// be computed (`complete` is false). Nodes deleted during the walk are skipped and counted.
//
// What the client shows is not exactly what the server stores:
//   * Stat.cversion is 2 * persisted - numChildren (DataNode.copyStat, the
//     "count of changes" form); the digest uses the persisted value, which is
//     (cversion + numChildren) / 2.
//   * Stat.ephemeralOwner is 0 for containers and TTL nodes (getClientEphemeralOwner
//     hides 0x8000000000000000 and 0xFF<<56|ttl), so a tree holding them cannot
//     be matched digest for digest.
//   * The root node and the system nodes /zookeeper, /zookeeper/quota carry the
//     "null" ACL reference (-1), which the client shows as world:anyone ALL, the
//     same list as an explicit OPEN_ACL_UNSAFE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace zkm {

struct LiveWalkOptions {
  std::string endpoint;  // host:port of one server
  int timeout_s = 5;     // connect timeout and session timeout (each call waits at most this)
  bool ascii_digest =
      false;  // hash non-ASCII path characters as '?' (manifest digest_charset us-ascii)
  int32_t max_data = 16 << 20;  // largest data read (bigger nodes are an error)
  // "scheme:credential" items added to the session before the walk (zoo_add_auth),
  // e.g. "digest:super:secret" to read nodes whose ACL denies world.
  std::vector<std::string> auth;
};

struct LiveWalk {
  Status status;               // ok, or why the walk stopped (connection, timeout)
  bool complete = false;       // every node was read (no unreadable node)
  uint64_t nodes = 0;          // node records read, the root included ("/" counted once)
  int64_t digest = 0;          // AdHash over readable nodes
  uint64_t acl_lists = 0;      // distinct ACL lists, world:anyone ALL excluded
  bool open_acl_seen = false;  // some node shows world:anyone ALL
  uint64_t ephemerals = 0;     // nodes with a session as ephemeralOwner
  uint64_t unreadable = 0;     // nodes whose ACL denied READ (their subtrees are unknown)
  std::vector<std::string> unreadable_paths;  // the first few
  uint64_t vanished = 0;                      // deleted while walking
  double seconds = 0;
};

LiveWalk WalkLiveTree(const LiveWalkOptions& opts);

}  // namespace zkm
