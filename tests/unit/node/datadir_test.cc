#include "node/datadir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace zkm {
namespace {

std::vector<std::string> Names(const std::vector<DataFile>& files) {
  std::vector<std::string> out;
  for (const DataFile& f : files) out.push_back(f.name);
  return out;
}

// A fresh temp dir per test: <root>/data/version-2 (and <root>/logs/version-2).
class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-datadir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    data_ = root_ + "/data";
    logs_ = root_ + "/logs";
    std::filesystem::create_directories(data_ + "/version-2");
    std::filesystem::create_directories(logs_ + "/version-2");
  }
  void TearDown() override {
    ::chmod((data_ + "/version-2").c_str(), 0755);
    std::filesystem::remove_all(root_);
  }
  // Writes `bytes` bytes (or the given text) into data/version-2/<name> by default.
  void Put(const std::string& name, size_t bytes = 16, const std::string& dir = "") {
    std::ofstream(Dir(dir) + "/" + name, std::ios::binary) << std::string(bytes, 'x');
  }
  void PutText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string Dir(const std::string& d) const { return d.empty() ? data_ + "/version-2" : d; }
  DataDirScan Scan(const std::string& log_dir = "") {
    auto r = ScanDataDirs(data_, log_dir.empty() ? data_ : log_dir);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : DataDirScan();
  }
  std::string root_, data_, logs_;
};

// ---- names

TEST(DataDir, ParseZxidFromNameFollowsJava) {
  EXPECT_EQ(ParseZxidFromName("snapshot.1a", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.1A", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.+1a", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.001a", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.-2", "snapshot"), -2);
  EXPECT_EQ(ParseZxidFromName("snapshot.1a.bak", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.1a.gz", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("snapshot.1a.", "snapshot"), 0x1a);
  EXPECT_EQ(ParseZxidFromName("log.100000001", "log"), 0x100000001);
  EXPECT_EQ(ParseZxidFromName("snapshot.7fffffffffffffff", "snapshot"), INT64_MAX);
  EXPECT_EQ(ParseZxidFromName("snapshot.-8000000000000000", "snapshot"), INT64_MIN);
}

TEST(DataDir, ParseZxidFromNameRejects) {
  EXPECT_EQ(ParseZxidFromName("snapshot.zz", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot.", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot..1a", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot.0x1a", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot.+", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshot.-1", "snapshot"), std::nullopt);  // Java's failure value
  EXPECT_EQ(ParseZxidFromName("snapshot.8000000000000000", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("snapshots.1a", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("Snapshot.1a", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName("log.1a", "snapshot"), std::nullopt);
  EXPECT_EQ(ParseZxidFromName(".snapshot.1a", "snapshot"), std::nullopt);
}

// ---- snapshots

TEST_F(DataDirTest, SnapshotsSortedNewestLastWithCompression) {
  Put("snapshot.1a");
  Put("snapshot.1a.gz");
  Put("snapshot.1B.bak");
  Put("snapshot.2.SNAPPY");
  Put("snapshot.zz");
  DataDirScan s = Scan();
  EXPECT_EQ(Names(s.snapshots), (std::vector<std::string>{"snapshot.2.SNAPPY", "snapshot.1a",
                                                          "snapshot.1a.gz", "snapshot.1B.bak"}));
  EXPECT_EQ(s.snapshots[0].zxid, 0x2);
  EXPECT_EQ(s.snapshots[0].compression, Compression::kSnappy);
  EXPECT_FALSE(s.snapshots[0].extra_components);
  EXPECT_EQ(s.snapshots[1].compression, Compression::kPlain);
  EXPECT_EQ(s.snapshots[2].compression, Compression::kGzip);
  EXPECT_FALSE(s.snapshots[2].extra_components);
  EXPECT_EQ(s.snapshots[3].zxid, 0x1b);
  EXPECT_EQ(s.snapshots[3].compression, Compression::kPlain);
  EXPECT_TRUE(s.snapshots[3].extra_components);
  EXPECT_EQ(s.snapshots[3].path, data_ + "/version-2/snapshot.1B.bak");
  EXPECT_EQ(s.snap_dir, data_ + "/version-2");
  EXPECT_EQ(s.ignored, (std::vector<std::string>{"snapshot.zz"}));
}

TEST_F(DataDirTest, BakSnapshotIsLiveDataWarning) {
  Put("snapshot.1b.bak");
  DataDirScan s = Scan();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "snapshot.1b.bak is live data: ZooKeeper 3.6+ loads any "
            "snapshot.<hex>.<suffix> as a snapshot of zxid 0x1b (3.4/3.5 ignore "
            "it); move it out of " +
                data_ + "/version-2");
}

TEST_F(DataDirTest, TmpSnapshotAndCompressedBakAreLiveData) {
  Put("snapshot.5.tmp");
  Put("snapshot.6.bak.gz");
  DataDirScan s = Scan();
  ASSERT_EQ(s.snapshots.size(), 2u);
  EXPECT_TRUE(s.snapshots[0].extra_components);
  EXPECT_TRUE(s.snapshots[1].extra_components);
  EXPECT_EQ(s.snapshots[1].compression, Compression::kGzip);
  EXPECT_EQ(s.warnings.size(), 2u);
}

TEST_F(DataDirTest, NonCanonicalNameWarns) {
  Put("snapshot.1B");
  DataDirScan s = Scan();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "snapshot.1B: ZooKeeper would have named it snapshot.1b; a renamed "
            "file changes which transactions are replayed");
}

TEST_F(DataDirTest, TwoSnapshotsWithOneZxidWarn) {
  Put("snapshot.40.gz");
  Put("snapshot.40.snappy");
  DataDirScan s = Scan();
  EXPECT_EQ(Names(s.snapshots), (std::vector<std::string>{"snapshot.40.gz", "snapshot.40.snappy"}));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "snapshot.40.gz and snapshot.40.snappy have the same zxid 0x40: "
            "ZooKeeper picks either one (directory order); keep only one");
}

TEST_F(DataDirTest, EmptySnapshotWarns) {
  Put("snapshot.0", 0);
  DataDirScan s = Scan();
  ASSERT_EQ(s.snapshots.size(), 1u);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "snapshot.0 is empty (0 bytes): ZooKeeper skips it and loads an older snapshot");
}

// ---- logs

TEST_F(DataDirTest, LogsSortedAscending) {
  Put("log.1f", 100);
  Put("log.1", 10);
  Put("log.a", 1);
  Put("snapshot.a", 7);
  DataDirScan s = Scan();
  EXPECT_EQ(Names(s.logs), (std::vector<std::string>{"log.1", "log.a", "log.1f"}));
  EXPECT_EQ(s.logs[0].zxid, 1);
  EXPECT_EQ(s.logs[2].zxid, 0x1f);
  EXPECT_EQ(s.logs[2].size, 100u);
  EXPECT_EQ(s.log_bytes, 111u);
  EXPECT_EQ(s.snap_bytes, 7u);
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_TRUE(s.ignored.empty());
}

TEST_F(DataDirTest, ZeroLengthLogWarns) {
  Put("log.1");
  Put("log.30", 0);
  DataDirScan s = Scan();
  ASSERT_EQ(s.logs.size(), 2u);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "log.30 is empty (0 bytes): ZooKeeper up to 3.9.2 fails to start on a "
            "zero-length log; delete it");
}

TEST_F(DataDirTest, OldLogIsLiveData) {
  Put("log.1a.old");
  DataDirScan s = Scan();
  ASSERT_EQ(s.logs.size(), 1u);
  EXPECT_TRUE(s.logs[0].extra_components);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "log.1a.old is live data: ZooKeeper 3.6+ replays any "
            "log.<hex>.<suffix> as a log from zxid 0x1a (3.4/3.5 ignore it); move "
            "it out of " +
                data_ + "/version-2");
}

TEST_F(DataDirTest, SeparateLogDir) {
  Put("snapshot.5");
  Put("log.1", 16, logs_ + "/version-2");
  Put("log.6", 16, logs_ + "/version-2");
  DataDirScan s = Scan(logs_);
  EXPECT_EQ(s.log_dir, logs_ + "/version-2");
  EXPECT_EQ(Names(s.snapshots), (std::vector<std::string>{"snapshot.5"}));
  EXPECT_EQ(Names(s.logs), (std::vector<std::string>{"log.1", "log.6"}));
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(DataDirTest, SnapshotInLogDirWarns) {
  Put("log.1", 16, logs_ + "/version-2");
  Put("snapshot.5", 16, logs_ + "/version-2");
  DataDirScan s = Scan(logs_);
  EXPECT_TRUE(s.snapshots.empty());
  EXPECT_EQ(s.ignored, (std::vector<std::string>{"snapshot.5"}));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], "snapshot.5 is in the log dir " + logs_ +
                               "/version-2: ZooKeeper refuses to start when the log dir holds "
                               "snapshot.* files and dataLogDir differs from dataDir");
}

TEST_F(DataDirTest, LogInSnapDirWarns) {
  Put("snapshot.5");
  Put("log.1");
  DataDirScan s = Scan(logs_);
  EXPECT_TRUE(s.logs.empty());
  EXPECT_EQ(s.ignored, (std::vector<std::string>{"log.1"}));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], "log.1 is in the snapshot dir " + data_ +
                               "/version-2: ZooKeeper refuses to start when the snapshot dir "
                               "holds log.* files and dataLogDir differs from dataDir");
}

TEST_F(DataDirTest, EvenUnparseableSnapshotNameInLogDirIsFatal) {
  Put("snapshot.zz", 16, logs_ + "/version-2");
  DataDirScan s = Scan(logs_);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("snapshot.zz is in the log dir"), std::string::npos);
}

TEST_F(DataDirTest, SameDirUnderTwoNamesWarns) {
  std::filesystem::create_directory_symlink(data_, root_ + "/alias");
  Put("snapshot.5");
  Put("log.1");
  DataDirScan s = Scan(root_ + "/alias");
  EXPECT_EQ(Names(s.snapshots), (std::vector<std::string>{"snapshot.5"}));
  EXPECT_EQ(Names(s.logs), (std::vector<std::string>{"log.1"}));
  ASSERT_EQ(s.warnings.size(), 3u);
  EXPECT_EQ(s.warnings[0], "dataDir and dataLogDir are one directory under two names (" + data_ +
                               "/version-2, " + root_ +
                               "/alias/version-2): ZooKeeper checks them as separate dirs and "
                               "refuses to start when they hold both snapshot.* and log.* files");
}

TEST_F(DataDirTest, TrailingSlashesMeanTheSameDir) {
  Put("snapshot.5");
  Put("log.1");
  auto r = ScanDataDirs(data_ + "/", data_ + "//");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->snap_dir, r->log_dir);
  EXPECT_EQ(r->logs.size(), 1u);
  EXPECT_TRUE(r->warnings.empty());
}

TEST_F(DataDirTest, StrangersAreIgnored) {
  Put("README");
  Put("log.xyz");
  Put(".snapshot.1.swp");
  DataDirScan s = Scan();
  EXPECT_EQ(s.ignored, (std::vector<std::string>{".snapshot.1.swp", "README", "log.xyz"}));
  EXPECT_TRUE(s.snapshots.empty());
  EXPECT_TRUE(s.logs.empty());
}

// ---- which logs a snapshot needs

std::vector<DataFile> Logs(std::initializer_list<int64_t> zxids) {
  std::vector<DataFile> out;
  for (int64_t z : zxids) {
    DataFile f;
    f.zxid = z;
    f.name = "log." + std::to_string(z);
    out.push_back(f);
  }
  return out;
}

std::vector<int64_t> Zxids(const std::vector<DataFile>& files) {
  std::vector<int64_t> out;
  for (const DataFile& f : files) out.push_back(f.zxid);
  return out;
}

TEST(DataDir, LogsNeededForExactBoundary) {
  auto logs = Logs({0x1, 0x1f, 0x40});
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x1f)), (std::vector<int64_t>{0x1f, 0x40}));
}

TEST(DataDir, LogsNeededForBetweenLogs) {
  auto logs = Logs({0x1, 0x1f, 0x40});
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x1e)), (std::vector<int64_t>{0x1, 0x1f, 0x40}));
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x3f)), (std::vector<int64_t>{0x1f, 0x40}));
}

TEST(DataDir, LogsNeededForNoLogAtOrBeforeSnapshot) {
  auto logs = Logs({0x10, 0x20});
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x5)), (std::vector<int64_t>{0x10, 0x20}));
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0)), (std::vector<int64_t>{0x10, 0x20}));
}

TEST(DataDir, LogsNeededForSnapshotBeyondAllLogs) {
  auto logs = Logs({0x1, 0x1f, 0x40});
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x500)), (std::vector<int64_t>{0x40}));
}

TEST(DataDir, LogsNeededForKeepsLogsSharingTheStartZxid) {
  auto logs = Logs({0x1, 0x1f, 0x1f, 0x40});
  EXPECT_EQ(Zxids(LogsNeededFor(logs, 0x30)), (std::vector<int64_t>{0x1f, 0x1f, 0x40}));
}

TEST(DataDir, LogsNeededForNoLogs) {
  EXPECT_TRUE(LogsNeededFor({}, 0x10).empty());
}

TEST_F(DataDirTest, LogsNeededForScannedFiles) {
  Put("snapshot.1f");
  Put("log.1");
  Put("log.1f");
  Put("log.30");
  DataDirScan s = Scan();
  EXPECT_EQ(Names(LogsNeededFor(s.logs, s.snapshots.back().zxid)),
            (std::vector<std::string>{"log.1f", "log.30"}));
}

// ---- epoch, myid, initialize

TEST_F(DataDirTest, EpochFiles) {
  PutText(data_ + "/version-2/currentEpoch", "5");
  PutText(data_ + "/version-2/acceptedEpoch", "6\n");
  Put("currentEpoch.tmp");
  Put("acceptedEpoch.tmp");
  Put("updatingEpoch");
  DataDirScan s = Scan();
  EXPECT_EQ(s.current_epoch, 5);
  EXPECT_EQ(s.accepted_epoch, 6);
  EXPECT_FALSE(s.current_epoch_invalid);
  EXPECT_TRUE(s.current_epoch_tmp);
  EXPECT_TRUE(s.accepted_epoch_tmp);
  EXPECT_TRUE(s.updating_epoch);
  EXPECT_TRUE(s.ignored.empty());
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(DataDirTest, NoEpochFiles) {
  DataDirScan s = Scan();
  EXPECT_EQ(s.current_epoch, std::nullopt);
  EXPECT_EQ(s.accepted_epoch, std::nullopt);
  EXPECT_FALSE(s.current_epoch_invalid);
  EXPECT_FALSE(s.current_epoch_tmp);
  EXPECT_FALSE(s.updating_epoch);
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(DataDirTest, EmptyCurrentEpochWarns) {
  PutText(data_ + "/version-2/currentEpoch", "");
  DataDirScan s = Scan();
  EXPECT_EQ(s.current_epoch, std::nullopt);
  EXPECT_TRUE(s.current_epoch_invalid);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], data_ +
                               "/version-2/currentEpoch is empty: ZooKeeper cannot read the "
                               "current epoch from it and refuses to start");
}

TEST_F(DataDirTest, GarbageAcceptedEpochWarns) {
  PutText(data_ + "/version-2/acceptedEpoch", " 7\n");
  DataDirScan s = Scan();
  EXPECT_EQ(s.accepted_epoch, std::nullopt);
  EXPECT_TRUE(s.accepted_epoch_invalid);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], data_ +
                               "/version-2/acceptedEpoch holds ' 7', not a number: ZooKeeper "
                               "refuses to start");
}

TEST_F(DataDirTest, AcceptedEpochBelowCurrentWarns) {
  PutText(data_ + "/version-2/currentEpoch", "9\n");
  PutText(data_ + "/version-2/acceptedEpoch", "8\n");
  DataDirScan s = Scan();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "acceptedEpoch 8 is less than currentEpoch 9: ZooKeeper refuses to start");
}

TEST_F(DataDirTest, MyidRead) {
  PutText(data_ + "/myid", "3\n");
  EXPECT_EQ(Scan().myid, 3);
}

TEST_F(DataDirTest, MyidPlaceholderWarns) {
  // Debian ships this text in /etc/zookeeper/conf/myid, which dataDir/myid links to.
  PutText(data_ + "/myid",
          "replace this text with the cluster-unique zookeeper's instance id (1-255)\n");
  DataDirScan s = Scan();
  EXPECT_EQ(s.myid, std::nullopt);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0].rfind(data_ + "/myid holds 'replace this text", 0), 0u) << s.warnings[0];
}

TEST_F(DataDirTest, StaleInitializeFileWarns) {
  Put("snapshot.5");
  PutText(data_ + "/initialize", "");
  DataDirScan s = Scan();
  EXPECT_TRUE(s.initialize_file);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], data_ +
                               "/initialize is stale (the dirs already hold data): ZooKeeper "
                               "deletes it at the next start and, if no snapshot loads, starts "
                               "with an empty database instead of failing");
}

TEST_F(DataDirTest, InitializeFileOnEmptyDirIsNotStale) {
  PutText(data_ + "/initialize", "");
  DataDirScan s = Scan();
  EXPECT_TRUE(s.initialize_file);
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(DataDirTest, InitializeFileBelongsToTheLogDir) {
  Put("snapshot.5");
  PutText(data_ + "/initialize", "");  // not where ZooKeeper looks when dataLogDir differs
  DataDirScan s = Scan(logs_);
  EXPECT_FALSE(s.initialize_file);
}

// ---- errors

TEST_F(DataDirTest, MissingDataDirIsNotFound) {
  auto r = ScanDataDirs(root_ + "/nope", root_ + "/nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "dataDir " + root_ + "/nope does not exist");
}

TEST_F(DataDirTest, MissingDataLogDirIsNotFound) {
  auto r = ScanDataDirs(data_, root_ + "/nologs");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "dataLogDir " + root_ + "/nologs does not exist");
}

TEST_F(DataDirTest, MissingVersion2IsNotFound) {
  std::filesystem::create_directories(root_ + "/bare");
  auto r = ScanDataDirs(root_ + "/bare", root_ + "/bare");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "snapshot dir " + root_ + "/bare/version-2 does not exist");
}

TEST_F(DataDirTest, DataDirThatIsAFile) {
  PutText(root_ + "/file", "x");
  auto r = ScanDataDirs(root_ + "/file", root_ + "/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "dataDir " + root_ + "/file is not a directory");
}

TEST_F(DataDirTest, PermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  ::chmod((data_ + "/version-2").c_str(), 0);
  auto r = ScanDataDirs(data_, data_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIoError);
  EXPECT_EQ(r.status().message(), "cannot list " + data_ + "/version-2: Permission denied");
}

}  // namespace
}  // namespace zkm
