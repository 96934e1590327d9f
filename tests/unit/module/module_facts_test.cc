// state: facts on the real ZooKeeper 3.8 fixtures (tests/fixtures), with the
// client port pointing at a closed loopback port so the probe is "refused".
// The fixtures' zoo.cfg files hold the generator's temporary paths, so each test
// writes its own zoo.cfg naming the fixture dirs.
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "module/module.h"
#include "test_files.h"

namespace zkm {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = ZKM_FIXTURES_DIR;

int ClosedPort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

class FactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-facts-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteCfg(const std::string& body) {
    std::string path = dir_ + "/zoo.cfg";
    std::ofstream(path) << body << "clientPortAddress=127.0.0.1\nclientPort=" << ClosedPort()
                        << "\n";
    return path;
  }
  // Runs facts and returns `node` (empty object on failure; `r` keeps the rest).
  const rapidjson::Value& Facts(const std::string& config) {
    ModuleParams p;
    p.state = "facts";
    p.config = config;
    p.timeout = 2;
    RunFacts(p, &r_);
    static const rapidjson::Value empty(rapidjson::kObjectType);
    auto it = r_.data.FindMember("node");
    return it == r_.data.MemberEnd() ? empty : it->value;
  }

  std::string dir_;
  ModuleResult r_;
};

TEST_F(FactsTest, StoppedStandaloneFixture) {
  rapidjson::Document m;
  m.Parse(Slurp(kFixtures + "/MANIFEST.json").c_str());
  const int64_t final_zxid = m["sets"]["standalone-plain"]["final"]["zxid"].GetInt64();
  std::string cfg = WriteCfg("tickTime=2000\ndataDir=" + kFixtures +
                             "/standalone-plain/data\nsnapCount=20\n4lw.commands.whitelist=*\n");
  std::ofstream(dir_ + "/java.env") << "SERVER_JVMFLAGS=\"-Djute.maxbuffer=4194304 "
                                       "-Dzookeeper.snapshot.compression.method=gz\"\n";
  const rapidjson::Value& n = Facts(cfg);
  ASSERT_FALSE(r_.failed) << r_.msg;
  EXPECT_FALSE(r_.changed);
  EXPECT_STREQ(n["config_found_by"].GetString(), "option");
  EXPECT_TRUE(n["standalone"].GetBool());
  EXPECT_TRUE(n["myid"].IsNull());
  EXPECT_FALSE(n["running"].GetBool());
  EXPECT_STREQ(n["probe"]["status"].GetString(), "refused");
  EXPECT_TRUE(n["mode"].IsNull());
  EXPECT_STREQ(n["disk"]["status"].GetString(), "ok");
  EXPECT_EQ(n["last_zxid"].GetInt64(), final_zxid);
  EXPECT_EQ(n["last_epoch"].GetInt64(), final_zxid >> 32);
  EXPECT_TRUE(n["disk"]["snapshot"].IsObject());
  EXPECT_GT(n["disk"]["snapshot_bytes"].GetUint64(), 0u);
  EXPECT_GT(n["free_space"]["data_dir"]["bytes_total"].GetUint64(), 0u);
  const rapidjson::Value& s = n["settings"];
  EXPECT_STREQ(s["jute_maxbuffer"]["value"].GetString(), "4194304");
  EXPECT_EQ(std::string(s["jute_maxbuffer"]["source"].GetString()), dir_ + "/java.env:1");
  EXPECT_STREQ(s["snapshot_compression_method"]["value"].GetString(), "gz");
  EXPECT_EQ(std::string(s["snap_count"]["source"].GetString()), cfg + ":3");
  EXPECT_STREQ(s["digest_enabled"]["source"].GetString(), "default");
  EXPECT_EQ(n["jute_limit"].GetInt64(), 2 * 4194304);
  // ansible_facts.zk_node is the same object.
  auto af = r_.data.FindMember("ansible_facts");
  ASSERT_NE(af, r_.data.MemberEnd());
  EXPECT_TRUE(af->value["zk_node"] == n);
}

TEST_F(FactsTest, EnsembleNodeWithSplitDirs) {
  std::string base = kFixtures + "/ensemble-3node/node2";
  std::string cfg = WriteCfg("dataDir=" + base + "/data\ndataLogDir=" + base +
                             "/datalog\nserver.1=127.0.0.41:2888:3888\n"
                             "server.2=127.0.0.42:2888:3888\nserver.3=127.0.0.43:2888:3888\n");
  const rapidjson::Value& n = Facts(cfg);
  ASSERT_FALSE(r_.failed) << r_.msg;
  EXPECT_EQ(n["myid"].GetInt64(), 2);
  EXPECT_FALSE(n["standalone"].GetBool());
  EXPECT_EQ(n["servers"].Size(), 3u);
  EXPECT_STREQ(n["disk"]["status"].GetString(), "ok") << n["disk"]["msg"].GetString();
  EXPECT_TRUE(n["current_epoch"].IsInt64());
  EXPECT_TRUE(n["accepted_epoch"].IsInt64());
  EXPECT_EQ(n["last_epoch"].GetInt64(), n["current_epoch"].GetInt64());
  EXPECT_GT(n["disk"]["log_bytes"].GetUint64(), 0u);
}

TEST_F(FactsTest, GapIsAFactNotAFailure) {
  fs::copy(kFixtures + "/standalone-plain/data", dir_ + "/data", fs::copy_options::recursive);
  // log.31 covers the newest snapshot (0x42); without it the replay has a hole.
  ASSERT_TRUE(fs::remove(dir_ + "/data/version-2/log.31"));
  const rapidjson::Value& n = Facts(WriteCfg("dataDir=" + dir_ + "/data\n"));
  ASSERT_FALSE(r_.failed) << r_.msg;
  EXPECT_STRNE(n["disk"]["status"].GetString(), "ok");
  EXPECT_TRUE(n["last_zxid"].IsNull());
  EXPECT_GT(std::string(n["disk"]["msg"].GetString()).size(), 0u);
}

TEST_F(FactsTest, MissingDataDirIsAFact) {
  const rapidjson::Value& n = Facts(WriteCfg("dataDir=" + dir_ + "/no-such-dir\n"));
  ASSERT_FALSE(r_.failed) << r_.msg;
  EXPECT_STREQ(n["disk"]["status"].GetString(), "not_found");
}

TEST_F(FactsTest, MissingConfigFails) {
  Facts(dir_ + "/absent/zoo.cfg");
  EXPECT_TRUE(r_.failed);
  EXPECT_NE(r_.msg.find(dir_ + "/absent/zoo.cfg"), std::string::npos) << r_.msg;
}

TEST_F(FactsTest, FoundThroughZooCfgDir) {
  WriteCfg("dataDir=" + kFixtures + "/standalone-gz/data\n");
  ::setenv("ZOOCFGDIR", dir_.c_str(), 1);
  const rapidjson::Value& n = Facts("");
  ::unsetenv("ZOOCFGDIR");
  ASSERT_FALSE(r_.failed) << r_.msg;
  EXPECT_STREQ(n["config_found_by"].GetString(), "ZOOCFGDIR");
  EXPECT_STREQ(n["disk"]["snapshot"]["compression"].GetString(), "gz");
}

}  // namespace
}  // namespace zkm
