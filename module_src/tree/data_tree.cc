#include "tree/data_tree.h"

#include <cstring>

#include "tree/digest.h"

namespace zkm {

namespace {
constexpr size_t kArenaChunk = 8u << 20;
}

std::string_view ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

DataTree::DataTree() = default;

DataTree DataTree::Fresh() {
  DataTree t = Fresh34();
  AddConfigNode(&t);
  return t;
}

DataTree DataTree::Fresh34() {
  DataTree t;
  Stat zero;
  t.Put("", "", false, kOpenAclUnsafeRef, zero);
  t.Put("/zookeeper", "", false, kOpenAclUnsafeRef, zero);
  t.Put("/zookeeper/quota", "", false, kOpenAclUnsafeRef, zero);
  return t;
}

bool AddConfigNode(DataTree* t) {
  if (t->Find("/zookeeper/config") || !t->Find("/zookeeper")) return false;
  Stat config;
  config.aversion = -1;
  int64_t read_only = t->InternAcl({Acl{1, "world", "anyone"}});
  t->Put("/zookeeper/config", "", false, read_only, config);
  return true;
}

std::string_view DataTree::Store(std::string_view bytes) {
  if (bytes.empty()) return std::string_view(arena_next_ ? arena_next_ : "", 0);
  if (bytes.size() > arena_left_) {
    size_t chunk = std::max(kArenaChunk, bytes.size());
    if (bytes.size() > kArenaChunk / 4) {
      // Large values get a chunk of their own so the current chunk keeps its space.
      arena_.emplace_back(new char[bytes.size()]);
      std::memcpy(arena_.back().get(), bytes.data(), bytes.size());
      return std::string_view(arena_.back().get(), bytes.size());
    }
    arena_.emplace_back(new char[chunk]);
    arena_next_ = arena_.back().get();
    arena_left_ = chunk;
  }
  char* at = arena_next_;
  std::memcpy(at, bytes.data(), bytes.size());
  arena_next_ += bytes.size();
  arena_left_ -= bytes.size();
  return std::string_view(at, bytes.size());
}

const Node* DataTree::Find(std::string_view path) const {
  auto it = index_.find(path);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

Node* DataTree::MutableFind(std::string_view path) {
  auto it = index_.find(path);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

void DataTree::Unhash(const Node& n) {
  uint32_t d = NodeDigest(n.path, n.data_view(), n.stat);
  digest_ -= d;
  digest_ascii_ -= IsAscii(n.path) ? d : NodeDigestAscii(n.path, n.data_view(), n.stat);
}

void DataTree::Rehash(const Node& n) {
  uint32_t d = NodeDigest(n.path, n.data_view(), n.stat);
  digest_ += d;
  digest_ascii_ += IsAscii(n.path) ? d : NodeDigestAscii(n.path, n.data_view(), n.stat);
}

void DataTree::IndexEphemeral(const Node& n, bool add) {
  if (KindOfOwner(n.stat.ephemeral_owner) != NodeKind::kEphemeral) return;
  if (add) {
    ephemerals_[n.stat.ephemeral_owner].insert(n.path);
    return;
  }
  auto it = ephemerals_.find(n.stat.ephemeral_owner);
  if (it == ephemerals_.end()) return;
  it->second.erase(n.path);
  if (it->second.empty()) ephemerals_.erase(it);
}

const Node* DataTree::Put(std::string_view path, std::string_view data, bool data_null,
                          int64_t acl_ref, const Stat& stat) {
  if (Node* existing = MutableFind(path)) {
    Unhash(*existing);
    IndexEphemeral(*existing, false);
    data_bytes_ -= static_cast<uint64_t>(std::max(existing->data_len, 0));
    std::string_view stored = Store(data);
    existing->data = stored.data();
    existing->data_len = data_null ? -1 : static_cast<int32_t>(data.size());
    existing->acl_ref = acl_ref;
    existing->stat = stat;
    data_bytes_ += data.size();
    Rehash(*existing);
    IndexEphemeral(*existing, true);
    return existing;
  }
  Node n;
  n.path = Store(path);
  std::string_view stored = Store(data);
  n.data = stored.data();
  n.data_len = data_null ? -1 : static_cast<int32_t>(data.size());
  n.acl_ref = acl_ref;
  n.stat = stat;
  n.live = true;
  nodes_.push_back(n);
  if (!IsAscii(n.path)) non_ascii_paths_++;
  index_.emplace(n.path, static_cast<uint32_t>(nodes_.size() - 1));
  data_bytes_ += data.size();
  Rehash(n);
  IndexEphemeral(n, true);
  if (!path.empty()) {
    if (Node* parent = MutableFind(ParentPath(path))) parent->num_children++;
  }
  return &nodes_.back();
}

bool DataTree::Remove(std::string_view path) {
  auto it = index_.find(path);
  if (it == index_.end()) return false;
  Node& n = nodes_[it->second];
  Unhash(n);
  IndexEphemeral(n, false);
  data_bytes_ -= static_cast<uint64_t>(std::max(n.data_len, 0));
  n.live = false;
  if (!IsAscii(n.path)) non_ascii_paths_--;
  index_.erase(it);
  if (!path.empty()) {
    if (Node* parent = MutableFind(ParentPath(path))) {
      if (parent->num_children > 0) parent->num_children--;
    }
  }
  return true;
}

void DataTree::SetData(std::string_view path, std::string_view data, bool data_null, int64_t mzxid,
                       int64_t mtime, int32_t version) {
  Node* n = MutableFind(path);
  if (!n) return;
  Unhash(*n);
  data_bytes_ -= static_cast<uint64_t>(std::max(n->data_len, 0));
  std::string_view stored = Store(data);
  n->data = stored.data();
  n->data_len = data_null ? -1 : static_cast<int32_t>(data.size());
  data_bytes_ += data.size();
  n->stat.mzxid = mzxid;
  n->stat.mtime = mtime;
  n->stat.version = version;
  Rehash(*n);
}

void DataTree::SetStat(std::string_view path, const Stat& stat) {
  Node* n = MutableFind(path);
  if (!n) return;
  Unhash(*n);
  IndexEphemeral(*n, false);
  n->stat = stat;
  Rehash(*n);
  IndexEphemeral(*n, true);
}

void DataTree::SetAclRef(std::string_view path, int64_t acl_ref) {
  if (Node* n = MutableFind(path)) n->acl_ref = acl_ref;
}

void DataTree::AddAclEntry(int64_t ref, AclList acl) {
  acl_keys_.emplace(acl, ref);
  acls_[ref] = std::move(acl);
  if (ref > acl_index_) acl_index_ = ref;
}

int64_t DataTree::InternAcl(const AclList& acl) {
  auto it = acl_keys_.find(acl);
  if (it != acl_keys_.end()) return it->second;
  int64_t ref = ++acl_index_;
  acls_[ref] = acl;
  acl_keys_.emplace(acl, ref);
  return ref;
}

const AclList* DataTree::FindAcl(int64_t ref) const {
  auto it = acls_.find(ref);
  return it == acls_.end() ? nullptr : &it->second;
}

std::set<int64_t> DataTree::UsedAclRefs() const {
  std::set<int64_t> used;
  ForEach([&](const Node& n) {
    if (n.acl_ref != kOpenAclUnsafeRef) used.insert(n.acl_ref);
  });
  return used;
}

std::vector<std::string> DataTree::EphemeralsOf(int64_t session) const {
  std::vector<std::string> out;
  auto it = ephemerals_.find(session);
  if (it == ephemerals_.end()) return out;
  for (std::string_view p : it->second) out.emplace_back(p);
  return out;
}

std::map<int64_t, size_t> DataTree::EphemeralOwners() const {
  std::map<int64_t, size_t> out;
  for (const auto& [owner, paths] : ephemerals_) out[owner] = paths.size();
  return out;
}

}  // namespace zkm
