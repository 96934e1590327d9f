// The four-letter-word probe: parsing real answers of Debian's ZooKeeper 3.8.0
// (captured from a standalone server on loopback), and classification against a
// tiny TCP server in the test that answers normally, answers "not in the
// whitelist", answers something else, never answers, or is not there at all.
#include "net/probe.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace zkm {
namespace {

// `srvr` and `mntr` (head) of 3.8.0 standalone with two connections and 7 znodes.
const char* kSrvr =
    "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
    "Latency min/avg/max: 1/4.3333/6\n"
    "Received: 6\n"
    "Sent: 5\n"
    "Connections: 2\n"
    "Outstanding: 0\n"
    "Zxid: 0x3\n"
    "Mode: standalone\n"
    "Node count: 7\n";

const char* kSrvrFollower =
    "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
    "Latency min/avg/max: 0/0.0/0\n"
    "Received: 1\n"
    "Sent: 0\n"
    "Connections: 1\n"
    "Outstanding: 0\n"
    "Zxid: 0x200000000\n"
    "Mode: follower\n"
    "Node count: 5\n";

const char* kMntr =
    "zk_version\t3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
    "zk_server_state\tstandalone\n"
    "zk_ephemerals_count\t1\n"
    "zk_num_alive_connections\t2\n"
    "zk_avg_latency\t4.3333\n"
    "zk_outstanding_requests\t0\n"
    "zk_znode_count\t7\n"
    "zk_global_sessions\t1\n"
    "zk_approximate_data_size\t49\n"
    "zk_uptime\t343\n";

const char* kNotWhitelisted = "mntr is not executed because it is not in the whitelist.\n";

TEST(ParseSrvr, Standalone) {
  auto s = ParseSrvr(kSrvr);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, "3.8.0");
  EXPECT_EQ(s->version_full, "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC");
  EXPECT_EQ(s->latency_min, 1);
  EXPECT_DOUBLE_EQ(s->latency_avg, 4.3333);
  EXPECT_EQ(s->latency_max, 6);
  EXPECT_EQ(s->received, 6);
  EXPECT_EQ(s->sent, 5);
  EXPECT_EQ(s->connections, 2);
  EXPECT_EQ(s->outstanding, 0);
  EXPECT_EQ(s->zxid, 3);
  EXPECT_EQ(s->mode, "standalone");
  EXPECT_EQ(s->node_count, 7);
}

TEST(ParseSrvr, FollowerInANewEpoch) {
  auto s = ParseSrvr(kSrvrFollower);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->zxid, int64_t{0x200000000});
  EXPECT_EQ(s->mode, "follower");
  EXPECT_EQ(s->node_count, 5);
}

TEST(ParseSrvr, RefusesOtherTexts) {
  EXPECT_FALSE(ParseSrvr(kNotWhitelisted).ok());
  EXPECT_FALSE(ParseSrvr("This ZooKeeper instance is not currently serving requests\n").ok());
  EXPECT_FALSE(ParseSrvr("Zxid: 0xZZ\nMode: leader\n").ok());
  EXPECT_FALSE(ParseSrvr("Zxid: 0x1\n").ok());
}

TEST(ParseMntr, Standalone) {
  auto m = ParseMntr(kMntr);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->server_state, "standalone");
  EXPECT_EQ(m->znode_count, 7);
  EXPECT_EQ(m->ephemerals_count, 1);
  EXPECT_EQ(m->approximate_data_size, 49);
  EXPECT_EQ(m->version, "3.8.0");
  EXPECT_EQ(m->values.at("zk_uptime"), "343");
  EXPECT_FALSE(ParseMntr(kNotWhitelisted).ok());
}

TEST(ParseHostPort, Forms) {
  std::string h;
  int p = 0;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:2181", &h, &p).ok());
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 2181);
  ASSERT_TRUE(ParseHostPort("[::1]:2182", &h, &p).ok());
  EXPECT_EQ(h, "::1");
  EXPECT_EQ(p, 2182);
  ASSERT_TRUE(ParseHostPort("zk1.example:2181", &h, &p).ok());
  EXPECT_EQ(h, "zk1.example");
  EXPECT_FALSE(ParseHostPort("::1:2181", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort("host", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort("host:0", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort("host:65536", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort("[::1]2181", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort(":2181", &h, &p).ok());
}

// A one-connection-at-a-time server: reads the four letters and answers with
// `answer(cmd)`, or (silent) never answers.
class FakeServer {
 public:
  FakeServer(const std::string& host, std::function<std::string(const std::string&)> answer,
             bool silent = false)
      : socket_(Poco::Net::SocketAddress(host, 0)), answer_(std::move(answer)), silent_(silent) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return socket_.address().toString(); }

 private:
  void Serve() {
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket s = socket_.acceptConnection();
      if (silent_) {
        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return;
      }
      char buf[4];
      int got = 0;
      s.setReceiveTimeout(Poco::Timespan(2, 0));
      while (got < 4) {
        int n = s.receiveBytes(buf + got, 4 - got);
        if (n <= 0) break;
        got += n;
      }
      std::string out = answer_(std::string(buf, static_cast<size_t>(got)));
      if (!out.empty()) s.sendBytes(out.data(), static_cast<int>(out.size()));
      s.close();
    }
  }

  Poco::Net::ServerSocket socket_;
  std::function<std::string(const std::string&)> answer_;
  bool silent_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Probe4lw, AnswersNormally) {
  FakeServer server("127.0.0.1", [](const std::string& cmd) {
    return cmd == "srvr" ? std::string(kSrvr) : std::string();
  });
  ProbeResult r = Probe4lw(server.endpoint(), "srvr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kOk) << r.error;
  EXPECT_EQ(r.answer, kSrvr);
  EXPECT_EQ(r.phase, "done");
  EXPECT_LT(r.seconds, 5);
  ASSERT_TRUE(ParseSrvr(r.answer).ok());
}

TEST(Probe4lw, NotWhitelisted) {
  FakeServer server("127.0.0.1", [](const std::string& cmd) {
    return cmd + " is not executed because it is not in the whitelist.\n";
  });
  ProbeResult r = Probe4lw(server.endpoint(), "mntr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kNotWhitelisted);
  EXPECT_STREQ(ProbeStatusName(r.status), "not_whitelisted");
  EXPECT_EQ(r.answer, "mntr is not executed because it is not in the whitelist.\n");
}

TEST(Probe4lw, NotServing) {
  FakeServer server("127.0.0.1", [](const std::string&) {
    return std::string("This ZooKeeper instance is not currently serving requests\n");
  });
  ProbeResult r = Probe4lw(server.endpoint(), "srvr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kNotServing);
}

TEST(Probe4lw, SomethingElseListens) {
  FakeServer server("127.0.0.1", [](const std::string&) {
    return std::string("HTTP/1.1 400 Bad Request\r\n\r\n");
  });
  ProbeResult r = Probe4lw(server.endpoint(), "srvr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kUnexpected);
  EXPECT_EQ(r.answer, "HTTP/1.1 400 Bad Request\r\n\r\n");
  EXPECT_NE(r.error.find("not what ZooKeeper sends"), std::string::npos) << r.error;
}

TEST(Probe4lw, ClosedWithoutAnswer) {
  FakeServer server("127.0.0.1", [](const std::string&) { return std::string(); });
  ProbeResult r = Probe4lw(server.endpoint(), "srvr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kUnexpected);
  EXPECT_NE(r.error.find("without answering"), std::string::npos) << r.error;
}

TEST(Probe4lw, NeverAnswersTimesOut) {
  FakeServer server("127.0.0.1", nullptr, /*silent=*/true);
  ProbeResult r = Probe4lw(server.endpoint(), "srvr", 1);
  EXPECT_EQ(r.status, ProbeStatus::kTimeout) << r.error;
  EXPECT_EQ(r.phase, "receive");
  EXPECT_GE(r.seconds, 0.9);
  EXPECT_LT(r.seconds, 3.0);
  // The port itself is open.
  EXPECT_EQ(ProbeConnect(server.endpoint(), 1).status, ProbeStatus::kOk);
}

TEST(Probe4lw, ClosedPortIsRefused) {
  std::string endpoint;
  {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    endpoint = s.address().toString();
  }
  ProbeResult r = Probe4lw(endpoint, "srvr", 2);
  EXPECT_EQ(r.status, ProbeStatus::kRefused) << r.error;
  EXPECT_EQ(r.phase, "connect");
  EXPECT_EQ(ProbeConnect(endpoint, 2).status, ProbeStatus::kRefused);
}

TEST(Probe4lw, IPv6Loopback) {
  std::unique_ptr<FakeServer> server;
  try {
    server =
        std::make_unique<FakeServer>("::1", [](const std::string&) { return std::string(kSrvr); });
  } catch (const Poco::Exception& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.displayText();
  }
  std::string endpoint = server->endpoint();
  ASSERT_EQ(endpoint.front(), '[') << endpoint;
  ProbeResult r = Probe4lw(endpoint, "srvr", 5);
  EXPECT_EQ(r.status, ProbeStatus::kOk) << r.error;
}

TEST(Probe4lw, BadEndpointIsUnexpected) {
  ProbeResult r = Probe4lw("no-port-here", "srvr", 1);
  EXPECT_EQ(r.status, ProbeStatus::kUnexpected);
  EXPECT_EQ(r.phase, "resolve");
  r = Probe4lw("host.invalid:2181", "srvr", 1);
  EXPECT_EQ(r.status, ProbeStatus::kUnexpected);
  EXPECT_NE(r.error.find("cannot resolve"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace zkm
