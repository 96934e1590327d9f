#include "report/run_report.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace zkm {
namespace {

namespace fs = std::filesystem;

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

std::string Read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// What the playbook gathers for a migrated pair (numbers as Ansible templates them:
// some arrive as strings).
const char* kMigrated = R"({
  "pair": "eu-1", "run_id": "r1", "result": "migrated", "msg": "s1,s2,s3 migrated to t1,t2,t3",
  "source_hosts": ["s1","s2","s3"], "target_hosts": ["t1","t2","t3"], "bundle_host": "s2",
  "started": 1764680000.0, "finished": "1764680042.5",
  "phases": {"plan": [1764680000, 1764680004.25], "source_down": [1764680010, 1764680019.3],
             "verify": ["1764680030", "1764680041"]},
  "manifest": {"last_zxid": 4294967400, "znodes": 17093, "tree_digest": -42, "mode": "consolidated",
               "files": [{"name": "snapshot.10000006d", "size": 1048576}, {"name": "manifest.json", "size": "512"}]},
  "verification": [
    {"host": "t1", "verified": true, "msg": "verified", "node": {"zxid": 8589934593},
     "deep": {"status": "ok", "unreadable": 0}},
    {"host": "t2", "verified": true, "msg": "verified", "node": {"zxid": 8589934594},
     "deep": {"status": "ok", "unreadable": 0}},
    {"host": "t3", "verified": true, "msg": "verified", "node": {"zxid": 8589934594}}],
  "warnings": ["target version 3.9 is newer"]
})";

TEST(RunReport, RecordOfAMigratedPair) {
  rapidjson::Document in = Json(kMigrated), rec;
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  EXPECT_STREQ(rec["pair"].GetString(), "eu-1");
  EXPECT_STREQ(rec["started"].GetString(), "2025-12-02T12:53:20Z");
  EXPECT_DOUBLE_EQ(rec["seconds"].GetDouble(), 42.5);
  EXPECT_DOUBLE_EQ(rec["source_down_seconds"].GetDouble(), 9.3);
  ASSERT_EQ(rec["phases"].Size(), 3u);
  EXPECT_STREQ(rec["phases"][0]["name"].GetString(), "plan");
  EXPECT_DOUBLE_EQ(rec["phases"][0]["seconds"].GetDouble(), 4.3);
  EXPECT_DOUBLE_EQ(rec["phases"][2]["seconds"].GetDouble(), 11.0);
  EXPECT_EQ(rec["bytes_moved"].GetInt64(), 1048576 + 512);
  EXPECT_EQ(rec["files"].GetInt64(), 2);
  EXPECT_STREQ(rec["source_last_zxid_hex"].GetString(), "0x100000068");
  EXPECT_EQ(rec["target_zxid"].GetInt64(), 8589934594);
  EXPECT_STREQ(rec["target_zxid_hex"].GetString(), "0x200000002");
  EXPECT_EQ(rec["znodes"].GetInt64(), 17093);
  // t1 and t2 were walked in full; t3 matched the manifest: the run proved the whole tree
  EXPECT_STREQ(rec["verification_strength"].GetString(), "full");
  EXPECT_STREQ(rec["verification"][0]["strength"].GetString(), "full");
  EXPECT_STREQ(rec["verification"][2]["strength"].GetString(), "shallow");
  EXPECT_FALSE(rec["rollback"]["performed"].GetBool());
  EXPECT_EQ(rec["warnings"].Size(), 1u);
  EXPECT_TRUE(rec["source_candidates"].IsNull());  // not given: null, not a guess
}

TEST(RunReport, CarriesTheGroupsTheLeaderAndTheCandidates) {
  rapidjson::Document in = Json(R"({"pair": "a", "source_group": "src_a", "target_group": "dst_a",
      "target_leader": "t2", "source_candidates": [{"host": "s1", "last_zxid": 7}]})"),
                      rec;
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  EXPECT_STREQ(rec["source_group"].GetString(), "src_a");
  EXPECT_STREQ(rec["target_group"].GetString(), "dst_a");
  EXPECT_STREQ(rec["target_leader"].GetString(), "t2");
  EXPECT_EQ(rec["source_candidates"][0]["last_zxid"].GetInt(), 7);
}

TEST(RunReport, StrengthIsTheDeepestAndNoneWhenAnyCheckFailed) {
  EXPECT_EQ(
      StrengthOfVerify(Json(R"({"verified": true, "deep": {"status": "ok", "unreadable": 0}})")),
      VerifyStrength::kFull);
  EXPECT_EQ(
      StrengthOfVerify(Json(R"({"verified": true, "deep": {"status": "ok", "unreadable": 3}})")),
      VerifyStrength::kPartial);
  EXPECT_EQ(StrengthOfVerify(Json(R"({"verified": true})")), VerifyStrength::kShallow);
  EXPECT_EQ(StrengthOfVerify(Json(R"({"msg": "skipped"})")), VerifyStrength::kNone);

  rapidjson::Document in = Json(R"({"pair": "p", "verification": [
      {"item": "t1", "verified": true},
      {"item": "t2", "verified": true, "deep": {"status": "ok", "unreadable": 2}}]})");
  rapidjson::Document rec;
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  // the only walk left two znodes unread: partial, however many nodes matched
  EXPECT_STREQ(rec["verification_strength"].GetString(), "partial");
  EXPECT_EQ(rec["verification"][1]["unreadable"].GetInt64(), 2);
  EXPECT_STREQ(rec["verification"][0]["host"].GetString(), "t1");  // Ansible's loop `item`
  in = Json(R"({"pair": "p", "verification": [{"host": "t1", "verified": true}]})");
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  EXPECT_STREQ(rec["verification_strength"].GetString(), "shallow");
  in = Json(
      R"({"pair": "p", "verification": [{"host": "t1", "verified": false, "msg": "zxid behind"}]})");
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  EXPECT_STREQ(rec["verification_strength"].GetString(), "none");
}

TEST(RunReport, MissingInputsAreNullNotGuesses) {
  rapidjson::Document in = Json(R"({"pair": "p", "result": "refused", "msg": "heap"})"), rec;
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  for (const char* k : {"seconds", "source_down_seconds", "bytes_moved", "source_last_zxid",
                        "target_zxid", "znodes", "started"})
    EXPECT_TRUE(rec[k].IsNull()) << k;
  EXPECT_STREQ(rec["verification_strength"].GetString(), "none");
  EXPECT_FALSE(BuildPairRecord(Json("[1]"), &rec).ok());
}

TEST(RunReport, FilesBesideTheRunFile) {
  RunReportFiles f = ReportFilesFor("/r/zkmigrate-report.jsonl");
  EXPECT_EQ(f.markdown, "/r/zkmigrate-report.md");
  EXPECT_EQ(f.html, "/r/zkmigrate-report.html");
  EXPECT_EQ(ReportFilesFor("run.json").html, "run.html");
  EXPECT_EQ(ReportFilesFor("run").markdown, "run.md");
}

TEST(RunReport, AppendsOneLinePerPairAndRendersEveryRun) {
  fs::path dir = fs::temp_directory_path() / ("zkmt-report-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  RunReportFiles files = ReportFilesFor((dir / "run.jsonl").string());
  const char* names[] = {"a", "b<script>", "c|d"};
  for (int run = 1; run <= 2; ++run) {
    for (size_t i = 0; i < 3; ++i) {
      const char* n = names[i];
      rapidjson::Document in = Json(kMigrated), rec, run_records;
      in["pair"].SetString(n, in.GetAllocator());
      in["run_id"].SetString(("r" + std::to_string(run)).c_str(), in.GetAllocator());
      ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
      ASSERT_TRUE(AppendPairRecord(files, rec, &run_records).ok());
      EXPECT_EQ(run_records.Size(), i + 1);
    }
  }
  std::string jsonl = Read(files.json);
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 6);
  std::string md = Read(files.markdown);
  EXPECT_LT(md.find("## Run r2"), md.find("## Run r1"));  // newest run first
  EXPECT_NE(md.find("| c\\|d | migrated | 9.3 | 42.5 | 1.0 MiB | 0x100000068 | 0x200000002 | 17093 "
                    "| full | no |"),
            std::string::npos)
      << md;
  std::string html = Read(files.html);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("b&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // self-contained: nothing loaded
  fs::remove_all(dir);
}

TEST(RunReport, ConcurrentAppendsLoseNoRecord) {
  fs::path dir = fs::temp_directory_path() / ("zkmt-report-par-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  RunReportFiles files = ReportFilesFor((dir / "run.jsonl").string());
  std::vector<pid_t> kids;
  for (int k = 0; k < 4; ++k) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool ok = true;
      for (int i = 0; i < 25; ++i) {
        rapidjson::Document in = Json(kMigrated), rec, out;
        std::string name = "p" + std::to_string(k) + "-" + std::to_string(i);
        in["pair"].SetString(name.c_str(), in.GetAllocator());
        ok = ok && BuildPairRecord(in, &rec).ok() && AppendPairRecord(files, rec, &out).ok();
      }
      ::_exit(ok ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string jsonl = Read(files.json);
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 100);
  std::string md = Read(files.markdown);
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 25; ++i)
      EXPECT_NE(md.find("| p" + std::to_string(k) + "-" + std::to_string(i) + " |"),
                std::string::npos);
  fs::remove_all(dir);
}

TEST(RunReport, SummaryIsAnAlignedTable) {
  rapidjson::Document in = Json(kMigrated), rec;
  ASSERT_TRUE(BuildPairRecord(in, &rec).ok());
  std::vector<std::string> lines = RenderSummary({&rec, &rec});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("pair  result", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].find("migrated"), lines[0].find("result"));
}

}  // namespace
}  // namespace zkm
