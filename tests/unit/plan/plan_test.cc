#include "plan/plan.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
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

// `json` changed by `edit` (on the parsed document), as text again.
std::string Edit(const std::string& json, const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  edit(d);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  d.Accept(w);
  return b.GetString();
}

// A source node's facts with its election key and whether it runs.
std::string Source(const std::string& ip, int64_t epoch, int64_t zxid, int64_t myid,
                   bool running = false) {
  return Edit(Facts(ip, zxid, 10, 10, 0, 0, 256 * (1ull << 20)), [&](rapidjson::Document& d) {
    auto& a = d.GetAllocator();
    d["node"].AddMember("current_epoch", epoch, a);
    d["node"].AddMember("myid", myid, a);
    d["node"]["running"] = running;
  });
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

TEST(Plan, ADiskProblemNamesTheDirThatIsShort) {
  std::string s1 = Edit(Facts("10.0.0.1", 0x100000001, 100, 1000, 0, 60000000, 256 * kMiB),
                        [](rapidjson::Document& d) {
                          auto& a = d.GetAllocator();
                          d["work_free_bytes"] = 1000;
                          d.AddMember("work_dir", "/var/tmp/zkmigrate/s1", a);
                        });
  std::string in =
      "{\"controller_free_bytes\": 2000, \"controller_dir\": \"/tmp/stage\", "
      "\"source\": {\"s1\": " +
      s1 + "}, \"target\": {\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB) + "}}";
  rapidjson::Document d;
  d.Parse(in.c_str());
  Plan p = BuildPlan(d);
  ASSERT_EQ(p.problems.size(), 2u) << PlanText(p);
  EXPECT_NE(p.problems[0].find("s1: 1000 bytes free for /var/tmp/zkmigrate/s1"), std::string::npos)
      << p.problems[0];
  EXPECT_NE(p.problems[1].find("the controller has 2000 bytes free for /tmp/stage"),
            std::string::npos)
      << p.problems[1];
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

TEST(Plan, TheBundleNodeIsTheOneZooKeepersElectionPicks) {
  std::vector<SourceCandidate> c(4);
  c[0] = {"s1", true, false, 5, 0x400000009, 1};  // higher zxid of an older epoch: a proposal
  c[1] = {"s2", true, false, 6, 0x600000002, 2};
  c[2] = {"s3", true, false, 6, 0x600000002, 3};   // same epoch and zxid, higher myid
  c[3] = {"s4", false, false, 9, 0x900000001, 4};  // not eligible (damaged files)
  const SourceCandidate* b = ChooseBundleNode(c);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->host, "s3");
  c[2].myid = 2;  // a full tie: the first host name
  EXPECT_EQ(ChooseBundleNode(c)->host, "s2");
  for (SourceCandidate& x : c) x.eligible = false;
  EXPECT_EQ(ChooseBundleNode(c), nullptr);

  // Through the plan, with the same facts every role passes in.
  rapidjson::Document d;
  Plan p = RunPlan("\"s1\": " + Source("10.0.0.1", 5, 0x400000009, 1) +
                       ", \"s2\": " + Source("10.0.0.2", 6, 0x600000002, 2) +
                       ", \"s3\": " + Source("10.0.0.3", 6, 0x600000002, 3),
                   "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
  EXPECT_EQ(p.bundle_host, "s3");
  EXPECT_EQ(p.source_last_zxid, 0x600000002);
  ASSERT_EQ(p.candidates.size(), 3u);
  EXPECT_EQ(p.candidates[0].current_epoch, 5);
}

TEST(Plan, InTheBundlePhaseARunningSourceIsRefusedAndNotChosen) {
  rapidjson::Document d;
  std::string src = "\"s1\": " + Source("10.0.0.1", 6, 0x600000002, 1) +
                    ", \"s2\": " + Source("10.0.0.2", 6, 0x600000009, 2, /*running=*/true);
  std::string in = "{\"phase\": \"bundle\", \"source\": {" + src +
                   "}, \"target\": {\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB) + "}}";
  d.Parse(in.c_str());
  Plan p = BuildPlan(d);
  ASSERT_EQ(p.problems.size(), 1u) << PlanText(p);
  EXPECT_NE(p.problems[0].find("source node s2 still runs after its stop command"),
            std::string::npos);
  EXPECT_EQ(p.bundle_host, "s1");
  // The same nodes before the stop: s2 runs and is the newest; only a warning-free plan.
  rapidjson::Document d2;
  Plan q = RunPlan(src, "\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB), &d2);
  EXPECT_TRUE(q.ok()) << PlanText(q);
  EXPECT_EQ(q.bundle_host, "s2");
  EXPECT_TRUE(q.source_running);
}

// A target that an earlier run migrated this source into (the marker zk_verify writes).
std::string Marked(const std::string& ip, int64_t zxid, bool serving,
                   const std::vector<std::string>& hosts = {"s1"}) {
  return Edit(Facts(ip, 0x100000001, 10, 10, 0, 0, 256 * (1ull << 20)),
              [&](rapidjson::Document& d) {
                auto& a = d.GetAllocator();
                rapidjson::Value m(rapidjson::kObjectType), h(rapidjson::kArrayType);
                for (const std::string& x : hosts) h.PushBack(rapidjson::Value(x.c_str(), a), a);
                m.AddMember("source_hosts", h, a);
                m.AddMember("source_last_zxid", zxid, a);
                m.AddMember("source_last_zxid_hex", "0x100000005", a);
                m.AddMember("finished", "2026-12-01T10:00:00Z", a);
                d.AddMember("marker", m, a);
                d["node"].AddMember("serving", serving, a);
              });
}

TEST(Plan, AFinishedMigrationIsSkippedAChangedSourceNeedsForce) {
  std::string s1 = "\"s1\": " + Facts("10.0.0.1", 0x100000005, 10, 10, 0, 0, 256 * kMiB);
  std::string done = "\"t1\": " + Marked("10.0.1.1", 0x100000005, true) +
                     ", \"t2\": " + Marked("10.0.1.2", 0x100000005, true);
  rapidjson::Document d;
  Plan p = RunPlan(s1, done, &d);
  EXPECT_TRUE(p.ok()) << PlanText(p);
  EXPECT_EQ(p.action, "skip");
  EXPECT_NE(PlanText(p).find("already holds this source up to zxid 0x100000005"),
            std::string::npos);

  // The source moved on since: refused unless forced.
  std::string s1b = "\"s1\": " + Facts("10.0.0.1", 0x100000009, 10, 10, 0, 0, 256 * kMiB);
  rapidjson::Document d2;
  Plan q = RunPlan(s1b, done, &d2);
  ASSERT_EQ(q.problems.size(), 1u) << PlanText(q);
  EXPECT_NE(q.problems[0].find("zk_migrate_force=true"), std::string::npos);
  EXPECT_NE(q.problems[0].find("now 0x100000009"), std::string::npos) << q.problems[0];
  rapidjson::Document d3;
  std::string in = "{\"force\": true, \"source\": {" + s1b + "}, \"target\": {" + done + "}}";
  d3.Parse(in.c_str());
  Plan f = BuildPlan(d3);
  EXPECT_TRUE(f.ok()) << PlanText(f);
  EXPECT_EQ(f.action, "migrate");
  // Forced over a finished one: migrated again.
  rapidjson::Document d6;
  std::string again = "{\"force\": true, \"source\": {" + s1 + "}, \"target\": {" + done + "}}";
  d6.Parse(again.c_str());
  EXPECT_EQ(BuildPlan(d6).action, "migrate");

  // One target not serving: the earlier run did not finish there; a marker from another
  // source is not this migration.
  rapidjson::Document d4;
  Plan h = RunPlan(s1,
                   "\"t1\": " + Marked("10.0.1.1", 0x100000005, true) +
                       ", \"t2\": " + Marked("10.0.1.2", 0x100000005, false),
                   &d4);
  EXPECT_FALSE(h.ok());
  rapidjson::Document d5;
  Plan o = RunPlan(s1, "\"t1\": " + Marked("10.0.1.1", 0x100000005, true, {"x1", "x2"}), &d5);
  EXPECT_TRUE(o.ok()) << PlanText(o);
  EXPECT_EQ(o.action, "migrate");
}

TEST(Plan, TheFormatFollowsTheOldestTargetAndContainersStopA34Target) {
  std::string s =
      Edit(Facts("10.0.0.1", 0x100000005, 10, 10, 0, 0, 256 * kMiB), [](rapidjson::Document& d) {
        auto& a = d.GetAllocator();
        d["node"]["disk"]["tree"].AddMember("containers", 2, a);
        d["node"]["disk"]["tree"].AddMember("ttl_nodes", 1, a);
      });
  std::string plain = Facts("10.0.0.1", 0x100000005, 10, 10, 0, 0, 256 * kMiB);
  auto run = [](const std::string& src, const std::string& ver, const std::string& extra) {
    std::string in =
        "{" + extra + "\"bundle_mode\": \"consolidated\", \"source\": {\"s1\": " + src +
        "}, \"target\": {\"t1\": " + Facts("10.0.1.1", 0, 1, 0, 0, 0, 256 * kMiB, "3.9.3") +
        ", \"t2\": " + Facts("10.0.1.2", 0, 1, 0, 0, 0, 256 * kMiB, ver) + "}}";
    rapidjson::Document d;
    d.Parse(in.c_str());
    return BuildPlan(d);
  };
  EXPECT_EQ(run(plain, "3.8.0", "").bundle_format, "3.6");
  EXPECT_EQ(run(plain, "3.5.10", "").bundle_format, "3.5");
  Plan old = run(plain, "3.4.13", "");
  EXPECT_TRUE(old.ok()) << PlanText(old);
  EXPECT_EQ(old.bundle_format, "3.4");
  EXPECT_EQ(run(plain, "3.4.13", "\"format\": \"3.6\", ").bundle_format, "3.6");
  Plan refused = run(s, "3.4.13", "");
  ASSERT_EQ(refused.problems.size(), 1u) << PlanText(refused);
  EXPECT_NE(refused.problems[0].find("2 container and 1 TTL nodes"), std::string::npos);
  EXPECT_NE(refused.problems[0].find("target t2 runs ZooKeeper 3.4.13"), std::string::npos);
  EXPECT_TRUE(run(s, "3.8.0", "").ok());
}

}  // namespace
}  // namespace zkm
