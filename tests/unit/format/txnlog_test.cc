// Tests for the txn-log reader (txnlog.h). Logs are built here from valid bytes with a tiny
// Jute encoder (correct Adler-32 on every record), then damaged; one named test per case.
// The last test reads the real ZooKeeper 3.8 logs under tests/fixtures.
#include "format/txnlog.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace zkm {
namespace {

// ---- building logs

class Jute {
 public:
  Jute& Int(int32_t v) {
    char t[4];
    StoreInt(t, v);
    b_.append(t, 4);
    return *this;
  }
  Jute& Long(int64_t v) {
    char t[8];
    StoreLong(t, v);
    b_.append(t, 8);
    return *this;
  }
  Jute& Bool(bool v) {
    b_.push_back(v ? 1 : 0);
    return *this;
  }
  Jute& Buf(std::string_view s) {
    Int(static_cast<int32_t>(s.size()));
    b_.append(s.data(), s.size());
    return *this;
  }
  Jute& Null() { return Int(-1); }
  Jute& Raw(std::string_view s) {
    b_.append(s.data(), s.size());
    return *this;
  }
  Jute& Acls(const AclList& acls) {
    Int(static_cast<int32_t>(acls.size()));
    for (const Acl& a : acls) Int(a.perms).Buf(a.scheme).Buf(a.id);
    return *this;
  }
  const std::string& str() const { return b_; }
  operator std::string() const { return b_; }       // NOLINT(runtime/explicit)
  operator std::string_view() const { return b_; }  // NOLINT(runtime/explicit)

 private:
  std::string b_;
};

const AclList kOpen = {{31, "world", "anyone"}};
constexpr int64_t kSession = 0x0100000C2C6C0000;
constexpr int64_t kTime = 0x000001A2106EFB95;
constexpr int64_t kDigest = 0x1234567890ABCDEF;

std::string FileHeader(int32_t magic = kLogMagic, int32_t version = 2, int64_t dbid = 0) {
  return Jute().Int(magic).Int(version).Long(dbid);
}

std::string Payload(int32_t type, std::string_view body, int64_t zxid,
                    std::optional<int64_t> digest = kDigest) {
  Jute j;
  j.Long(kSession).Int(7).Long(zxid).Long(kTime).Int(type).Raw(body);
  if (digest) j.Int(2).Long(*digest);
  return j;
}

// crc + len + payload + EOR, with the correct Adler-32 unless told otherwise.
std::string Frame(std::string_view payload, uint8_t eor = kEndOfRecord) {
  std::string r = Jute().Long(Adler32(payload)).Int(static_cast<int32_t>(payload.size()));
  r.append(payload.data(), payload.size());
  r.push_back(static_cast<char>(eor));
  return r;
}

class LogBuilder {
 public:
  LogBuilder() : bytes(FileHeader()) {}
  LogBuilder& Add(int32_t type, std::string_view body, std::optional<int64_t> digest = kDigest) {
    return AddPayload(Payload(type, body, next_zxid++, digest));
  }
  LogBuilder& AddPayload(std::string_view payload) {
    offsets.push_back(bytes.size());
    bytes += Frame(payload);
    return *this;
  }
  std::string bytes;
  std::vector<size_t> offsets;  // record offsets
  int64_t next_zxid = 1;
};

std::string CreateBody(const std::string& path, bool ephemeral = false, int32_t pcv = 3) {
  return Jute().Buf(path).Buf("data").Acls(kOpen).Bool(ephemeral).Int(pcv);
}

// Hands out at most `chunk` bytes per Read, to exercise buffer refills.
class ChunkedSource : public ByteSource {
 public:
  ChunkedSource(std::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t chunk_, pos_ = 0;
};

// Fails with an I/O error once `good` bytes were delivered.
class FailingSource : public ByteSource {
 public:
  FailingSource(std::string_view data, size_t good) : inner_(data.substr(0, good)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    auto r = inner_.Read(buf, n);
    if (r.ok() && *r == 0) return Status::Io("disk on fire");
    return r;
  }

 private:
  MemorySource inner_;
};

struct ReadOut {
  Status header;
  std::vector<TxnRecord> recs;
  LogEnd end = LogEnd::kNone;
  uint64_t end_offset = 0;
  Status status;
  int64_t after_padding = -1;
};

ReadOut ReadLog(ByteSource& src, int32_t max_record = kDefaultJuteLimit) {
  ReadOut out;
  TxnLogReader r(src, max_record);
  out.header = r.ReadFileHeader();
  if (!out.header.ok()) return out;
  TxnRecord rec;
  while (r.Next(&rec)) out.recs.push_back(rec);
  out.end = r.end();
  out.end_offset = r.end_offset();
  out.status = r.status();
  out.after_padding = r.data_after_padding();
  return out;
}

ReadOut ReadLog(const std::string& bytes, int32_t max_record = kDefaultJuteLimit) {
  MemorySource src(bytes);
  return ReadLog(src, max_record);
}

// Reads one record of `type` and `body` and expects it clean.
TxnRecord ReadOne(int32_t type, std::string_view body, std::optional<int64_t> digest = kDigest) {
  LogBuilder b;
  b.Add(type, body, digest);
  ReadOut out = ReadLog(b.bytes);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.recs.size(), 1u);
  EXPECT_EQ(out.end, LogEnd::kEof);
  return out.recs.empty() ? TxnRecord() : out.recs[0];
}

::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

std::string AllWarnings(const TxnLogSummary& s) {
  std::string all;
  for (const std::string& w : s.warnings) all += w + "\n";
  return all;
}

void SetInt(std::string* bytes, size_t at, int32_t v) {
  StoreInt(&(*bytes)[at], v);
}

// ---- valid logs

TEST(TxnLog, HeaderOnlyFileHasNoRecords) {
  std::string log = FileHeader(kLogMagic, 2, 0);
  MemorySource src(log);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.version, 2);
  EXPECT_EQ(s.dbid, 0);
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.first_zxid, -1);
  EXPECT_EQ(s.end, LogEnd::kEof);
  EXPECT_EQ(s.end_offset, 16u);
  EXPECT_EQ(s.file_bytes, 16u);
  EXPECT_TRUE(s.warnings.empty()) << AllWarnings(s);
}

TEST(TxnLog, AppendixARecordHasTheKnownCrc) {
  // docs/FORMATS.md Appendix A: the first record of a real 3.8.0 log.
  std::string payload = Jute()
                            .Long(kSession)
                            .Int(0)
                            .Long(1)
                            .Long(kTime)
                            .Int(kTxnCreateSession)
                            .Int(6000)
                            .Int(2)
                            .Long(1371985504);
  ASSERT_EQ(payload.size(), 48u);
  EXPECT_EQ(Adler32(payload), 0xAF290A21u);
  std::string log = FileHeader() + Frame(payload);
  ReadOut out = ReadLog(log);
  ASSERT_EQ(out.recs.size(), 1u) << out.status.ToString();
  const TxnRecord& r = out.recs[0];
  EXPECT_EQ(r.offset, 16u);
  EXPECT_EQ(r.length, 48);
  EXPECT_EQ(r.header.client_id, kSession);
  EXPECT_EQ(r.header.cxid, 0);
  EXPECT_EQ(r.header.zxid, 1);
  EXPECT_EQ(r.header.time, kTime);
  EXPECT_EQ(r.op.type, kTxnCreateSession);
  EXPECT_EQ(r.op.timeout, 6000);
  EXPECT_TRUE(r.has_digest);
  EXPECT_EQ(r.digest_version, 2);
  EXPECT_EQ(r.digest, 1371985504);
  EXPECT_TRUE(r.anomaly.empty());
}

TEST(TxnLog, DecodesCreateAndCreate2) {
  AclList acls = {{1, "digest", "u:hash"}, {31, "ip", "127.0.0.1"}};
  TxnRecord r = ReadOne(kTxnCreate, Jute().Buf("/a").Null().Acls(acls).Bool(true).Int(9));
  EXPECT_EQ(r.op.path, "/a");
  EXPECT_TRUE(r.op.data_null);
  EXPECT_EQ(r.op.acl, acls);
  EXPECT_TRUE(r.op.ephemeral);
  EXPECT_EQ(r.op.parent_cversion, 9);
  EXPECT_FALSE(r.op.create_v0);
  EXPECT_TRUE(r.has_digest);
  EXPECT_EQ(r.digest, kDigest);

  r = ReadOne(kTxnCreate2, Jute().Buf("/b").Buf("").Acls(kOpen).Bool(false).Int(-1));
  EXPECT_EQ(r.op.type, kTxnCreate2);
  EXPECT_EQ(r.op.data, "");
  EXPECT_FALSE(r.op.data_null);
  EXPECT_EQ(r.op.parent_cversion, -1);
  EXPECT_STREQ(TxnTypeName(r.op.type), "create2");
}

TEST(TxnLog, DecodesCreateV0Fallback) {
  // A pre-3.x CreateTxnV0 has no parentCVersion: the body ends after `ephemeral`.
  TxnRecord r =
      ReadOne(kTxnCreate, Jute().Buf("/old").Buf("x").Acls(kOpen).Bool(false), std::nullopt);
  EXPECT_TRUE(r.op.create_v0);
  EXPECT_EQ(r.op.parent_cversion, -1);
  EXPECT_EQ(r.op.path, "/old");
  EXPECT_FALSE(r.has_digest);
  EXPECT_TRUE(r.anomaly.empty()) << r.anomaly;
}

TEST(TxnLog, DecodesCreateContainerAndCreateTtl) {
  TxnRecord r = ReadOne(kTxnCreateContainer, Jute().Buf("/c").Buf("d").Acls(kOpen).Int(4));
  EXPECT_EQ(r.op.path, "/c");
  EXPECT_EQ(r.op.parent_cversion, 4);
  EXPECT_FALSE(r.op.ephemeral);
  EXPECT_TRUE(r.has_digest);
  r = ReadOne(kTxnCreateTtl, Jute().Buf("/t").Buf("d").Acls(kOpen).Int(5).Long(60000));
  EXPECT_EQ(r.op.parent_cversion, 5);
  EXPECT_EQ(r.op.ttl, 60000);
  EXPECT_STREQ(TxnTypeName(kTxnCreateTtl), "createTTL");
}

TEST(TxnLog, DecodesDeleteAndDeleteContainer) {
  EXPECT_EQ(ReadOne(kTxnDelete, Jute().Buf("/gone")).op.path, "/gone");
  TxnRecord r = ReadOne(kTxnDeleteContainer, Jute().Buf("/c"));
  EXPECT_EQ(r.op.type, kTxnDeleteContainer);
  EXPECT_EQ(r.op.path, "/c");
}

TEST(TxnLog, DecodesSetDataAndReconfig) {
  TxnRecord r = ReadOne(kTxnSetData, Jute().Buf("/a").Null().Int(3));
  EXPECT_EQ(r.op.path, "/a");
  EXPECT_TRUE(r.op.data_null);
  EXPECT_EQ(r.op.version, 3);
  r = ReadOne(kTxnReconfig, Jute().Buf("/zookeeper/config").Buf("server.1=h:1:2").Int(-1));
  EXPECT_EQ(r.op.data, "server.1=h:1:2");
  EXPECT_EQ(r.op.version, -1);
}

TEST(TxnLog, DecodesSetAcl) {
  AclList acls = {{1, "world", "anyone"}};
  TxnRecord r = ReadOne(kTxnSetAcl, Jute().Buf("/a").Acls(acls).Int(2));
  EXPECT_EQ(r.op.acl, acls);
  EXPECT_EQ(r.op.version, 2);
}

TEST(TxnLog, DecodesStandaloneErrorWithoutDigest) {
  TxnRecord r = ReadOne(kTxnError, Jute().Int(-110), std::nullopt);
  EXPECT_EQ(r.length, 36);  // 32 + 4, as verified on 3.8.0
  EXPECT_EQ(r.op.err, -110);
  EXPECT_FALSE(r.has_digest);
  EXPECT_TRUE(r.anomaly.empty());
}

TEST(TxnLog, CloseSessionWithBody) {
  TxnRecord r = ReadOne(kTxnCloseSession, Jute().Int(0));
  EXPECT_EQ(r.length, 48);
  EXPECT_TRUE(r.op.close_has_body);
  EXPECT_TRUE(r.op.paths_to_delete.empty());
  EXPECT_TRUE(r.has_digest);
  r = ReadOne(kTxnCloseSession, Jute().Int(2).Buf("/eph/a").Buf("/eph/b"));
  EXPECT_TRUE(r.op.close_has_body);
  EXPECT_EQ(r.op.paths_to_delete, (std::vector<std::string>{"/eph/a", "/eph/b"}));
  EXPECT_EQ(r.digest, kDigest);
  // Digest disabled: the body alone.
  r = ReadOne(kTxnCloseSession, Jute().Int(1).Buf("/e"), std::nullopt);
  EXPECT_TRUE(r.op.close_has_body);
  EXPECT_FALSE(r.has_digest);
  EXPECT_EQ(r.op.paths_to_delete.size(), 1u);
}

TEST(TxnLog, CloseSessionWithoutBody) {
  TxnRecord r = ReadOne(kTxnCloseSession, "", std::nullopt);  // <= 3.5
  EXPECT_EQ(r.length, 32);
  EXPECT_FALSE(r.op.close_has_body);
  EXPECT_FALSE(r.has_digest);
  EXPECT_TRUE(r.anomaly.empty());
}

TEST(TxnLog, CloseSessionDigestOnly) {
  // closeSessionTxn disabled: len 44, the 12 bytes are the digest, not a body.
  TxnRecord r = ReadOne(kTxnCloseSession, "", kDigest);
  EXPECT_EQ(r.length, 44);
  EXPECT_FALSE(r.op.close_has_body);
  EXPECT_TRUE(r.has_digest);
  EXPECT_EQ(r.digest, kDigest);
  // A digest < 2^32 parses as "2 strings" whose second length overruns: still the digest.
  r = ReadOne(kTxnCloseSession, "", 0x10);
  EXPECT_FALSE(r.op.close_has_body);
  EXPECT_EQ(r.digest, 0x10);
  // Digest 0 would parse as two empty paths; a node path is never empty, so it is a digest.
  r = ReadOne(kTxnCloseSession, "", 0);
  EXPECT_FALSE(r.op.close_has_body);
  EXPECT_TRUE(r.has_digest);
  EXPECT_TRUE(r.op.paths_to_delete.empty());
}

TEST(TxnLog, CloseSessionUnparseableTailIsAnAnomaly) {
  TxnRecord r = ReadOne(kTxnCloseSession, Jute().Int(1000).Int(5), std::nullopt);
  EXPECT_FALSE(r.op.close_has_body);
  EXPECT_FALSE(r.has_digest);
  EXPECT_TRUE(Has(r.anomaly, "8 unexpected bytes after the closeSession body (at byte 60)"));
}

std::string Sub(int32_t type, std::string_view body) {
  return Jute().Int(type).Buf(body);
}

TEST(TxnLog, DecodesSuccessfulMulti) {
  std::string body =
      Jute()
          .Int(8)
          .Raw(Sub(kTxnCreate, CreateBody("/m/a", false, 1)))
          .Raw(Sub(kTxnCreate2, CreateBody("/m/b", true, 2)))
          .Raw(Sub(kTxnCreateContainer, Jute().Buf("/m/c").Null().Acls(kOpen).Int(3)))
          .Raw(Sub(kTxnCreateTtl, Jute().Buf("/m/t").Buf("").Acls(kOpen).Int(4).Long(5)))
          .Raw(Sub(kTxnSetData, Jute().Buf("/m/a").Buf("v").Int(1)))
          .Raw(Sub(kTxnCheck, Jute().Buf("/m").Int(7)))
          .Raw(Sub(kTxnDelete, Jute().Buf("/m/b")))
          .Raw(Sub(kTxnDeleteContainer, Jute().Buf("/m/c")));
  TxnRecord r = ReadOne(kTxnMulti, body);
  ASSERT_EQ(r.op.ops.size(), 8u);
  EXPECT_EQ(r.op.ops[0].path, "/m/a");
  EXPECT_EQ(r.op.ops[0].parent_cversion, 1);
  EXPECT_TRUE(r.op.ops[1].ephemeral);
  EXPECT_TRUE(r.op.ops[2].data_null);
  EXPECT_EQ(r.op.ops[3].ttl, 5);
  EXPECT_EQ(r.op.ops[4].data, "v");
  EXPECT_EQ(r.op.ops[5].type, kTxnCheck);
  EXPECT_EQ(r.op.ops[5].version, 7);
  EXPECT_EQ(r.op.ops[6].path, "/m/b");
  EXPECT_EQ(r.op.ops[7].type, kTxnDeleteContainer);
  EXPECT_TRUE(r.has_digest);
  EXPECT_TRUE(r.anomaly.empty()) << r.anomaly;
}

TEST(TxnLog, DecodesFailedMultiWithOversizedErrorSubPayload) {
  // As ZooKeeper writes a failed multi: ops before the failure keep their body, the failing
  // op is -1 with its code, later ops -1 with -2. The -110 op carries a stale 550-byte body.
  std::string stale = Jute().Int(-110).Raw(std::string(546, 'z'));
  std::string body = Jute()
                         .Int(3)
                         .Raw(Sub(kTxnCreate, CreateBody("/f/a")))
                         .Raw(Sub(kTxnError, stale))
                         .Raw(Sub(kTxnError, Jute().Int(-2)));
  TxnRecord r = ReadOne(kTxnMulti, body);
  ASSERT_EQ(r.op.ops.size(), 3u);
  EXPECT_EQ(r.op.ops[0].type, kTxnCreate);
  EXPECT_EQ(r.op.ops[0].path, "/f/a");
  EXPECT_EQ(r.op.ops[1].type, kTxnError);
  EXPECT_EQ(r.op.ops[1].err, -110);
  EXPECT_EQ(r.op.ops[2].err, -2);
  EXPECT_TRUE(r.has_digest);  // read after skipping to the end of each sub-buffer
  EXPECT_EQ(r.digest, kDigest);
  EXPECT_TRUE(r.anomaly.empty()) << r.anomaly;
}

TEST(TxnLog, TrailingBytesAreAnAnomaly) {
  TxnRecord r = ReadOne(kTxnDelete, Jute().Buf("/a").Raw("12345"), std::nullopt);
  EXPECT_EQ(r.op.path, "/a");
  EXPECT_FALSE(r.has_digest);
  EXPECT_TRUE(Has(r.anomaly, "5 unexpected bytes after the delete body (at byte 66)"));
}

TEST(TxnLog, ZeroPaddingIsACleanEnd) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  size_t data_end = b.bytes.size();
  b.bytes += std::string(65552 - data_end, '\0');
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.end, LogEnd::kZeroPadding);
  EXPECT_EQ(s.end_offset, data_end);
  EXPECT_EQ(s.file_bytes, 65552u);
  EXPECT_TRUE(s.warnings.empty()) << AllWarnings(s);
}

TEST(TxnLog, SummaryCountsTypesAndDigests) {
  LogBuilder b;
  b.Add(kTxnCreateSession, Jute().Int(6000))
      .Add(kTxnCreate, CreateBody("/a"))
      .Add(kTxnError, Jute().Int(-101), std::nullopt)
      .Add(kTxnMulti, Jute()
                          .Int(2)
                          .Raw(Sub(kTxnCreate, CreateBody("/a/b")))
                          .Raw(Sub(kTxnCheck, Jute().Buf("/a").Int(1))))
      .Add(kTxnCloseSession, Jute().Int(0));
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.records, 5u);
  EXPECT_EQ(s.first_zxid, 1);
  EXPECT_EQ(s.last_zxid, 5);
  EXPECT_EQ(s.with_digest, 4u);
  std::map<std::string, uint64_t> want = {
      {"createSession", 1}, {"create", 1},      {"error", 1},       {"multi", 1},
      {"multi.create", 1},  {"multi.check", 1}, {"closeSession", 1}};
  EXPECT_EQ(s.counts_by_type, want);
  EXPECT_EQ(s.end, LogEnd::kEof);
  EXPECT_EQ(s.file_bytes, b.bytes.size());
  EXPECT_TRUE(s.warnings.empty()) << AllWarnings(s);
}

TEST(TxnLog, SummaryWarnsOnZxidGapsInsideTheFile) {
  LogBuilder b;
  for (int64_t z : {int64_t{1}, int64_t{2}, int64_t{4}, int64_t{0x100000001}, int64_t{0x200000005},
                    int64_t{0x200000003}}) {
    b.AddPayload(Payload(kTxnDelete, Jute().Buf("/a"), z));
  }
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok());
  ASSERT_EQ(s.warnings.size(), 3u) << AllWarnings(s);
  EXPECT_EQ(s.warnings[0],
            "intra-epoch gap: zxid 0x4 at offset " + std::to_string(b.offsets[2]) + " follows 0x2");
  EXPECT_EQ(s.warnings[1], "inter-epoch gap: zxid 0x200000005 at offset " +
                               std::to_string(b.offsets[4]) + " follows 0x100000001");
  EXPECT_TRUE(Has(s.warnings[2], "zxid 0x200000003 at offset " + std::to_string(b.offsets[5]) +
                                     " does not increase (previous 0x200000005)"));
  EXPECT_EQ(s.first_zxid, 1);
  EXPECT_EQ(s.last_zxid, 0x200000003);  // the last record, not the largest
}

TEST(TxnLog, ReadsLargeRecordsAcrossSmallReads) {
  LogBuilder b;
  std::string big(1500000, 'q');  // over the 1 MiB buffer, under the default limit
  b.Add(kTxnSetData, Jute().Buf("/big").Buf(big).Int(1));
  for (int i = 0; i < 2000; ++i) b.Add(kTxnDelete, Jute().Buf("/n" + std::to_string(i)));
  b.Add(kTxnSetData, Jute().Buf("/big").Buf(big).Int(2));
  ChunkedSource src(b.bytes, 4093);
  ReadOut out = ReadLog(src);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.recs.size(), 2002u);
  EXPECT_EQ(out.recs[0].op.data, big);
  EXPECT_EQ(out.recs[1234].op.path, "/n1233");
  EXPECT_EQ(out.recs[2001].offset, b.offsets[2001]);
  EXPECT_EQ(out.recs[2001].op.data.size(), big.size());
  EXPECT_EQ(out.end, LogEnd::kEof);
}

TEST(TxnLog, ReusedRecordHoldsOnlyTheNewTxn) {
  LogBuilder b;
  b.Add(kTxnMulti, Jute().Int(1).Raw(Sub(kTxnDelete, Jute().Buf("/x"))))
      .Add(kTxnCreate, CreateBody("/y", true));
  MemorySource src(b.bytes);
  TxnLogReader r(src);
  ASSERT_TRUE(r.ReadFileHeader().ok());
  TxnRecord rec;
  ASSERT_TRUE(r.Next(&rec));
  EXPECT_EQ(rec.op.ops.size(), 1u);
  ASSERT_TRUE(r.Next(&rec));
  EXPECT_TRUE(rec.op.ops.empty());
  EXPECT_EQ(rec.op.path, "/y");
  EXPECT_FALSE(r.Next(&rec));
  EXPECT_FALSE(r.Next(&rec));  // stays at the end
  EXPECT_EQ(r.end(), LogEnd::kEof);
}

// ---- damage

TEST(TxnLogDamage, TruncationAtEveryOffsetIsTornOrClean) {
  LogBuilder b;
  b.Add(kTxnCreate, CreateBody("/a")).Add(kTxnCloseSession, Jute().Int(1).Buf("/a"));
  const std::string& full = b.bytes;
  const size_t r1 = b.offsets[0], r2 = b.offsets[1];
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::string part = full.substr(0, cut);
    ChunkedSource src(part, 7);
    ReadOut out = ReadLog(src);
    if (cut < 16) {
      EXPECT_EQ(out.header.code(), Code::kTruncated);
      EXPECT_TRUE(Has(out.header.message(), cut == 0 ? "zero-length log" : "header truncated"));
      continue;
    }
    EXPECT_TRUE(out.status.ok()) << out.status.ToString();
    size_t want_recs = cut >= full.size() ? 2 : cut >= r2 ? 1 : 0;
    EXPECT_EQ(out.recs.size(), want_recs);
    bool boundary = cut == r1 || cut == r2 || cut == full.size();
    EXPECT_EQ(out.end, boundary ? LogEnd::kEof : LogEnd::kTornRecord);
    EXPECT_EQ(out.end_offset, want_recs == 2 ? full.size() : want_recs == 1 ? r2 : r1);
  }
}

TEST(TxnLogDamage, TornRecordIsReportedInWarnings) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  std::string part = b.bytes.substr(0, b.bytes.size() - 3);
  MemorySource src(part);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok());
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.end, LogEnd::kTornRecord);
  EXPECT_EQ(s.end_offset, b.offsets[1]);
  ASSERT_EQ(s.warnings.size(), 1u);
  size_t have = part.size() - b.offsets[1];
  EXPECT_TRUE(Has(s.warnings[0], "torn record at offset " + std::to_string(b.offsets[1]) +
                                     ": the file ends " + std::to_string(have) + " bytes into it"));
}

TEST(TxnLogDamage, PayloadBitFlipFailsCrc) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  std::string bad = b.bytes;
  bad[b.offsets[1] + 12 + 33] ^= 0x04;
  MemorySource src(bad);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), static_cast<int64_t>(b.offsets[1]));
  EXPECT_TRUE(Has(s.status.message(),
                  "CRC check failed for the record at offset " + std::to_string(b.offsets[1])));
  std::string payload = bad.substr(b.offsets[1] + 12, 32 + 6 + 12);
  EXPECT_TRUE(Has(s.status.message(),
                  "stored " + Hex(Adler32(b.bytes.substr(b.offsets[1] + 12, payload.size()))) +
                      ", computed " + Hex(Adler32(payload))));
  EXPECT_EQ(s.records, 1u);  // the good record before the damage was read
}

TEST(TxnLogDamage, CrcBitFlipFailsCrc) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a"));
  for (size_t byte : {size_t{0}, size_t{7}}) {  // the always-zero high half, and the low byte
    std::string bad = b.bytes;
    bad[16 + byte] ^= 0x01;
    ReadOut out = ReadLog(bad);
    EXPECT_EQ(out.status.code(), Code::kCorrupt);
    EXPECT_EQ(out.status.offset(), 16);
    EXPECT_TRUE(Has(out.status.message(), "CRC check failed for the record at offset 16"));
    EXPECT_TRUE(out.recs.empty());
  }
}

TEST(TxnLogDamage, NegativeLengthIsUnreasonable) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  SetInt(&b.bytes, b.offsets[1] + 8, -5);
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_EQ(out.status.offset(), static_cast<int64_t>(b.offsets[1]));
  EXPECT_TRUE(Has(out.status.message(), "unreasonable length -5 for the txn record at offset " +
                                            std::to_string(b.offsets[1])));
  EXPECT_EQ(out.recs.size(), 1u);
}

TEST(TxnLogDamage, HugeLengthIsUnreasonable) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a"));
  SetInt(&b.bytes, 16 + 8, 0x7fffffff);
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_EQ(out.status.offset(), 16);
  EXPECT_TRUE(Has(out.status.message(),
                  "unreasonable length 2147483647 for the txn record at "
                  "offset 16 (limit 2097150)"));
  // The limit is the caller's (jute.maxbuffer + extrasize of the target).
  LogBuilder c;
  c.Add(kTxnSetData, Jute().Buf("/a").Buf(std::string(200, 'x')).Int(1));
  out = ReadLog(c.bytes, 100);
  EXPECT_TRUE(Has(out.status.message(),
                  "unreasonable length 258 for the txn record at offset 16 "
                  "(limit 100)"));
}

TEST(TxnLogDamage, BadEorOnTheLastRecordEndsTheFile) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  b.bytes.back() = 'A';
  b.bytes[b.offsets[1] + 12 + 33] ^= 0x04;  // a bad CRC too: Java checks the EOR first
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.end, LogEnd::kBadEor);
  EXPECT_EQ(s.end_offset, b.offsets[1]);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(Has(s.warnings[0], "bad end-of-record byte in the record at offset " +
                                     std::to_string(b.offsets[1])));
}

TEST(TxnLogDamage, BadEorBeforeAValidRecordIsDamage) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  b.bytes[b.offsets[1] - 1] = 'A';
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 16);
  EXPECT_EQ(s.records, 0u);
  EXPECT_TRUE(Has(s.status.message(), "a bad end-of-record byte at offset 16"));
  EXPECT_TRUE(Has(s.status.message(), "a valid record follows at offset " +
                                          std::to_string(b.offsets[1]) + " (zxid 0x2)"));
  EXPECT_TRUE(s.warnings.empty());
}

TEST(TxnLogDamage, BadMagic) {
  std::string bad = FileHeader(0x5A4B534E) + Frame(Payload(kTxnDelete, Jute().Buf("/a"), 1));
  MemorySource src(bad);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_EQ(s.status.code(), Code::kCorrupt);
  EXPECT_EQ(s.status.offset(), 0);
  EXPECT_EQ(s.status.message(), "bad magic 0x5a4b534e: not a txn log (expected ZKLG 0x5a4b4c47)");
  EXPECT_EQ(s.records, 0u);
}

TEST(TxnLog, OtherHeaderVersionOnlyWarns) {
  std::string log = FileHeader(kLogMagic, 3, 42);
  MemorySource src(log);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok());
  EXPECT_EQ(s.version, 3);
  EXPECT_EQ(s.dbid, 42);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(Has(s.warnings[0], "log header version 3"));
}

TEST(TxnLogDamage, ZeroLengthFile) {
  MemorySource src("");
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.offset(), 0);
  EXPECT_TRUE(Has(s.status.message(), "zero-length log: ZooKeeper 3.8 fails to start on it"));
  EXPECT_EQ(s.file_bytes, 0u);
}

TEST(TxnLogDamage, ZeroPaddingThenGarbage) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a"));
  size_t pad = b.bytes.size();
  b.bytes += std::string(5000, '\0') + "junk" + std::string(100, '\0');
  MemorySource src(b.bytes);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_TRUE(s.status.ok());
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.end, LogEnd::kZeroPadding);
  EXPECT_EQ(s.end_offset, pad);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], "non-zero data at offset " + std::to_string(pad + 5000) +
                               " after the zero padding that starts at offset " +
                               std::to_string(pad) + ": ZooKeeper stops at the padding");
}

TEST(TxnLogDamage, ZeroLengthRecordWithNonZeroCrcEndsTheFile) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a"));
  size_t pad = b.bytes.size();
  b.bytes += Jute().Long(0x99).Int(0).str() + std::string(64, '\0');
  ReadOut out = ReadLog(b.bytes);
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.end, LogEnd::kZeroPadding);
  EXPECT_EQ(out.end_offset, pad);
  EXPECT_EQ(out.after_padding, static_cast<int64_t>(pad + 7));
}

TEST(TxnLogDamage, UnknownTopLevelType) {
  LogBuilder b;
  b.Add(99, Jute().Buf("/a"));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_EQ(out.status.offset(), 16);
  EXPECT_EQ(out.status.message(),
            "record at offset 16 (zxid 0x1): unsupported txn type 99 (unknown) (at byte 56)");
}

TEST(TxnLogDamage, TopLevelCheckIsRejected) {
  LogBuilder b;
  b.Add(kTxnCheck, Jute().Buf("/a").Int(1));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Has(out.status.message(), "unsupported txn type 13 (check)"));
}

TEST(TxnLogDamage, BodyOverrunningLength) {
  LogBuilder b;
  b.Add(kTxnCreate, Jute().Buf("/a").Int(1000).Raw("xyz"), std::nullopt);
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_EQ(out.status.offset(), 16);
  EXPECT_EQ(out.status.message(),
            "record at offset 16 (zxid 0x1): body overruns the record: data needs 1000 bytes, 3 "
            "left (at byte 66)");
}

TEST(TxnLogDamage, Create2WithoutParentCVersionIsDamage) {
  // The V0 fallback is only for type 1, as in Java.
  LogBuilder b;
  b.Add(kTxnCreate2, Jute().Buf("/a").Buf("").Acls(kOpen).Bool(false), std::nullopt);
  ReadOut out = ReadLog(b.bytes);
  EXPECT_TRUE(Has(out.status.message(), "body overruns the record: parentCVersion needs 4 bytes"));
}

TEST(TxnLogDamage, PayloadShorterThanTxnHeader) {
  std::string log = FileHeader() + Frame(Jute().Long(1).Int(2).str());
  ReadOut out = ReadLog(log);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Has(out.status.message(),
                  "record at offset 16: body overruns the record: "
                  "TxnHeader needs 8 bytes, 0 left"));
}

TEST(TxnLogDamage, MultiCountOverruns) {
  LogBuilder b;
  b.Add(kTxnMulti, Jute().Int(1000000).Raw(Sub(kTxnDelete, Jute().Buf("/a"))));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Has(out.status.message(),
                  "multi sub-txn count 1000000 cannot fit in the 26 bytes left in the record "
                  "(at byte 60)"));
}

TEST(TxnLogDamage, AclCountOverruns) {
  LogBuilder b;
  b.Add(kTxnSetAcl, Jute().Buf("/a").Int(0x40000000).Int(1));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_TRUE(Has(out.status.message(), "ACL list count 1073741824 cannot fit in the 16 bytes"));
}

TEST(TxnLogDamage, MultiSubBodyOverrunsItsBuffer) {
  LogBuilder b;
  b.Add(kTxnMulti, Jute().Int(1).Raw(Sub(kTxnError, "ab")));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_TRUE(Has(out.status.message(),
                  "multi sub-txn #0 (error): body overruns the multi "
                  "sub-txn: err needs 4 bytes, 2 left (at byte 72)"));
}

TEST(TxnLogDamage, UnknownMultiSubType) {
  LogBuilder b;
  b.Add(kTxnMulti, Jute()
                       .Int(2)
                       .Raw(Sub(kTxnDelete, Jute().Buf("/a")))
                       .Raw(Sub(kTxnSetAcl, Jute().Buf("/a").Acls(kOpen).Int(1))));
  ReadOut out = ReadLog(b.bytes);
  EXPECT_EQ(out.status.code(), Code::kCorrupt);
  EXPECT_TRUE(Has(out.status.message(),
                  "multi sub-txn #1 (setACL): unsupported multi sub-txn type 7 (setACL)"));
  LogBuilder c;
  c.Add(kTxnMulti, Jute().Int(1).Raw(Sub(42, "")));
  out = ReadLog(c.bytes);
  EXPECT_TRUE(Has(out.status.message(), "unsupported multi sub-txn type 42 (unknown)"));
}

TEST(TxnLogDamage, IoErrorIsReported) {
  LogBuilder b;
  b.Add(kTxnDelete, Jute().Buf("/a")).Add(kTxnDelete, Jute().Buf("/b"));
  FailingSource src(b.bytes, b.offsets[1] + 5);
  TxnLogSummary s = SummarizeTxnLog(src);
  EXPECT_EQ(s.status.code(), Code::kIoError);
  EXPECT_TRUE(Has(s.status.message(), "reading the txn log: disk on fire"));
  EXPECT_EQ(s.records, 1u);
}

// ---- real ZooKeeper 3.8 logs (tests/fixtures, see its README.md)

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// MANIFEST.json's logs[] entries by file (relative to the fixtures dir), standalone and ensemble.
void CollectManifestLogs(const rapidjson::Value& v,
                         std::map<std::string, const rapidjson::Value*>* out) {
  if (v.IsObject()) {
    auto logs = v.FindMember("logs");
    if (logs != v.MemberEnd() && logs->value.IsArray()) {
      for (const auto& l : logs->value.GetArray()) {
        auto f = l.FindMember("file");
        if (l.IsObject() && f != l.MemberEnd() && f->value.IsString()) {
          (*out)[f->value.GetString()] = &l;
        }
      }
    }
    for (const auto& m : v.GetObject()) CollectManifestLogs(m.value, out);
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) CollectManifestLogs(e, out);
  }
}

// One `txns` entry of MANIFEST.json, [zxid, type, session, cxid, arg], as ZooKeeper's own
// TxnLogToolkit printed it; `arg` depends on the type (see tests/fixtures/README.md).
void ExpectToolkitTxn(const TxnRecord& r, const rapidjson::Value& t) {
  ASSERT_TRUE(t.IsArray() && t.Size() == 5);
  SCOPED_TRACE("zxid " + Hex(r.header.zxid));
  ASSERT_TRUE(t[0].IsInt64() && t[1].IsString() && t[2].IsString() && t[3].IsInt());
  EXPECT_EQ(r.header.zxid, t[0].GetInt64());
  EXPECT_EQ(Lower(TxnTypeName(r.op.type)), Lower(t[1].GetString()));  // "createTtl"
  EXPECT_EQ(Hex(r.header.client_id), t[2].GetString());
  EXPECT_EQ(r.header.cxid, t[3].GetInt());
  const rapidjson::Value& arg = t[4];
  std::vector<std::string> list;
  if (arg.IsArray()) {
    for (const auto& a : arg.GetArray()) list.push_back(a.IsString() ? a.GetString() : "?");
  }
  switch (r.op.type) {
    case kTxnMulti: {
      std::vector<std::string> subs;
      for (const TxnOp& op : r.op.ops) subs.push_back(Lower(TxnTypeName(op.type)));
      for (std::string& x : list) x = Lower(x);
      EXPECT_EQ(subs, list);
      break;
    }
    case kTxnCloseSession:
      EXPECT_TRUE(r.op.close_has_body);  // 3.8 writes CloseSessionTxn by default
      EXPECT_EQ(r.op.paths_to_delete, list);
      break;
    case kTxnError:
      ASSERT_TRUE(arg.IsInt());
      EXPECT_EQ(r.op.err, arg.GetInt());
      break;
    case kTxnCreateSession:
      ASSERT_TRUE(arg.IsInt());
      EXPECT_EQ(r.op.timeout, arg.GetInt());
      break;
    default:  // node txns: the path, up to the first comma of the toolkit's line
      if (arg.IsString()) {
        EXPECT_EQ(r.op.path.substr(0, r.op.path.find(',')), arg.GetString());
      }
      break;
  }
}

TEST(TxnLogFixtures, EveryRealLogReadsCleanly) {
  namespace fs = std::filesystem;
  const fs::path root = ZKM_FIXTURES_DIR;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) GTEST_SKIP() << "no fixtures at " << root;
  rapidjson::Document manifest;
  std::map<std::string, const rapidjson::Value*> expected;
  std::ifstream mf(root / "MANIFEST.json");
  if (mf) {
    std::stringstream ss;
    ss << mf.rdbuf();
    manifest.Parse(ss.str().c_str());
    ASSERT_FALSE(manifest.HasParseError()) << "MANIFEST.json does not parse";
    CollectManifestLogs(manifest, &expected);
  }
  // Sets that generate.py made (the manifest describes them); others, such as the
  // captured fuzzy-digest/, are read for damage only.
  std::set<std::string> generated_sets;
  if (manifest.IsObject()) {
    auto sets = manifest.FindMember("sets");
    if (sets != manifest.MemberEnd() && sets->value.IsObject())
      for (const auto& m : sets->value.GetObject()) generated_sets.insert(m.name.GetString());
  }
  size_t logs = 0, checked = 0, generated = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind("log.", 0) != 0) continue;
    std::string rel = fs::relative(e.path(), root).generic_string();
    SCOPED_TRACE(rel);
    ++logs;
    if (generated_sets.count(rel.substr(0, rel.find('/')))) ++generated;
    auto file = FileSource::Open(e.path().string());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    // The fixtures run with jute.maxbuffer=4194304 (README.md); use that limit.
    TxnLogReader reader(**file, 2 * 4194304);
    ASSERT_TRUE(reader.ReadFileHeader().ok()) << reader.status().ToString();
    std::vector<TxnRecord> recs;
    TxnRecord rec;
    while (reader.Next(&rec)) recs.push_back(rec);
    ASSERT_TRUE(reader.status().ok()) << reader.status().ToString();
    EXPECT_TRUE(reader.end() == LogEnd::kZeroPadding || reader.end() == LogEnd::kEof)
        << LogEndName(reader.end()) << " at " << reader.end_offset();
    EXPECT_EQ(reader.data_after_padding(), -1);
    ASSERT_FALSE(recs.empty());
    int64_t name_zxid = std::stoll(name.substr(4), nullptr, 16);
    EXPECT_EQ(recs[0].header.zxid, name_zxid);
    for (const TxnRecord& r : recs) EXPECT_TRUE(r.anomaly.empty()) << r.anomaly;

    auto it = expected.find(rel);
    if (it == expected.end()) continue;
    ++checked;
    const rapidjson::Value& m = *it->second;
    auto count = m.FindMember("txn_count");
    if (count != m.MemberEnd() && count->value.IsUint64()) {
      EXPECT_EQ(recs.size(), count->value.GetUint64());
    }
    auto types = m.FindMember("txn_types");
    if (types != m.MemberEnd() && types->value.IsObject()) {
      std::map<std::string, uint64_t> want, have;
      for (const auto& t : types->value.GetObject()) {
        if (t.value.IsUint64()) want[Lower(t.name.GetString())] = t.value.GetUint64();
      }
      for (const TxnRecord& r : recs) ++have[Lower(TxnTypeName(r.op.type))];
      EXPECT_EQ(have, want);  // the toolkit spells createTTL "createTtl"
    }
    auto txns = m.FindMember("txns");
    if (txns != m.MemberEnd() && txns->value.IsArray()) {
      ASSERT_EQ(txns->value.Size(), recs.size());
      for (rapidjson::SizeType i = 0; i < txns->value.Size(); ++i) {
        ExpectToolkitTxn(recs[i], txns->value[i]);
      }
    }
  }
  EXPECT_GT(logs, 0u) << "no log.* files under " << root;
  if (!expected.empty()) {
    EXPECT_EQ(checked, generated) << "logs missing from MANIFEST.json";
  }
}

}  // namespace
}  // namespace zkm
