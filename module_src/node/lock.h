// The per-node lock (docs/DESIGN.md "Locks"): every state that changes a node
// (place, rollback; bundle when its dest is inside the node's data dirs) holds
// flock(2) on `<dataDir>/zkmigrate.lock` for its whole run, so two runs on one
// node never interleave.
//
//  * The file is opened O_CLOEXEC|O_NOFOLLOW, locked LOCK_EX|LOCK_NB: a second
//    run refuses at once (kInvalidArgument) with one sentence naming the holder:
//    "another zkmigrate run holds <path>: pid 123 on host h, state place, since
//    <UTC time>".
//  * After flock the inode of the open file is compared with the one at the path:
//    a racing opener that got the lock on a file the holder has just unlinked
//    starts over, so two runs never hold two different files.
//  * The holder writes its pid, host, state and start time into the file
//    (fsynced). On release it unlinks the file while still holding the lock.
//  * The kernel releases flock when a process dies, so a file found unlocked but
//    not empty was left by a run that is gone (kill -9, power loss): that is said
//    (`stale`, naming the dead holder) and the lock is taken.
//
// Check mode and reads that must not write into the data dir Probe the lock:
// refuse when it is held, never create the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace zkm {

constexpr const char* kNodeLockName = "zkmigrate.lock";

struct LockHolder {
  int64_t pid = 0;
  std::string host, state, since;
};

// "pid 123 on host h, state place, since 2026-12-03T06:00:00Z".
std::string DescribeHolder(const LockHolder& h);
// The holder written in a lock file's text; false when the text says nothing usable.
bool ParseLockHolder(const std::string& text, LockHolder* out);

class NodeLock {
 public:
  // Takes the lock of the node whose dataDir is `data_dir` for `state`. Held:
  // kInvalidArgument "another zkmigrate run holds ...". A stale file from a dead
  // run is taken over; `stale()` then describes it.
  static Result<std::unique_ptr<NodeLock>> Acquire(const std::string& data_dir,
                                                   const std::string& state);
  // Ok when nobody holds the lock of `data_dir` (a missing file is nobody);
  // never creates or changes the file.
  static Status Probe(const std::string& data_dir);

  ~NodeLock();  // Release()
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

  // Unlinks the file (still locked), then closes it. Idempotent.
  void Release();
  const std::string& path() const { return path_; }
  // "" or "a stale lock left by pid 123 on host h (state place, since ...), which is
  // gone, was taken over".
  const std::string& stale() const { return stale_; }

 private:
  NodeLock(int fd, std::string path, std::string stale)
      : fd_(fd), path_(std::move(path)), stale_(std::move(stale)) {}
  int fd_ = -1;
  std::string path_, stale_;
};

}  // namespace zkm
