// The per-node lock with real processes: a second holder refuses at once naming
// the first, a lock left by a killed process is recognised and taken, and of two
// processes started together on one node exactly one proceeds.
#include "node/lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_files.h"

namespace zkm {
namespace {

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-lock-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (pid_t p : children_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  std::string lock_path() const { return dir_ + "/" + kNodeLockName; }
  std::string dir_;
  std::vector<pid_t> children_;
};

TEST_F(LockTest, HolderWrittenAndFileRemovedOnRelease) {
  auto l = NodeLock::Acquire(dir_, "place");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_TRUE((*l)->stale().empty());
  LockHolder h;
  ASSERT_TRUE(ParseLockHolder(Slurp(lock_path()), &h));
  EXPECT_EQ(h.pid, ::getpid());
  EXPECT_EQ(h.state, "place");
  EXPECT_FALSE(h.host.empty());
  EXPECT_FALSE(h.since.empty());
  struct stat st;
  ASSERT_EQ(::stat(lock_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  (*l)->Release();
  EXPECT_FALSE(std::filesystem::exists(lock_path()));
  (*l)->Release();  // idempotent
}

TEST_F(LockTest, SecondHolderRefusesNamingTheFirst) {
  auto first = NodeLock::Acquire(dir_, "place");
  ASSERT_TRUE(first.ok());
  // flock locks belong to the open file description: a second open in this
  // process conflicts exactly as another process would.
  auto second = NodeLock::Acquire(dir_, "rollback");
  ASSERT_FALSE(second.ok());
  const std::string& m = second.status().message();
  EXPECT_EQ(second.status().code(), Code::kInvalidArgument);
  EXPECT_NE(m.find("another zkmigrate run holds " + lock_path()), std::string::npos) << m;
  EXPECT_NE(m.find("pid " + std::to_string(::getpid())), std::string::npos) << m;
  EXPECT_NE(m.find("state place"), std::string::npos) << m;
  EXPECT_NE(m.find("since "), std::string::npos) << m;
  Status probe = NodeLock::Probe(dir_);
  EXPECT_FALSE(probe.ok());
  EXPECT_NE(probe.message().find("state place"), std::string::npos);
  // The refused run left the holder's file as it was.
  LockHolder h;
  ASSERT_TRUE(ParseLockHolder(Slurp(lock_path()), &h));
  EXPECT_EQ(h.state, "place");
  first->reset();
  EXPECT_TRUE(NodeLock::Probe(dir_).ok());
  EXPECT_TRUE(NodeLock::Acquire(dir_, "rollback").ok());
}

TEST_F(LockTest, ProbeNeverCreatesTheFile) {
  EXPECT_TRUE(NodeLock::Probe(dir_).ok());
  EXPECT_FALSE(std::filesystem::exists(lock_path()));
}

TEST_F(LockTest, LockOfAKilledProcessIsTakenOverAndNamed) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto l = NodeLock::Acquire(dir_, "place");
    char c = l.ok() ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(3);
    ::pause();
    ::_exit(0);
  }
  children_.push_back(child);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto held = NodeLock::Acquire(dir_, "rollback");
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.status().message().find("pid " + std::to_string(child)), std::string::npos);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  children_.clear();
  ::close(ready[0]);
  ::close(ready[1]);
  ASSERT_TRUE(std::filesystem::exists(lock_path()));  // kill -9 left the file
  auto l = NodeLock::Acquire(dir_, "rollback");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  const std::string& s = (*l)->stale();
  EXPECT_NE(s.find("stale lock"), std::string::npos) << s;
  EXPECT_NE(s.find("pid " + std::to_string(child)), std::string::npos) << s;
  EXPECT_NE(s.find("that process is gone"), std::string::npos) << s;
  LockHolder h;
  ASSERT_TRUE(ParseLockHolder(Slurp(lock_path()), &h));
  EXPECT_EQ(h.pid, ::getpid());
  EXPECT_EQ(h.state, "rollback");
}

TEST_F(LockTest, GarbageInAnUnlockedFileIsStale) {
  std::ofstream(lock_path()) << "not json";
  auto l = NodeLock::Acquire(dir_, "place");
  ASSERT_TRUE(l.ok());
  EXPECT_NE((*l)->stale().find("unreadable content"), std::string::npos);
}

TEST_F(LockTest, SymlinkIsNotFollowed) {
  std::ofstream(dir_ + "/elsewhere") << "keep";
  std::filesystem::create_symlink(dir_ + "/elsewhere", lock_path());
  auto l = NodeLock::Acquire(dir_, "place");
  EXPECT_FALSE(l.ok());
  EXPECT_EQ(Slurp(dir_ + "/elsewhere"), "keep");
}

// Two processes released at the same instant on one node, many times: exactly
// one gets the lock each time; the other refuses at once naming it and writes
// nothing, so the protected data is the winner's, whole. The winner keeps the
// lock until the parent has both answers.
TEST_F(LockTest, TwoConcurrentProcessesExactlyOneProceeds) {
  const std::string data = dir_ + "/data";
  for (int trial = 0; trial < 20; ++trial) {
    std::ofstream(data, std::ios::trunc) << "original";
    int go[2], res[2], done[2];
    ASSERT_EQ(::pipe(go), 0);
    ASSERT_EQ(::pipe(res), 0);
    ASSERT_EQ(::pipe(done), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; ++k) {
      kids[k] = ::fork();
      ASSERT_GE(kids[k], 0);
      if (kids[k] == 0) {
        char c;
        ::close(go[1]);
        ::close(done[1]);
        if (::read(go[0], &c, 1) != 0) ::_exit(4);  // waits for the parent to close
        auto l = NodeLock::Acquire(dir_, "place");
        char r = 'n';
        if (l.ok()) {
          r = 'y';
          std::ofstream(data, std::ios::trunc) << "written by " << ::getpid();
        } else if (l.status().message().find("another zkmigrate run holds") != std::string::npos) {
          r = 'r';
        }
        if (::write(res[1], &r, 1) != 1) ::_exit(3);
        if (::read(done[0], &c, 1) != 0) ::_exit(4);  // hold the lock until told
        if (l.ok()) (*l)->Release();                  // _exit runs no destructor
        ::_exit(0);
      }
      children_.push_back(kids[k]);
    }
    ::close(go[0]);
    ::close(done[0]);
    ::close(go[1]);  // both start now
    int proceeded = 0, refused = 0;
    for (int k = 0; k < 2; ++k) {
      char r = 0;
      ASSERT_EQ(::read(res[0], &r, 1), 1);
      proceeded += r == 'y';
      refused += r == 'r';
    }
    ::close(done[1]);  // the winner releases
    pid_t winner = 0;
    for (pid_t p : kids) {
      int st = 0;
      ::waitpid(p, &st, 0);
      EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    children_.clear();
    ::close(res[0]);
    ::close(res[1]);
    EXPECT_EQ(proceeded, 1) << "trial " << trial;
    EXPECT_EQ(refused, 1) << "trial " << trial;
    std::string got = Slurp(data);
    EXPECT_EQ(got.rfind("written by ", 0), 0u) << got;
    for (pid_t p : kids)
      if (got == "written by " + std::to_string(p)) winner = p;
    EXPECT_NE(winner, 0) << got;
    EXPECT_FALSE(std::filesystem::exists(lock_path())) << "trial " << trial;
  }
}

}  // namespace
}  // namespace zkm
