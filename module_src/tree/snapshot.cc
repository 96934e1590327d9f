#include "tree/snapshot.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <unordered_set>

#include "format/snapshot_format.h"
#include "tree/digest.h"

namespace zkm {

namespace {

// Warnings are for people; a damaged file must not turn them into a flood.
constexpr size_t kMaxWarnings = 50;
// How many bytes after seal 1 are read before giving up on classifying them.
constexpr size_t kMaxTrailerScan = 1 << 16;

std::string Hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

uint64_t PathHash(std::string_view p) {
  return std::hash<std::string_view>{}(p);
}

// An open-addressing set of 64-bit path hashes. The parent check runs once per
// node, so it must neither allocate per node nor keep path strings: a 64-bit hash
// per path is 8 bytes (x2 for the load factor) and a false "parent found" needs a
// collision, about n^2/2^65.
class HashSet64 {
 public:
  HashSet64() : slots_(1024, 0), mask_(1023) {}
  bool Contains(uint64_t h) const {
    h = Fix(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == h) return true;
      if (slots_[i] == 0) return false;
    }
  }
  // False if `h` was already present.
  bool Insert(uint64_t h) {
    if ((count_ + 1) * 2 > slots_.size()) Grow();
    return Place(Fix(h));
  }

 private:
  static uint64_t Fix(uint64_t h) { return h == 0 ? 1 : h; }  // 0 marks a free slot
  bool Place(uint64_t h) {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        count_++;
        return true;
      }
    }
  }
  void Grow() {
    std::vector<uint64_t> old(slots_.size() * 2, 0);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    count_ = 0;
    for (uint64_t h : old)
      if (h != 0) Place(h);
  }
  std::vector<uint64_t> slots_;
  size_t mask_;
  size_t count_ = 0;
};

class Reader {
 public:
  Reader(ByteSource& src, const SnapshotReadOptions& opts, SnapshotVisitor* visitor,
         SnapshotSummary* sum)
      : r_(src, /*track_adler=*/true), opts_(opts), visitor_(visitor), sum_(*sum) {}

  void Run() {
    if (ReadHeader() && ReadSessions() && ReadAcls() && ReadNodes() && ReadSeal(1)) {
      ReadTrailers();
    }
    if (!r_.ok() && sum_.status.ok()) sum_.status = r_.status().WithContext(where_);
    Finish();
  }

 private:
  // Structural damage: reading stops here.
  bool Damage(Status st) {
    if (sum_.status.ok()) sum_.status = st.WithContext(where_);
    return r_.Fail(std::move(st));
  }
  // Damage after which the structure is still known (a wrong seal value).
  void NoteDamage(Status st) {
    if (sum_.status.ok()) sum_.status = st.WithContext(where_);
  }
  void Warn(std::string w) {
    if (sum_.warnings.size() < kMaxWarnings) sum_.warnings.push_back(std::move(w));
  }
  Status Unreasonable(int32_t len, const char* what, uint64_t at) const {
    return Status::Corrupt("unreasonable length " + std::to_string(len) + " for " + what +
                               " (limit " + std::to_string(opts_.max_buffer) + ")",
                           static_cast<int64_t>(at));
  }

  bool ReadHeader() {
    where_ = "file header";
    std::string_view h;
    if (!r_.ReadRaw(kSnapHeaderSize, &h)) return false;
    int32_t magic = LoadInt(h.data());
    sum_.version = LoadInt(h.data() + 4);
    sum_.dbid = LoadLong(h.data() + 8);
    if (magic != kSnapMagic) {
      return Damage(Status::Corrupt("bad magic " + Hex32(static_cast<uint32_t>(magic)) +
                                        " (a snapshot starts with 0x5a4b534e \"ZKSN\")",
                                    0));
    }
    if (sum_.version != kSnapVersion) {
      Warn("header version " + std::to_string(sum_.version) + " is not 2 (ZooKeeper ignores it)");
    }
    if (sum_.dbid != kSnapDbId) {
      Warn("header dbid " + std::to_string(sum_.dbid) + " is not -1 (ZooKeeper ignores it)");
    }
    return true;
  }

  bool ReadSessions() {
    where_ = "session table";
    uint64_t at = r_.offset();
    int32_t count = 0;
    if (!r_.ReadInt(&count)) return false;
    if (count < 0) {
      return Damage(Status::Corrupt("negative session count " + std::to_string(count),
                                    static_cast<int64_t>(at)));
    }
    // No allocation from the count: each 12-byte entry is read as it comes, so a
    // huge count ends as a truncation at the real end of the data.
    for (int32_t i = 0; i < count; ++i) {
      std::string_view e;
      if (!r_.ReadRaw(kSnapSessionSize, &e)) {
        where_ = "session " + std::to_string(i) + " of " + std::to_string(count);
        return false;
      }
      int64_t id = LoadLong(e.data());
      int32_t timeout = LoadInt(e.data() + 8);
      sessions_.insert(id);
      sum_.sessions++;
      if (visitor_) visitor_->OnSession(id, timeout);
    }
    return true;
  }

  bool ReadAcls() {
    where_ = "ACL cache";
    uint64_t at = r_.offset();
    int32_t count = 0;
    if (!r_.ReadInt(&count)) return false;
    if (count < 0) {
      return Damage(Status::Corrupt("negative ACL cache entry count " + std::to_string(count),
                                    static_cast<int64_t>(at)));
    }
    // An ACL is at least 12 bytes (perms + two string lengths).
    const int32_t max_list = opts_.max_buffer / 12;
    AclList acl;
    for (int32_t i = 0; i < count; ++i) {
      where_ = "ACL cache entry " + std::to_string(i) + " of " + std::to_string(count);
      int64_t ref = 0;
      int32_t n = 0;
      if (!r_.ReadLong(&ref)) return false;
      at = r_.offset();
      if (!r_.ReadInt(&n)) return false;
      if (n == -1) {
        return Damage(Status::Corrupt("null ACL list for aclRef " + std::to_string(ref) +
                                          " (ZooKeeper crashes on a null ACL list)",
                                      static_cast<int64_t>(at)));
      }
      if (n < -1 || n > max_list) {
        return Damage(Status::Corrupt("unreasonable length " + std::to_string(n) +
                                          " for an ACL list (limit " + std::to_string(max_list) +
                                          ")",
                                      static_cast<int64_t>(at)));
      }
      acl.clear();
      for (int32_t j = 0; j < n; ++j) {
        Acl a;
        bool null_scheme = false, null_id = false;
        if (!r_.ReadInt(&a.perms) ||
            !r_.ReadBuffer(&a.scheme, &null_scheme, opts_.max_buffer, "an ACL scheme") ||
            !r_.ReadBuffer(&a.id, &null_id, opts_.max_buffer, "an ACL id")) {
          return false;
        }
        acl.push_back(std::move(a));
      }
      acl_refs_.insert(ref);
      sum_.acl_entries++;
      if (visitor_) visitor_->OnAcl(ref, acl);
    }
    return true;
  }

  bool ReadNodes() {
    where_ = "node section";
    const int32_t max = opts_.max_buffer;
    for (;;) {
      uint64_t at = r_.offset();
      int32_t plen = 0;
      std::string_view pv;
      if (!r_.ReadInt(&plen)) return NodeFailed();
      if (plen == -1) {
        return Damage(
            Status::Corrupt("null node path (ZooKeeper crashes on it)", static_cast<int64_t>(at)));
      }
      if (plen < -1 || plen > max) return Damage(Unreasonable(plen, "a node path", at));
      if (!r_.ReadRaw(static_cast<size_t>(plen), &pv)) return NodeFailed();
      if (pv == kSnapTerminator) return true;
      // The path is copied (into reused capacity) because the next read may move
      // the reader's buffer; data and the 68-byte tail are read as one view instead.
      path_.assign(pv.data(), pv.size());

      uint64_t data_at = r_.offset();
      int32_t dlen = 0;
      if (!r_.ReadInt(&dlen)) return NodeFailed(true);
      if (dlen < -1 || dlen > max) return Damage(Unreasonable(dlen, "node data", data_at));
      size_t dsize = dlen > 0 ? static_cast<size_t>(dlen) : 0;
      std::string_view rec;
      if (!r_.ReadRaw(dsize + kSnapNodeTailSize, &rec)) return NodeFailed(true);
      std::string_view data = rec.substr(0, dsize);
      const char* tail = rec.data() + dsize;
      int64_t acl_ref = LoadLong(tail);
      Stat stat = DecodeStat(tail + 8);

      // Parent before child (DataTree.deserialize); a path without '/' is the root.
      // In a depth-first file the parent is nearly always the previous node or the
      // previous node's parent, both already checked: only other parents are looked
      // up (a random memory access per node is most of the cost otherwise).
      size_t slash = path_.rfind('/');
      if (slash != std::string::npos) {
        std::string_view parent(path_.data(), slash);
        bool known =
            sum_.nodes > 0 &&
            (parent == prev_path_ || (prev_slash_ != std::string::npos &&
                                      parent == std::string_view(prev_path_.data(), prev_slash_)));
        if (!known && !paths_.Contains(PathHash(parent))) {
          return Damage(Status::Corrupt(
              "Invalid Datatree, unable to find parent " + std::string(parent) + " of " + path_,
              static_cast<int64_t>(at)));
        }
      }
      if (!paths_.Insert(PathHash(path_))) {
        Warn("node " + path_ + " appears twice (ZooKeeper keeps the last copy; the computed " +
             "digest counts both)");
      }
      Account(data, acl_ref, stat);
      if (visitor_) visitor_->OnNode(SnapshotNodeView{path_, data, dlen == -1, acl_ref, stat});
      prev_path_.swap(path_);
      prev_slash_ = slash;
    }
  }

  // `current`: the failure is inside the record of path_, else before its path.
  bool NodeFailed(bool current = false) {
    if (current) {
      where_ = "node section (node " + path_ + ")";
    } else {
      where_ = sum_.nodes == 0 ? std::string("node section (first node)")
                               : "node section (after " + prev_path_ + ")";
    }
    return false;
  }

  // The per-node facts. Nothing here allocates except for a new owner or aclRef.
  void Account(std::string_view data, int64_t acl_ref, const Stat& stat) {
    sum_.nodes++;
    sum_.data_bytes += data.size();
    if (data.size() > sum_.largest_bytes) {
      sum_.largest_bytes = data.size();
      sum_.largest_path = path_;
    }
    uint32_t d = NodeDigest(path_, data, stat);
    digest_ += d;
    digest_ascii_ += IsAscii(path_) ? d : NodeDigestAscii(path_, data, stat);
    sum_.max_mzxid = std::max(sum_.max_mzxid, stat.mzxid);
    sum_.max_zxid = std::max({sum_.max_zxid, stat.czxid, stat.mzxid, stat.pzxid});
    switch (KindOfOwner(stat.ephemeral_owner)) {
      case NodeKind::kEphemeral: {
        auto [it, added] = sum_.ephemerals_by_owner.try_emplace(stat.ephemeral_owner, 0);
        it->second++;
        if (added && sessions_.count(stat.ephemeral_owner) == 0) {
          sum_.orphan_ephemeral_owners.push_back(stat.ephemeral_owner);
        }
        break;
      }
      case NodeKind::kContainer:
        sum_.containers++;
        break;
      case NodeKind::kTtl:
        sum_.ttl_nodes++;
        break;
      case NodeKind::kPersistent:
        break;
    }
    if (acl_ref != kOpenAclUnsafeRef && acl_ref != last_good_acl_ &&
        acl_refs_.count(acl_ref) == 0) {
      if (missing_acls_.insert(acl_ref).second) sum_.missing_acl_refs.push_back(acl_ref);
    } else if (acl_ref != kOpenAclUnsafeRef) {
      last_good_acl_ = acl_ref;
    }
  }

  // Seal k read from the stream: Adler of everything before its long.
  bool ReadSeal(int k) {
    where_ = "seal " + std::to_string(k);
    uint64_t at = r_.offset();
    uint32_t computed = r_.Adler();
    int64_t value = 0;
    std::string_view s;
    bool is_null = false;
    if (!r_.ReadLong(&value)) return false;
    if (!r_.ReadBufferView(&s, &is_null, opts_.max_buffer, "the string after a seal")) {
      return false;
    }
    return CheckSeal(at, computed, value, !is_null && s == kSnapTerminator);
  }

  bool CheckSeal(uint64_t at, uint32_t computed, int64_t value, bool slash_follows) {
    auto u = static_cast<uint64_t>(value);
    SealCheck c{at, static_cast<uint32_t>(u), computed, false};
    c.ok = (u >> 32) == 0 && c.stored == computed && slash_follows;
    sum_.seals.push_back(c);
    if (!slash_follows) {
      return Damage(Status::Corrupt("the seal is not followed by the string \"/\"",
                                    static_cast<int64_t>(at + 8)));
    }
    if ((u >> 32) != 0) {
      NoteDamage(Status::Corrupt("the high 4 bytes of the seal are not zero (" + Hex(value) +
                                     "; an Adler-32 is zero-extended)",
                                 static_cast<int64_t>(at)));
    } else if (c.stored != computed) {
      NoteDamage(Status::Corrupt("Adler-32 mismatch: stored " + Hex32(c.stored) + ", computed " +
                                     Hex32(computed) + " over bytes [0, " + std::to_string(at) +
                                     ")",
                                 static_cast<int64_t>(at)));
    }
    return true;
  }

  // The trailers cannot be told apart by their contents, only by how many bytes
  // remain after seal 1 (docs/FORMATS.md 4.6), so the rest is read whole and the
  // Adler-32 is continued over it with zlib.
  void ReadTrailers() {
    where_ = "trailer after seal 1";
    uint64_t base = r_.offset();
    uint32_t adler = r_.Adler();
    std::string rest;
    if (!r_.ReadRest(&rest, kMaxTrailerScan)) {
      // ReadRest's own refusal (too many bytes) is reported in this section's terms;
      // a decompression or I/O error passes through.
      if (r_.status().code() == Code::kCorrupt &&
          r_.status().message().rfind("unexpected ", 0) == 0) {
        if (sum_.status.ok())
          sum_.status = Status::Corrupt("more than " + std::to_string(kMaxTrailerScan) +
                                            " bytes follow seal 1 (expected 0, 21, 33 or 54)",
                                        static_cast<int64_t>(base));
      }
      return;
    }
    sum_.trailer_bytes = rest.size();
    auto adler_to = [&](size_t pos) {
      return static_cast<uint32_t>(
          adler32(adler, reinterpret_cast<const Bytef*>(rest.data()), static_cast<uInt>(pos)));
    };
    auto seal_at = [&](int k, size_t pos) {
      where_ = "seal " + std::to_string(k);
      std::string_view s(rest.data() + pos + 8, 5);
      return CheckSeal(base + pos, adler_to(pos), LoadLong(rest.data() + pos), s == kSnapPlainTail);
    };
    auto digest_at = [&](size_t pos) {
      sum_.has_digest = true;
      sum_.digest_zxid = LoadLong(rest.data() + pos);
      sum_.digest_version = LoadInt(rest.data() + pos + 8);
      sum_.digest = LoadLong(rest.data() + pos + 12);
      digest_offset_ = base + pos;
    };
    auto last_zxid_at = [&](size_t pos) {
      sum_.has_last_zxid = true;
      sum_.last_processed_zxid = LoadLong(rest.data() + pos);
    };
    switch (rest.size()) {
      case kTrailerNone:
        return;
      case kTrailerDigest:
        digest_at(0);
        seal_at(2, kSnapDigestSize);
        return;
      case kTrailerLastZxid:
        last_zxid_at(0);
        seal_at(2, kSnapLastZxidSize);
        Warn("lastProcessedZxid trailer without a digest (3.9 with digest disabled): a 3.6+ " +
             std::string("reader with digest enabled rejects this snapshot"));
        return;
      case kTrailerDigestLastZxid:
        digest_at(0);
        if (!seal_at(2, kSnapDigestSize)) return;
        last_zxid_at(kTrailerDigest);
        seal_at(3, kTrailerDigest + kSnapLastZxidSize);
        return;
      default:
        Damage(Status::Corrupt(
            std::to_string(rest.size()) + " bytes follow seal 1; expected 0, 21, 33 or 54",
            static_cast<int64_t>(base)));
    }
  }

  void Finish() {
    using DC = SnapshotSummary::DigestCheck;
    sum_.stream_bytes = r_.offset();
    sum_.computed_digest = static_cast<int64_t>(digest_);
    sum_.computed_digest_ascii = static_cast<int64_t>(digest_ascii_);
    const int64_t name = opts_.name_zxid;
    if (name >= 0) sum_.fuzzy = sum_.max_zxid > name;
    if (sum_.has_last_zxid && name >= 0 && sum_.last_processed_zxid < name) {
      Warn("lastProcessedZxid " + Hex(sum_.last_processed_zxid) + " is below the name zxid " +
           Hex(name) + " (renamed file?)");
    }
    if (sum_.fuzzy && !sum_.missing_acl_refs.empty()) {
      Warn("the snapshot is fuzzy: a node created after the ACL cache was written has an " +
           std::string("aclRef missing from it; replaying the logs restores the entry"));
    }
    if (!sum_.has_digest) return;
    // The rules of DataTree.deserializeZxidDigest / compareSnapshotDigests.
    if (sum_.digest_version != kDigestVersion) {
      Warn("digest version " + std::to_string(sum_.digest_version) +
           " is not 2; ZooKeeper skips the comparison");
      return;
    }
    if (sum_.digest_zxid <= 0) {
      Warn("the digest trailer is empty (zxid " + Hex(sum_.digest_zxid) +
           "); ZooKeeper ignores it");
      return;
    }
    if (name >= 0 && sum_.digest_zxid < name) {
      Warn("the digest zxid " + Hex(sum_.digest_zxid) + " is below the name zxid " + Hex(name) +
           "; ZooKeeper ignores the digest");
      return;
    }
    bool compare_now = name >= 0 ? sum_.digest_zxid == name : sum_.max_zxid <= sum_.digest_zxid;
    if (!compare_now) {
      sum_.digest_check = DC::kDeferred;
      return;
    }
    if (sum_.computed_digest == sum_.digest) {
      sum_.digest_check = DC::kMatch;
      return;
    }
    if (sum_.computed_digest_ascii == sum_.digest) {
      // Written by a JVM whose default charset is US-ASCII (a C/POSIX locale).
      sum_.digest_check = DC::kMatch;
      sum_.digest_charset = "us-ascii";
      return;
    }
    if (sum_.max_zxid > sum_.digest_zxid) {
      // The trailer was taken while a later txn was half applied (ZooKeeper's own
      // race): the content runs ahead of the digest. ZooKeeper only warns and
      // replay makes the tree consistent; the per-txn digests then prove it.
      sum_.digest_check = DC::kDeferred;
      Warn("the snapshot holds changes newer than its digest zxid " + Hex(sum_.digest_zxid) +
           " (up to " + Hex(sum_.max_zxid) +
           "), so its digest cannot match by itself; the logs' "
           "digests are checked instead");
      return;
    }
    sum_.digest_check = DC::kMismatch;
    if (sum_.status.ok()) {
      sum_.status = Status(Code::kMismatch,
                           "tree digest mismatch at zxid " + Hex(sum_.digest_zxid) + ": computed " +
                               std::to_string(sum_.computed_digest) + ", stored " +
                               std::to_string(sum_.digest),
                           static_cast<int64_t>(digest_offset_));
    }
  }

  JuteReader r_;
  const SnapshotReadOptions& opts_;
  SnapshotVisitor* visitor_;
  SnapshotSummary& sum_;
  std::string where_;
  std::string path_;       // the node being read
  std::string prev_path_;  // the node before it (the buffers swap: no allocation)
  size_t prev_slash_ = std::string::npos;
  HashSet64 paths_;
  uint64_t digest_ = 0;
  uint64_t digest_ascii_ = 0;  // non-ASCII path characters hashed as '?' (digest.h)
  uint64_t digest_offset_ = 0;
  std::unordered_set<int64_t> sessions_;
  std::set<int64_t> acl_refs_;
  std::set<int64_t> missing_acls_;
  int64_t last_good_acl_ = kOpenAclUnsafeRef;
};

class TreeLoader : public SnapshotVisitor {
 public:
  explicit TreeLoader(DataTree* tree) : tree_(tree) {}
  void OnSession(int64_t id, int32_t timeout_ms) override { tree_->sessions()[id] = timeout_ms; }
  void OnAcl(int64_t ref, const AclList& acl) override { tree_->AddAclEntry(ref, acl); }
  void OnNode(const SnapshotNodeView& n) override {
    tree_->Put(n.path, n.data, n.data_null, n.acl_ref, n.stat);
  }

 private:
  DataTree* tree_;
};

}  // namespace

SnapshotSummary ReadSnapshot(ByteSource& decompressed, const SnapshotReadOptions& opts,
                             SnapshotVisitor* visitor) {
  SnapshotSummary sum;
  Reader reader(decompressed, opts, visitor, &sum);
  reader.Run();
  return sum;
}

SnapshotSummary LoadSnapshot(ByteSource& decompressed, const SnapshotReadOptions& opts,
                             DataTree* tree) {
  TreeLoader loader(tree);
  SnapshotSummary sum = ReadSnapshot(decompressed, opts, &loader);
  if (opts.name_zxid >= 0) {
    tree->last_processed_zxid = opts.name_zxid;
  } else if (sum.has_last_zxid) {
    tree->last_processed_zxid = sum.last_processed_zxid;
  } else if (sum.has_digest && sum.digest_zxid > 0) {
    tree->last_processed_zxid = sum.digest_zxid;
  } else {
    tree->last_processed_zxid = sum.max_zxid;
  }
  return sum;
}

bool SnapshotPrecheck(Compression c, std::string_view first_bytes, std::string_view last_5_bytes) {
  switch (c) {
    case Compression::kPlain:
      return last_5_bytes == kSnapPlainTail;
    case Compression::kGzip:
      return first_bytes.substr(0, kGzipMagic.size()) == kGzipMagic;
    case Compression::kSnappy:
      return first_bytes.substr(0, kSnappyJavaMagic.size()) == kSnappyJavaMagic;
  }
  return false;
}

}  // namespace zkm
