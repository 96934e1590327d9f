// The target's own membership in `/zookeeper/config` of a placed snapshot
// (docs/DESIGN.md step 6, docs/FORMATS.md 13.3).
//
// An imported tree carries the *source's* membership text in /zookeeper/config.
// Followers overwrite theirs locally after syncing, but a leader keeps the
// imported text unless reconfigEnabled is on, and clients such as Curator's
// EnsembleTracker read it and could follow it back to the source hosts. So a
// consolidated snapshot is re-written on placement with the target's own
// membership, in the text ZooKeeper itself stores (QuorumMaj.toString):
//
//   server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n ... version=<hex>
//
// The version is the hex suffix of the dynamic config file name
// (`zoo.cfg.dynamic.100000000`), else 0. A standalone target (no server lines)
// gets the empty text a fresh standalone server has. The tree digest is not
// affected: ZooKeeper's digest skips the /zookeeper subtree.
#pragma once

#include <string>

#include "base/status.h"
#include "node/zoo_cfg.h"

namespace zkm {

// The membership text for `cfg` ("" for a standalone server).
std::string MembershipText(const ZooCfg& cfg);

struct MembershipRewrite {
  bool rewritten = false;  // false: the node already held `text`, or is absent
  std::string previous;    // what the node held
  std::string sha256;      // of the file now at `dir/name`
  uint64_t size = 0;
};

// Reads the plain snapshot `src` (named for zxid `zxid`, written in
// `snapshot_format` "3.4" | "3.6" | "3.9"), sets /zookeeper/config to `text`
// (stat kept), and writes it to `<dir>/<name>` by the temp+fsync+rename recipe,
// then reads it back: every seal, the digest, `expect_nodes` node records.
// When nothing needs changing the file is NOT written (`rewritten` false) and
// the caller copies the bundle's file as it is.
Result<MembershipRewrite> WriteWithMembership(const std::string& src, int64_t zxid,
                                              const std::string& snapshot_format,
                                              const std::string& text, const std::string& dir,
                                              const std::string& name, uint64_t expect_nodes,
                                              int32_t max_buffer);

}  // namespace zkm
