// Snapshot writer tests: a varied tree is written in every format, read back with
// the reader (plain, gzip, snappy-java) and compared node by node; then the
// writer's own rules (sorted sessions, referenced ACLs only, orphans skipped,
// parents first) and a round trip of real ZooKeeper 3.8 snapshots.
#include "tree/snapshot_writer.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <filesystem>

#include "format/snapshot_format.h"
#include "tree/digest.h"
#include "tree/snapshot.h"

namespace zkm {
namespace {

using DC = SnapshotSummary::DigestCheck;
constexpr int64_t kZxid = 0x300000010;

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

Stat At(int64_t zxid, int64_t owner = 0) {
  Stat s;
  s.czxid = zxid;
  s.mzxid = zxid;
  s.pzxid = zxid;
  s.ctime = 1700000000000 + zxid;
  s.mtime = s.ctime;
  s.ephemeral_owner = owner;
  return s;
}

// Everything a snapshot can carry: sessions, several ACL kinds, null vs empty
// data, every owner kind, quota nodes, non-ASCII path bytes and a 1.1 MB value.
DataTree RichTree() {
  DataTree t = DataTree::Fresh();
  t.sessions()[0x300000abc0001] = 30000;
  t.sessions()[0x100000abc0002] = 10000;
  t.sessions()[0x200000abc0003] = 4000;
  int64_t digest_acl = t.InternAcl({Acl{31, "digest", "user:N0AeF092AjHrxnxZPO9x91sfpjk="}});
  int64_t ip_acl = t.InternAcl({Acl{1, "ip", "10.0.0.1"}, Acl{3, "ip", "192.168.0.0/16"}});
  int64_t mixed_acl = t.InternAcl({Acl{1, "world", "anyone"}, Acl{31, "digest", "admin:x/y+z="}});
  t.InternAcl({Acl{2, "world", "anyone"}});  // never referenced: not written
  Stat app = At(5);
  app.cversion = 4;
  app.pzxid = 9;
  t.Put("/app", "hello", false, -1, app);
  t.Put("/app/null", "", true, -1, At(6));
  t.Put("/app/empty", "", false, -1, At(7));
  t.Put("/app/eph", "e", false, -1, At(8, 0x300000abc0001));
  t.Put("/app/eph2", "", false, -1, At(9, 0x300000abc0001));
  t.Put("/cont", "", false, -1, At(10, kContainerOwner));
  t.Put("/ttl", "t", false, -1, At(11, TtlOwner(60000)));
  t.Put("/acl", "", false, digest_acl, At(12));
  t.Put("/acl/ip", "", false, ip_acl, At(13));
  t.Put("/acl/mixed", "m", false, mixed_acl, At(14));
  t.Put(
      "/\xc3\xbcn\xc3\xaf"
      "code",
      "\xe6\x97\xa5", false, -1, At(15));
  t.Put(
      "/\xc3\xbcn\xc3\xaf"
      "code/\xe6\x97\xa5\xe6\x9c\xac",
      "", false, -1, At(16));
  t.Put("/zookeeper/quota/app", "", false, -1, At(17));
  t.Put("/zookeeper/quota/app/zookeeper_limits", "count=10,bytes=-1", false, -1, At(17));
  std::string big(1100 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  t.Put("/big", big, false, -1, At(kZxid));
  Stat config = t.Find("/zookeeper/config")->stat;
  t.SetData("/zookeeper/config", "server.1=a:2888:3888", false, 0, 0, 0);
  t.SetStat("/zookeeper/config", config);
  return t;
}

void ExpectSameTree(const DataTree& want, const DataTree& got, bool sessions = true) {
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(got.digest(), want.digest());
  want.ForEach([&](const Node& n) {
    SCOPED_TRACE(std::string(n.path));
    const Node* g = got.Find(n.path);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->data_null(), n.data_null());
    EXPECT_EQ(g->data_view(), n.data_view());
    EXPECT_EQ(g->acl_ref, n.acl_ref);
    EXPECT_TRUE(g->stat == n.stat);
    if (n.acl_ref != kOpenAclUnsafeRef && want.FindAcl(n.acl_ref) != nullptr) {
      ASSERT_NE(got.FindAcl(n.acl_ref), nullptr);
      EXPECT_EQ(*got.FindAcl(n.acl_ref), *want.FindAcl(n.acl_ref));
    }
  });
  if (sessions) {
    EXPECT_EQ(got.sessions(), want.sessions());
  }
}

std::string Write(const DataTree& t, SnapshotFormat f, int64_t zxid = kZxid,
                  SnapshotWriteStats* stats = nullptr, bool sessions = true) {
  SnapshotWriteOptions o;
  o.format = f;
  o.zxid = zxid;
  o.include_sessions = sessions;
  StringSink sink;
  Status st = WriteSnapshot(t, o, sink, stats);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return sink.data();
}

SnapshotSummary Load(const std::string& bytes, DataTree* t, int64_t name = kZxid,
                     Compression c = Compression::kPlain, int32_t max_buffer = 4 << 20) {
  MemorySource raw(bytes);
  std::unique_ptr<ByteSource> src = Decompress(c, raw);
  SnapshotReadOptions o;
  o.name_zxid = name;
  o.max_buffer = max_buffer;
  return LoadSnapshot(*src, o, t);
}

void RoundTrip(SnapshotFormat f, size_t seals, uint64_t r) {
  DataTree want = RichTree();
  SnapshotWriteStats stats;
  std::string bytes = Write(want, f, kZxid, &stats);
  EXPECT_EQ(stats.bytes, bytes.size());
  EXPECT_EQ(stats.nodes, want.size());
  EXPECT_EQ(stats.digest, want.digest());
  EXPECT_EQ(stats.skipped_orphans, 0u);
  EXPECT_EQ(stats.acl_entries, 4u);  // config's READ + 3 used; the unused one is dropped
  DataTree got;
  SnapshotSummary s = Load(bytes, &got);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.seals.size(), seals);
  EXPECT_TRUE(s.seals_ok());
  EXPECT_EQ(s.trailer_bytes, r);
  EXPECT_EQ(s.acl_entries, 4u);
  EXPECT_EQ(s.sessions, 3u);
  EXPECT_EQ(s.containers, 1u);
  EXPECT_EQ(s.ttl_nodes, 1u);
  EXPECT_EQ(s.ephemerals_by_owner.at(0x300000abc0001), 2u);
  EXPECT_EQ(s.largest_path, "/big");
  EXPECT_EQ(s.largest_bytes, 1100u * 1024);
  EXPECT_EQ(s.computed_digest, want.digest());
  EXPECT_EQ(s.digest_check, f == SnapshotFormat::kLegacy ? DC::kAbsent : DC::kMatch);
  if (f != SnapshotFormat::kLegacy) {
    EXPECT_EQ(s.digest_zxid, kZxid);
    EXPECT_EQ(s.digest, want.digest());
  }
  EXPECT_EQ(s.has_last_zxid, f == SnapshotFormat::kZk39);
  if (f == SnapshotFormat::kZk39) {
    EXPECT_EQ(s.last_processed_zxid, kZxid);
  }
  ExpectSameTree(want, got);
  EXPECT_EQ(got.last_processed_zxid, kZxid);
}

TEST(SnapshotWriter, RoundTripZk36) {
  RoundTrip(SnapshotFormat::kZk36, 2, 33);
}
TEST(SnapshotWriter, RoundTripZk39) {
  RoundTrip(SnapshotFormat::kZk39, 3, 54);
}
TEST(SnapshotWriter, RoundTripLegacy) {
  RoundTrip(SnapshotFormat::kLegacy, 1, 0);
}

TEST(SnapshotWriter, BigNodeNeedsRaisedMaxBuffer) {
  std::string bytes = Write(RichTree(), SnapshotFormat::kZk36);
  DataTree t;
  SnapshotSummary s = Load(bytes, &t, kZxid, Compression::kPlain, kDefaultJuteMaxBuffer);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Contains(s.status.message(), "unreasonable length 1126400 for node data"))
      << s.status.ToString();
}

TEST(SnapshotWriter, RoundTripThroughGzip) {
  DataTree want = RichTree();
  std::string plain = Write(want, SnapshotFormat::kZk36);
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string gz(deflateBound(&zs, static_cast<uLong>(plain.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  DataTree got;
  SnapshotSummary s = Load(gz, &got, kZxid, Compression::kGzip);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.digest_check, DC::kMatch);
  ExpectSameTree(want, got);
}

TEST(SnapshotWriter, RoundTripThroughSnappy) {
  DataTree want = RichTree();
  std::string plain = Write(want, SnapshotFormat::kZk39);
  std::string packed(kSnappyJavaMagic);
  packed += std::string("\0\0\0\x01\0\0\0\x01", 8);
  for (size_t pos = 0; pos < plain.size(); pos += 32 * 1024) {
    size_t n = std::min<size_t>(32 * 1024, plain.size() - pos);
    std::string c(snappy::MaxCompressedLength(n), '\0');
    size_t clen = 0;
    snappy::RawCompress(plain.data() + pos, n, c.data(), &clen);
    char len[4];
    StoreInt(len, static_cast<int32_t>(clen));
    packed.append(len, 4);
    packed.append(c.data(), clen);
  }
  DataTree got;
  SnapshotSummary s = Load(packed, &got, kZxid, Compression::kSnappy);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.stream_bytes, plain.size());
  ExpectSameTree(want, got);
}

TEST(SnapshotWriter, HeaderAndTailBytes) {
  std::string bytes = Write(DataTree::Fresh(), SnapshotFormat::kZk36, 0);
  EXPECT_EQ(bytes.substr(0, 16), std::string("ZKSN\0\0\0\x02\xff\xff\xff\xff\xff\xff\xff\xff", 16));
  EXPECT_EQ(bytes.substr(bytes.size() - 5), kSnapPlainTail);
  EXPECT_EQ(bytes.size(), 457u);  // the same shape as ZooKeeper's own snapshot.0
  EXPECT_TRUE(SnapshotPrecheck(Compression::kPlain, bytes.substr(0, 8), bytes.substr(452)));
}

TEST(SnapshotWriter, FreshTreeDigest) {
  SnapshotWriteStats stats;
  Write(DataTree::Fresh(), SnapshotFormat::kZk36, 1, &stats);
  EXPECT_EQ(stats.digest, kEmptyTreeDigest);
  EXPECT_EQ(stats.nodes, 4u);
  EXPECT_EQ(stats.acl_entries, 1u);
}

TEST(SnapshotWriter, SessionsSortedById) {
  struct Rec : SnapshotVisitor {
    std::vector<int64_t> ids;
    void OnSession(int64_t id, int32_t) override { ids.push_back(id); }
  } rec;
  std::string bytes = Write(RichTree(), SnapshotFormat::kZk36);
  MemorySource src(bytes);
  SnapshotReadOptions o;
  o.max_buffer = 4 << 20;
  ASSERT_TRUE(ReadSnapshot(src, o, &rec).status.ok());
  EXPECT_EQ(rec.ids, (std::vector<int64_t>{0x100000abc0002, 0x200000abc0003, 0x300000abc0001}));
}

TEST(SnapshotWriter, ExcludeSessions) {
  DataTree want = RichTree();
  std::string bytes = Write(want, SnapshotFormat::kZk36, kZxid, nullptr, /*sessions=*/false);
  DataTree got;
  SnapshotSummary s = Load(bytes, &got);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.sessions, 0u);
  EXPECT_TRUE(got.sessions().empty());
  // The ephemerals stay; their owner is now an orphan the reader reports.
  EXPECT_EQ(s.orphan_ephemeral_owners, std::vector<int64_t>{0x300000abc0001});
  ExpectSameTree(want, got, /*sessions=*/false);
}

TEST(SnapshotWriter, OnlyReferencedAclsKeepTheirKeys) {
  DataTree t = DataTree::Fresh();
  t.AddAclEntry(7, {Acl{31, "digest", "u:p="}});
  t.AddAclEntry(9, {Acl{1, "ip", "1.2.3.4"}});
  t.Put("/x", "", false, 7, At(2));
  struct Rec : SnapshotVisitor {
    std::vector<int64_t> refs;
    void OnAcl(int64_t ref, const AclList&) override { refs.push_back(ref); }
  } rec;
  SnapshotWriteStats stats;
  std::string bytes = Write(t, SnapshotFormat::kZk36, 2, &stats);
  MemorySource src(bytes);
  ASSERT_TRUE(ReadSnapshot(src, SnapshotReadOptions(), &rec).status.ok());
  EXPECT_EQ(rec.refs, (std::vector<int64_t>{1, 7}));
  EXPECT_EQ(stats.acl_entries, 2u);
}

TEST(SnapshotWriter, SkipsOrphans) {
  DataTree t = DataTree::Fresh();
  t.Put("/a", "", false, -1, At(2));
  t.Put("/gone/child", "", false, -1, At(3));
  t.Put("/gone/child/grandchild", "", false, -1, At(4));
  t.Put("noslash", "", false, -1, At(5));
  SnapshotWriteStats stats;
  std::string bytes = Write(t, SnapshotFormat::kZk36, 5, &stats);
  EXPECT_EQ(stats.skipped_orphans, 3u);
  EXPECT_EQ(stats.nodes, 5u);
  DataTree got;
  SnapshotSummary s = Load(bytes, &got, 5);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.nodes, 5u);
  EXPECT_EQ(got.Find("/gone/child"), nullptr);
  EXPECT_EQ(s.computed_digest, stats.digest);
  EXPECT_EQ(s.digest_check, DC::kMatch);
}

TEST(SnapshotWriter, RecreatedParentIsWrittenFirst) {
  DataTree t = DataTree::Fresh();
  t.Put("/p", "", false, -1, At(2));
  t.Put("/p/c", "", false, -1, At(3));
  t.Put("/p/c/d", "", false, -1, At(4));
  t.Remove("/p");  // children are not touched by Remove
  t.Put("/p", "again", false, -1, At(5));
  SnapshotWriteStats stats;
  std::string bytes = Write(t, SnapshotFormat::kZk36, 5, &stats);
  EXPECT_EQ(stats.skipped_orphans, 0u);
  DataTree got;
  SnapshotSummary s = Load(bytes, &got, 5);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.nodes, 7u);
  EXPECT_EQ(got.Find("/p")->data_view(), "again");
}

TEST(SnapshotWriter, NoRootIsRefused) {
  DataTree t;
  t.Put("/a", "", false, -1, At(1));
  StringSink sink;
  Status st = WriteSnapshot(t, SnapshotWriteOptions(), sink, nullptr);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(st.message(), "no root node")) << st.ToString();
  EXPECT_TRUE(sink.data().empty());
}

TEST(SnapshotWriterFixtures, RealSnapshotsRoundTrip) {
  std::filesystem::path root(ZKM_FIXTURES_DIR);
  if (!std::filesystem::is_directory(root)) GTEST_SKIP() << "no fixtures";
  size_t done = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind("snapshot.", 0) != 0) continue;
    SCOPED_TRACE(e.path().string());
    std::string last = name.substr(name.rfind('.') + 1);
    Compression c = last == "gz"       ? Compression::kGzip
                    : last == "snappy" ? Compression::kSnappy
                                       : Compression::kPlain;
    std::string hex = name.substr(9, name.find('.', 9) - 9);
    int64_t zxid = static_cast<int64_t>(std::stoull(hex, nullptr, 16));
    auto file = FileSource::Open(e.path().string());
    ASSERT_TRUE(file.ok());
    std::unique_ptr<ByteSource> in = Decompress(c, **file);
    SnapshotReadOptions o;
    o.name_zxid = zxid;
    o.max_buffer = 8 << 20;
    DataTree real;
    SnapshotSummary s1 = LoadSnapshot(*in, o, &real);
    ASSERT_TRUE(s1.status.ok()) << s1.status.ToString();
    SnapshotWriteStats stats;
    std::string bytes =
        Write(real, s1.has_last_zxid ? SnapshotFormat::kZk39 : SnapshotFormat::kZk36, zxid, &stats);
    EXPECT_EQ(stats.skipped_orphans, 0u);
    EXPECT_EQ(stats.digest, s1.computed_digest);
    EXPECT_EQ(stats.nodes, s1.nodes);
    DataTree again;
    SnapshotSummary s2 = Load(bytes, &again, zxid, Compression::kPlain, o.max_buffer);
    ASSERT_TRUE(s2.status.ok()) << s2.status.ToString();
    EXPECT_EQ(s2.computed_digest, s1.computed_digest);
    EXPECT_EQ(s2.nodes, s1.nodes);
    EXPECT_EQ(s2.sessions, s1.sessions);
    // snapshot.0 is written as digest zxid 0, an "empty" digest nobody compares.
    EXPECT_EQ(s2.digest_check, zxid > 0 ? DC::kMatch : DC::kAbsent);
    ExpectSameTree(real, again);
    done++;
  }
  EXPECT_GT(done, 0u);
}

}  // namespace
}  // namespace zkm
