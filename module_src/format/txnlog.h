// The transaction-log reader (docs/FORMATS.md 5; constants in txnlog_format.h).
//
// TxnLogReader walks one log file record by record, verifying each record's Adler-32 and
// decoding its header and body into plain structs. It takes a ByteSource, opens nothing
// and prints nothing; SummarizeTxnLog() is the one-call "what is in this file" view.
//
// Where a clean read stops versus damage follows ZooKeeper's own iterator (5.3), because
// what matters to a migration is whether a ZooKeeper would load the file:
//   * end of data (Next() returns false, status() ok, end() says which):
//       kEof         EOF exactly at a record boundary;
//       kZeroPadding a record with len == 0, i.e. the preallocated zero padding;
//       kTornRecord  EOF inside a record (a partial last write; ZooKeeper drops it);
//       kBadEor      the byte after a payload is not 0x42 (ZooKeeper: "Last transaction
//                    was partial", treated as end of file).
//     kTornRecord and kBadEor are benign for ZooKeeper but mean the file did not end the way
//     a healthy log does, which SummarizeTxnLog() turns into warnings.
//     Each of kZeroPadding, kTornRecord and kBadEor is an end only if no valid record follows
//     it: the reader then looks at every later offset for a whole record whose Adler-32
//     matches (docs/DAMAGE.md). If one exists, ZooKeeper would stop there and silently drop
//     committed transactions, so the stop becomes damage (kCorrupt at the stop's offset,
//     the message naming the valid record's offset and zxid).
//   * damage (Next() returns false, status() holds it with the file offset): len < 0 or
//     over max_record, a CRC mismatch, an unknown top-level type (a top-level check, 13,
//     included), a body that does not fit its record, an unknown multi sub-type, and a
//     zero-length or short file header. ZooKeeper refuses to start on all of these (an
//     unknown multi sub-type would instead abort the multi half-applied).
//
// Every length and count read from the file is bounded by the bytes left in its record
// before anything is allocated, and parsing never reads past `len`. Strings are opaque bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/byte_source.h"
#include "format/jute.h"
#include "format/txnlog_format.h"
#include "format/zk_types.h"

namespace zkm {

struct TxnHeader {
  int64_t client_id = 0;  // session id
  int32_t cxid = 0;
  int64_t zxid = 0;
  int64_t time = 0;  // ms since the epoch
  int32_t type = 0;
};

// A top-level txn body, or one sub-txn of a multi. Only the fields of `type` are set.
struct TxnOp {
  int32_t type = 0;
  std::string path;  // create*, delete*, setData, reconfig, setACL, check
  std::string data;  // create*, setData, reconfig
  bool data_null = false;
  AclList acl;                   // create*, setACL
  bool ephemeral = false;        // create, create2
  int32_t parent_cversion = -1;  // create* (-1 for the CreateTxnV0 fallback)
  bool create_v0 = false;        // create decoded as CreateTxnV0 (no parentCVersion)
  int64_t ttl = 0;               // createTTL
  int32_t version = 0;           // setData/reconfig (new version), setACL (new aversion), check
  int32_t err = 0;               // error (a KeeperException code)
  int32_t timeout = 0;           // createSession
  bool close_has_body = false;   // closeSession: a CloseSessionTxn is present (3.6+)
  std::vector<std::string> paths_to_delete;  // closeSession body
  std::vector<TxnOp> ops;                    // multi, in log order
};

struct TxnRecord {
  uint64_t offset = 0;  // file offset of the record's crc field
  int32_t length = 0;   // payload length
  TxnHeader header;
  TxnOp op;
  bool has_digest = false;  // a TxnDigest followed the body (3.6+)
  int32_t digest_version = 0;
  int64_t digest = 0;   // the tree digest after this txn (docs/FORMATS.md 6)
  std::string anomaly;  // non-fatal oddity (e.g. unexpected trailing bytes), empty if none
};

enum class LogEnd { kNone, kEof, kZeroPadding, kTornRecord, kBadEor };
const char* LogEndName(LogEnd end);  // "none", "eof", "zero_padding", "torn_record", "bad_eor"

class TxnLogReader {
 public:
  // `max_record` bounds a record's len as jute.maxbuffer + extrasize does in ZooKeeper.
  explicit TxnLogReader(ByteSource& src, int32_t max_record = kDefaultJuteLimit);
  TxnLogReader(const TxnLogReader&) = delete;
  TxnLogReader& operator=(const TxnLogReader&) = delete;

  // Reads the 16-byte file header. Like ZooKeeper it checks only the magic; version() and
  // dbid() report the rest. A zero-length or short file is damage (ZooKeeper <= 3.9.2 fails
  // to start on a zero-length log).
  Status ReadFileHeader();

  // Decodes the next record into *rec (reusing its storage). Returns false at the end of
  // the data (end() says how) or on damage (status() is not ok). Call ReadFileHeader() first.
  bool Next(TxnRecord* rec);

  LogEnd end() const { return end_; }
  // Where the valid data stops: the offset of the first byte not part of a good record.
  uint64_t end_offset() const { return end_offset_; }
  const Status& status() const { return status_; }
  int32_t version() const { return version_; }
  int64_t dbid() const { return dbid_; }

  // After kZeroPadding the reader scans the rest of the file: the offset of the first
  // non-zero byte after the padding started, or -1 if the padding runs to EOF. ZooKeeper
  // never looks there, so such bytes are at most a warning.
  int64_t data_after_padding() const { return data_after_padding_; }
  // After kTornRecord: how many bytes of the torn record the file still holds.
  uint64_t torn_bytes() const { return torn_bytes_; }
  // After damage, or after an end ZooKeeper would accept: the offset of the first whole
  // record after it whose CRC matches, and that record's zxid; -1 if there is none.
  int64_t valid_record_after() const { return valid_after_; }
  int64_t valid_record_after_zxid() const { return valid_after_zxid_; }
  // Bytes consumed from the source so far (including scanned padding).
  uint64_t bytes_read() const { return base_ + pos_; }

 private:
  size_t Fill(size_t n);  // makes up to n bytes available; fewer only at EOF or error
  bool Stop(LogEnd how, uint64_t at);
  bool Damage(Status st);
  enum class ScanResult { kNone, kFound, kGaveUp };
  // Looks at every offset from `from` to EOF for a whole record whose Adler-32 matches
  // (long zero runs skipped); sets valid_after_*. *first_nonzero, when given and still -1,
  // gets the offset of the first non-zero byte seen.
  ScanResult ScanForRecord(uint64_t from, int64_t* first_nonzero);
  // After a stop ZooKeeper takes for an end of file (`what` at `at`): the end stands if
  // nothing valid follows, otherwise it becomes damage naming both offsets. Returns false.
  bool EndOrDamage(uint64_t at, const std::string& what);
  // For damage ZooKeeper refuses anyway: "; a valid record follows at offset N (zxid Z)"
  // or "; no valid record follows it".
  std::string AfterDamage(uint64_t at);

  ByteSource& src_;
  int32_t max_record_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_pos_ = 0;  // unread bytes are buf_[pos_, end_pos_)
  uint64_t base_ = 0;             // file offset of buf_[0]
  bool eof_ = false;
  bool header_read_ = false;
  bool done_ = false;
  LogEnd end_ = LogEnd::kNone;
  uint64_t end_offset_ = 0;
  int64_t data_after_padding_ = -1;
  uint64_t torn_bytes_ = 0;
  int64_t valid_after_ = -1, valid_after_zxid_ = -1;
  Status status_;
  int32_t version_ = 0;
  int64_t dbid_ = 0;
};

// Decodes one payload (TxnHeader + body + optional TxnDigest) whose CRC was already checked,
// into *rec (all fields but offset and length). `record_offset` is the file offset of the
// record's crc field: damage is reported there, with the failing field's byte in the message.
// Exposed for tests and for tools that carry payloads around (e.g. a log chopper).
Status DecodeTxnPayload(std::string_view payload, uint64_t record_offset, TxnRecord* rec);

struct TxnLogSummary {
  Status status;  // ok, or the damage (with offset)
  int32_t version = 0;
  int64_t dbid = 0;
  uint64_t records = 0;     // good records read
  int64_t first_zxid = -1;  // zxid of the first record (should equal the file name's)
  int64_t last_zxid = -1;   // zxid of the last good record
  // By TxnTypeName; the sub-ops of a multi are also counted under "multi.<name>".
  std::map<std::string, uint64_t> counts_by_type;
  uint64_t with_digest = 0;
  LogEnd end = LogEnd::kNone;
  uint64_t end_offset = 0;  // where valid data stops
  uint64_t file_bytes = 0;  // bytes consumed including padding
  // Torn record or bad EOR at offset N, data after the padding, record anomalies, zxid gaps
  // or zxids going backwards inside the file (docs/FORMATS.md 5.8). At most kMaxWarnings
  // entries, then one saying how many more there were.
  std::vector<std::string> warnings;
  static constexpr size_t kMaxWarnings = 100;
};

// Reads a whole log through TxnLogReader and summarises it.
TxnLogSummary SummarizeTxnLog(ByteSource& src, int32_t max_record = kDefaultJuteLimit);

}  // namespace zkm
