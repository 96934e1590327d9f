// Damage in real ZooKeeper 3.8 logs (tests/fixtures) is never silently dropped
// (docs/DAMAGE.md): a damaged record followed by a valid, CRC-checked record makes
// the log damaged, naming both offsets; the benign endings (the zero padding of
// preallocation, one torn record at the very end) stay benign. Each case is injected
// into a copy of a fixture log, read alone and as part of its data dir.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "format/jute.h"
#include "format/txnlog.h"
#include "node/analysis.h"
#include "node/consolidate.h"
#include "test_files.h"

namespace zkm {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = ZKM_FIXTURES_DIR;
constexpr int32_t kMaxRecord = 2 * 4194304;  // the fixtures' jute.maxbuffer, as ZooKeeper bounds it

void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

// A scratch copy of a fixture data dir (zkm- prefixed, removed even when a test fails).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& from) {
    char tmpl[] = "/tmp/zkm-damage-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::copy(from, path_ + "/data", fs::copy_options::recursive);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string data() const { return path_ + "/data"; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Read {
  std::vector<TxnRecord> recs;
  Status status;
  LogEnd end = LogEnd::kNone;
  uint64_t end_offset = 0;
  int64_t valid_after = -1;
  int64_t after_padding = -1;
};

Read ReadBytes(const std::string& bytes) {
  Read out;
  MemorySource src(bytes);
  TxnLogReader r(src, kMaxRecord);
  out.status = r.ReadFileHeader();
  if (!out.status.ok()) return out;
  TxnRecord rec;
  while (r.Next(&rec)) out.recs.push_back(rec);
  out.status = r.status();
  out.end = r.end();
  out.end_offset = r.end_offset();
  out.valid_after = r.valid_record_after();
  out.after_padding = r.data_after_padding();
  return out;
}

// The last log standalone-plain's newest snapshot needs (several records, zero-padded).
const char* kSet = "standalone-plain/data";
const char* kLog = "log.44";

struct Fixture {
  std::string bytes;
  Read clean;
};

Fixture LoadLog() {
  Fixture f;
  f.bytes = Slurp(kFixtures + "/" + kSet + "/version-2/" + kLog);
  f.clean = ReadBytes(f.bytes);
  return f;
}

enum class Kind { kZeroLength, kBadCrc, kBadEor, kLengthBeyondFile };
const char* KindName(Kind k) {
  switch (k) {
    case Kind::kZeroLength:
      return "zero_length";
    case Kind::kBadCrc:
      return "bad_crc";
    case Kind::kBadEor:
      return "bad_eor";
    case Kind::kLengthBeyondFile:
      return "length_beyond_file";
  }
  return "?";
}

void Inject(Kind k, const TxnRecord& r, std::string* bytes) {
  size_t at = r.offset;
  switch (k) {
    case Kind::kZeroLength:
      StoreInt(&(*bytes)[at + 8], 0);
      break;
    case Kind::kBadCrc:
      (*bytes)[at + 12 + 20] = static_cast<char>((*bytes)[at + 12 + 20] ^ 0x10);  // the zxid
      break;
    case Kind::kBadEor:
      (*bytes)[at + 12 + static_cast<size_t>(r.length)] = 'A';
      break;
    case Kind::kLengthBeyondFile:
      StoreInt(&(*bytes)[at + 8], static_cast<int32_t>(bytes->size()));
      break;
  }
}

class DamageBeforeValid : public ::testing::TestWithParam<Kind> {};

// The damage sits in a middle record: the record after it is valid, so the log is damaged.
TEST_P(DamageBeforeValid, LogIsRefusedNamingBothOffsets) {
  Fixture f = LoadLog();
  ASSERT_TRUE(f.clean.status.ok()) << f.clean.status.ToString();
  ASSERT_EQ(f.clean.end, LogEnd::kZeroPadding);
  ASSERT_GE(f.clean.recs.size(), 3u);
  size_t k = f.clean.recs.size() / 2;
  const TxnRecord& victim = f.clean.recs[k];
  const TxnRecord& next = f.clean.recs[k + 1];
  std::string bad = f.bytes;
  Inject(GetParam(), victim, &bad);
  Read r = ReadBytes(bad);
  EXPECT_EQ(r.status.code(), Code::kCorrupt) << r.status.ToString();
  EXPECT_EQ(r.status.offset(), static_cast<int64_t>(victim.offset));
  EXPECT_EQ(r.recs.size(), k);
  EXPECT_EQ(r.valid_after, static_cast<int64_t>(next.offset));
  EXPECT_TRUE(Has(r.status.message(), "at offset " + std::to_string(victim.offset)));
  EXPECT_TRUE(Has(r.status.message(), "follows at offset " + std::to_string(next.offset) +
                                          " (zxid " + Hex(next.header.zxid) + ")"));
  // The one-file summary (what `check log.N` prints) says the same.
  MemorySource src(bad);
  TxnLogSummary s = SummarizeTxnLog(src, kMaxRecord);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.message(), r.status.message());
}

// The same damage in the data dir: analysis, consolidate refuse, naming the file.
TEST_P(DamageBeforeValid, DataDirIsRefused) {
  ScratchDir d(kFixtures + "/" + kSet);
  std::string log = d.data() + "/version-2/" + kLog;
  Fixture f = LoadLog();
  size_t k = f.clean.recs.size() / 2;
  std::string bad = f.bytes;
  Inject(GetParam(), f.clean.recs[k], &bad);
  Spit(log, bad);
  AnalyzeOptions o;
  o.data_dir = d.data();
  o.max_buffer = 4 << 20;
  DataTree tree;
  DataDirReport r = AnalyzeDataDir(o, &tree);
  ASSERT_FALSE(r.logs.empty());
  EXPECT_EQ(r.logs.back().file.name, kLog) << "the damaged log is the last one replayed";
  EXPECT_EQ(r.status.code(), Code::kCorrupt) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.ToString(), log));
  EXPECT_TRUE(
      Has(r.status.message(), "follows at offset " + std::to_string(f.clean.recs[k + 1].offset)));

  ConsolidateOptions co;
  co.source = o;
  co.out_dir = d.path();
  ConsolidateReport cr = Consolidate(co);
  EXPECT_EQ(cr.status.code(), Code::kCorrupt) << cr.status.ToString();
  for (const auto& e : fs::directory_iterator(d.path()))
    EXPECT_NE(e.path().filename().string().rfind("snapshot.", 0), 0u) << "nothing written";
}

INSTANTIATE_TEST_SUITE_P(Kinds, DamageBeforeValid,
                         ::testing::Values(Kind::kZeroLength, Kind::kBadCrc, Kind::kBadEor,
                                           Kind::kLengthBeyondFile),
                         [](const ::testing::TestParamInfo<Kind>& i) {
                           return std::string(KindName(i.param));
                         });

// ---- the benign endings

TEST(DamageBenign, UntouchedFixtureEndsInZeroPadding) {
  Fixture f = LoadLog();
  EXPECT_TRUE(f.clean.status.ok());
  EXPECT_EQ(f.clean.end, LogEnd::kZeroPadding);
  EXPECT_EQ(f.clean.after_padding, -1);
  EXPECT_EQ(f.clean.valid_after, -1);
}

TEST(DamageBenign, TornLastRecordAtEndOfFile) {
  Fixture f = LoadLog();
  const TxnRecord& last = f.clean.recs.back();
  // Cut anywhere inside the last record (no padding after it: the write was cut short).
  for (size_t keep : {size_t{5}, size_t{12}, size_t{40}, static_cast<size_t>(last.length) + 12}) {
    SCOPED_TRACE("kept " + std::to_string(keep));
    std::string part = f.bytes.substr(0, last.offset + keep);
    Read r = ReadBytes(part);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.end, LogEnd::kTornRecord);
    EXPECT_EQ(r.end_offset, last.offset);
    EXPECT_EQ(r.recs.size(), f.clean.recs.size() - 1);
  }
}

TEST(DamageBenign, TornLastRecordInThePreallocatedFile) {
  // A partial last write in a preallocated log: the tail of the record is still zero, so
  // its end-of-record byte is 0, or a zeroed length; the zero padding follows.
  Fixture f = LoadLog();
  const TxnRecord& last = f.clean.recs.back();
  std::string torn = f.bytes;
  std::fill(torn.begin() + static_cast<std::ptrdiff_t>(last.offset + 12 + 30),
            torn.begin() + static_cast<std::ptrdiff_t>(last.offset + 12 + last.length + 1), '\0');
  Read r = ReadBytes(torn);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.end, LogEnd::kBadEor);
  EXPECT_EQ(r.end_offset, last.offset);
  EXPECT_EQ(r.recs.size(), f.clean.recs.size() - 1);

  for (Kind k : {Kind::kZeroLength, Kind::kBadEor, Kind::kLengthBeyondFile}) {
    SCOPED_TRACE(KindName(k));
    std::string bad = f.bytes;
    Inject(k, last, &bad);
    Read b = ReadBytes(bad);
    EXPECT_TRUE(b.status.ok()) << b.status.ToString();
    EXPECT_EQ(b.recs.size(), f.clean.recs.size() - 1);
    EXPECT_EQ(b.valid_after, -1);
  }
}

TEST(DamageBenign, TornLastRecordInADataDirIsAWarning) {
  ScratchDir d(kFixtures + "/" + kSet);
  std::string log = d.data() + "/version-2/" + kLog;
  Fixture f = LoadLog();
  const TxnRecord& last = f.clean.recs.back();
  Spit(log, f.bytes.substr(0, last.offset + 20));
  AnalyzeOptions o;
  o.data_dir = d.data();
  o.max_buffer = 4 << 20;
  DataTree tree;
  DataDirReport r = AnalyzeDataDir(o, &tree);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.last_zxid, f.clean.recs[f.clean.recs.size() - 2].header.zxid);
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= w.find("partial record") != std::string::npos;
  EXPECT_TRUE(warned);
}

// ---- the scan itself

TEST(DamageScan, ValidRecordDeepInTheZeroPaddingIsFound) {
  // Zero padding, then 40,001 zero bytes later a copy of a real record: ZooKeeper stops at
  // the padding; the scan must not lose the record in the zero run it skips.
  Fixture f = LoadLog();
  const TxnRecord& first = f.clean.recs.front();
  std::string rec = f.bytes.substr(first.offset, 12 + static_cast<size_t>(first.length) + 1);
  std::string bad = f.bytes;
  size_t at = f.clean.end_offset + 40001;
  ASSERT_LT(at + rec.size(), bad.size());
  bad.replace(at, rec.size(), rec);
  Read r = ReadBytes(bad);
  EXPECT_EQ(r.status.code(), Code::kCorrupt) << r.status.ToString();
  EXPECT_EQ(r.status.offset(), static_cast<int64_t>(f.clean.end_offset));
  EXPECT_EQ(r.valid_after, static_cast<int64_t>(at));
  EXPECT_TRUE(Has(r.status.message(), "zero bytes where a record should start at offset " +
                                          std::to_string(f.clean.end_offset)));
}

TEST(DamageScan, GarbageWithoutAValidRecordAfterThePaddingOnlyWarns) {
  Fixture f = LoadLog();
  std::string bad = f.bytes;
  size_t at = f.clean.end_offset + 1000;
  bad.replace(at, 6, "\x00\x00\x00\x00zz", 6);
  bad.replace(at + 6, 30, std::string(30, 'B'));
  MemorySource src(bad);
  TxnLogSummary s = SummarizeTxnLog(src, kMaxRecord);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(Has(s.warnings[0], "non-zero data at offset " + std::to_string(at + 4)));
}

TEST(DamageScan, EveryRealLogScansCleanAndQuickly) {
  // Every fixture log, padding included, is scanned to its end: no false record found.
  size_t logs = 0;
  for (const auto& e : fs::recursive_directory_iterator(kFixtures)) {
    if (!e.is_regular_file() || e.path().filename().string().rfind("log.", 0) != 0) continue;
    ++logs;
    Read r = ReadBytes(Slurp(e.path().string()));
    EXPECT_TRUE(r.status.ok()) << e.path() << ": " << r.status.ToString();
    EXPECT_EQ(r.valid_after, -1) << e.path();
  }
  EXPECT_GT(logs, 10u);
}

TEST(DamageScan, A64MiBPreallocatedLogIsScannedToItsEnd) {
  // ZooKeeper's default preallocation: a few records, then 64 MiB of zeros.
  Fixture f = LoadLog();
  std::string big = f.bytes.substr(0, f.clean.end_offset);
  big.resize(64u << 20, '\0');
  Read r = ReadBytes(big);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.end, LogEnd::kZeroPadding);
  // ... and a record at its very end is still seen.
  const TxnRecord& first = f.clean.recs.front();
  std::string rec = f.bytes.substr(first.offset, 12 + static_cast<size_t>(first.length) + 1);
  big.replace(big.size() - rec.size(), rec.size(), rec);
  r = ReadBytes(big);
  EXPECT_EQ(r.status.code(), Code::kCorrupt);
  EXPECT_EQ(r.valid_after, static_cast<int64_t>(big.size() - rec.size()));
}

// ---- logs tied to their cluster and epoch, digests or not (docs/DAMAGE.md)

DataDirReport AnalyzeAt(const std::string& data, const std::string& log = "") {
  AnalyzeOptions o;
  o.data_dir = data;
  o.log_dir = log;
  o.max_buffer = 4 << 20;
  DataTree tree;
  return AnalyzeDataDir(o, &tree);
}

// A scratch copy of ensemble-3node/node1 (dataDir and dataLogDir).
class EnsembleScratch {
 public:
  EnsembleScratch() {
    char tmpl[] = "/tmp/zkm-damage-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::copy(kFixtures + "/ensemble-3node/node1", path_, fs::copy_options::recursive);
  }
  ~EnsembleScratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string data() const { return path_ + "/data"; }
  std::string log() const { return path_ + "/datalog"; }
  std::string epoch_file(const char* name) const { return data() + "/version-2/" + name; }

 private:
  std::string path_;
};

TEST(DamageEpoch, EnsembleNodeWithItsEpochFilesIsFine) {
  EnsembleScratch e;
  DataDirReport r = AnalyzeAt(e.data(), e.log());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(EpochOf(r.last_zxid), 2);
}

TEST(DamageEpoch, EpochAboveAcceptedEpochIsRefused) {
  EnsembleScratch e;
  Spit(e.epoch_file("acceptedEpoch"), "1");
  Spit(e.epoch_file("currentEpoch"), "1");
  DataDirReport r = AnalyzeAt(e.data(), e.log());
  EXPECT_EQ(r.status.code(), Code::kMismatch) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "is in epoch 2, above this node's acceptedEpoch 1"));
}

TEST(DamageEpoch, EpochAboveCurrentEpochIsRefusedUnlessATmpFileSaysWhy) {
  EnsembleScratch e;
  Spit(e.epoch_file("currentEpoch"), "1");
  DataDirReport r = AnalyzeAt(e.data(), e.log());
  EXPECT_EQ(r.status.code(), Code::kMismatch) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "above this node's currentEpoch 1"));
  // ZooKeeper takes currentEpoch.tmp (an interrupted epoch update) as the current epoch.
  Spit(e.epoch_file("currentEpoch.tmp"), "2");
  DataDirReport t = AnalyzeAt(e.data(), e.log());
  EXPECT_TRUE(t.status.ok()) << t.status.ToString();
}

TEST(DamageEpoch, NewEpochMustStartItsCounterAtOne) {
  // Drop node1's first epoch-2 log: the next one starts at counter 0xf, not 1.
  EnsembleScratch e;
  // Keep only the epoch-1 snapshots, so replay crosses into epoch 2.
  fs::remove(e.data() + "/version-2/snapshot.20000000d");
  fs::remove(e.data() + "/version-2/snapshot.200000020");
  DataDirReport before = AnalyzeAt(e.data(), e.log());
  ASSERT_TRUE(before.status.ok()) << before.status.ToString();
  std::vector<std::string> names;
  for (const LogUse& u : before.logs) names.push_back(u.file.name);
  ASSERT_NE(std::find(names.begin(), names.end(), "log.200000001"), names.end())
      << "the newest snapshot needs the epoch-2 logs";
  fs::remove(e.log() + "/version-2/log.200000001");
  DataDirReport r = AnalyzeAt(e.data(), e.log());
  EXPECT_EQ(r.status.code(), Code::kGap) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "jump from zxid "));
}

TEST(DamageEpoch, GapInsideAnEpochNamesBothZxids) {
  // Remove one record from the middle of the last log (re-framed, CRCs right).
  ScratchDir d(kFixtures + "/" + kSet);
  std::string log = d.data() + "/version-2/" + kLog;
  Fixture f = LoadLog();
  size_t k = f.clean.recs.size() / 2;
  const TxnRecord& gone = f.clean.recs[k];
  std::string cut = f.bytes;
  cut.erase(gone.offset, f.clean.recs[k + 1].offset - gone.offset);
  Spit(log, cut);
  DataDirReport r = AnalyzeAt(d.data());
  EXPECT_EQ(r.status.code(), Code::kGap) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "from zxid " + Hex(f.clean.recs[k - 1].header.zxid) + " to " +
                                          Hex(f.clean.recs[k + 1].header.zxid)));
}

// Re-frames every record of a log with zxid = zxid_of(index) and without its TxnDigest
// (digests off), CRCs recomputed.
std::string Renumber(const std::string& bytes, const std::vector<TxnRecord>& recs,
                     const std::function<int64_t(size_t)>& zxid_of) {
  std::string out = bytes.substr(0, 16);
  for (size_t i = 0; i < recs.size(); ++i) {
    std::string payload = bytes.substr(recs[i].offset + 12, static_cast<size_t>(recs[i].length));
    if (recs[i].has_digest) payload.resize(payload.size() - kTxnDigestSize);
    StoreLong(&payload[12], zxid_of(i));
    char pre[12];
    StoreLong(pre, Adler32(payload));
    StoreInt(pre + 8, static_cast<int32_t>(payload.size()));
    out.append(pre, 12);
    out += payload;
    out.push_back('B');
  }
  out.resize(out.size() + 4096, '\0');
  return out;
}

std::string JavaHexName(const char* prefix, int64_t z) {
  char b[40];
  std::snprintf(b, sizeof b, "%s.%llx", prefix, static_cast<unsigned long long>(z));
  return b;
}

TEST(DamageForeign, LogOfAnotherClusterInAStandaloneDirIsRefused) {
  // standalone-nodigest (epoch 0, no digests, no myid, no epoch files) gets ensemble
  // node1's epoch-2 log, digests stripped: a standalone server never changes epoch.
  std::string foreign = Slurp(kFixtures + "/ensemble-3node/node1/datalog/version-2/log.200000001");
  Read fr = ReadBytes(foreign);
  ASSERT_TRUE(fr.status.ok());
  ScratchDir d(kFixtures + "/standalone-nodigest/data");
  DataDirReport before = AnalyzeAt(d.data());
  ASSERT_TRUE(before.status.ok()) << before.status.ToString();
  ASSERT_EQ(before.replay.digests_compared, 0u) << "the set has no digests";
  Spit(d.data() + "/version-2/log.200000001",
       Renumber(foreign, fr.recs, [&](size_t i) { return fr.recs[i].header.zxid; }));
  DataDirReport r = AnalyzeAt(d.data());
  EXPECT_EQ(r.status.code(), Code::kMismatch) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "to epoch 2 (zxid 0x200000001) in the data of a standalone"));
}

TEST(DamageForeign, EpochJumpInAnEnsembleNodeIsAWarning) {
  // An epoch without txns (an election, no writes) is legitimate: node1's epoch-2 logs
  // renumbered into epoch 4 (files renamed, acceptedEpoch/currentEpoch 4) only warn.
  EnsembleScratch e;
  fs::remove(e.data() + "/version-2/snapshot.20000000d");
  fs::remove(e.data() + "/version-2/snapshot.200000020");
  for (const char* name : {"log.200000001", "log.20000000f", "log.200000022"}) {
    std::string path = e.log() + "/version-2/" + name;
    std::string bytes = Slurp(path);
    Read lr = ReadBytes(bytes);
    ASSERT_TRUE(lr.status.ok());
    fs::remove(path);
    auto to4 = [&](size_t i) { return (int64_t{4} << 32) | CounterOf(lr.recs[i].header.zxid); };
    Spit(e.log() + "/version-2/" + JavaHexName("log", to4(0)), Renumber(bytes, lr.recs, to4));
  }
  Spit(e.epoch_file("acceptedEpoch"), "4");
  Spit(e.epoch_file("currentEpoch"), "4");
  DataDirReport r = AnalyzeAt(e.data(), e.log());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(EpochOf(r.last_zxid), 4);
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= Has(w, "to epoch 4 (zxid 0x400000001)");
  EXPECT_TRUE(warned);
}

TEST(DamageForeign, RenumberedLogThatConflictsWithTheTreeIsRefused) {
  // standalone-plain's first log, digests stripped and renumbered to continue
  // standalone-nodigest's sequence: its creates find nodes that already exist (or its
  // txns find none), which no fuzzy snapshot explains.
  std::string foreign = Slurp(kFixtures + "/standalone-plain/data/version-2/log.1");
  Read fr = ReadBytes(foreign);
  ASSERT_TRUE(fr.status.ok());
  ScratchDir d(kFixtures + "/standalone-nodigest/data");
  DataDirReport before = AnalyzeAt(d.data());
  ASSERT_TRUE(before.status.ok());
  int64_t next = before.last_zxid + 1;
  Spit(d.data() + "/version-2/" + JavaHexName("log", next),
       Renumber(foreign, fr.recs, [&](size_t i) { return next + static_cast<int64_t>(i); }));
  DataDirReport r = AnalyzeAt(d.data());
  EXPECT_EQ(r.status.code(), Code::kMismatch) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "do not belong to this tree")) << r.status.ToString();
}

TEST(DamageEpoch, FirstLogMustExtendTheSnapshot) {
  // The log holding snapshot zxid + 1 is gone: the next one does not extend the snapshot.
  ScratchDir d(kFixtures + "/" + kSet);
  DataDirReport before = AnalyzeAt(d.data());
  ASSERT_TRUE(before.status.ok());
  ASSERT_GE(before.logs.size(), 2u);
  fs::remove(before.logs.front().file.path);
  DataDirReport r = AnalyzeAt(d.data());
  EXPECT_EQ(r.status.code(), Code::kGap) << r.status.ToString();
  EXPECT_TRUE(Has(r.status.message(), "right after the snapshot are missing"));
}

}  // namespace
}  // namespace zkm
