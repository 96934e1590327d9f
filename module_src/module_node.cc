#include "module_node.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "byte_source.h"
#include "json_report.h"
#include "placement.h"

namespace zkm {

using rapidjson::Value;

namespace {

const char* const kUsualConfigs[] = {"/etc/zookeeper/conf/zoo.cfg", "/etc/zookeeper/zoo.cfg",
                                     "/opt/zookeeper/conf/zoo.cfg",
                                     "/usr/share/zookeeper/conf/zoo.cfg"};

int64_t ReadMyid(const std::string& data_dir) {
  auto f = FileSource::Open(data_dir + "/myid");
  if (!f.ok()) return -1;
  std::string text;
  if (!(*f)->ReadAll(&text, 4096).ok()) return -1;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str()) return -1;
  return v;
}

// Splits "host:port" / "[v6]:port".
bool SplitEndpoint(const std::string& ep, std::string* host, std::string* port) {
  size_t k = ep.rfind(':');
  if (k == std::string::npos || k == 0) return false;
  *host = ep.substr(0, k);
  *port = ep.substr(k + 1);
  if (host->size() >= 2 && (*host)[0] == '[') *host = host->substr(1, host->size() - 2);
  return !port->empty();
}

}  // namespace

Result<NodeContext> LoadNode(const std::string& config) {
  NodeContext n;
  n.config_path = config;
  if (config.empty()) {
    for (const char* c : kUsualConfigs)
      if (PathExists(c)) {
        n.config_path = c;
        break;
      }
    if (n.config_path.empty())
      return Status::NotFound(
          "no zoo.cfg given and none found in /etc/zookeeper/conf, /etc/zookeeper, "
          "/opt/zookeeper/conf or /usr/share/zookeeper/conf");
  }
  if (!PathExists(n.config_path))
    return Status::NotFound("zoo.cfg " + n.config_path + " does not exist");
  auto cfg = LoadZooCfg(n.config_path);
  if (!cfg.ok()) return cfg.status();
  n.cfg = std::move(*cfg);
  n.myid = ReadMyid(n.cfg.data_dir);
  n.endpoint = n.cfg.ClientEndpoint(n.myid);
  return n;
}

bool ClientPortAnswers(const std::string& endpoint, int64_t timeout_s) {
  std::string host, port;
  if (!SplitEndpoint(endpoint, &host, &port)) return false;
  struct addrinfo hints {};
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
  bool open = false;
  for (struct addrinfo* ai = res; ai && !open; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc == 0) {
      open = true;
    } else if (errno == EINPROGRESS) {
      struct pollfd p {
        fd, POLLOUT, 0
      };
      if (::poll(&p, 1, static_cast<int>(timeout_s * 1000)) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        open = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return open;
}

Status RequireStopped(const NodeContext& node, int64_t timeout_s, bool allow,
                      const std::string& state, std::string* warning) {
  if (node.endpoint.empty() || !ClientPortAnswers(node.endpoint, timeout_s)) return Status::Ok();
  if (!allow)
    return Status::Invalid("ZooKeeper is running on " + node.endpoint + " (from " +
                           node.config_path + "); stop it before state " + state);
  *warning = "ZooKeeper is running on " + node.endpoint +
             "; the bundle is a fuzzy copy of a live node and may miss its latest writes";
  return Status::Ok();
}

std::string HexZxid(int64_t zxid) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(zxid));
  return b;
}

Value ManifestSummary(const Manifest& m, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("mode", Str(m.mode, a), a);
  o.AddMember("snapshot_format", Str(m.snapshot_format, a), a);
  Value files(rapidjson::kArrayType);
  for (const ManifestFile& f : m.files) files.PushBack(Str(f.name, a), a);
  o.AddMember("files", files, a);
  o.AddMember("bytes", m.TotalBytes(), a);
  o.AddMember("snapshot_zxid", m.snapshot_zxid, a);
  o.AddMember("snapshot_zxid_hex", Str(HexZxid(m.snapshot_zxid), a), a);
  o.AddMember("last_zxid", m.last_zxid, a);
  o.AddMember("last_zxid_hex", Str(HexZxid(m.last_zxid), a), a);
  o.AddMember("znodes", m.znodes, a);
  o.AddMember("tree_digest", m.tree_digest, a);
  o.AddMember("sessions", m.sessions, a);
  o.AddMember("ephemerals", m.ephemerals, a);
  o.AddMember("created", Str(m.created, a), a);
  return o;
}

Value DirSummary(const std::string& dir, rapidjson::Document::AllocatorType& a) {
  Value o(rapidjson::kArrayType);
  auto names = ListDir(dir);
  if (names.ok())
    for (const std::string& n : *names) o.PushBack(Str(n, a), a);
  return o;
}

}  // namespace zkm
