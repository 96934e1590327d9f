#include "tree/digest.h"

#include <gtest/gtest.h>

#include "tree/data_tree.h"

namespace zkm {

TEST(Digest, FreshTreeMatchesZooKeeper) {
  // docs/FORMATS.md 6: a fresh 3.6+ tree digests to 1371985504.
  DataTree t = DataTree::Fresh();
  EXPECT_EQ(t.digest(), kEmptyTreeDigest);
}

TEST(Digest, ExcludesZookeeperSubtreeButNotZookeeperItself) {
  EXPECT_TRUE(DigestIncludes(""));
  EXPECT_TRUE(DigestIncludes("/zookeeper"));
  EXPECT_TRUE(DigestIncludes("/zookeeperx"));
  EXPECT_FALSE(DigestIncludes("/zookeeper/quota"));
  Stat s;
  EXPECT_EQ(NodeDigest("/zookeeper/config", "x", s), 0u);
}

TEST(Digest, IsMaintainedIncrementally) {
  DataTree t = DataTree::Fresh();
  int64_t before = t.digest();
  Stat s;
  s.czxid = s.mzxid = s.pzxid = 5;
  t.Put("/a", "hello", false, -1, s);
  EXPECT_NE(t.digest(), before);
  t.SetData("/a", "bye", false, 6, 100, 1);
  t.Remove("/a");
  EXPECT_EQ(t.digest(), before);
}

}  // namespace zkm

#include "report/json_report.h"

namespace zkm {
TEST(JsonReport, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(ValidUtf8("/a\xc3\xbc"), "/a\xc3\xbc");
  EXPECT_EQ(ValidUtf8("/a\xff"), "/a\xEF\xBF\xBD");
  EXPECT_EQ(ValidUtf8("\xc3"), "\xEF\xBF\xBD");
}
}  // namespace zkm
