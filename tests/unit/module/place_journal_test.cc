// place and rollback as the real binary runs them (ZKM_BIN), killed with SIGKILL
// at every durable step of `place` (ZKM_TEST_KILL_AT_STEP) and at random times:
// after each kill, `place` again installs the new data completely and `rollback`
// gives back the original tree byte-identical (names, bytes, modes), a file name
// that is not UTF-8 included; two places started together never interleave.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_files.h"

namespace {

using zkm::Slurp;

namespace fs = std::filesystem;
const std::string kFixtures = ZKM_FIXTURES_DIR;

std::string Bin() {
  const char* b = std::getenv("ZKM_BIN");
  return b && *b ? b : ZKM_BIN_DEFAULT;
}

void Spit(const std::string& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// relative path -> mode and bytes ("<dir>" for a directory), zkmigrate-backup left out.
using Tree = std::map<std::string, std::pair<unsigned, std::string>>;
Tree Walk(const std::string& root) {
  Tree t;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string rel = it->path().string().substr(root.size());
    if (rel.rfind("/zkmigrate-backup", 0) == 0) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st;
    ::lstat(it->path().c_str(), &st);
    t[rel] = {st.st_mode & 07777, S_ISDIR(st.st_mode) ? "<dir>" : Slurp(it->path().string())};
  }
  return t;
}

struct ProcRun {
  bool killed = false;
  int code = -1;
  rapidjson::Document out;
};

class PlaceJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(Bin().c_str(), X_OK), 0) << Bin() << " is not an executable";
    char tmpl[] = "/tmp/zkm-journal-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    Spit(root_ + "/src.cfg",
         "dataDir=" + kFixtures +
             "/standalone-plain/data\nclientPort=1\nclientPortAddress=127.0.0.1\n");
    Spit(root_ + "/t.cfg",
         "dataDir=" + root_ + "/t/data\nclientPort=1\nclientPortAddress=127.0.0.1\n");
    ProcRun b = Module("{\"state\":\"bundle\",\"config\":\"" + root_ + "/src.cfg\",\"dest\":\"" +
                       root_ + "/bundle\"}");
    ASSERT_EQ(b.code, 0) << Slurp(root_ + "/out.json");
    for (const auto& e : fs::directory_iterator(root_ + "/bundle"))
      if (e.path().filename() != "manifest.json") bundle_files_.insert(e.path().filename());
    ResetTarget();
    original_ = Walk(data());
  }
  void TearDown() override {
    for (pid_t p : kids_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    if (!root_.empty()) fs::remove_all(root_);
  }
  std::string data() const { return root_ + "/t/data"; }

  // The target's original data: names ZooKeeper writes, one not UTF-8, odd modes.
  void ResetTarget() {
    fs::remove_all(root_ + "/t");
    fs::create_directories(data() + "/version-2");
    Spit(data() + "/myid", "1\n");
    std::mt19937 rng(7);
    // Twenty entries: each moved aside is two durable steps (kill points) of place.
    std::vector<std::string> names = {"snapshot.5",   "snapshot.9",      "log.1",
                                      "log.6",        "log.a",           "acceptedEpoch",
                                      "currentEpoch", "odd\xff\xfe-name"};
    for (int i = 0; i < 12; ++i) names.push_back("log." + std::to_string(0x10 + i));
    int k = 0;
    for (const std::string& n : names) {
      std::string bytes(1000 + 337 * k++, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      Spit(data() + "/version-2/" + n, bytes);
    }
    ::chmod((data() + "/version-2/log.6").c_str(), 0640);
    ::chmod((data() + "/version-2/odd\xff\xfe-name").c_str(), 0600);
  }

  // Starts the binary on an arguments file; `kill_at` sets ZKM_TEST_KILL_AT_STEP.
  pid_t Start(const std::string& args, int kill_at, const std::string& tag) {
    Spit(root_ + "/args" + tag + ".json", args);
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string out = root_ + "/out" + tag + ".json";
      FILE* f = std::freopen(out.c_str(), "w", stdout);
      (void)f;
      if (kill_at > 0)
        ::setenv("ZKM_TEST_KILL_AT_STEP", std::to_string(kill_at).c_str(), 1);
      else
        ::unsetenv("ZKM_TEST_KILL_AT_STEP");
      std::string a = root_ + "/args" + tag + ".json";
      ::execl(Bin().c_str(), Bin().c_str(), a.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    kids_.push_back(pid);
    return pid;
  }
  ProcRun Wait(pid_t pid, const std::string& tag) {
    ProcRun r;
    int st = 0;
    ::waitpid(pid, &st, 0);
    kids_.erase(std::remove(kids_.begin(), kids_.end(), pid), kids_.end());
    r.killed = WIFSIGNALED(st);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (!r.killed) r.out.Parse(Slurp(root_ + "/out" + tag + ".json").c_str());
    return r;
  }
  ProcRun Module(const std::string& args, int kill_at = 0, const std::string& tag = "") {
    return Wait(Start(args, kill_at, tag), tag);
  }
  std::string PlaceArgs() const {
    return "{\"state\":\"place\",\"config\":\"" + root_ + "/t.cfg\",\"src\":\"" + root_ +
           "/bundle\",\"migration_id\":\"m1\"}";
  }
  std::string RollbackArgs() const {
    return "{\"state\":\"rollback\",\"config\":\"" + root_ + "/t.cfg\",\"migration_id\":\"m1\"}";
  }
  std::string Msg(const ProcRun& r) {
    return r.out.IsObject() && r.out.HasMember("msg") ? r.out["msg"].GetString() : "?";
  }
  // version-2 holds exactly the bundle's files, the logs byte-identical.
  void ExpectNewComplete(const std::string& where) {
    std::set<std::string> got;
    for (const auto& e : fs::directory_iterator(data() + "/version-2"))
      got.insert(e.path().filename());
    EXPECT_EQ(got, bundle_files_) << where;
    for (const std::string& n : bundle_files_)
      if (n.rfind("log.", 0) == 0) {
        EXPECT_EQ(Slurp(data() + "/version-2/" + n), Slurp(root_ + "/bundle/" + n)) << where;
      }
  }
  void ExpectOriginal(const std::string& where) {
    Tree now = Walk(data());
    EXPECT_EQ(now.size(), original_.size()) << where;
    for (const auto& [k, v] : original_) {
      auto it = now.find(k);
      ASSERT_NE(it, now.end()) << where << ": " << k << " missing";
      EXPECT_EQ(it->second.first, v.first) << where << ": mode of " << k;
      EXPECT_TRUE(it->second.second == v.second) << where << ": bytes of " << k;
    }
    for (const auto& [k, v] : now) EXPECT_TRUE(original_.count(k)) << where << ": extra " << k;
  }

  std::string root_;
  std::set<std::string> bundle_files_;
  Tree original_;
  std::vector<pid_t> kids_;
};

TEST_F(PlaceJournal, PlaceThenRollbackIsByteIdenticalAndIdempotent) {
  ProcRun p = Module(PlaceArgs());
  ASSERT_EQ(p.code, 0) << Msg(p);
  ExpectNewComplete("after place");
  ProcRun again = Module(PlaceArgs());
  ASSERT_EQ(again.code, 0) << Msg(again);
  EXPECT_FALSE(again.out["changed"].GetBool()) << Msg(again);
  ProcRun r = Module(RollbackArgs());
  ASSERT_EQ(r.code, 0) << Msg(r);
  ExpectOriginal("after rollback");
  ProcRun r2 = Module(RollbackArgs());
  ASSERT_EQ(r2.code, 0) << Msg(r2);
  EXPECT_FALSE(r2.out["changed"].GetBool()) << Msg(r2);
  ExpectOriginal("after a second rollback");
  // The non-UTF-8 name is in the journal as hex, and came back byte-exact.
  std::string j = Slurp(data() + "/zkmigrate-backup/m1/backup.json");
  EXPECT_NE(j.find("6f6464fffe2d6e616d65"), std::string::npos);
  EXPECT_NE(j.find("\"phase\": \"restored\""), std::string::npos);
}

TEST_F(PlaceJournal, KillAtEveryStepThenPlaceOrRollback) {
  int n = 1;
  for (;; ++n) {
    ResetTarget();
    ProcRun k = Module(PlaceArgs(), n);
    if (!k.killed) {
      ASSERT_EQ(k.code, 0) << "step " << n << ": " << Msg(k);
      break;
    }
    std::string where = "killed at step " + std::to_string(n);
    if (n % 2 == 0) {  // rollback straight after the kill
      ProcRun r = Module(RollbackArgs());
      ASSERT_EQ(r.code, 0) << where << ": " << Msg(r);
      ExpectOriginal(where + ", then rollback");
      continue;
    }
    ProcRun p = Module(PlaceArgs());
    ASSERT_EQ(p.code, 0) << where << ": " << Msg(p);
    ExpectNewComplete(where + ", then place");
    ProcRun r = Module(RollbackArgs());
    ASSERT_EQ(r.code, 0) << where << ": " << Msg(r);
    ExpectOriginal(where + ", then place and rollback");
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(n - 1, 50) << "kill points in one place";
}

TEST_F(PlaceJournal, KillAtRandomTimes) {
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(Module(PlaceArgs()).code, 0);
  long us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::mt19937 rng(2026);
  for (int trial = 0; trial < 12; ++trial) {
    ResetTarget();
    pid_t pid = Start(PlaceArgs(), 0, "");
    ::usleep(static_cast<useconds_t>(rng() % static_cast<unsigned>(us + 1)));
    ::kill(pid, SIGKILL);
    Wait(pid, "");
    std::string where = "random kill " + std::to_string(trial);
    ProcRun p = Module(PlaceArgs());
    ASSERT_EQ(p.code, 0) << where << ": " << Msg(p);
    ExpectNewComplete(where);
    ProcRun r = Module(RollbackArgs());
    ASSERT_EQ(r.code, 0) << where << ": " << Msg(r);
    ExpectOriginal(where);
  }
}

TEST_F(PlaceJournal, TwoConcurrentPlaces) {
  for (int trial = 0; trial < 5; ++trial) {
    ResetTarget();
    pid_t a = Start(PlaceArgs(), 0, "a"), b = Start(PlaceArgs(), 0, "b");
    ProcRun ra = Wait(a, "a"), rb = Wait(b, "b");
    int refused = 0, ok = 0;
    for (ProcRun* r : {&ra, &rb}) {
      if (r->code == 0)
        ok++;
      else if (Msg(*r).find("another zkmigrate run holds") != std::string::npos)
        refused++;
      else
        ADD_FAILURE() << Msg(*r);
    }
    EXPECT_GE(ok, 1);
    EXPECT_EQ(ok + refused, 2);
    ExpectNewComplete("concurrent " + std::to_string(trial));
    ProcRun r = Module(RollbackArgs());
    ASSERT_EQ(r.code, 0) << Msg(r);
    ExpectOriginal("concurrent " + std::to_string(trial));
  }
}

}  // namespace
