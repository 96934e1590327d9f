// Four-letter-word probe (ZooKeeper's `srvr`, `mntr`, `ruok`, ...): one TCP
// exchange with a server's client port, classified instead of pass/fail
// (docs/STYLE.md habit 11).
//
// A probe connects with a timeout, sends the four letters, and reads until the
// server closes the connection; the connect, the send and every receive are
// bounded by the same timeout, and the whole exchange by a deadline of that
// length after the connect. The answer is bounded (kMaxAnswer) and classified:
//
//   ok               a recognisable answer (srvr/stat: "Zookeeper version:", mntr:
//                    "zk_version", ruok: "imok"; other words: any text)
//   not_whitelisted  "<cmd> is not executed because it is not in the whitelist."
//                    The server runs; it only refuses that word (3.5.3+ allows
//                    just `srvr` unless 4lw.commands.whitelist says more).
//   not_serving      "This ZooKeeper instance is not currently serving requests"
//                    (running, but no quorum or still loading)
//   timeout          no connection or no answer within the timeout
//   refused          nothing listens on the port (ECONNREFUSED)
//   unexpected       anything else: an empty answer, a reset, a host that does
//                    not resolve, text from something that is not ZooKeeper
//
// Parsers for the `srvr` and `mntr` texts are pure functions over the text.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"

namespace zkm {

enum class ProbeStatus { kOk, kNotWhitelisted, kNotServing, kTimeout, kRefused, kUnexpected };

// "ok", "not_whitelisted", "not_serving", "timeout", "refused", "unexpected".
const char* ProbeStatusName(ProbeStatus s);

// Answers longer than this are cut (a `cons` on a busy server); `truncated` says so.
constexpr size_t kMaxAnswer = 1 << 20;

struct ProbeResult {
  ProbeStatus status = ProbeStatus::kUnexpected;
  std::string endpoint;  // as given
  std::string command;   // the four letters sent ("" for ProbeConnect)
  std::string answer;    // what the server sent (possibly partial on timeout)
  bool truncated = false;
  std::string phase;   // where it ended: resolve | connect | send | receive | done
  std::string error;   // one sentence for everything but ok
  double seconds = 0;  // wall time of the exchange
};

// Splits "host:port", "[v6]:port" (brackets removed from `host`). A bare IPv6
// literal without brackets is refused because its port would be ambiguous.
Status ParseHostPort(const std::string& host_port, std::string* host, int* port);

// Sends `cmd` (four lower-case letters) to `host_port` and classifies the answer.
// timeout_s < 1 is treated as 1. Never throws.
ProbeResult Probe4lw(const std::string& host_port, const std::string& cmd, int timeout_s);

// Only connects (and closes): ok | timeout | refused | unexpected. Tells "port
// open but the probe got no answer" from "nothing listens".
ProbeResult ProbeConnect(const std::string& host_port, int timeout_s);

// The `srvr` answer (also the tail of `stat`). Missing numeric lines stay -1.
struct SrvrInfo {
  std::string version;       // "3.8.0" (up to the first '-' or ',')
  std::string version_full;  // the whole "Zookeeper version:" value
  int64_t latency_min = -1, latency_max = -1;
  double latency_avg = -1;
  int64_t received = -1, sent = -1, connections = -1, outstanding = -1;
  int64_t zxid = -1;        // from "Zxid: 0x..."
  std::string mode;         // leader | follower | standalone | observer | read-only
  int64_t node_count = -1;  // znode records + 1 (the "/" alias, docs/FORMATS.md 8.4)
};

// Fails (kInvalidArgument) unless the text has a "Zxid:" hex value and a "Mode:".
Result<SrvrInfo> ParseSrvr(const std::string& text);

// The `mntr` answer: tab-separated "key<TAB>value" lines.
struct MntrInfo {
  std::map<std::string, std::string> values;  // every line
  std::string version;                        // zk_version, as in SrvrInfo::version
  std::string server_state;                   // zk_server_state
  int64_t znode_count = -1;                   // zk_znode_count
  int64_t ephemerals_count = -1;              // zk_ephemerals_count
  int64_t approximate_data_size = -1;         // zk_approximate_data_size
};

// Fails (kInvalidArgument) unless the text has zk_server_state.
Result<MntrInfo> ParseMntr(const std::string& text);

}  // namespace zkm
