#include "node/lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "base/json.h"
#include "format/byte_source.h"
#include "node/manifest.h"

namespace zkm {

namespace {

std::string HostName() {
  char b[HOST_NAME_MAX + 1] = {0};
  if (::gethostname(b, sizeof b - 1) != 0) return "unknown";
  return b;
}

std::string ReadFd(int fd) {
  std::string out;
  char buf[4096];
  off_t at = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
    if (out.size() > 65536) break;
  }
  return out;
}

std::string HolderText(const LockHolder& h) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("pid", h.pid, a);
  d.AddMember("host", Str(h.host, a), a);
  d.AddMember("state", Str(h.state, a), a);
  d.AddMember("since", Str(h.since, a), a);
  return Serialize(d, false) + "\n";
}

bool PidAlive(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Status HeldBy(const std::string& path, int fd) {
  LockHolder h;
  std::string who = ParseLockHolder(ReadFd(fd), &h) ? DescribeHolder(h) : "holder not yet written";
  return Status::Invalid("another zkmigrate run holds " + path + ": " + who +
                         "; wait for it to finish (this run changed nothing)");
}

}  // namespace

std::string DescribeHolder(const LockHolder& h) {
  return "pid " + std::to_string(h.pid) + " on host " + h.host + ", state " + h.state + ", since " +
         h.since;
}

bool ParseLockHolder(const std::string& text, LockHolder* out) {
  rapidjson::Document d;
  if (!ParseJson(text, "lock file", &d).ok() || !d.IsObject()) return false;
  auto get = [&](const char* k, std::string* s) {
    auto it = d.FindMember(k);
    if (it != d.MemberEnd() && it->value.IsString())
      s->assign(it->value.GetString(), it->value.GetStringLength());
  };
  auto it = d.FindMember("pid");
  if (it == d.MemberEnd() || !it->value.IsInt64()) return false;
  out->pid = it->value.GetInt64();
  get("host", &out->host);
  get("state", &out->state);
  get("since", &out->since);
  return true;
}

Result<std::unique_ptr<NodeLock>> NodeLock::Acquire(const std::string& data_dir,
                                                    const std::string& state) {
  const std::string path = data_dir + "/" + kNodeLockName;
  // A few rounds at most: each retry means a holder released between our open
  // and our flock, which is rare; a loop that never ends is worse than an error.
  for (int round = 0; round < 100; ++round) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return ErrnoStatus("cannot open the node lock", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      Status st =
          e == EWOULDBLOCK ? HeldBy(path, fd) : ErrnoStatus("cannot lock the node lock", path, e);
      ::close(fd);
      return st;
    }
    struct stat mine, there;
    if (::fstat(fd, &mine) != 0) {
      int e = errno;
      ::close(fd);
      return ErrnoStatus("cannot stat the node lock", path, e);
    }
    if (::lstat(path.c_str(), &there) != 0 || there.st_ino != mine.st_ino ||
        there.st_dev != mine.st_dev) {
      ::close(fd);  // we locked a file its holder unlinked: start over
      continue;
    }
    std::string stale;
    std::string old = ReadFd(fd);
    if (!old.empty()) {
      LockHolder h;
      if (ParseLockHolder(old, &h)) {
        bool here = h.host == HostName();
        stale =
            "a stale lock " + path + " left by " + DescribeHolder(h) + " was taken over (" +
            (here && PidAlive(h.pid) ? "that process no longer holds it"
                                     : (here ? "that process is gone" : "no process holds it")) +
            ")";
      } else {
        stale = "a stale lock " + path + " with unreadable content was taken over";
      }
    }
    LockHolder me{static_cast<int64_t>(::getpid()), HostName(), state, UtcNowIso()};
    std::string text = HolderText(me);
    Status st;
    if (::ftruncate(fd, 0) != 0) st = ErrnoStatus("cannot write the node lock", path, errno);
    if (st.ok() && ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
      st = ErrnoStatus("cannot write the node lock", path, errno);
    if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("cannot fsync the node lock", path, errno);
    if (!st.ok()) {
      ::unlink(path.c_str());
      ::close(fd);
      return st;
    }
    return std::unique_ptr<NodeLock>(new NodeLock(fd, path, stale));
  }
  return Status::Io("cannot take the node lock " + path + ": it keeps being replaced");
}

Status NodeLock::Probe(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kNodeLockName;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot open the node lock", path, errno);
  }
  Status st;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    st = errno == EWOULDBLOCK ? HeldBy(path, fd)
                              : ErrnoStatus("cannot lock the node lock", path, errno);
  }
  ::close(fd);  // also drops the shared lock
  return st;
}

NodeLock::~NodeLock() {
  Release();
}

void NodeLock::Release() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  int dfd = ::open(path_.substr(0, path_.find_last_of('/')).c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace zkm
