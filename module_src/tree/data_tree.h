// An in-memory ZooKeeper data tree: what a snapshot holds, kept compact enough
// to replay a multi-GB database (path and data bytes live in an append-only
// arena; a node is ~100 bytes plus an index entry).
//
// Nodes keep their insertion order and slots are never reused, so iterating
// live nodes in slot order always visits a parent before its children (a node
// can only be created under a live parent, which then has a lower slot). That
// is the order a snapshot needs (docs/FORMATS.md 4.5) without sorting.
//
// The tree digest (digest.h) is maintained on every change, and so is an index
// of ephemeral nodes by owning session. Mutations go through the methods below;
// callers never modify a Node's stat or data in place.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "format/zk_types.h"

namespace zkm {

struct Node {
  std::string_view path;  // "" for the root
  const char* data = nullptr;
  int32_t data_len = -1;  // -1: null data
  int64_t acl_ref = kOpenAclUnsafeRef;
  Stat stat;
  uint32_t num_children = 0;
  bool live = false;

  bool data_null() const { return data_len < 0; }
  std::string_view data_view() const {
    return data_len <= 0 ? std::string_view()
                         : std::string_view(data, static_cast<size_t>(data_len));
  }
};

// Parent path of `path` ("" for "/a"); `path` must contain a '/'.
std::string_view ParentPath(std::string_view path);

class DataTree;
// Adds /zookeeper/config (empty data, ACL [READ world:anyone], aversion -1, the
// rest of the stat zero) when the tree lacks it, as a 3.5+ server does to a tree
// it loaded from 3.4 files; /zookeeper's cversion and pzxid are not changed.
// Returns true if it was added (false: already there, or no /zookeeper).
bool AddConfigNode(DataTree* tree);

class DataTree {
 public:
  DataTree();
  DataTree(const DataTree&) = delete;
  DataTree& operator=(const DataTree&) = delete;
  DataTree(DataTree&&) = default;
  DataTree& operator=(DataTree&&) = default;

  // The tree a fresh 3.5+ server starts with: "", /zookeeper, /zookeeper/quota and
  // /zookeeper/config (ACL entry 1 = [READ world:anyone], aversion -1).
  static DataTree Fresh();
  // The tree a 3.4 server starts with: "", /zookeeper and /zookeeper/quota (all
  // stats zero, ACL -1 = world:anyone ALL); 3.4 has no /zookeeper/config.
  static DataTree Fresh34();

  const Node* Find(std::string_view path) const;
  // Adds a node (or replaces one with the same path). The parent is not checked
  // here; replay and the snapshot reader check it. `path` "/" is refused (alias).
  const Node* Put(std::string_view path, std::string_view data, bool data_null, int64_t acl_ref,
                  const Stat& stat);
  // Removes a node; returns false if absent. Children are not touched.
  bool Remove(std::string_view path);
  void SetData(std::string_view path, std::string_view data, bool data_null, int64_t mzxid,
               int64_t mtime, int32_t version);
  void SetStat(std::string_view path, const Stat& stat);
  void SetAclRef(std::string_view path, int64_t acl_ref);

  // Live nodes in parent-before-child order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Node& n : nodes_)
      if (n.live) fn(n);
  }
  size_t size() const { return index_.size(); }
  uint64_t data_bytes() const { return data_bytes_; }
  // Signed AdHash sum of every node digest (docs/FORMATS.md 6).
  int64_t digest() const { return static_cast<int64_t>(digest_); }
  // The same with non-ASCII path characters hashed as '?' (a JVM whose default
  // charset is US-ASCII, see digest.h).
  int64_t digest_ascii() const { return static_cast<int64_t>(digest_ascii_); }
  bool has_non_ascii_paths() const { return non_ascii_paths_ > 0; }

  // --- ACL cache (ZooKeeper's ReferenceCountedACLCache, without the counts).
  // Entries read from a snapshot keep their keys.
  void AddAclEntry(int64_t ref, AclList acl);
  // The key for `acl`, allocating the next one if new (null list: -1).
  int64_t InternAcl(const AclList& acl);
  const AclList* FindAcl(int64_t ref) const;
  const std::map<int64_t, AclList>& acls() const { return acls_; }
  // ACL entries referenced by at least one live node (what a snapshot writer keeps).
  std::set<int64_t> UsedAclRefs() const;

  // --- sessions (id -> timeout ms)
  std::map<int64_t, int32_t>& sessions() { return sessions_; }
  const std::map<int64_t, int32_t>& sessions() const { return sessions_; }
  // Ephemeral paths owned by `session` (sorted).
  std::vector<std::string> EphemeralsOf(int64_t session) const;
  // Every owner that has ephemerals, with its node count.
  std::map<int64_t, size_t> EphemeralOwners() const;

  int64_t last_processed_zxid = 0;

 private:
  Node* MutableFind(std::string_view path);
  std::string_view Store(std::string_view bytes);
  void Unhash(const Node& n);
  void Rehash(const Node& n);
  void IndexEphemeral(const Node& n, bool add);

  std::deque<Node> nodes_;
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<std::unique_ptr<char[]>> arena_;
  size_t arena_left_ = 0;
  char* arena_next_ = nullptr;
  uint64_t digest_ = 0;
  uint64_t digest_ascii_ = 0;
  uint64_t non_ascii_paths_ = 0;
  uint64_t data_bytes_ = 0;
  std::map<int64_t, AclList> acls_;
  std::map<AclList, int64_t> acl_keys_;
  int64_t acl_index_ = 0;
  std::map<int64_t, int32_t> sessions_;
  std::unordered_map<int64_t, std::set<std::string_view>> ephemerals_;
};

}  // namespace zkm
