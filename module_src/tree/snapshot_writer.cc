#include "tree/snapshot_writer.h"

#include <limits>
#include <unordered_set>
#include <vector>

#include "format/jute.h"
#include "format/snapshot_format.h"
#include "tree/digest.h"

namespace zkm {

namespace {

void WriteSeal(JuteWriter& w) {
  // The Adler-32 of everything before the seal's own long, zero-extended.
  w.WriteLong(static_cast<int64_t>(w.Adler()));
  w.WriteBuffer(kSnapTerminator);
}

}  // namespace

Status WriteSnapshot(const DataTree& tree, const SnapshotWriteOptions& opts, ByteSink& sink,
                     SnapshotWriteStats* stats) {
  SnapshotWriteStats local;
  SnapshotWriteStats& st = stats ? *stats : local;
  st = SnapshotWriteStats();
  if (tree.Find("") == nullptr) {
    return Status::Invalid("the tree has no root node (path \"\"); ZooKeeper cannot load it");
  }
  constexpr size_t kMaxCount = static_cast<size_t>(std::numeric_limits<int32_t>::max());
  JuteWriter w(sink);
  w.WriteInt(kSnapMagic);
  w.WriteInt(kSnapVersion);
  w.WriteLong(kSnapDbId);

  // Sessions: std::map order, i.e. sorted by id (ZooKeeper writes HashMap order).
  if (opts.include_sessions) {
    if (tree.sessions().size() > kMaxCount) return Status::Invalid("too many sessions");
    w.WriteInt(static_cast<int32_t>(tree.sessions().size()));
    for (const auto& [id, timeout] : tree.sessions()) {
      w.WriteLong(id);
      w.WriteInt(timeout);
    }
    st.sessions = tree.sessions().size();
  } else {
    w.WriteInt(0);
  }

  // ACL cache: the entries some live node references, with their keys. A
  // reference to a key the tree does not have cannot be written; the reader
  // reports it as a missing aclRef.
  std::vector<std::pair<int64_t, const AclList*>> acls;
  for (int64_t ref : tree.UsedAclRefs()) {
    if (const AclList* list = tree.FindAcl(ref)) acls.emplace_back(ref, list);
  }
  w.WriteInt(static_cast<int32_t>(acls.size()));
  for (const auto& [ref, list] : acls) {
    w.WriteLong(ref);
    w.WriteInt(static_cast<int32_t>(list->size()));
    for (const Acl& a : *list) {
      w.WriteInt(a.perms);
      w.WriteBuffer(a.scheme);
      w.WriteBuffer(a.id);
    }
  }
  st.acl_entries = acls.size();

  // Nodes, parents first. ForEach order already is (slots are never reused),
  // except for a parent removed and re-created after its children; those children
  // wait in `deferred` until their parent has been written.
  std::unordered_set<std::string_view> written;
  written.reserve(tree.size());
  uint64_t digest = 0;
  auto write_node = [&](const Node& n) {
    w.WriteBuffer(n.path);
    w.WriteBuffer(n.data_view(), n.data_null());
    w.WriteLong(n.acl_ref);
    char stat[kStatPersistedSize];
    EncodeStat(n.stat, stat);
    w.WriteRaw(std::string_view(stat, sizeof stat));
    digest += opts.digest_ascii ? NodeDigestAscii(n.path, n.data_view(), n.stat)
                                : NodeDigest(n.path, n.data_view(), n.stat);
    written.insert(n.path);
    st.nodes++;
  };
  std::vector<const Node*> deferred;
  tree.ForEach([&](const Node& n) {
    if (n.path.empty()) {
      write_node(n);
      return;
    }
    // ZooKeeper takes any path without '/' as the root: such a node cannot be kept.
    if (n.path.find('/') == std::string_view::npos) {
      st.skipped_orphans++;
      return;
    }
    std::string_view parent = ParentPath(n.path);
    if (written.count(parent) != 0) {
      write_node(n);
    } else if (tree.Find(parent) != nullptr) {
      deferred.push_back(&n);
    } else {
      st.skipped_orphans++;
    }
  });
  for (bool progress = true; progress && !deferred.empty();) {
    progress = false;
    std::vector<const Node*> still;
    for (const Node* n : deferred) {
      if (written.count(ParentPath(n->path)) != 0) {
        write_node(*n);
        progress = true;
      } else {
        still.push_back(n);
      }
    }
    deferred.swap(still);
  }
  st.skipped_orphans += deferred.size();  // their parent chain reaches a missing node
  st.digest = static_cast<int64_t>(digest);

  w.WriteBuffer(kSnapTerminator);
  WriteSeal(w);
  if (opts.format != SnapshotFormat::kLegacy) {
    w.WriteLong(opts.zxid);
    w.WriteInt(kDigestVersion);
    w.WriteLong(st.digest);
    WriteSeal(w);
  }
  if (opts.format == SnapshotFormat::kZk39) {
    w.WriteLong(opts.zxid);
    WriteSeal(w);
  }
  Status status = w.Flush();
  st.bytes = w.offset();
  return status;
}

}  // namespace zkm
