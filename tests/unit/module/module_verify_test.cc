// state: verify against a fake server that answers `srvr` like a ZooKeeper 3.8
// node would after an import (the real-server cases are in
// tests/integration/test_module_facts_verify.py).
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "module/module.h"
#include "node/manifest.h"

namespace zkm {
namespace {

namespace fs = std::filesystem;

// Answers every connection with `answer`.
class SrvrServer {
 public:
  explicit SrvrServer(std::string answer)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), answer_(std::move(answer)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        if (!socket_.poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ)) continue;
        Poco::Net::StreamSocket s = socket_.acceptConnection();
        char buf[4];
        s.setReceiveTimeout(Poco::Timespan(2, 0));
        s.receiveBytes(buf, 4);
        s.sendBytes(answer_.data(), static_cast<int>(answer_.size()));
        s.close();
      }
    });
  }
  ~SrvrServer() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return socket_.address().toString(); }

 private:
  Poco::Net::ServerSocket socket_;
  std::string answer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string Srvr(const std::string& zxid, const std::string& mode, int count) {
  return "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
         "Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 0\nConnections: 1\nOutstanding: 0\n"
         "Zxid: " +
         zxid + "\nMode: " + mode + "\nNode count: " + std::to_string(count) + "\n";
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-verify-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/zoo.cfg")
        << "dataDir=" << dir_ << "\nclientPort=2181\n"
        << "server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2888:3888\n"
        << "server.3=127.0.0.3:2888:3888\n";
    Manifest m;
    m.mode = "consolidated";
    m.snapshot_zxid = m.last_zxid = 0x49;
    m.znodes = 35;
    m.tree_digest = 65377327741;
    m.files.push_back({"snapshot.49", "snapshot", 3676, std::string(64, '0')});
    fs::create_directories(dir_ + "/zkmigrate");
    std::ofstream(dir_ + "/zkmigrate/manifest.json") << ManifestToJson(m);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Verify(const std::string& endpoint) {
    ModuleParams p;
    p.state = "verify";
    p.config = dir_ + "/zoo.cfg";
    p.client = endpoint;
    p.timeout = 2;
    RunVerify(p, &r_);
  }
  std::string Status(const char* check) {
    auto it = r_.data.FindMember("checks");
    if (it == r_.data.MemberEnd()) return "missing";
    for (const auto& c : it->value.GetArray())
      if (std::string(c["name"].GetString()) == check) return c["status"].GetString();
    return "missing";
  }

  std::string dir_;
  ModuleResult r_;
};

TEST_F(VerifyTest, FollowerInANewEpochPasses) {
  SrvrServer s(Srvr("0x100000000", "follower", 36));
  Verify(s.endpoint());
  EXPECT_FALSE(r_.failed) << r_.msg;
  EXPECT_FALSE(r_.changed);
  for (const char* c : {"serving", "mode", "zxid", "epoch", "node_count"})
    EXPECT_EQ(Status(c), "ok") << c;
  EXPECT_EQ(std::string(r_.data["manifest_path"].GetString()), dir_ + "/zkmigrate/manifest.json");
}

TEST_F(VerifyTest, SameEpochFailsNamingEpoch) {
  SrvrServer s(Srvr("0x4a", "leader", 36));
  Verify(s.endpoint());
  EXPECT_TRUE(r_.failed);
  EXPECT_EQ(Status("zxid"), "ok");
  EXPECT_EQ(Status("epoch"), "failed");
  EXPECT_NE(r_.msg.find("epoch"), std::string::npos) << r_.msg;
}

TEST_F(VerifyTest, ZxidBehindFails) {
  SrvrServer s(Srvr("0x0", "leader", 5));
  Verify(s.endpoint());
  EXPECT_TRUE(r_.failed);
  EXPECT_NE(r_.msg.find("zxid: "), std::string::npos) << r_.msg;  // the first failed check
  EXPECT_EQ(Status("node_count"), "failed");
}

TEST_F(VerifyTest, StandaloneInAThreeNodeConfigFails) {
  SrvrServer s(Srvr("0x49", "standalone", 36));
  Verify(s.endpoint());
  EXPECT_TRUE(r_.failed);
  EXPECT_EQ(Status("mode"), "failed");
}

TEST_F(VerifyTest, NotWhitelistedIsNotServing) {
  SrvrServer s("srvr is not executed because it is not in the whitelist.\n");
  Verify(s.endpoint());
  EXPECT_TRUE(r_.failed);
  EXPECT_EQ(Status("serving"), "failed");
  EXPECT_EQ(Status("node_count"), "skipped");
}

TEST_F(VerifyTest, MissingManifestFails) {
  fs::remove_all(dir_ + "/zkmigrate");
  Verify("127.0.0.1:1");
  EXPECT_TRUE(r_.failed);
  EXPECT_NE(r_.msg.find("manifest"), std::string::npos) << r_.msg;
}

}  // namespace
}  // namespace zkm
