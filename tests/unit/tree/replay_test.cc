// Replay semantics (docs/FORMATS.md 7), zxid continuity (5.8) and digest checks (6)
// on synthetic records over a fresh tree.
#include "tree/replay.h"

#include <gtest/gtest.h>

#include "tree/digest.h"

namespace zkm {
namespace {

constexpr int64_t kSession = 0x0100000c2c6c0000LL;

TxnRecord Rec(int64_t zxid, int32_t type, TxnOp op, int64_t client = kSession) {
  TxnRecord r;
  r.header.client_id = client;
  r.header.zxid = zxid;
  r.header.time = 1000 + zxid;
  r.header.type = type;
  op.type = type;
  r.op = std::move(op);
  return r;
}

TxnOp CreateOp(const std::string& path, const std::string& data, int32_t parent_cversion,
               bool ephemeral = false) {
  TxnOp op;
  op.path = path;
  op.data = data;
  op.acl = {Acl{31, "world", "anyone"}};
  op.parent_cversion = parent_cversion;
  op.ephemeral = ephemeral;
  return op;
}

TxnOp PathOp(const std::string& path) {
  TxnOp op;
  op.path = path;
  return op;
}

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() : tree_(DataTree::Fresh()) {}
  Replayer Make(int64_t z = 0) {
    ReplayOptions o;
    o.snapshot_zxid = z;
    return Replayer(&tree_, o);
  }
  DataTree tree_;
};

TEST_F(ReplayTest, CreateSetsStatAndBumpsParent) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/a", "x", 1))).ok());
  const Node* a = tree_.Find("/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->stat.czxid, 1);
  EXPECT_EQ(a->stat.mzxid, 1);
  EXPECT_EQ(a->stat.pzxid, 1);
  EXPECT_EQ(a->stat.ctime, 1001);
  EXPECT_EQ(a->data_view(), "x");
  EXPECT_EQ(tree_.Find("")->stat.cversion, 1);
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 1);
}

TEST_F(ReplayTest, CreateV0UsesParentCversionPlusOne) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/a", "", -1))).ok());
  EXPECT_EQ(tree_.Find("")->stat.cversion, 1);
}

TEST_F(ReplayTest, ExistingNodeOnPlainCreateStillMovesParentCversion) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/a", "", 1))).ok());
  ASSERT_TRUE(r.Apply(Rec(2, kTxnCreate, CreateOp("/a", "again", 5))).ok());
  EXPECT_EQ(tree_.Find("")->stat.cversion, 5);
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 2);
  EXPECT_EQ(tree_.Find("/a")->data_view(), "");  // the node itself is untouched
  EXPECT_EQ(r.stats().ignored_errors, 1u);
}

TEST_F(ReplayTest, ExistingNodeOnCreate2DoesNotMoveParent) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate2, CreateOp("/a", "", 1))).ok());
  ASSERT_TRUE(r.Apply(Rec(2, kTxnCreate2, CreateOp("/a", "", 5))).ok());
  EXPECT_EQ(tree_.Find("")->stat.cversion, 1);
}

TEST_F(ReplayTest, CreateUnderMissingParentIsIgnored) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/no/child", "", 1))).ok());
  EXPECT_EQ(tree_.Find("/no/child"), nullptr);
  EXPECT_EQ(r.stats().ignored_errors, 1u);
}

TEST_F(ReplayTest, DeleteMovesParentPzxidButNotCversion) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/a", "", 1))).ok());
  ASSERT_TRUE(r.Apply(Rec(2, kTxnDelete, PathOp("/a"))).ok());
  EXPECT_EQ(tree_.Find("/a"), nullptr);
  EXPECT_EQ(tree_.Find("")->stat.cversion, 1);
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 2);
  // Deleting an absent child still moves the parent's pzxid (fuzzy snapshots).
  ASSERT_TRUE(r.Apply(Rec(3, kTxnDelete, PathOp("/a"))).ok());
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 3);
}

TEST_F(ReplayTest, SetDataAndSetAcl) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreate, CreateOp("/a", "x", 1))).ok());
  TxnOp sd = PathOp("/a");
  sd.data_null = true;
  sd.version = 1;
  ASSERT_TRUE(r.Apply(Rec(2, kTxnSetData, sd)).ok());
  EXPECT_TRUE(tree_.Find("/a")->data_null());
  EXPECT_EQ(tree_.Find("/a")->stat.version, 1);
  EXPECT_EQ(tree_.Find("/a")->stat.mzxid, 2);
  TxnOp sa = PathOp("/a");
  sa.acl = {Acl{1, "ip", "127.0.0.1"}};
  sa.version = 1;
  ASSERT_TRUE(r.Apply(Rec(3, kTxnSetAcl, sa)).ok());
  EXPECT_EQ(tree_.Find("/a")->stat.aversion, 1);
  const AclList* acl = tree_.FindAcl(tree_.Find("/a")->acl_ref);
  ASSERT_NE(acl, nullptr);
  EXPECT_EQ((*acl)[0].scheme, "ip");
  EXPECT_EQ(tree_.Find("/a")->stat.mzxid, 2);  // setACL leaves mzxid alone
}

TEST_F(ReplayTest, FailedMultiAppliesNothing) {
  Replayer r = Make();
  TxnOp multi;
  TxnOp c = CreateOp("/m", "", 1);
  c.type = kTxnCreate;
  TxnOp e;
  e.type = kTxnError;
  e.err = -101;
  multi.ops = {c, e};
  int64_t before = tree_.digest();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnMulti, multi)).ok());
  EXPECT_EQ(tree_.Find("/m"), nullptr);
  EXPECT_EQ(tree_.digest(), before);
  multi.ops = {c};
  ASSERT_TRUE(r.Apply(Rec(2, kTxnMulti, multi)).ok());
  EXPECT_NE(tree_.Find("/m"), nullptr);
}

TEST_F(ReplayTest, SessionsAndEphemerals) {
  Replayer r = Make();
  TxnOp cs;
  cs.timeout = 6000;
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreateSession, cs)).ok());
  EXPECT_EQ(tree_.sessions().at(kSession), 6000);
  ASSERT_TRUE(r.Apply(Rec(2, kTxnCreate, CreateOp("/e", "", 1, true))).ok());
  EXPECT_EQ(tree_.Find("/e")->stat.ephemeral_owner, kSession);
  ASSERT_TRUE(r.Apply(Rec(3, kTxnCloseSession, TxnOp{})).ok());
  EXPECT_EQ(tree_.Find("/e"), nullptr);
  EXPECT_EQ(tree_.sessions().count(kSession), 0u);
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 3);
}

TEST_F(ReplayTest, ContainerAndTtlOwners) {
  Replayer r = Make();
  ASSERT_TRUE(r.Apply(Rec(1, kTxnCreateContainer, CreateOp("/c", "", 1))).ok());
  TxnOp ttl = CreateOp("/t", "", 2);
  ttl.ttl = 86400000;
  ASSERT_TRUE(r.Apply(Rec(2, kTxnCreateTtl, ttl)).ok());
  EXPECT_EQ(KindOfOwner(tree_.Find("/c")->stat.ephemeral_owner), NodeKind::kContainer);
  EXPECT_EQ(KindOfOwner(tree_.Find("/t")->stat.ephemeral_owner), NodeKind::kTtl);
  EXPECT_EQ(TtlOfOwner(tree_.Find("/t")->stat.ephemeral_owner), 86400000);
}

TEST_F(ReplayTest, GapInsideAnEpochIsRefused) {
  Replayer r = Make(5);
  Status st = r.Apply(Rec(7, kTxnCreate, CreateOp("/a", "", 1)));
  EXPECT_EQ(st.code(), Code::kGap);
  EXPECT_NE(st.message().find("0x5 to 0x7"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("right after the snapshot"), std::string::npos) << st.message();
}

TEST_F(ReplayTest, NewEpochMustStartAtCounterOne) {
  Replayer r = Make(0x100000005);
  EXPECT_TRUE(r.Apply(Rec(0x200000001, kTxnCreate, CreateOp("/a", "", 1))).ok());
  EXPECT_EQ(r.Apply(Rec(0x300000002, kTxnCreate, CreateOp("/b", "", 2))).code(), Code::kGap);
}

TEST_F(ReplayTest, BackwardsZxidIsRefusedAndOldOnesSkipped) {
  Replayer r = Make(3);
  EXPECT_TRUE(r.Apply(Rec(2, kTxnCreate, CreateOp("/old", "", 1))).ok());
  EXPECT_EQ(tree_.Find("/old"), nullptr);
  EXPECT_EQ(r.stats().skipped, 1u);
  EXPECT_TRUE(r.Apply(Rec(4, kTxnCreate, CreateOp("/a", "", 1))).ok());
  Status st = r.Apply(Rec(4, kTxnCreate, CreateOp("/b", "", 2)));
  EXPECT_EQ(st.code(), Code::kGap);
  EXPECT_NE(st.message().find("backwards"), std::string::npos);
}

TEST_F(ReplayTest, TxnDigestsAreCompared) {
  Replayer r = Make();
  TxnRecord rec = Rec(1, kTxnCreate, CreateOp("/a", "x", 1));
  // Compute what the tree digest will be after the create.
  DataTree probe = DataTree::Fresh();
  Replayer pr(&probe, ReplayOptions{});
  ASSERT_TRUE(pr.Apply(rec).ok());
  rec.has_digest = true;
  rec.digest_version = kDigestVersion;
  rec.digest = probe.digest();
  ASSERT_TRUE(r.Apply(rec).ok());
  TxnRecord bad = Rec(2, kTxnDelete, PathOp("/a"));
  bad.has_digest = true;
  bad.digest_version = kDigestVersion;
  bad.digest = 12345;
  ASSERT_TRUE(r.Apply(bad).ok());
  EXPECT_EQ(r.stats().digests_compared, 2u);
  EXPECT_EQ(r.stats().digest_mismatches, 1u);
  Status fin = r.Finish();
  EXPECT_EQ(fin.code(), Code::kMismatch);
  EXPECT_NE(fin.message().find("0x2"), std::string::npos) << fin.message();
}

TEST_F(ReplayTest, PendingSnapshotDigestMustBeReached) {
  ReplayOptions o;
  o.snapshot_zxid = 0;
  o.has_snapshot_digest = true;
  o.snapshot_digest_zxid = 2;
  o.snapshot_digest_version = 2;
  o.snapshot_digest = 1;
  Replayer r(&tree_, o);
  // While fuzzy, per-txn digests are not compared.
  TxnRecord rec = Rec(1, kTxnCreate, CreateOp("/a", "", 1));
  rec.has_digest = true;
  rec.digest_version = 2;
  rec.digest = 999;
  ASSERT_TRUE(r.Apply(rec).ok());
  EXPECT_EQ(r.stats().digests_compared, 0u);
  Status fin = r.Finish();
  EXPECT_EQ(fin.code(), Code::kGap);
  EXPECT_NE(fin.message().find("fuzzy"), std::string::npos) << fin.message();
}

TEST_F(ReplayTest, DropOrphanEphemeralsLikeALeader) {
  Stat s;
  s.ephemeral_owner = 0x77;
  tree_.Put("/orphan", "", false, -1, s);
  tree_.sessions()[kSession] = 4000;
  s.ephemeral_owner = kSession;
  tree_.Put("/live", "", false, -1, s);
  auto removed = DropOrphanEphemerals(&tree_, 0x99);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], "/orphan");
  EXPECT_NE(tree_.Find("/live"), nullptr);
  EXPECT_EQ(tree_.Find("")->stat.pzxid, 0x99);
  auto all = DropAllSessions(&tree_, 0x9a);
  EXPECT_EQ(all.size(), 1u);
  EXPECT_TRUE(tree_.sessions().empty());
}

TEST_F(ReplayTest, AsciiCharsetDigestIsRecognised) {
  // A JVM with a US-ASCII default charset hashes non-ASCII path characters as '?'.
  Replayer r = Make();
  TxnRecord rec = Rec(1, kTxnCreate, CreateOp("/\xc3\xbc", "", 1));
  DataTree probe = DataTree::Fresh();
  Replayer pr(&probe, ReplayOptions{});
  ASSERT_TRUE(pr.Apply(rec).ok());
  rec.has_digest = true;
  rec.digest_version = 2;
  rec.digest = probe.digest_ascii();
  ASSERT_NE(probe.digest_ascii(), probe.digest());
  ASSERT_TRUE(r.Apply(rec).ok());
  EXPECT_EQ(r.stats().digest_mismatches, 0u);
  EXPECT_EQ(r.stats().digest_charset, "us-ascii");
}

}  // namespace
}  // namespace zkm
