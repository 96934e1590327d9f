#include "net/probe.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

namespace zkm {

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Poco::Timespan Span(double seconds) {
  if (seconds < 0.001) seconds = 0.001;
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(seconds * 1e6));
}

bool Contains(const std::string& s, const char* what) {
  return s.find(what) != std::string::npos;
}

// Trimmed "Key: value" lines (srvr) or "key\tvalue" lines (mntr).
std::map<std::string, std::string> SplitLines(const std::string& text, char sep) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r");
    size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  while (std::getline(in, line)) {
    size_t c = line.find(sep);
    if (c == std::string::npos) continue;
    out.emplace(trim(line.substr(0, c)), trim(line.substr(c + 1)));
  }
  return out;
}

bool ToInt(const std::string& s, int base, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (!end || *end) return false;
  *out = v;
  return true;
}

std::string ShortVersion(const std::string& full) {
  return full.substr(0, full.find_first_of("-, "));
}

// Sets status/error from what the server said.
void Classify(const std::string& cmd, ProbeResult* r) {
  const std::string& a = r->answer;
  if (a.empty()) {
    r->status = ProbeStatus::kUnexpected;
    r->error = "the server closed the connection without answering " + cmd;
  } else if (Contains(a, "is not executed because it is not in the whitelist")) {
    r->status = ProbeStatus::kNotWhitelisted;
    r->error = cmd + " is not in the server's 4lw.commands.whitelist";
  } else if (Contains(a, "This ZooKeeper instance is not currently serving requests")) {
    r->status = ProbeStatus::kNotServing;
    r->error = "the server runs but is not serving requests (no quorum, or still loading)";
  } else {
    bool ok = true;
    if (cmd == "srvr" || cmd == "stat")
      ok = Contains(a, "Zookeeper version:");
    else if (cmd == "mntr")
      ok = Contains(a, "zk_version");
    else if (cmd == "ruok")
      ok = a == "imok";
    r->status = ok ? ProbeStatus::kOk : ProbeStatus::kUnexpected;
    if (!ok) r->error = "the answer to " + cmd + " is not what ZooKeeper sends";
  }
}

// Connects `sock` to `host_port`; on failure fills r and returns false.
bool Connect(const std::string& host_port, double timeout_s, Poco::Net::StreamSocket* sock,
             ProbeResult* r) {
  std::string host;
  int port = 0;
  Status st = ParseHostPort(host_port, &host, &port);
  r->phase = "resolve";
  if (!st.ok()) {
    r->status = ProbeStatus::kUnexpected;
    r->error = st.message();
    return false;
  }
  try {
    Poco::Net::SocketAddress addr(host, static_cast<Poco::UInt16>(port));
    r->phase = "connect";
    sock->connect(addr, Span(timeout_s));
    return true;
  } catch (const Poco::TimeoutException&) {
    r->status = ProbeStatus::kTimeout;
    r->error = "no connection to " + host_port + " within " +
               std::to_string(static_cast<int>(timeout_s)) + " s";
  } catch (const Poco::Net::ConnectionRefusedException&) {
    r->status = ProbeStatus::kRefused;
    r->error = "connection to " + host_port + " refused (nothing listens there)";
  } catch (const Poco::Exception& e) {
    r->status = ProbeStatus::kUnexpected;
    r->error = (r->phase == "resolve" ? "cannot resolve " : "cannot connect to ") + host_port +
               ": " + e.displayText();
  } catch (const std::exception& e) {
    r->status = ProbeStatus::kUnexpected;
    r->error = "cannot connect to " + host_port + ": " + e.what();
  }
  return false;
}

}  // namespace

const char* ProbeStatusName(ProbeStatus s) {
  switch (s) {
    case ProbeStatus::kOk:
      return "ok";
    case ProbeStatus::kNotWhitelisted:
      return "not_whitelisted";
    case ProbeStatus::kNotServing:
      return "not_serving";
    case ProbeStatus::kTimeout:
      return "timeout";
    case ProbeStatus::kRefused:
      return "refused";
    case ProbeStatus::kUnexpected:
      return "unexpected";
  }
  return "unexpected";
}

Status ParseHostPort(const std::string& host_port, std::string* host, int* port) {
  std::string h, p;
  if (!host_port.empty() && host_port[0] == '[') {
    size_t close = host_port.find(']');
    if (close == std::string::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':')
      return Status::Invalid("endpoint " + host_port + " is not [IPv6]:port");
    h = host_port.substr(1, close - 1);
    p = host_port.substr(close + 2);
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return Status::Invalid("endpoint " + host_port + " is not host:port");
    h = host_port.substr(0, colon);
    p = host_port.substr(colon + 1);
    if (h.find(':') != std::string::npos)
      return Status::Invalid("endpoint " + host_port + ": write an IPv6 address as [addr]:port");
  }
  int64_t n = 0;
  if (h.empty() || !ToInt(p, 10, &n) || n < 1 || n > 65535)
    return Status::Invalid("endpoint " + host_port + " has no valid port (1-65535)");
  *host = h;
  *port = static_cast<int>(n);
  return Status::Ok();
}

ProbeResult Probe4lw(const std::string& host_port, const std::string& cmd, int timeout_s) {
  ProbeResult r;
  r.endpoint = host_port;
  r.command = cmd;
  const double timeout = timeout_s < 1 ? 1.0 : double(timeout_s);
  const auto t0 = Clock::now();
  Poco::Net::StreamSocket sock;
  if (!Connect(host_port, timeout, &sock, &r)) {
    r.seconds = Since(t0);
    return r;
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
  auto left = [&] { return std::chrono::duration<double>(deadline - Clock::now()).count(); };
  try {
    r.phase = "send";
    sock.setSendTimeout(Span(timeout));
    size_t sent = 0;
    while (sent < cmd.size()) {
      int n = sock.sendBytes(cmd.data() + sent, static_cast<int>(cmd.size() - sent));
      if (n <= 0) throw Poco::Net::NetException("send returned " + std::to_string(n));
      sent += static_cast<size_t>(n);
    }
    r.phase = "receive";
    char buf[8192];
    for (;;) {
      if (left() <= 0) throw Poco::TimeoutException("deadline");
      sock.setReceiveTimeout(Span(left()));
      int n = sock.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;  // the server closes after answering
      size_t room = kMaxAnswer - r.answer.size();
      r.answer.append(buf, std::min(room, static_cast<size_t>(n)));
      if (r.answer.size() >= kMaxAnswer) {
        r.truncated = true;
        break;
      }
    }
    r.phase = "done";
    Classify(cmd, &r);
  } catch (const Poco::TimeoutException&) {
    r.status = ProbeStatus::kTimeout;
    r.error = host_port + " accepted the connection but did not answer " + cmd + " within " +
              std::to_string(timeout_s < 1 ? 1 : timeout_s) + " s";
  } catch (const Poco::Exception& e) {
    // A reset right after a complete answer is still an answer.
    if (!r.answer.empty()) {
      r.phase = "done";
      Classify(cmd, &r);
    } else {
      r.status = ProbeStatus::kUnexpected;
      r.error = "exchange with " + host_port + " failed during " + r.phase + ": " + e.displayText();
    }
  } catch (const std::exception& e) {
    r.status = ProbeStatus::kUnexpected;
    r.error = "exchange with " + host_port + " failed: " + e.what();
  }
  try {
    sock.close();
  } catch (...) {
  }
  r.seconds = Since(t0);
  return r;
}

ProbeResult ProbeConnect(const std::string& host_port, int timeout_s) {
  ProbeResult r;
  r.endpoint = host_port;
  const auto t0 = Clock::now();
  Poco::Net::StreamSocket sock;
  if (Connect(host_port, timeout_s < 1 ? 1.0 : double(timeout_s), &sock, &r)) {
    r.status = ProbeStatus::kOk;
    r.phase = "done";
    try {
      sock.close();
    } catch (...) {
    }
  }
  r.seconds = Since(t0);
  return r;
}

Result<SrvrInfo> ParseSrvr(const std::string& text) {
  auto kv = SplitLines(text, ':');
  auto get = [&](const char* k) {
    auto it = kv.find(k);
    return it == kv.end() ? std::string() : it->second;
  };
  SrvrInfo s;
  std::string zxid = get("Zxid");
  if (zxid.size() > 2 && (zxid.compare(0, 2, "0x") == 0 || zxid.compare(0, 2, "0X") == 0))
    zxid = zxid.substr(2);
  if (!ToInt(zxid, 16, &s.zxid)) return Status::Invalid("the srvr answer has no Zxid line");
  s.mode = get("Mode");
  if (s.mode.empty()) return Status::Invalid("the srvr answer has no Mode line");
  s.version_full = get("Zookeeper version");
  s.version = ShortVersion(s.version_full);
  ToInt(get("Received"), 10, &s.received);
  ToInt(get("Sent"), 10, &s.sent);
  ToInt(get("Connections"), 10, &s.connections);
  ToInt(get("Outstanding"), 10, &s.outstanding);
  ToInt(get("Node count"), 10, &s.node_count);
  // "Latency min/avg/max: 1/4.3333/6" (3.4 prints integers only).
  std::string lat = get("Latency min/avg/max");
  size_t a = lat.find('/'), b = lat.rfind('/');
  if (a != std::string::npos && b != a) {
    ToInt(lat.substr(0, a), 10, &s.latency_min);
    ToInt(lat.substr(b + 1), 10, &s.latency_max);
    std::string avg = lat.substr(a + 1, b - a - 1);
    char* end = nullptr;
    double d = std::strtod(avg.c_str(), &end);
    if (!avg.empty() && end && !*end) s.latency_avg = d;
  }
  return s;
}

Result<MntrInfo> ParseMntr(const std::string& text) {
  MntrInfo m;
  m.values = SplitLines(text, '\t');
  auto it = m.values.find("zk_server_state");
  if (it == m.values.end()) return Status::Invalid("the mntr answer has no zk_server_state line");
  m.server_state = it->second;
  auto num = [&](const char* k, int64_t* out) {
    auto f = m.values.find(k);
    if (f != m.values.end()) ToInt(f->second, 10, out);
  };
  num("zk_znode_count", &m.znode_count);
  num("zk_ephemerals_count", &m.ephemerals_count);
  num("zk_approximate_data_size", &m.approximate_data_size);
  auto v = m.values.find("zk_version");
  if (v != m.values.end()) m.version = ShortVersion(v->second);
  return m;
}

}  // namespace zkm
