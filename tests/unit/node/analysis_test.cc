// Selection + replay against real ZooKeeper 3.8 data directories: the replayed
// tree must equal what a kazoo walk of the live server saw just before it stopped
// (tests/fixtures/<set>/tree.json, written by tests/fixtures/generate.py).
#include "node/analysis.h"

#include <Poco/Base64Decoder.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "node/consolidate.h"
#include "test_files.h"
#include "tree/snapshot.h"
#include "tree/tree_diff.h"

namespace zkm {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = ZKM_FIXTURES_DIR;

std::string Base64(const std::string& s) {
  std::istringstream in(s);
  Poco::Base64Decoder dec(in);
  std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
  return out;
}

// Compares `tree` with the kazoo walk in tree.json; returns the differences.
std::vector<std::string> CompareWithWalk(const DataTree& tree, const std::string& json_path) {
  std::vector<std::string> diffs;
  rapidjson::Document doc;
  doc.Parse(Slurp(json_path).c_str());
  if (!doc.IsObject()) return {"cannot parse " + json_path};
  size_t walked = 0;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string path(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& v = it->value;
    walked++;
    const Node* n = tree.Find(path == "/" ? "" : path);
    if (!n) {
      diffs.push_back("missing " + path);
      continue;
    }
    if (path == "/zookeeper/config") continue;  // rewritten by each server
    const rapidjson::Value& data = v["data"];
    if (data.IsNull() != n->data_null()) diffs.push_back("null-ness of data " + path);
    if (data.IsString() && Base64(data.GetString()) != std::string(n->data_view()))
      diffs.push_back("data " + path);
    auto eq = [&](const char* field, int64_t mine) {
      if (v[field].GetInt64() != mine)
        diffs.push_back(std::string(field) + " " + path + ": walk " +
                        std::to_string(v[field].GetInt64()) + " replay " + std::to_string(mine));
    };
    eq("czxid", n->stat.czxid);
    eq("mzxid", n->stat.mzxid);
    eq("pzxid", n->stat.pzxid);
    eq("ctime", n->stat.ctime);
    eq("mtime", n->stat.mtime);
    eq("version", n->stat.version);
    eq("cversion_persisted", n->stat.cversion);
    eq("aversion", n->stat.aversion);
    eq("numChildren", n->num_children);
    // Clients see 0 for containers and TTL nodes (ZooKeeper masks the encoding).
    NodeKind kind = KindOfOwner(n->stat.ephemeral_owner);
    eq("ephemeralOwner", kind == NodeKind::kEphemeral ? n->stat.ephemeral_owner : 0);
    AclList acl;
    if (n->acl_ref == kOpenAclUnsafeRef) {
      acl.push_back({31, "world", "anyone"});
    } else if (const AclList* l = tree.FindAcl(n->acl_ref)) {
      acl = *l;
    }
    const rapidjson::Value& wa = v["acl"];
    bool same = wa.Size() == acl.size();
    for (rapidjson::SizeType i = 0; same && i < wa.Size(); ++i) {
      same = wa[i][0].GetInt() == acl[i].perms && acl[i].scheme == wa[i][1].GetString() &&
             acl[i].id == wa[i][2].GetString();
    }
    if (!same) diffs.push_back("acl " + path);
  }
  // Every node of the tree was seen by the walk (quota stats nodes aside).
  tree.ForEach([&](const Node& n) {
    std::string p = n.path.empty() ? "/" : std::string(n.path);
    if (p.find("zookeeper_stats") != std::string::npos) return;
    if (!doc.HasMember(p.c_str())) diffs.push_back("extra " + p);
  });
  if (walked == 0) diffs.push_back("empty walk");
  return diffs;
}

struct FixtureSet {
  const char* name;
  const char* data;
  const char* log;
  const char* walk;
};

class AnalyzeFixture : public ::testing::TestWithParam<FixtureSet> {};

TEST_P(AnalyzeFixture, ReplayEqualsLiveTree) {
  const FixtureSet& f = GetParam();
  AnalyzeOptions o;
  o.data_dir = kFixtures + "/" + f.data;
  o.log_dir = kFixtures + "/" + f.log;
  o.max_buffer = 4 << 20;
  DataTree tree;
  DataDirReport r = AnalyzeDataDir(o, &tree);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_GT(r.replay.applied, 0u) << "the fixtures have writes after the last snapshot";
  EXPECT_EQ(r.replay.digest_mismatches, 0u);
  std::vector<std::string> d = CompareWithWalk(tree, kFixtures + "/" + f.walk);
  EXPECT_TRUE(d.empty()) << d.size() << " differences, first: " << (d.empty() ? "" : d[0]);
}

INSTANTIATE_TEST_SUITE_P(
    RealZooKeeper, AnalyzeFixture,
    ::testing::Values(FixtureSet{"plain", "standalone-plain/data", "standalone-plain/data",
                                 "standalone-plain/tree.json"},
                      FixtureSet{"gz", "standalone-gz/data", "standalone-gz/data",
                                 "standalone-gz/tree.json"},
                      FixtureSet{"snappy", "standalone-snappy/data", "standalone-snappy/data",
                                 "standalone-snappy/tree.json"},
                      FixtureSet{"nodigest", "standalone-nodigest/data", "standalone-nodigest/data",
                                 "standalone-nodigest/tree.json"},
                      FixtureSet{"node1", "ensemble-3node/node1/data",
                                 "ensemble-3node/node1/datalog", "ensemble-3node/tree.json"},
                      FixtureSet{"node2", "ensemble-3node/node2/data",
                                 "ensemble-3node/node2/datalog", "ensemble-3node/tree.json"},
                      FixtureSet{"node3", "ensemble-3node/node3/data",
                                 "ensemble-3node/node3/datalog", "ensemble-3node/tree.json"},
                      // ZooKeeper 3.4.13: nodes 1 and 3 hold logs and no snapshot.
                      FixtureSet{"zk34node1", "zk34-ensemble/node1/data",
                                 "zk34-ensemble/node1/data", "zk34-ensemble/tree.json"},
                      FixtureSet{"zk34node2", "zk34-ensemble/node2/data",
                                 "zk34-ensemble/node2/data", "zk34-ensemble/tree.json"},
                      FixtureSet{"zk34node3", "zk34-ensemble/node3/data",
                                 "zk34-ensemble/node3/data", "zk34-ensemble/tree.json"}),
    [](const ::testing::TestParamInfo<FixtureSet>& i) { return std::string(i.param.name); });

// A scratch copy of a fixture data dir that tests may damage.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& from) {
    char tmpl[] = "/tmp/zkm-analysis-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::copy(from, path_, fs::copy_options::recursive);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(AnalyzeDamage, MissingMiddleLogIsAGap) {
  ScratchDir d(kFixtures + "/standalone-plain/data");
  // Keep the newest snapshot but remove the first log it needs, so replay would
  // silently skip transactions (ZooKeeper 3.8 starts anyway).
  DataTree tree;
  AnalyzeOptions o;
  o.data_dir = d.path();
  o.max_buffer = 4 << 20;
  DataDirReport before = AnalyzeDataDir(o, &tree);
  ASSERT_TRUE(before.status.ok());
  ASSERT_GE(before.logs.size(), 2u);
  fs::remove(before.logs[0].file.path);
  DataTree t2;
  DataDirReport r = AnalyzeDataDir(o, &t2);
  EXPECT_EQ(r.status.code(), Code::kGap) << r.status.ToString();
  EXPECT_NE(r.status.message().find("missing"), std::string::npos) << r.status.ToString();
}

TEST(AnalyzeDamage, CorruptNewestSnapshotFallsBackToAnOlderOne) {
  ScratchDir d(kFixtures + "/standalone-gz/data");
  AnalyzeOptions o;
  o.data_dir = d.path();
  DataTree t0;
  DataDirReport good = AnalyzeDataDir(o, &t0);
  ASSERT_TRUE(good.status.ok());
  // Flip a byte in the middle of the newest snapshot's compressed stream.
  std::string newest = good.snapshot->path;
  std::string bytes = Slurp(newest);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
  std::ofstream(newest, std::ios::binary | std::ios::trunc) << bytes;
  DataTree t1;
  DataDirReport r = AnalyzeDataDir(o, &t1);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].file.name, good.snapshot->name);
  EXPECT_NE(r.snapshot->name, good.snapshot->name);
  EXPECT_FALSE(r.warnings.empty());
  // The older snapshot plus more logs gives the very same tree.
  EXPECT_EQ(r.last_zxid, good.last_zxid);
  EXPECT_EQ(t1.digest(), t0.digest());
  EXPECT_TRUE(DiffTrees(t0, t1, DiffOptions{}).identical());
}

TEST(AnalyzeDamage, NoSnapshotIsNotFound) {
  char tmpl[] = "/tmp/zkm-analysis-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  fs::create_directories(dir + "/version-2");
  AnalyzeOptions o;
  o.data_dir = dir;
  DataTree t;
  DataDirReport r = AnalyzeDataDir(o, &t);
  EXPECT_EQ(r.status.code(), Code::kNotFound);
  EXPECT_NE(r.status.message().find("no snapshot"), std::string::npos);
  fs::remove_all(dir);
}

// ZooKeeper 3.4 data: logs and no snapshot replay from zxid 0 onto the empty 3.4
// tree and give the same tree as a node of the same ensemble that has a snapshot.
TEST(Analyze34, LogsWithoutASnapshotReplayFromZxidZero) {
  AnalyzeOptions with_snap, without;
  with_snap.data_dir = kFixtures + "/zk34-ensemble/node2/data";
  without.data_dir = kFixtures + "/zk34-ensemble/node1/data";
  DataTree t1, t2;
  DataDirReport r2 = AnalyzeDataDir(with_snap, &t2);
  DataDirReport r1 = AnalyzeDataDir(without, &t1);
  ASSERT_TRUE(r1.status.ok()) << r1.status.ToString();
  ASSERT_TRUE(r2.status.ok()) << r2.status.ToString();
  EXPECT_TRUE(r1.from_empty_tree);
  EXPECT_FALSE(r1.snapshot.has_value());
  EXPECT_FALSE(r2.from_empty_tree);
  ASSERT_TRUE(r2.snapshot.has_value());
  EXPECT_FALSE(r2.snapshot_summary.has_digest);  // 3.4 snapshots carry no digest
  EXPECT_EQ(r1.logs.size(), 2u);                 // epochs 1 and 2, both from zxid 0
  EXPECT_EQ(r1.replay.first_zxid, 0x100000001);
  EXPECT_EQ(r1.last_zxid, r2.last_zxid);
  ASSERT_FALSE(r1.warnings.empty());
  EXPECT_NE(r1.warnings[0].find("ZooKeeper 3.4 data"), std::string::npos) << r1.warnings[0];
  EXPECT_EQ(t1.Find("/zookeeper/config"), nullptr);  // a 3.4 tree has none
  TreeDiff diff = DiffTrees(t1, t2, DiffOptions{});
  EXPECT_TRUE(diff.identical()) << (diff.entries.empty() ? "" : diff.entries[0].path);
}

TEST(Analyze34, NoSnapshotAndTheOldestLogGoneIsAGapThatSaysWhy) {
  ScratchDir d(kFixtures + "/zk34-ensemble/node1/data");
  fs::remove(d.path() + "/version-2/log.100000001");
  AnalyzeOptions o;
  o.data_dir = d.path();
  DataTree t;
  DataDirReport r = AnalyzeDataDir(o, &t);
  EXPECT_EQ(r.status.code(), Code::kGap) << r.status.ToString();
  EXPECT_NE(r.status.message().find("zxid counter 1"), std::string::npos) << r.status.ToString();
}

TEST(Analyze34, TheEmptyTreesOf34And35) {
  DataTree t34 = DataTree::Fresh34();
  EXPECT_EQ(t34.size(), 3u);
  EXPECT_EQ(t34.Find("/zookeeper/config"), nullptr);
  ASSERT_NE(t34.Find("/zookeeper/quota"), nullptr);
  EXPECT_TRUE(AddConfigNode(&t34));
  EXPECT_FALSE(AddConfigNode(&t34));  // once
  DataTree t35 = DataTree::Fresh();
  EXPECT_TRUE(DiffTrees(t34, t35, DiffOptions{}).identical());
  const Node* c = t35.Find("/zookeeper/config");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->stat.aversion, -1);
  EXPECT_EQ(t35.Find("/zookeeper")->num_children, 2u);
  EXPECT_EQ(t35.Find("/zookeeper")->stat.cversion, 0);
  ASSERT_NE(t35.FindAcl(c->acl_ref), nullptr);
  EXPECT_EQ((*t35.FindAcl(c->acl_ref))[0].perms, 1);
}

// Consolidating 3.4 data: a 3.6/3.9 layout gains /zookeeper/config (as a 3.5+
// server adds it at load) and verifies its digest; the 3.4 layout keeps the tree.
TEST(Analyze34, ConsolidateForNewerServersAddsTheConfigNode) {
  for (SnapshotFormat f : {SnapshotFormat::kZk36, SnapshotFormat::kZk39, SnapshotFormat::kLegacy}) {
    char tmpl[] = "/tmp/zkm-out34-XXXXXX";
    std::string out = ::mkdtemp(tmpl);
    ConsolidateOptions co;
    co.source.data_dir = kFixtures + "/zk34-ensemble/node1/data";
    co.out_dir = out;
    co.format = f;
    ConsolidateReport r = Consolidate(co);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_TRUE(r.source.from_empty_tree);
    bool legacy = f == SnapshotFormat::kLegacy;
    EXPECT_EQ(r.added_config_node, !legacy);
    EXPECT_EQ(r.nodes, r.source.znodes + (legacy ? 0 : 1));
    if (!legacy) {
      EXPECT_EQ(r.verify.digest_check, SnapshotSummary::DigestCheck::kMatch);
    }
    // The file alone is a data dir whose tree is the replayed one (plus the config node).
    fs::create_directories(out + "/dd/version-2");
    fs::rename(r.output_path, out + "/dd/version-2/" + r.output_name);
    AnalyzeOptions a;
    a.data_dir = out + "/dd";
    DataTree dst, src;
    DataDirReport rd = AnalyzeDataDir(a, &dst);
    ASSERT_TRUE(rd.status.ok()) << rd.status.ToString();
    EXPECT_EQ(rd.replay.applied, 0u);
    ASSERT_TRUE(AnalyzeDataDir(co.source, &src).status.ok());
    if (!legacy) AddConfigNode(&src);
    EXPECT_TRUE(DiffTrees(src, dst, DiffOptions{}).identical());
    fs::remove_all(out);
  }
}

TEST(AnalyzeDamage, CrcDamageInANeededLogIsRefused) {
  ScratchDir d(kFixtures + "/standalone-plain/data");
  AnalyzeOptions o;
  o.data_dir = d.path();
  o.max_buffer = 4 << 20;
  DataTree t0;
  DataDirReport good = AnalyzeDataDir(o, &t0);
  ASSERT_TRUE(good.status.ok());
  const std::string& last_log = good.logs.back().file.path;
  std::string bytes = Slurp(last_log);
  bytes[16 + 12 + 20] = static_cast<char>(bytes[16 + 12 + 20] ^ 1);  // inside record 1's header
  std::ofstream(last_log, std::ios::binary | std::ios::trunc) << bytes;
  DataTree t1;
  DataDirReport r = AnalyzeDataDir(o, &t1);
  EXPECT_EQ(r.status.code(), Code::kCorrupt) << r.status.ToString();
  EXPECT_NE(r.status.message().find("CRC"), std::string::npos) << r.status.ToString();
}

// consolidate: one snapshot holding the replayed tree, which reads back equal.
TEST(Consolidate, OutputHoldsTheReplayedTreeAndNeedsNoLogs) {
  for (const char* set : {"standalone-plain", "standalone-snappy"}) {
    char tmpl[] = "/tmp/zkm-out-XXXXXX";
    std::string out = ::mkdtemp(tmpl);
    ConsolidateOptions co;
    co.source.data_dir = kFixtures + "/" + set + "/data";
    co.source.max_buffer = 4 << 20;
    co.out_dir = out;
    co.keep_orphans = true;
    ConsolidateReport r = Consolidate(co);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(
        r.output_name, "snapshot." + [&] {
          char b[32];
          std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(r.zxid));
          return std::string(b);
        }());
    EXPECT_EQ(r.sha256.size(), 64u);
    // The output alone, as a data dir, replays nothing and equals the source tree.
    fs::create_directories(out + "/dd/version-2");
    fs::rename(r.output_path, out + "/dd/version-2/" + r.output_name);
    DataTree src, dst;
    AnalyzeOptions a1 = co.source, a2;
    a2.data_dir = out + "/dd";
    a2.max_buffer = 4 << 20;
    ASSERT_TRUE(AnalyzeDataDir(a1, &src).status.ok());
    DataDirReport rd = AnalyzeDataDir(a2, &dst);
    ASSERT_TRUE(rd.status.ok()) << rd.status.ToString();
    EXPECT_EQ(rd.replay.applied, 0u);
    EXPECT_EQ(rd.snapshot_summary.digest_check, SnapshotSummary::DigestCheck::kMatch);
    TreeDiff diff = DiffTrees(src, dst, DiffOptions{});
    EXPECT_TRUE(diff.identical()) << set << ": "
                                  << (diff.entries.empty() ? "" : diff.entries[0].path);
    EXPECT_EQ(dst.digest(), src.digest());
    fs::remove_all(out);
  }
}

TEST(Consolidate, MissingOutputDirIsRefused) {
  ConsolidateOptions co;
  co.source.data_dir = kFixtures + "/standalone-gz/data";
  co.out_dir = "/nonexistent/zkm";
  ConsolidateReport r = Consolidate(co);
  EXPECT_EQ(r.status.code(), Code::kInvalidArgument);
  EXPECT_NE(r.status.message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace zkm

namespace zkm {
namespace {
// A real snapshot whose content runs ahead of its digest zxid (ZooKeeper's own
// race, tests/fixtures/README.md): not damage; replay and the logs' digests decide.
TEST(AnalyzeFixtureFuzzy, SnapshotAheadOfItsDigestIsNotRejected) {
  AnalyzeOptions o;
  o.data_dir = kFixtures + "/fuzzy-digest/data";
  o.log_dir = kFixtures + "/fuzzy-digest/datalog";
  DataTree tree;
  DataDirReport r = AnalyzeDataDir(o, &tree);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.snapshot->name, "snapshot.100000047");
  EXPECT_EQ(r.snapshot_summary.digest_check, SnapshotSummary::DigestCheck::kDeferred);
  EXPECT_EQ(r.last_zxid, 0x100000082);
  EXPECT_GT(r.replay.digests_compared, 50u);
  EXPECT_EQ(r.replay.digest_mismatches, 0u);
  EXPECT_EQ(r.replay.fuzzy_mismatches, 1u);
}
}  // namespace
}  // namespace zkm
