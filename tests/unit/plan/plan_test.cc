#include "plan/plan.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace zkm {
namespace {

// The facts one node returns (`state: facts` result), shaped as the module writes them.
std::string Facts(const std::string& host_ip, int64_t last_zxid, uint64_t znodes,
                  uint64_t data_bytes, uint64_t log_file_bytes, uint64_t valid_log_bytes,
                  uint64_t heap, const std::string& version = "3.8.4", int64_t jute = 1048575,
                  uint64_t largest = 100, const std::string& status = "ok") {
  return std::string("{\"node\": {\"running\": false, \"version\": \"") + version +
         "\", \"client_endpoint\": \"" + host_ip +
         ":2181\", \"data_dir\": \"/var/lib/zookeeper\"," +
         "\"last_zxid\": " + std::to_string(last_zxid) +
         ", \"jute_limit\": " + std::to_string(jute) + ", \"servers\": [{\"id\": 1, \"host\": \"" +
         host_ip +
         "\", \"quorum_port\": 2888, \"election_port\": 3888, \"client_address\": \"\", "
         "\"client_port\": 2181}]," +
         "\"free_space\": {\"data_dir\": {\"bytes_available\": 100000000000}}," +
         "\"disk\": {\"status\": \"" + status + "\", \"msg\": \"" +
         (status == "ok" ? "ok" : "torn snapshot") +
         "\", \"snapshot\": {\"size\": " + std::to_string(data_bytes + znodes * 90) +
         ", \"compression\": \"plain\"}, \"log_bytes\": " + std::to_string(log_file_bytes) +
         ", \"valid_log_bytes\": " + std::to_string(valid_log_bytes) +
         ", \"tree\": {\"znodes\": " + std::to_string(znodes) +
         ", \"path_bytes\": " + std::to_string(znodes * 30) +
         ", \"data_bytes\": " + std::to_string(data_bytes) +
         ", \"acl_entries\": 3, \"sessions\": 5, \"ephemerals\": 2, \"largest_data_bytes\": " +
         std::to_string(largest) + "}}}, \"heap_bytes\": " + std::to_string(heap) +
         ", \"work_free_bytes\": 100000000000}";
}

Plan RunPlan(const std::string& src, const std::string& dst, rapidjson::Document* keep) {
  std::string in = "{\"source\": {" + src + "}, \"target\": {" + dst + "}}";
  keep->Parse(in.c_str());
  EXPECT_FALSE(keep->HasParseError()) << in;
  return BuildPlan(*keep);
}

constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kMiB = 1ull << 20;

TEST(Plan, GigabytesOfPreallocatedLogsWithATinyTreeAreNotRefused) {
  rapidjson::Document d;
  // 40 logs of 64 MiB preallocated, a few KiB valid each; 300 znodes.
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x100000050, 300, 20000, 40 * 64 * kMiB,
                                      40 * 4096, 256 * kMiB),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
  EXPECT_EQ(p.bundle_host, "s1");
  ASSERT_EQ(p.estimates.size(), 2u);
  EXPECT_LT(p.estimates[1].bytes, 2 * kMiB);  // valid bytes, not 2.5 GiB of files
  EXPECT_NE(p.estimates[1].inputs.find("valid_log_bytes=163840"), std::string::npos);
}

TEST(Plan, AHugeTreeIsRefusedForHeapWithTheFigure) {
  rapidjson::Document d;
  uint64_t znodes = 5000000, data = 2 * kGiB;
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x200000001, znodes, data, kGiB, kGiB, 16 * kGiB),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 512 * kMiB), &d);
  ASSERT_EQ(p.problems.size(), 1u) << PlanText(p);
  uint64_t need = HeapEstimate(znodes, znodes * 30, data, 3, 5);
  EXPECT_NE(p.problems[0].find("heap of 512 MiB"), std::string::npos) << p.problems[0];
  EXPECT_NE(p.problems[0].find(std::to_string((need + kMiB - 1) / kMiB) + " MiB"),
            std::string::npos)
      << p.problems[0];
  EXPECT_NE(p.problems[0].find("znodes=5000000"), std::string::npos);
}

TEST(Plan, ATargetHeapEqualToTheSourcesIsNeverRefused) {
  rapidjson::Document d;
  uint64_t znodes = 5000000, data = 2 * kGiB;
  // The estimate exceeds 1 GiB, yet the source held the tree with 1 GiB: so can the target.
  ASSERT_GT(HeapEstimate(znodes, znodes * 30, data, 3, 5), kGiB);
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x200000001, znodes, data, kGiB, kGiB, kGiB),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, kGiB), &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
}

TEST(Plan, AFieldThePlanCannotReadIsAWarningNamingIt) {
  rapidjson::Document d;
  std::string s = Facts("10.0.0.1", 0x100000001, 10, 10, 0, 0, 256 * kMiB);
  s.replace(s.find("\"valid_log_bytes\""), 17, "\"other\"");
  Plan p = RunPlan("\"s1\": " + s, "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("source node s1"), std::string::npos);
  EXPECT_NE(p.warnings[0].find("disk.valid_log_bytes"), std::string::npos);
}

TEST(Plan, ANodeWhoseFactsFailedIsRefusedByName) {
  rapidjson::Document d;
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x100000001, 10, 10, 0, 0, 256 * kMiB) +
                       ", \"s2\": {\"failed\": true, \"msg\": \"no zoo.cfg found\"}",
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].find("s2 cannot be read: no zoo.cfg found"), std::string::npos);
}

TEST(Plan, TheBundleNodeHoldsTheHighestValidZxidTiesByHostName) {
  rapidjson::Document d;
  std::string t = "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB);
  // s3 has the highest zxid but its files are torn while running: not chosen.
  std::string s3 =
      Facts("10.0.0.3", 0x300000009, 10, 10, 0, 0, 256 * kMiB, "3.8.4", 1048575, 10, "corrupt");
  s3.replace(s3.find("\"running\": false"), 16, "\"running\": true");
  Plan p = RunPlan("\"s2\": " + Facts("10.0.0.2", 0x200000007, 10, 10, 0, 0, 256 * kMiB) +
                       ", \"s1\": " + Facts("10.0.0.1", 0x200000007, 10, 10, 0, 0, 256 * kMiB) +
                       ", \"s0\": " + Facts("10.0.0.4", 0x200000001, 10, 10, 0, 0, 256 * kMiB) +
                       ", \"s3\": " + s3,
                   t, &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
  EXPECT_EQ(p.bundle_host, "s1");
  EXPECT_EQ(p.source_last_zxid, 0x200000007);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("s3 is running"), std::string::npos);
}

TEST(Plan, DiskIsFromTheValidBytes) {
  rapidjson::Document d;
  std::string t = Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB);
  t.replace(t.find("100000000000"), 12, "50000000");  // 50 MB free in the target dataDir
  Plan ok = RunPlan(
      "\"s1\": " + Facts("10.0.0.1", 0x100000001, 100, 1000, 10 * 64 * kMiB, 100000, 256 * kMiB),
      "\"t1\": " + t, &d);
  EXPECT_TRUE(ok.ok()) << PlanText(ok);
  rapidjson::Document d2;
  Plan no = RunPlan(
      "\"s1\": " + Facts("10.0.0.1", 0x100000001, 100, 1000, 10 * 64 * kMiB, 60000000, 256 * kMiB),
      "\"t1\": " + t, &d2);
  ASSERT_EQ(no.problems.size(), 1u) << PlanText(no);
  EXPECT_NE(no.problems[0].find("50000000 bytes free in dataDir"), std::string::npos);
}

TEST(Plan, TargetJuteMaxBufferBelowTheLargestZnodeIsRefused) {
  rapidjson::Document d;
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x100000001, 10, 2000000, 0, 0, 256 * kMiB,
                                      "3.8.4", 4194304, 1500000),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d);
  ASSERT_EQ(p.problems.size(), 1u) << PlanText(p);
  EXPECT_NE(p.problems[0].find("-Djute.maxbuffer=4194304"), std::string::npos) << p.problems[0];
}

TEST(Plan, OldTargetVersionsAndSharedEndpointsAreRefused) {
  rapidjson::Document d;
  Plan p = RunPlan("\"s1\": " + Facts("10.0.0.1", 0x100000001, 10, 10, 0, 0, 256 * kMiB),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB, "3.3.6") +
                       ", \"t2\": " + Facts("10.0.1.2", 0, 1, 0, 0, 0, 256 * kMiB, "3.4.14") +
                       ", \"t3\": " + Facts("10.0.0.1", 0, 1, 0, 0, 0, 256 * kMiB, "3.8.4"),
                   &d);
  ASSERT_EQ(p.problems.size(), 3u) << PlanText(p);
  EXPECT_NE(p.problems[0].find("share 10.0.0.1:2181, 10.0.0.1:2888, 10.0.0.1:3888"),
            std::string::npos)
      << p.problems[0];
  EXPECT_NE(p.problems[1].find("older than 3.4"), std::string::npos);
  EXPECT_NE(p.problems[2].find("need 3.5+"), std::string::npos);
}

// ZooKeeper 3.4 data (logs, no snapshot) cannot go raw: refused with the reason;
// consolidated is fine.
TEST(Plan, ARawBundleOf34DataWithoutASnapshotIsRefused) {
  std::string src =
      Facts("10.0.0.1", 0x200000010, 300, 20000, 64 * kMiB, 4096, 256 * kMiB, "3.4.13");
  size_t at = src.find("\"disk\": {");
  ASSERT_NE(at, std::string::npos);
  src.insert(at + 9, "\"from_empty_tree\": true, ");
  std::string dst = Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB, "3.8.0");
  for (const char* mode : {"raw", "consolidated"}) {
    rapidjson::Document d;
    std::string in = "{\"bundle_mode\": \"" + std::string(mode) +
                     "\", \"source\": {\"s1\": " + src + "}, \"target\": {\"t1\": " + dst + "}}";
    d.Parse(in.c_str());
    ASSERT_FALSE(d.HasParseError()) << in;
    Plan p = BuildPlan(d);
    EXPECT_EQ(p.bundle_host, "s1");
    if (std::string(mode) == "raw") {
      ASSERT_EQ(p.problems.size(), 1u) << PlanText(p);
      EXPECT_NE(p.problems[0].find("logs and no snapshot"), std::string::npos) << p.problems[0];
      EXPECT_NE(p.problems[0].find("zk_bundle_mode=consolidated"), std::string::npos);
    } else {
      EXPECT_TRUE(p.ok()) << PlanText(p);
    }
  }
}

TEST(Plan, EmptyAndOverlappingGroupsAreRefused) {
  rapidjson::Document d;
  Plan p = RunPlan("", "", &d);
  EXPECT_EQ(p.problems.size(), 2u) << PlanText(p);
  rapidjson::Document d2;
  std::string f = Facts("10.0.0.1", 0x100000001, 10, 10, 0, 0, 256 * kMiB);
  Plan q = RunPlan("\"a\": " + f, "\"a\": " + f, &d2);
  EXPECT_NE(PlanText(q).find("hosts a are in both"), std::string::npos) << PlanText(q);
}

}  // namespace
}  // namespace zkm
