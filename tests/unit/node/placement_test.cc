#include "node/placement.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "format/sha256.h"
#include "node/backup_record.h"
#include "node/membership.h"
#include "node/zoo_cfg.h"
#include "test_files.h"
#include "tree/data_tree.h"
#include "tree/snapshot.h"

namespace zkm {
namespace {

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-placement-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    src_ = root_ + "/src.bin";
    std::ofstream(src_, std::ios::binary) << std::string(100000, 'z');
    sha_ = *Sha256File(src_);
    std::filesystem::create_directories(root_ + "/dst");
  }
  void TearDown() override {
    SetFreeBytesOverrideForTest(std::nullopt);
    std::filesystem::remove_all(root_);
  }
  // Entries of dst (to prove nothing temporary is left behind).
  std::vector<std::string> Dst() { return *ListDir(root_ + "/dst"); }
  std::string root_, src_, sha_;
};

TEST_F(PlacementTest, CopyDurable) {
  std::string got;
  ASSERT_TRUE(
      CopyFileDurable(src_, root_ + "/dst", "snapshot.1", sha_, 0644, {}, false, &got).ok());
  EXPECT_EQ(got, sha_);
  EXPECT_EQ(Dst(), std::vector<std::string>{"snapshot.1"});
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/dst/snapshot.1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(PlacementTest, CopyShaMismatchLeavesNothing) {
  Status st = CopyFileDurable(src_, root_ + "/dst", "snapshot.1", std::string(64, '0'), 0644, {},
                              false, nullptr);
  EXPECT_EQ(st.code(), Code::kMismatch);
  EXPECT_TRUE(Dst().empty());
}

TEST_F(PlacementTest, CopyRefusesOverwrite) {
  std::ofstream(root_ + "/dst/snapshot.1") << "old";
  Status st = CopyFileDurable(src_, root_ + "/dst", "snapshot.1", "", 0644, {}, false, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("already exists"), std::string::npos);
  EXPECT_EQ(Slurp(root_ + "/dst/snapshot.1"), "old");
  EXPECT_EQ(Dst().size(), 1u);
}

TEST_F(PlacementTest, CopyMissingSource) {
  Status st = CopyFileDurable(root_ + "/nope", root_ + "/dst", "x", "", 0644, {}, false, nullptr);
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_TRUE(Dst().empty());
}

TEST_F(PlacementTest, CopyIntoFileInPlaceOfDir) {
  std::ofstream(root_ + "/notadir") << "x";
  Status st = CopyFileDurable(src_, root_ + "/notadir", "x", "", 0644, {}, false, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot create"), std::string::npos) << st.message();
}

TEST_F(PlacementTest, CopyOwnerApplied) {
  FileOwner o{static_cast<int64_t>(::getuid()), static_cast<int64_t>(::getgid())};
  ASSERT_TRUE(CopyFileDurable(src_, root_ + "/dst", "f", "", 0600, o, false, nullptr).ok());
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/dst/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(PlacementTest, WriteDurableReplaces) {
  ASSERT_TRUE(WriteFileDurable(root_ + "/dst", "a.json", "one", 0644, {}).ok());
  ASSERT_TRUE(WriteFileDurable(root_ + "/dst", "a.json", "two", 0644, {}).ok());
  EXPECT_EQ(Slurp(root_ + "/dst/a.json"), "two");
  EXPECT_EQ(Dst(), std::vector<std::string>{"a.json"});
}

TEST_F(PlacementTest, MoveRefusesExistingTarget) {
  std::ofstream(root_ + "/dst/b") << "b";
  Status st = MoveEntry(src_, root_ + "/dst/b");
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(PathExists(src_));
  ASSERT_TRUE(MoveEntry(src_, root_ + "/dst/c").ok());
  EXPECT_FALSE(PathExists(src_));
}

TEST_F(PlacementTest, MakeDirsOverFile) {
  std::ofstream(root_ + "/file") << "x";
  Status st = MakeDirs(root_ + "/file/sub", 0755, {});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("directory"), std::string::npos) << st.message();
  ASSERT_TRUE(MakeDirs(root_ + "/a/b/c", 0755, {}).ok());
  EXPECT_TRUE(IsDirectory(root_ + "/a/b/c"));
}

TEST_F(PlacementTest, DiskFullByHook) {
  SetFreeBytesOverrideForTest(1000);
  Status st = CheckFreeSpace(root_ + "/dst", 5000);
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_NE(st.message().find("not enough free space"), std::string::npos);
  SetFreeBytesOverrideForTest(uint64_t{100} << 20);
  EXPECT_TRUE(CheckFreeSpace(root_ + "/dst", 5000).ok());
}

TEST_F(PlacementTest, WritableAndNearest) {
  EXPECT_TRUE(CheckWritable(root_ + "/dst").ok());
  EXPECT_EQ(NearestExisting(root_ + "/dst/x/y/z"), root_ + "/dst");
  EXPECT_TRUE(SameFilesystem(root_, root_ + "/dst"));
  EXPECT_FALSE(SameFilesystem(root_, root_ + "/missing"));
}

TEST_F(PlacementTest, RemoveTree) {
  ASSERT_TRUE(MakeDirs(root_ + "/t/u", 0755, {}).ok());
  std::ofstream(root_ + "/t/u/f") << "x";
  ASSERT_TRUE(RemoveTree(root_ + "/t").ok());
  EXPECT_FALSE(PathExists(root_ + "/t"));
  EXPECT_TRUE(RemoveTree(root_ + "/t").ok());
}

TEST_F(PlacementTest, ResolveOwner) {
  auto o = ResolveOwner("", "", root_);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->uid, static_cast<int64_t>(::getuid()));
  auto n = ResolveOwner("1234", "5678", root_);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->uid, 1234);
  EXPECT_EQ(n->gid, 5678);
  auto bad = ResolveOwner("no-such-user-zkm", "", root_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a known user"), std::string::npos);
}

TEST_F(PlacementTest, BackupRecordRoundTrip) {
  BackupRecord b;
  b.phase = "done";
  b.migration_id = "m1";
  b.moves.push_back({"/d/version-2/bad\xff\xfename", "/d/zkmigrate-backup/m1/bad\xff\xfename"});
  b.data_dir = "/d";
  b.data_log_dir = "/l";
  b.bundle_id = "abc";
  b.moves.push_back({"/d/version-2/snapshot.1", "/d/zkmigrate-backup/x/data-version-2/snapshot.1"});
  b.installed.push_back({"/d/version-2/snapshot.5", "snapshot.5", "snapshot", 9, "s1", "s2"});
  ASSERT_TRUE(
      WriteFileDurable(root_ + "/dst", kBackupRecordName, BackupRecordToJson(b), 0644, {}).ok());
  auto r = ReadBackupRecord(root_ + "/dst");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->phase, "done");
  EXPECT_EQ(r->migration_id, "m1");
  ASSERT_EQ(r->moves.size(), 2u);
  EXPECT_EQ(r->moves[0].from, b.moves[0].from);  // not UTF-8: byte-exact through _hex
  EXPECT_EQ(r->moves[0].to, b.moves[0].to);
  EXPECT_EQ(r->moves[1].to, b.moves[1].to);
  ASSERT_EQ(r->installed.size(), 1u);
  EXPECT_EQ(r->installed[0].bundle_sha256, "s2");
}

TEST_F(PlacementTest, BackupRecordDamaged) {
  std::ofstream(root_ + "/dst/" + kBackupRecordName) << R"({"state": "placed"})";
  EXPECT_FALSE(ReadBackupRecord(root_ + "/dst").ok());
}

TEST(MembershipTest, QuorumText) {
  auto cfg = ParseZooCfg(
      "dataDir=/d\nclientPort=2181\nserver.1=10.0.0.1:2888:3888;2181\n"
      "server.2=10.0.0.2:2888:3888:observer;10.0.0.2:2182\n",
      "zoo.cfg");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(MembershipText(*cfg),
            "server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n"
            "server.2=10.0.0.2:2888:3888:observer;10.0.0.2:2182\nversion=0");
}

TEST(MembershipTest, StandaloneIsEmpty) {
  auto cfg = ParseZooCfg("dataDir=/d\nclientPort=2181\n", "zoo.cfg");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(MembershipText(*cfg), "");
}

TEST_F(PlacementTest, MembershipRewriteReadsBack) {
  const std::string snap =
      std::string(ZKM_FIXTURES_DIR) + "/standalone-plain/data/version-2/snapshot.42";
  auto f = FileSource::Open(snap);
  ASSERT_TRUE(f.ok());
  SnapshotReadOptions ro;
  ro.name_zxid = 0x42;
  SnapshotSummary orig = ReadSnapshot(**f, ro, nullptr);
  ASSERT_TRUE(orig.status.ok());
  const std::string text = "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nversion=0";
  auto rw = WriteWithMembership(snap, 0x42, "3.6", text, root_ + "/dst", "snapshot.42", orig.nodes,
                                kDefaultJuteLimit);
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  EXPECT_TRUE(rw->rewritten);
  EXPECT_EQ(rw->sha256, *Sha256File(root_ + "/dst/snapshot.42"));
  auto g = FileSource::Open(root_ + "/dst/snapshot.42");
  DataTree tree;
  SnapshotSummary back = LoadSnapshot(**g, ro, &tree);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  EXPECT_EQ(back.computed_digest, orig.computed_digest);  // /zookeeper is not in the digest
  ASSERT_NE(tree.Find("/zookeeper/config"), nullptr);
  EXPECT_EQ(tree.Find("/zookeeper/config")->data_view(), text);
  // Same text again: nothing to write.
  auto again = WriteWithMembership(root_ + "/dst/snapshot.42", 0x42, "3.6", text, root_ + "/dst2",
                                   "snapshot.42", orig.nodes, kDefaultJuteLimit);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->rewritten);
}

}  // namespace
}  // namespace zkm
