// Settings resolution: zoo.cfg beats the running JVM's -D flags, which beat the
// conf dir's env files, which beat the defaults; each value says where it came from.
#include "node/node_settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace zkm {
namespace {

namespace fs = std::filesystem;

ZooCfg Cfg(const std::string& text) {
  auto c = ParseZooCfg(text, "/etc/zk/zoo.cfg");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(JvmFlags, FromEnvText) {
  JvmFlags f = JvmFlagsFromEnvText(
      "# comment -Dignored=1\n"
      "export SERVER_JVMFLAGS=\"-Xmx1g -Djute.maxbuffer=4194304 "
      "-Dzookeeper.digest.enabled=false\"\n"
      "CLIENT_JVMFLAGS=\"-Dzookeeper.client.only=1\"\n"
      "JVMFLAGS='-Dzookeeper.extendedTypesEnabled=true -Dbare'\n",
      "/etc/zk/java.env");
  EXPECT_EQ(f.at("jute.maxbuffer").value, "4194304");
  EXPECT_EQ(f.at("jute.maxbuffer").where, "/etc/zk/java.env:2");
  EXPECT_EQ(f.at("zookeeper.digest.enabled").value, "false");
  EXPECT_EQ(f.at("zookeeper.extendedTypesEnabled").where, "/etc/zk/java.env:4");
  EXPECT_EQ(f.at("bare").value, "");
  EXPECT_EQ(f.count("zookeeper.client.only"), 0u);
  EXPECT_EQ(f.count("ignored"), 0u);
}

TEST(JvmFlags, FromArgvStopsAtTheMainClass) {
  JvmFlags f = JvmFlagsFromArgv({"java", "-Xmx1g", "-Dzookeeper.snapCount=50", "-cp", "x.jar",
                                 "org.apache.zookeeper.server.quorum.QuorumPeerMain", "-Dafter=1"},
                                "cmdline of pid 7");
  EXPECT_EQ(f.at("zookeeper.snapCount").value, "50");
  EXPECT_EQ(f.at("zookeeper.snapCount").where, "cmdline of pid 7");
  EXPECT_EQ(f.count("after"), 0u);
}

TEST(ResolveSettings, Precedence) {
  ZooCfg cfg = Cfg("dataDir=/d\ndigest.enabled=false\nreconfigEnabled=true\njute.maxbuffer=9\n");
  JvmFlags env = {{"zookeeper.digest.enabled", {"true", "/etc/zk/java.env:1"}},
                  {"jute.maxbuffer", {"2000000", "/etc/zk/java.env:1"}},
                  {"zookeeper.extendedTypesEnabled", {"true", "/etc/zk/java.env:1"}}};
  JvmFlags proc = {
      {"jute.maxbuffer", {"3000000", "cmdline of pid 9"}},
      {"zookeeper.DigestAuthenticationProvider.superDigest", {"super:xyz", "cmdline of pid 9"}}};
  NodeSettings s = ResolveSettings(cfg, env, &proc);
  EXPECT_EQ(s.Find("digest_enabled")->value, "false");  // zoo.cfg wins over -D
  EXPECT_EQ(s.Find("digest_enabled")->source, "/etc/zk/zoo.cfg:2");
  EXPECT_EQ(s.Find("jute_maxbuffer")->value, "3000000");  // the running JVM, not zoo.cfg
  EXPECT_EQ(s.Find("jute_maxbuffer")->source, "cmdline of pid 9");
  EXPECT_EQ(s.Find("extended_types_enabled")->source, "/etc/zk/java.env:1");
  EXPECT_EQ(s.Find("reconfig_enabled")->value, "true");
  EXPECT_EQ(s.Find("close_session_txn_enabled")->source, "default");
  EXPECT_EQ(s.Find("super_digest")->value, "set");  // never the secret
  EXPECT_EQ(s.jute_limit, 6000000);
  bool warned_cfg = false, warned_restart = false;
  for (const std::string& w : s.warnings) {
    warned_cfg |= w.find("jute.maxbuffer in zoo.cfg has no effect") != std::string::npos;
    warned_restart |= w.find("a restart would change it") != std::string::npos;
  }
  EXPECT_TRUE(warned_cfg);
  EXPECT_TRUE(warned_restart);
}

TEST(ResolveSettings, ExtraSizeHasAFloor) {
  JvmFlags env = {{"jute.maxbuffer", {"500", "e:1"}}};
  NodeSettings s = ResolveSettings(Cfg("dataDir=/d\njute.maxbuffer.extrasize=10\n"), env, nullptr);
  EXPECT_EQ(s.Find("jute_maxbuffer_extrasize")->value, "10");
  EXPECT_EQ(s.jute_limit, 500 + 1024);
}

TEST(FindServerProcess, MatchesTheConfigArgument) {
  char tmpl[] = "/tmp/zkm-proc-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  std::string cfg = root + "/zoo.cfg";
  std::ofstream(cfg) << "dataDir=/d\n";
  auto write = [&](const std::string& pid, const std::string& args) {
    fs::create_directories(root + "/proc/" + pid);
    std::ofstream(root + "/proc/" + pid + "/cmdline", std::ios::binary) << args;
  };
  using std::string_literals::operator""s;
  write("10", "java\0-Dx=1\0org.apache.zookeeper.server.quorum.QuorumPeerMain\0/other/zoo.cfg\0"s);
  write("11", "vim\0"s + cfg + "\0"s);
  write("12", "java\0-Djute.maxbuffer=5\0org.apache.zookeeper.server.quorum.QuorumPeerMain\0"s +
                  root + "/./zoo.cfg\0"s);
  auto p = FindServerProcess(cfg, root + "/proc");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->pid, 12);
  EXPECT_FALSE(FindServerProcess(root + "/nope.cfg", root + "/proc").has_value());
  fs::remove_all(root);
}

TEST(JvmSize, TheSpellingsTheJvmTakes) {
  EXPECT_EQ(ParseJvmSize("512m"), 512ull << 20);
  EXPECT_EQ(ParseJvmSize("4G"), 4ull << 30);
  EXPECT_EQ(ParseJvmSize("64k"), 64ull << 10);
  EXPECT_EQ(ParseJvmSize("1048576"), 1048576ull);
  EXPECT_EQ(ParseJvmSize("512MiB"), 512ull << 20);
  EXPECT_EQ(ParseJvmSize(" 2g "), 2ull << 30);
  EXPECT_EQ(ParseJvmSize(""), std::nullopt);
  EXPECT_EQ(ParseJvmSize("lots"), std::nullopt);
  EXPECT_EQ(ParseJvmSize("12x"), std::nullopt);
  EXPECT_EQ(ParseJvmSize("0"), std::nullopt);
  EXPECT_EQ(ParseJvmSize("99999999999999t"), std::nullopt);
}

TEST(JvmSize, TheLastHeapFlagWins) {
  EXPECT_EQ(MaxHeapFromArgv({"java", "-Xmx256m", "-cp", "x", "-Xmx1g", "Main"}), 1ull << 30);
  EXPECT_EQ(MaxHeapFromArgv({"java", "-XX:MaxHeapSize=300m"}), 300ull << 20);
  EXPECT_EQ(MaxHeapFromArgv({"java", "-Xms512m", "Main"}), std::nullopt);
}

}  // namespace
}  // namespace zkm
