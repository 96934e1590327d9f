// The zk_snapshot command line as an operator runs it: exit codes, --json, and
// options before or after the paths. Runs the real binary (ZKM_BIN from CTest).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

const std::string kFixtures = ZKM_FIXTURES_DIR;

std::string Bin() {
  const char* b = std::getenv("ZKM_BIN");
  return b ? b : "";
}

struct CmdResult {
  int code;
  std::string out;
};

CmdResult Exec(const std::string& args) {
  std::string cmd = Bin() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Bin().empty()) GTEST_SKIP() << "ZKM_BIN is not set (run through ctest)";
  }
};

TEST_F(Cli, NoCommandIsAUsageError) {
  CmdResult r = Exec("");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("usage:"), std::string::npos);
}

TEST_F(Cli, UnknownOptionIsAUsageError) {
  CmdResult r = Exec("check --bogus x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown option --bogus"), std::string::npos);
}

TEST_F(Cli, MissingPathIsAUsageError) {
  CmdResult r = Exec("inspect /nonexistent/zk/snapshot.1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("does not exist"), std::string::npos);
}

TEST_F(Cli, CheckDataDirOk) {
  CmdResult r = Exec("check " + kFixtures + "/standalone-gz/data");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("OK"), std::string::npos);
}

TEST_F(Cli, JsonOptionAfterOrBeforeThePath) {
  for (const std::string& args : {"inspect --json " + kFixtures + "/standalone-snappy/data",
                                  "inspect " + kFixtures + "/standalone-snappy/data --json"}) {
    CmdResult r = Exec(args);
    ASSERT_EQ(r.code, 0) << r.out;
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    ASSERT_TRUE(d.IsObject()) << r.out;
    EXPECT_TRUE(d["ok"].GetBool());
    EXPECT_EQ(d["znodes"].GetUint64(), 34u);
    EXPECT_GT(d["report"]["replay"]["applied"].GetUint64(), 0u);
  }
}

TEST_F(Cli, DamagedSnapshotExitsOne) {
  namespace fs = std::filesystem;
  std::string dir = fs::temp_directory_path() / "zkm-cli-test";
  fs::create_directories(dir);
  std::string src = kFixtures + "/standalone-nodigest/data/version-2/snapshot.37";
  std::string dst = dir + "/snapshot.37";
  fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
  {
    FILE* f = std::fopen(dst.c_str(), "r+b");
    std::fseek(f, 200, SEEK_SET);
    int c = std::fgetc(f);
    std::fseek(f, 200, SEEK_SET);
    std::fputc(c ^ 0x10, f);
    std::fclose(f);
  }
  CmdResult r = Exec("check " + dst + " --json");
  EXPECT_EQ(r.code, 1) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_TRUE(d.IsObject()) << r.out;
  EXPECT_FALSE(d["ok"].GetBool());
  fs::remove_all(dir);
}

// A bad end-of-record byte in log.44's second record, valid records after it
// (docs/DAMAGE.md): check of the file and of the dir, and consolidate, refuse.
TEST_F(Cli, DamageBeforeValidRecordsIsAProblemEverywhere) {
  namespace fs = std::filesystem;
  struct Scratch {
    fs::path p = fs::temp_directory_path() / ("zkm-cli-damage-" + std::to_string(::getpid()));
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } s;
  fs::remove_all(s.p);
  fs::create_directories(s.p / "data");
  fs::copy(kFixtures + "/standalone-plain/data", s.p / "data", fs::copy_options::recursive);
  std::string log = (s.p / "data" / "version-2" / "log.44").string();
  CmdResult clean = Exec("check " + log);
  ASSERT_EQ(clean.code, 0) << clean.out;
  {
    // Record 1 starts at 16; its length is at 24..27, its EOR byte right after its payload.
    FILE* f = std::fopen(log.c_str(), "r+b");
    unsigned char len[4];
    std::fseek(f, 24, SEEK_SET);
    ASSERT_EQ(std::fread(len, 1, 4, f), 4u);
    long n = (long{len[0]} << 24) | (long{len[1]} << 16) | (long{len[2]} << 8) | long{len[3]};
    std::fseek(f, 16 + 12 + n, SEEK_SET);
    std::fputc('A', f);
    std::fclose(f);
  }
  CmdResult one = Exec("check " + log);
  EXPECT_EQ(one.code, 1) << one.out;
  EXPECT_NE(one.out.find("PROBLEM"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("a bad end-of-record byte at offset 16"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("a valid record follows at offset "), std::string::npos) << one.out;
  CmdResult dir = Exec("check " + (s.p / "data").string());
  EXPECT_EQ(dir.code, 1) << dir.out;
  EXPECT_NE(dir.out.find(log), std::string::npos) << dir.out;
  CmdResult c = Exec("consolidate --no-progress --data-dir " + (s.p / "data").string() + " --out " +
                     (s.p / "out").string());
  EXPECT_EQ(c.code, 1) << c.out;
  EXPECT_NE(c.out.find("a valid record follows"), std::string::npos) << c.out;
  for (const auto& e : fs::directory_iterator(s.p / "out"))
    EXPECT_NE(e.path().filename().string().rfind("snapshot.", 0), 0u) << "nothing written";
}

TEST_F(Cli, LogFileInspect) {
  CmdResult r = Exec("inspect --json " + kFixtures + "/standalone-plain/data/version-2/log.1");
  ASSERT_EQ(r.code, 0) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(std::string(d["kind"].GetString()), "log");
  EXPECT_EQ(d["log"]["first_zxid"].GetInt64(), 1);
}

TEST_F(Cli, ConsolidateNeedsASource) {
  CmdResult r = Exec("consolidate --out /tmp");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--config"), std::string::npos);
}

TEST_F(Cli, ConsolidateCreatesAMissingOutDirOnlyWhenTheRestIsGood) {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() / ("zkmt-cli-out-" + std::to_string(::getpid()));
  fs::remove_all(base);
  std::string out = (base / "a" / "b").string();
  std::string src = kFixtures + "/standalone-snappy/data";
  CmdResult bad = Exec("consolidate --data-dir " + src + " --out " + out + " --format 9.9");
  EXPECT_EQ(bad.code, 2);
  EXPECT_FALSE(fs::exists(base)) << "a refused run creates nothing";
  CmdResult c = Exec("consolidate --data-dir " + src + " --out " + out + " --keep-orphans");
  ASSERT_EQ(c.code, 0) << c.out;
  ASSERT_TRUE(fs::is_directory(out));
  EXPECT_FALSE(fs::is_empty(out));
  fs::create_directories(base / "file-parent");
  std::ofstream(base / "f").put('x');
  CmdResult f = Exec("consolidate --data-dir " + src + " --out " + (base / "f").string());
  EXPECT_EQ(f.code, 2);
  EXPECT_NE(f.out.find("is not a directory"), std::string::npos) << f.out;
  fs::remove_all(base);
}

TEST_F(Cli, DiffOfADataDirWithItsOwnConsolidation) {
  namespace fs = std::filesystem;
  std::string out = fs::temp_directory_path() / "zkm-cli-diff";
  fs::remove_all(out);
  fs::create_directories(out);
  std::string src = kFixtures + "/standalone-snappy/data";
  CmdResult c = Exec("consolidate --data-dir " + src + " --out " + out + " --keep-orphans");
  ASSERT_EQ(c.code, 0) << c.out;
  std::string snap;
  for (auto& e : fs::directory_iterator(out)) snap = e.path();
  CmdResult d = Exec("diff " + src + " " + snap);
  EXPECT_EQ(d.code, 0) << d.out;
  EXPECT_NE(d.out.find("identical"), std::string::npos);
  CmdResult n = Exec("diff " + kFixtures + "/standalone-gz/data " + snap);
  EXPECT_EQ(n.code, 1) << n.out;
  fs::remove_all(out);
}

}  // namespace

namespace {
TEST_F(Cli, ProbeOfAClosedPortIsClassifiedRefused) {
  CmdResult r = Exec("probe 127.0.0.1:1 --json --timeout 2");
  EXPECT_EQ(r.code, 1) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_TRUE(d.IsObject()) << r.out;
  EXPECT_EQ(std::string(d["status"].GetString()), "refused");
}

TEST_F(Cli, ProbeNeedsHostAndPort) {
  CmdResult r = Exec("probe nohostport");
  EXPECT_EQ(r.code, 2) << r.out;
}
}  // namespace

namespace {
TEST_F(Cli, FallbackToAnOlderSnapshotIsAProblemButUsable) {
  namespace fs = std::filesystem;
  std::string dir = fs::temp_directory_path() / "zkm-cli-fallback";
  fs::remove_all(dir);
  fs::copy(kFixtures + "/standalone-nodigest/data", dir, fs::copy_options::recursive);
  // Truncate the newest snapshot: ZooKeeper would silently use an older one.
  fs::resize_file(dir + "/version-2/snapshot.37", 1000);
  CmdResult r = Exec("check " + dir + " --json");
  EXPECT_EQ(r.code, 1) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_TRUE(d.IsObject()) << r.out;
  EXPECT_FALSE(d["ok"].GetBool());
  EXPECT_TRUE(d["usable"].GetBool());
  EXPECT_EQ(d["report"]["rejected_snapshots"].Size(), 1u);
  EXPECT_EQ(d["znodes"].GetUint64(), 34u);
  fs::remove_all(dir);
}
}  // namespace

namespace {
// The progress bar is drawn only when stderr is a terminal (script(1) gives it one).
TEST_F(Cli, ProgressBarOnlyOnATerminal) {
  std::string cmd = Bin() + " check " + kFixtures + "/standalone-plain/data";
  std::string on_tty = "script -qec '" + cmd + "' /dev/null";
  FILE* p = ::popen(on_tty.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  EXPECT_NE(out.find("100%"), std::string::npos) << out;
  EXPECT_NE(out.find("[#####"), std::string::npos) << out;
  CmdResult piped = Exec("check " + kFixtures + "/standalone-plain/data");
  EXPECT_EQ(piped.out.find("100%"), std::string::npos) << piped.out;
  std::string quiet = "script -qec '" + cmd + " --no-progress' /dev/null";
  p = ::popen(quiet.c_str(), "r");
  out.clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  EXPECT_EQ(out.find("100%"), std::string::npos) << out;
}
}  // namespace

namespace {
// plan --facts reads its file through the bounded JSON reader: 200,000 levels of
// nesting are a usage error naming the file, not a stack overflow.
TEST_F(Cli, DeepPlanFactsFileIsAUsageErrorNotACrash) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("zkm-cli-deep-facts-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string facts = (dir / "facts.json").string();
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(200000, '}');
  std::ofstream(facts, std::ios::binary) << "{\"source\": " << deep << "}";
  CmdResult r = Exec("plan --facts " + facts);
  fs::remove_all(dir);
  EXPECT_EQ(r.code, 2) << r.out.substr(0, 500);
  EXPECT_NE(r.out.find("nesting in --facts " + facts + " goes deeper than 64 levels"),
            std::string::npos)
      << r.out.substr(0, 500);
}
}  // namespace
