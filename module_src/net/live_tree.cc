#include "net/live_tree.h"

// The synchronous API of libzookeeper_mt is only declared with THREADED.
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "format/zk_types.h"
#include "tree/digest.h"

namespace zkm {

namespace {

using Clock = std::chrono::steady_clock;
using AclKey = std::vector<std::tuple<int32_t, std::string, std::string>>;

void NoWatch(zhandle_t*, int, int, const char*, void*) {}

// The C client logs to stderr by default; the module keeps both streams clean.
void QuietClientLog() {
  static FILE* null_stream = std::fopen("/dev/null", "w");
  if (null_stream) zoo_set_log_stream(null_stream);
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
}

struct Handle {
  zhandle_t* zh = nullptr;
  ~Handle() {
    if (zh) zookeeper_close(zh);
  }
};

std::string Child(const std::string& parent, const char* name) {
  return (parent == "/" ? std::string() : parent) + "/" + name;
}

Stat Persisted(const struct ::Stat& s) {
  Stat out;
  out.czxid = s.czxid;
  out.mzxid = s.mzxid;
  out.ctime = s.ctime;
  out.mtime = s.mtime;
  out.version = s.version;
  out.cversion = (s.cversion + s.numChildren) / 2;  // undo DataNode.copyStat
  out.aversion = s.aversion;
  out.ephemeral_owner = s.ephemeralOwner;
  out.pzxid = s.pzxid;
  return out;
}

Status CallError(int rc, const char* what, const std::string& path) {
  return Status::Io(std::string(what) + " " + path + " failed: " + zerror(rc));
}

}  // namespace

LiveWalk WalkLiveTree(const LiveWalkOptions& opts) {
  LiveWalk w;
  const auto t0 = Clock::now();
  auto finish = [&](Status st) {
    w.status = std::move(st);
    w.complete = w.status.ok() && w.unreadable == 0;
    w.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return w;
  };
  QuietClientLog();
  const int timeout_ms = std::max(1, opts.timeout_s) * 1000;
  Handle h;
  h.zh = zookeeper_init(opts.endpoint.c_str(), NoWatch, timeout_ms, nullptr, nullptr, 0);
  if (!h.zh) return finish(Status::Io("cannot create a ZooKeeper client for " + opts.endpoint));
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (zoo_state(h.zh) != ZOO_CONNECTED_STATE) {
    if (Clock::now() > deadline)
      return finish(Status::Io("no ZooKeeper session with " + opts.endpoint + " within " +
                               std::to_string(opts.timeout_s) + " s"));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  for (const std::string& item : opts.auth) {
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0)
      return finish(Status::Invalid("an auth item is not scheme:credential"));
    std::string scheme = item.substr(0, colon), cred = item.substr(colon + 1);
    // zoo_add_auth answers through a completion; wait for it up to the timeout.
    struct Done {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      int rc = ZOK;
    } done;
    auto completion = [](int rc, const void* data) {
      auto* d = static_cast<Done*>(const_cast<void*>(data));
      std::lock_guard<std::mutex> lock(d->mu);
      d->rc = rc;
      d->done = true;
      d->cv.notify_all();
    };
    int rc = zoo_add_auth(h.zh, scheme.c_str(), cred.data(), static_cast<int>(cred.size()),
                          completion, &done);
    if (rc != ZOK) return finish(CallError(rc, "add auth", scheme));
    std::unique_lock<std::mutex> lock(done.mu);
    if (!done.cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return done.done; }))
      return finish(Status::Io("no answer to the " + scheme + " authentication within " +
                               std::to_string(opts.timeout_s) + " s"));
    if (done.rc != ZOK)
      return finish(
          Status::Invalid("the server refused the " + scheme + " credentials: " + zerror(done.rc)));
  }

  uint64_t sum = 0;
  std::set<AclKey> acls;
  std::vector<char> buf(static_cast<size_t>(opts.max_data) + 1);
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    struct String_vector children = {0, nullptr};
    struct ::Stat st {};
    int rc = zoo_get_children2(h.zh, path.c_str(), 0, &children, &st);
    if (rc == ZNONODE) {
      w.vanished++;
      continue;
    }
    if (rc == ZNOAUTH) {
      w.unreadable++;
      if (w.unreadable_paths.size() < 10) w.unreadable_paths.push_back(path);
      continue;
    }
    if (rc != ZOK) return finish(CallError(rc, "getChildren", path));
    for (int32_t i = children.count - 1; i >= 0; i--)
      stack.push_back(Child(path, children.data[i]));
    deallocate_String_vector(&children);

    int len = static_cast<int>(buf.size());
    rc = zoo_get(h.zh, path.c_str(), 0, buf.data(), &len, &st);
    if (rc == ZNONODE) {
      w.vanished++;
      continue;
    }
    if (rc != ZOK) return finish(CallError(rc, "get", path));
    if (st.dataLength > opts.max_data)
      return finish(Status::Unsupported(path + " holds " + std::to_string(st.dataLength) +
                                        " bytes, more than the walk reads"));
    struct ACL_vector acl = {0, nullptr};
    struct ::Stat ast {};
    rc = zoo_get_acl(h.zh, path.c_str(), &acl, &ast);
    if (rc == ZNONODE) {
      w.vanished++;
      continue;
    }
    if (rc != ZOK) return finish(CallError(rc, "getACL", path));
    AclKey key;
    for (int32_t i = 0; i < acl.count; i++)
      key.emplace_back(acl.data[i].perms, acl.data[i].id.scheme ? acl.data[i].id.scheme : "",
                       acl.data[i].id.id ? acl.data[i].id.id : "");
    deallocate_ACL_vector(&acl);
    if (key == AclKey{{ZOO_PERM_ALL, "world", "anyone"}})
      w.open_acl_seen = true;
    else
      acls.insert(std::move(key));

    w.nodes++;
    if (st.ephemeralOwner > 0) w.ephemerals++;
    std::string dpath = path == "/" ? std::string() : path;
    std::string_view data(buf.data(), len > 0 ? static_cast<size_t>(len) : 0);
    Stat ps = Persisted(st);
    sum += opts.ascii_digest ? NodeDigestAscii(dpath, data, ps) : NodeDigest(dpath, data, ps);
  }
  w.digest = static_cast<int64_t>(sum);
  w.acl_lists = acls.size();
  return finish(Status::Ok());
}

}  // namespace zkm
