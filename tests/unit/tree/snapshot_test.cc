// Snapshot reader tests: valid bytes first (hand-built, the writer's, the real
// Appendix A vector, compressed wrappings, real ZooKeeper 3.8 fixtures), then each
// damage mode on its own, checking both the outcome and the report.
#include "tree/snapshot.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "format/snapshot_format.h"
#include "tree/digest.h"
#include "tree/snapshot_writer.h"

namespace zkm {
namespace {

using DC = SnapshotSummary::DigestCheck;

// Builds snapshot bytes field by field, sealing with JuteWriter's running Adler.
class SnapBuilder {
 public:
  SnapBuilder() : w_(sink_) {}
  SnapBuilder& Header(int32_t magic = kSnapMagic) {
    w_.WriteInt(magic);
    w_.WriteInt(kSnapVersion);
    w_.WriteLong(kSnapDbId);
    return *this;
  }
  SnapBuilder& Int(int32_t v) {
    w_.WriteInt(v);
    return *this;
  }
  SnapBuilder& Long(int64_t v) {
    w_.WriteLong(v);
    return *this;
  }
  SnapBuilder& Acl1(int64_t ref, int32_t perms, std::string_view scheme, std::string_view id) {
    w_.WriteLong(ref);
    w_.WriteInt(1);
    w_.WriteInt(perms);
    w_.WriteBuffer(scheme);
    w_.WriteBuffer(id);
    return *this;
  }
  SnapBuilder& Node(std::string_view path, std::string_view data = "", int64_t acl = -1,
                    Stat stat = Stat(), bool data_null = false) {
    w_.WriteBuffer(path);
    w_.WriteBuffer(data, data_null);
    w_.WriteLong(acl);
    char s[kStatPersistedSize];
    EncodeStat(stat, s);
    w_.WriteRaw(std::string_view(s, sizeof s));
    return *this;
  }
  SnapBuilder& Str(std::string_view v) {
    w_.WriteBuffer(v);
    return *this;
  }
  SnapBuilder& Slash() { return Str("/"); }
  SnapBuilder& Seal() {
    w_.WriteLong(static_cast<int64_t>(w_.Adler()));
    return Slash();
  }
  SnapBuilder& Digest(int64_t zxid, int32_t version, int64_t digest) {
    w_.WriteLong(zxid);
    w_.WriteInt(version);
    w_.WriteLong(digest);
    return *this;
  }
  uint64_t offset() const { return w_.offset(); }
  std::string Bytes() {
    EXPECT_TRUE(w_.Flush().ok());
    return sink_.data();
  }

 private:
  StringSink sink_;
  JuteWriter w_;
};

// A fresh tree, as a standard prefix: header, no sessions, ACL 1, the four nodes.
SnapBuilder FreshPrefix() {
  SnapBuilder b;
  Stat config;
  config.aversion = -1;
  b.Header().Int(0).Int(1).Acl1(1, 1, "world", "anyone");
  b.Node("").Node("/zookeeper").Node("/zookeeper/config", "", 1, config).Node("/zookeeper/quota");
  return b;
}

SnapshotSummary Read(const std::string& bytes, int64_t name_zxid = -1,
                     Compression c = Compression::kPlain, int32_t max_buffer = kDefaultJuteLimit) {
  MemorySource raw(bytes);
  std::unique_ptr<ByteSource> src = Decompress(c, raw);
  SnapshotReadOptions opts;
  opts.name_zxid = name_zxid;
  opts.max_buffer = max_buffer;
  return ReadSnapshot(*src, opts, nullptr);
}

std::string Gzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void PutBE32(std::string* out, uint32_t v) {
  char b[4];
  StoreInt(b, static_cast<int32_t>(v));
  out->append(b, 4);
}

// The xerial snappy-java stream: 16-byte header, then [int32 BE length][raw block].
std::string SnappyJava(const std::string& in, size_t block = 32 * 1024) {
  std::string out(kSnappyJavaMagic);
  PutBE32(&out, 1);
  PutBE32(&out, 1);
  for (size_t pos = 0; pos < in.size(); pos += block) {
    std::string c;
    size_t n = std::min(block, in.size() - pos);
    c.resize(snappy::MaxCompressedLength(n));
    size_t clen = 0;
    snappy::RawCompress(in.data() + pos, n, c.data(), &clen);
    PutBE32(&out, static_cast<uint32_t>(clen));
    out.append(c.data(), clen);
  }
  return out;
}

// A small but varied tree: a session with an ephemeral, an ACL, data.
DataTree SmallTree() {
  DataTree t = DataTree::Fresh();
  t.sessions()[0x10] = 30000;
  Stat s;
  s.czxid = s.mzxid = s.pzxid = 3;
  s.ctime = s.mtime = 1700000000000;
  int64_t acl = t.InternAcl({Acl{31, "digest", "user:abc="}});
  t.Put("/a", "hello-data", false, acl, s);
  s.czxid = s.mzxid = s.pzxid = 4;
  s.ephemeral_owner = 0x10;
  t.Put("/a/b", "", true, -1, s);
  return t;
}

std::string SmallSnapshot(SnapshotFormat f = SnapshotFormat::kZk36) {
  DataTree t = SmallTree();
  SnapshotWriteOptions o;
  o.format = f;
  o.zxid = 4;
  StringSink sink;
  EXPECT_TRUE(WriteSnapshot(t, o, sink, nullptr).ok());
  return sink.data();
}

void Flip(std::string* bytes, size_t at, int mask) {
  (*bytes)[at] = static_cast<char>((*bytes)[at] ^ mask);
}

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------- valid bytes

TEST(Snapshot, AppendixAVectorExactBytes) {
  // docs/FORMATS.md Appendix A: snapshot.0 written by a fresh 3.8.0 server.
  SnapBuilder b = FreshPrefix();
  b.Slash();
  ASSERT_EQ(b.offset(), 411u);
  b.Seal();
  ASSERT_EQ(b.offset(), 424u);
  b.Digest(0, 2, 0).Seal();
  std::string bytes = b.Bytes();
  ASSERT_EQ(bytes.size(), 457u);
  EXPECT_EQ(bytes.substr(0, 16), std::string("ZKSN\0\0\0\x02\xff\xff\xff\xff\xff\xff\xff\xff", 16));
  EXPECT_EQ(bytes.substr(411, 8), std::string("\0\0\0\0\xb8\xa2\x3b\x49", 8));
  EXPECT_EQ(bytes.substr(444, 8), std::string("\0\0\0\0\x95\xb9\x3d\x59", 8));

  SnapshotSummary s = Read(bytes, /*name_zxid=*/0);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.seals.size(), 2u);
  EXPECT_EQ(s.seals[0].offset, 411u);
  EXPECT_EQ(s.seals[0].stored, 0xb8a23b49u);
  EXPECT_EQ(s.seals[0].computed, 0xb8a23b49u);
  EXPECT_EQ(s.seals[1].offset, 444u);
  EXPECT_EQ(s.seals[1].stored, 0x95b93d59u);
  EXPECT_EQ(s.seals[1].computed, 0x95b93d59u);
  EXPECT_TRUE(s.seals_ok());
  EXPECT_EQ(s.computed_digest, 1371985504);
  EXPECT_EQ(s.version, 2);
  EXPECT_EQ(s.dbid, -1);
  EXPECT_EQ(s.nodes, 4u);
  EXPECT_EQ(s.acl_entries, 1u);
  EXPECT_EQ(s.sessions, 0u);
  EXPECT_EQ(s.trailer_bytes, 33u);
  EXPECT_EQ(s.stream_bytes, 457u);
  EXPECT_TRUE(s.has_digest);
  EXPECT_EQ(s.digest_zxid, 0);
  // The trailer (0, 2, 0) is "empty": ZooKeeper logs that and never compares it.
  EXPECT_EQ(s.digest_check, DC::kAbsent);
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_TRUE(Contains(s.warnings.back(), "empty")) << s.warnings.back();
  EXPECT_TRUE(SnapshotPrecheck(Compression::kPlain, bytes.substr(0, 8), bytes.substr(452)));
}

TEST(Snapshot, DigestMatchWhenZxidEqualsName) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal().Digest(7, 2, kEmptyTreeDigest).Seal();
  SnapshotSummary s = Read(b.Bytes(), 7);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.digest_check, DC::kMatch);
  EXPECT_FALSE(s.fuzzy);
}

TEST(Snapshot, DigestMismatchIsReported) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal();
  uint64_t trailer = b.offset();
  b.Digest(7, 2, 12345).Seal();
  SnapshotSummary s = Read(b.Bytes(), 7);
  EXPECT_EQ(s.status.code(), Code::kMismatch);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(trailer));
  EXPECT_TRUE(Contains(s.status.message(), "computed 1371985504, stored 12345"))
      << s.status.ToString();
  EXPECT_EQ(s.digest_check, DC::kMismatch);
  EXPECT_TRUE(s.seals_ok());
}

TEST(Snapshot, DigestNewerThanNameIsDeferred) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal().Digest(9, 2, 12345).Seal();
  SnapshotSummary s = Read(b.Bytes(), 7);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.digest_check, DC::kDeferred);
}

TEST(Snapshot, DigestOlderThanNameIsIgnored) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal().Digest(5, 2, 12345).Seal();
  SnapshotSummary s = Read(b.Bytes(), 7);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.digest_check, DC::kAbsent);
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_TRUE(Contains(s.warnings.back(), "below the name zxid")) << s.warnings.back();
}

TEST(Snapshot, DigestComparedWhenNameUnknownAndNotFuzzy) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal().Digest(7, 2, kEmptyTreeDigest).Seal();
  EXPECT_EQ(Read(b.Bytes(), -1).digest_check, DC::kMatch);
}

TEST(Snapshot, FuzzyWhenANodeIsNewerThanTheName) {
  SnapBuilder b = FreshPrefix();
  Stat s;
  s.czxid = 5;
  s.mzxid = 9;
  s.pzxid = 5;
  b.Node("/late", "", -1, s).Slash().Seal().Digest(9, 2, 0).Seal();
  SnapshotSummary sum = Read(b.Bytes(), 7);
  ASSERT_TRUE(sum.status.ok()) << sum.status.ToString();
  EXPECT_TRUE(sum.fuzzy);
  EXPECT_EQ(sum.max_mzxid, 9);
  EXPECT_EQ(sum.digest_check, DC::kDeferred);
}

TEST(Snapshot, LastZxidOnlyTrailer) {
  SnapBuilder b = FreshPrefix();
  b.Slash().Seal().Long(0x42).Seal();
  SnapshotSummary s = Read(b.Bytes(), 0x40);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.trailer_bytes, 21u);
  EXPECT_FALSE(s.has_digest);
  EXPECT_TRUE(s.has_last_zxid);
  EXPECT_EQ(s.last_processed_zxid, 0x42);
  EXPECT_EQ(s.seals.size(), 2u);
  EXPECT_TRUE(s.seals_ok());
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_TRUE(Contains(s.warnings.back(), "digest enabled rejects"));
}

TEST(Snapshot, WriterOutputInAllFormats) {
  struct Case {
    SnapshotFormat f;
    size_t seals;
    uint64_t r;
  } cases[] = {{SnapshotFormat::kLegacy, 1, 0},
               {SnapshotFormat::kZk36, 2, 33},
               {SnapshotFormat::kZk39, 3, 54}};
  for (const Case& c : cases) {
    SnapshotSummary s = Read(SmallSnapshot(c.f), 4);
    ASSERT_TRUE(s.status.ok()) << s.status.ToString();
    EXPECT_EQ(s.seals.size(), c.seals);
    EXPECT_TRUE(s.seals_ok());
    EXPECT_EQ(s.trailer_bytes, c.r);
    EXPECT_EQ(s.nodes, 6u);
    EXPECT_EQ(s.sessions, 1u);
    EXPECT_EQ(s.acl_entries, 2u);
    EXPECT_EQ(s.ephemerals_by_owner.at(0x10), 1u);
    EXPECT_TRUE(s.orphan_ephemeral_owners.empty());
    EXPECT_EQ(s.largest_path, "/a");
    EXPECT_EQ(s.largest_bytes, 10u);
    EXPECT_EQ(s.computed_digest, SmallTree().digest());
    EXPECT_EQ(s.digest_check, c.f == SnapshotFormat::kLegacy ? DC::kAbsent : DC::kMatch);
    EXPECT_EQ(s.has_last_zxid, c.f == SnapshotFormat::kZk39);
  }
}

TEST(Snapshot, VisitorSeesEverythingInOrder) {
  struct Rec : SnapshotVisitor {
    std::vector<std::string> log;
    void OnSession(int64_t id, int32_t t) override {
      log.push_back("s" + std::to_string(id) + ":" + std::to_string(t));
    }
    void OnAcl(int64_t ref, const AclList& acl) override {
      log.push_back("a" + std::to_string(ref) + ":" + AclToString(acl.at(0)));
    }
    void OnNode(const SnapshotNodeView& n) override {
      log.push_back("n" + std::string(n.path) + ":" + std::string(n.data) +
                    (n.data_null ? ":null" : ""));
    }
  } rec;
  std::string bytes = SmallSnapshot();
  MemorySource src(bytes);
  SnapshotSummary s = ReadSnapshot(src, SnapshotReadOptions(), &rec);
  ASSERT_TRUE(s.status.ok());
  std::vector<std::string> want = {
      "s16:30000",    "a1:world:anyone:r",  "a2:digest:user:abc=:cdrwa", "n:",
      "n/zookeeper:", "n/zookeeper/quota:", "n/zookeeper/config:",       "n/a:hello-data",
      "n/a/b::null"};
  EXPECT_EQ(rec.log, want);
}

TEST(Snapshot, LoadIntoTreeKeepsEverything) {
  std::string bytes = SmallSnapshot();
  MemorySource src(bytes);
  DataTree t;
  SnapshotReadOptions o;
  o.name_zxid = 4;
  SnapshotSummary s = LoadSnapshot(src, o, &t);
  ASSERT_TRUE(s.status.ok());
  DataTree want = SmallTree();
  EXPECT_EQ(t.size(), want.size());
  EXPECT_EQ(t.digest(), want.digest());
  EXPECT_EQ(t.sessions(), want.sessions());
  EXPECT_EQ(t.acls(), want.acls());
  EXPECT_EQ(t.last_processed_zxid, 4);
  ASSERT_NE(t.Find("/a/b"), nullptr);
  EXPECT_TRUE(t.Find("/a/b")->data_null());
  EXPECT_FALSE(t.Find("/zookeeper")->data_null());
}

TEST(Snapshot, CountsKindsMissingAclsAndOrphans) {
  Stat eph, cont, ttl;
  eph.ephemeral_owner = 0x77;  // no such session
  cont.ephemeral_owner = kContainerOwner;
  ttl.ephemeral_owner = TtlOwner(5000);
  SnapBuilder b;
  b.Header().Int(1).Long(0x55).Int(4000).Int(0);
  b.Node("").Node("/e1", "", -1, eph).Node("/e2", "", -1, eph).Node("/c", "", -1, cont);
  b.Node("/t", "", -1, ttl).Node("/m", "", 9).Slash().Seal();
  SnapshotSummary s = Read(b.Bytes());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.ephemerals_by_owner.at(0x77), 2u);
  EXPECT_EQ(s.orphan_ephemeral_owners, std::vector<int64_t>{0x77});
  EXPECT_EQ(s.containers, 1u);
  EXPECT_EQ(s.ttl_nodes, 1u);
  EXPECT_EQ(s.missing_acl_refs, std::vector<int64_t>{9});
  EXPECT_EQ(s.digest_check, DC::kAbsent);
}

TEST(Snapshot, GzipWrapped) {
  std::string plain = SmallSnapshot();
  SnapshotSummary s = Read(Gzip(plain), 4, Compression::kGzip);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.stream_bytes, plain.size());
  EXPECT_EQ(s.digest_check, DC::kMatch);
  EXPECT_TRUE(s.seals_ok());
  EXPECT_TRUE(SnapshotPrecheck(Compression::kGzip, Gzip(plain).substr(0, 8), ""));
}

TEST(Snapshot, SnappyWrapped) {
  std::string plain = SmallSnapshot();
  std::string packed = SnappyJava(plain, 100);  // several blocks
  SnapshotSummary s = Read(packed, 4, Compression::kSnappy);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.stream_bytes, plain.size());
  EXPECT_EQ(s.digest_check, DC::kMatch);
  EXPECT_TRUE(SnapshotPrecheck(Compression::kSnappy, packed.substr(0, 8), ""));
  EXPECT_FALSE(SnapshotPrecheck(Compression::kSnappy, plain.substr(0, 8), ""));
}

TEST(Snapshot, SnappyTwoConcatenatedStreams) {
  std::string plain = SmallSnapshot();
  size_t half = plain.size() / 2;
  std::string packed = SnappyJava(plain.substr(0, half), 64) + SnappyJava(plain.substr(half), 64);
  SnapshotSummary s = Read(packed, 4, Compression::kSnappy);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.stream_bytes, plain.size());
  EXPECT_TRUE(s.seals_ok());
}

TEST(Snapshot, PrecheckPlainTail) {
  std::string bytes = SmallSnapshot();
  EXPECT_TRUE(
      SnapshotPrecheck(Compression::kPlain, bytes.substr(0, 8), bytes.substr(bytes.size() - 5)));
  EXPECT_FALSE(
      SnapshotPrecheck(Compression::kPlain, bytes.substr(0, 8), bytes.substr(bytes.size() - 6, 5)));
  EXPECT_FALSE(SnapshotPrecheck(Compression::kGzip, bytes.substr(0, 8), ""));
}

// ---------------------------------------------------------------- damage

TEST(Snapshot, TruncatedAtEveryOffset) {
  std::string bytes = SmallSnapshot(SnapshotFormat::kZk39);
  SnapshotSummary full = Read(bytes, 4);
  ASSERT_TRUE(full.status.ok());
  const uint64_t seal1 = full.seals.at(0).offset;
  const uint64_t after_seal1 = seal1 + kSnapSealSize;
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::string cut = bytes.substr(0, len);
    SnapshotSummary s = Read(cut, 4);
    bool plain_tail = len >= 5 && cut.substr(len - 5) == kSnapPlainTail;
    EXPECT_EQ(SnapshotPrecheck(Compression::kPlain, cut.substr(0, 8),
                               len >= 5 ? cut.substr(len - 5) : cut),
              plain_tail)
        << len;
    if (len < after_seal1) {
      // The tree or seal 1 is cut: always damage, at or before the cut.
      EXPECT_EQ(s.status.code(), Code::kTruncated) << len << ": " << s.status.ToString();
      EXPECT_TRUE(Contains(s.status.message(), "data ends inside")) << s.status.ToString();
      EXPECT_GE(s.status.offset(), 0) << len;
      EXPECT_LE(static_cast<size_t>(s.status.offset()), len) << s.status.ToString();
      // The precheck only lets through the cut right after the "/" terminator.
      EXPECT_EQ(plain_tail, len == seal1) << len;
      continue;
    }
    uint64_t r = len - after_seal1;
    if (r == 0 || r == kTrailerDigest) {
      // Indistinguishable from a complete legacy / 3.6 snapshot (docs/FORMATS.md 4.6).
      EXPECT_TRUE(s.status.ok()) << len << ": " << s.status.ToString();
      continue;
    }
    EXPECT_EQ(s.status.code(), Code::kCorrupt) << len;
    if (r == kTrailerLastZxid) {
      // Read as lastProcessedZxid + seal: the "seal" is digest bytes, no "/" follows.
      EXPECT_EQ(s.status.ToString(),
                "seal 2: the seal is not followed by the string \"/\" (at byte " +
                    std::to_string(after_seal1 + 16) + ")");
      continue;
    }
    EXPECT_EQ(s.status.offset(), static_cast<int64_t>(after_seal1));
    EXPECT_TRUE(Contains(s.status.message(),
                         std::to_string(r) + " bytes follow seal 1; expected 0, 21, 33 or 54"))
        << s.status.ToString();
  }
}

TEST(Snapshot, EmptyInput) {
  SnapshotSummary s = Read("");
  EXPECT_EQ(s.status.code(), Code::kTruncated);
  EXPECT_EQ(s.status.offset(), 0);
  EXPECT_TRUE(Contains(s.status.message(), "file header")) << s.status.ToString();
}

TEST(Snapshot, BitFlipInDataIsSealMismatch) {
  std::string bytes = SmallSnapshot();
  size_t at = bytes.find("hello-data");
  ASSERT_NE(at, std::string::npos);
  Flip(&bytes, at + 2, 0x04);
  SnapshotSummary s = Read(bytes, 4);
  uint64_t seal1 = s.seals.at(0).offset;
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(seal1));
  EXPECT_TRUE(Contains(s.status.message(), "seal 1: Adler-32 mismatch")) << s.status.ToString();
  EXPECT_TRUE(Contains(s.status.message(), "over bytes [0, " + std::to_string(seal1) + ")"));
  EXPECT_FALSE(s.seals[0].ok);
  EXPECT_FALSE(s.seals[1].ok);               // seal 2 covers the same bytes
  EXPECT_EQ(s.digest_check, DC::kMismatch);  // reported, but the status keeps the first damage
}

TEST(Snapshot, BitFlipInSeal1Value) {
  std::string bytes = SmallSnapshot();
  uint64_t seal1 = Read(bytes).seals.at(0).offset;
  Flip(&bytes, seal1 + 7, 0x01);
  SnapshotSummary s = Read(bytes, 4);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(seal1));
  EXPECT_TRUE(Contains(s.status.message(), "seal 1: Adler-32 mismatch")) << s.status.ToString();
  ASSERT_EQ(s.seals.size(), 2u);
  EXPECT_EQ(s.seals[0].stored ^ s.seals[0].computed, 1u);
  EXPECT_FALSE(s.seals[1].ok);
  EXPECT_EQ(s.digest_check, DC::kMatch);  // the tree itself is intact
}

TEST(Snapshot, SealHighBytesNotZero) {
  std::string bytes = SmallSnapshot(SnapshotFormat::kLegacy);
  uint64_t seal1 = Read(bytes).seals.at(0).offset;
  bytes[seal1] = '\x01';
  SnapshotSummary s = Read(bytes);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(seal1));
  EXPECT_TRUE(Contains(s.status.message(), "seal 1: the high 4 bytes of the seal are not zero"))
      << s.status.ToString();
  EXPECT_FALSE(s.seals.at(0).ok);
}

TEST(Snapshot, BitFlipInSeal2) {
  std::string bytes = SmallSnapshot();
  uint64_t seal2 = Read(bytes).seals.at(1).offset;
  Flip(&bytes, seal2 + 4, 0x80);
  SnapshotSummary s = Read(bytes, 4);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(seal2));
  EXPECT_TRUE(Contains(s.status.message(), "seal 2: Adler-32 mismatch")) << s.status.ToString();
  EXPECT_TRUE(s.seals[0].ok);
}

TEST(Snapshot, SealWithoutSlash) {
  std::string bytes = SmallSnapshot(SnapshotFormat::kLegacy);
  bytes.back() = 'x';
  SnapshotSummary s = Read(bytes);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(bytes.size() - 5));
  EXPECT_TRUE(Contains(s.status.message(), "not followed by the string \"/\""));
}

TEST(Snapshot, BadMagic) {
  std::string bytes = SmallSnapshot();
  bytes[3] = 'X';
  SnapshotSummary s = Read(bytes);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 0);
  EXPECT_EQ(s.status.message(),
            "file header: bad magic 0x5a4b5358 (a snapshot starts with 0x5a4b534e \"ZKSN\")");
}

TEST(Snapshot, NegativeSessionCount) {
  SnapBuilder b;
  b.Header().Int(-2);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 16);
  EXPECT_EQ(s.status.message(), "session table: negative session count -2");
}

TEST(Snapshot, HugeSessionCountEndsAsTruncation) {
  SnapBuilder b;
  b.Header().Int(0x7fffffff).Long(1).Int(100);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kTruncated);
  EXPECT_EQ(s.status.offset(), 32);
  EXPECT_TRUE(Contains(s.status.message(), "session 1 of 2147483647")) << s.status.ToString();
}

TEST(Snapshot, NegativeAclCount) {
  SnapBuilder b;
  b.Header().Int(0).Int(-1);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 20);
  EXPECT_EQ(s.status.message(), "ACL cache: negative ACL cache entry count -1");
}

TEST(Snapshot, NullAclVector) {
  SnapBuilder b;
  b.Header().Int(0).Int(1).Long(1).Int(-1);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 32);
  EXPECT_TRUE(Contains(s.status.message(),
                       "null ACL list for aclRef 1 (ZooKeeper crashes on a null ACL list)"))
      << s.status.ToString();
}

TEST(Snapshot, HugeAclListCount) {
  SnapBuilder b;
  b.Header().Int(0).Int(1).Long(1).Int(0x10000000);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 32);
  EXPECT_TRUE(Contains(s.status.message(), "unreasonable length 268435456 for an ACL list"))
      << s.status.ToString();
}

TEST(Snapshot, NullPath) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("");
  uint64_t at = b.offset();
  b.Int(-1);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(at));
  EXPECT_EQ(s.status.message(), "node section: null node path (ZooKeeper crashes on it)");
}

TEST(Snapshot, HugePathLength) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("");
  uint64_t at = b.offset();
  b.Int(0x7fffffff);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(at));
  EXPECT_TRUE(Contains(s.status.message(), "unreasonable length 2147483647 for a node path"))
      << s.status.ToString();
}

TEST(Snapshot, NegativeDataLength) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("").Str("/x");
  uint64_t at = b.offset();
  b.Int(-5);
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(at));
  EXPECT_TRUE(Contains(s.status.message(), "unreasonable length -5 for node data"))
      << s.status.ToString();
}

TEST(Snapshot, DataOverMaxBuffer) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("").Node("/big", std::string(2000, 'x')).Slash().Seal();
  SnapshotSummary s = Read(b.Bytes(), -1, Compression::kPlain, 1000);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Contains(s.status.message(), "unreasonable length 2000 for node data (limit 1000)"))
      << s.status.ToString();
  EXPECT_TRUE(Read(b.Bytes(), -1, Compression::kPlain, 2000).status.ok());
}

TEST(Snapshot, MissingParent) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("").Node("/a");
  uint64_t at = b.offset();
  b.Node("/b/c").Slash().Seal();
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(at));
  EXPECT_EQ(s.status.message(), "node section: Invalid Datatree, unable to find parent /b of /b/c");
  EXPECT_EQ(s.nodes, 2u);
}

TEST(Snapshot, ChildBeforeParent) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("").Node("/a/b").Node("/a").Slash().Seal();
  SnapshotSummary s = Read(b.Bytes());
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Contains(s.status.message(), "unable to find parent /a of /a/b"));
}

TEST(Snapshot, UnsortedSiblingsAreFine) {
  SnapBuilder b;
  b.Header().Int(0).Int(0).Node("").Node("/z").Node("/a").Node("/z/y").Node("/a/b").Slash().Seal();
  SnapshotSummary s = Read(b.Bytes());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.nodes, 5u);
}

TEST(Snapshot, BadTrailerLength) {
  std::string bytes = SmallSnapshot(SnapshotFormat::kLegacy);
  size_t end = bytes.size();
  bytes += std::string(7, '\0');
  SnapshotSummary s = Read(bytes);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(end));
  EXPECT_EQ(s.status.message(),
            "trailer after seal 1: 7 bytes follow seal 1; expected 0, 21, 33 or 54");
  EXPECT_TRUE(s.seals_ok());
}

TEST(Snapshot, LongGarbageAfterSeal1) {
  std::string bytes = SmallSnapshot(SnapshotFormat::kLegacy);
  size_t end = bytes.size();
  bytes += std::string(100000, '\x07');
  SnapshotSummary s = Read(bytes);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(end));
  EXPECT_TRUE(Contains(s.status.message(), "more than 65536 bytes follow seal 1"))
      << s.status.ToString();
}

TEST(Snapshot, DamagedGzip) {
  std::string packed = Gzip(SmallSnapshot());
  packed[packed.size() / 2] ^= 0x55;
  SnapshotSummary s = Read(packed, 4, Compression::kGzip);
  EXPECT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.code(), Code::kCorrupt) << s.status.ToString();
  EXPECT_TRUE(SnapshotPrecheck(Compression::kGzip, packed.substr(0, 2), ""));
}

TEST(Snapshot, TruncatedGzip) {
  std::string packed = Gzip(SmallSnapshot());
  SnapshotSummary s = Read(packed.substr(0, packed.size() - 12), 4, Compression::kGzip);
  EXPECT_FALSE(s.status.ok());
  EXPECT_TRUE(Contains(s.status.message(), "gzip") || Contains(s.status.message(), "ends"))
      << s.status.ToString();
}

TEST(Snapshot, TruncatedSnappy) {
  std::string packed = SnappyJava(SmallSnapshot(), 100);
  SnapshotSummary s = Read(packed.substr(0, packed.size() - 10), 4, Compression::kSnappy);
  EXPECT_EQ(s.status.code(), Code::kTruncated) << s.status.ToString();
  EXPECT_TRUE(Contains(s.status.message(), "snappy stream ends inside a block"))
      << s.status.ToString();
}

// ---------------------------------------------------------------- real fixtures

struct FixtureFile {
  std::filesystem::path path;
  std::string rel;
  int64_t zxid;
  Compression c;
};

std::vector<FixtureFile> FixtureSnapshots() {
  std::vector<FixtureFile> out;
  std::filesystem::path root(ZKM_FIXTURES_DIR);
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind("snapshot.", 0) != 0) continue;
    // Component 1 is the hex zxid; the last component picks the decompressor.
    std::string rest = name.substr(9);
    std::string hex = rest.substr(0, rest.find('.'));
    std::string last = name.substr(name.rfind('.') + 1);
    FixtureFile f;
    f.path = e.path();
    f.rel = std::filesystem::relative(e.path(), root).string();
    f.zxid = static_cast<int64_t>(std::stoull(hex, nullptr, 16));
    f.c = last == "gz"       ? Compression::kGzip
          : last == "snappy" ? Compression::kSnappy
                             : Compression::kPlain;
    out.push_back(f);
  }
  std::sort(out.begin(), out.end(),
            [](const FixtureFile& a, const FixtureFile& b) { return a.rel < b.rel; });
  return out;
}

// MANIFEST.json's per-snapshot facts (from ZooKeeper's own SnapshotFormatter).
const rapidjson::Value* ManifestEntry(const rapidjson::Document& doc, const std::string& rel) {
  if (!doc.IsObject()) return nullptr;
  auto sets = doc.FindMember("sets");
  if (sets == doc.MemberEnd() || !sets->value.IsObject()) return nullptr;
  for (auto& set : sets->value.GetObject()) {
    if (!set.value.IsObject()) continue;
    auto snaps = set.value.FindMember("snapshots");
    if (snaps == set.value.MemberEnd() || !snaps->value.IsArray()) continue;
    for (auto& s : snaps->value.GetArray()) {
      auto file = s.FindMember("file");
      if (file != s.MemberEnd() && file->value.IsString() && rel == file->value.GetString()) {
        return &s;
      }
    }
  }
  return nullptr;
}

TEST(SnapshotFixtures, EveryRealSnapshotVerifies) {
  if (!std::filesystem::is_directory(ZKM_FIXTURES_DIR)) GTEST_SKIP() << "no fixtures";
  std::ifstream mf(std::string(ZKM_FIXTURES_DIR) + "/MANIFEST.json");
  std::stringstream ms;
  ms << mf.rdbuf();
  rapidjson::Document manifest;
  manifest.Parse(ms.str().c_str());
  std::vector<FixtureFile> files = FixtureSnapshots();
  ASSERT_FALSE(files.empty());
  for (const FixtureFile& f : files) {
    SCOPED_TRACE(f.rel);
    auto src = FileSource::Open(f.path.string());
    ASSERT_TRUE(src.ok());
    std::unique_ptr<ByteSource> in = Decompress(f.c, **src);
    SnapshotReadOptions o;
    o.name_zxid = f.zxid;
    o.max_buffer = 8 << 20;  // the fixtures hold a 1.15 MB znode
    SnapshotSummary s = ReadSnapshot(*in, o, nullptr);
    EXPECT_TRUE(s.status.ok()) << s.status.ToString();
    EXPECT_TRUE(s.seals_ok());
    // A fuzzy snapshot may hold a node created after the ACL cache was written,
    // whose aclRef is then missing (seen in real files); replay restores it.
    if (!s.fuzzy) {
      EXPECT_TRUE(s.missing_acl_refs.empty());
    }
    if (s.has_digest && s.digest_zxid > 0) {
      EXPECT_TRUE(s.digest_check == DC::kMatch || s.digest_check == DC::kDeferred)
          << static_cast<int>(s.digest_check) << " computed " << s.computed_digest << " stored "
          << s.digest;
    } else {
      EXPECT_EQ(s.digest_check, DC::kAbsent);
    }
    if (const rapidjson::Value* m = ManifestEntry(manifest, f.rel)) {
      auto paths = m->FindMember("paths");
      if (paths != m->MemberEnd() && paths->value.IsArray()) {
        EXPECT_EQ(s.nodes, paths->value.Size());
      }
      auto sessions = m->FindMember("sessions");
      if (sessions != m->MemberEnd() && sessions->value.IsArray()) {
        EXPECT_EQ(s.sessions, sessions->value.Size());
      }
    }
  }
}

}  // namespace
}  // namespace zkm
