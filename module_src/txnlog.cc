#include "txnlog.h"

#include <algorithm>
#include <cstring>

namespace zkm {

namespace {

constexpr size_t kBufferSize = 1 << 20;

// A bounded, sticky-error cursor over one payload or one multi sub-buffer. Every length and
// count is checked against the bytes left before anything is allocated, so a body can never
// be read past its record's `len`.
class Cursor {
 public:
  Cursor(std::string_view data, uint64_t file_offset, const char* scope)
      : data_(data), file_offset_(file_offset), scope_(scope) {}

  size_t left() const { return data_.size() - pos_; }
  uint64_t file_offset() const { return file_offset_ + pos_; }  // of the next byte
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool Int(int32_t* v, const char* what) {
    if (!Need(4, what)) return false;
    *v = LoadInt(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool Long(int64_t* v, const char* what) {
    if (!Need(8, what)) return false;
    *v = LoadLong(data_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool Bool(bool* v, const char* what) {
    if (!Need(1, what)) return false;
    *v = data_[pos_++] != 0;  // Jute: any non-zero byte is true
    return true;
  }
  // A buffer or ustring; length -1 is null (returned as empty with *is_null set).
  bool View(std::string_view* out, bool* is_null, const char* what) {
    int32_t len = 0;
    if (!Int(&len, what)) return false;
    *is_null = len == -1;
    if (len == -1) len = 0;
    if (len < 0) return Fail("invalid length " + std::to_string(len) + " for " + what, 4);
    if (!Need(static_cast<size_t>(len), what, 4)) return false;
    *out = data_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }
  bool String(std::string* out, const char* what, bool* is_null = nullptr) {
    std::string_view v;
    bool null = false;
    if (!View(&v, &null, what)) return false;
    out->assign(v.data(), v.size());
    if (is_null) *is_null = null;
    return true;
  }
  // A vector count; -1 (null) reads as 0. Each item needs at least min_item bytes.
  bool Count(size_t* n, size_t min_item, const char* what) {
    int32_t c = 0;
    if (!Int(&c, what)) return false;
    if (c == -1) c = 0;
    if (c < 0) return Fail("invalid count " + std::to_string(c) + " for " + what, 4);
    if (static_cast<size_t>(c) > left() / min_item) {
      return Fail(std::string(what) + " count " + std::to_string(c) + " cannot fit in the " +
                      std::to_string(left()) + " bytes left in the " + scope_,
                  4);
    }
    *n = static_cast<size_t>(c);
    return true;
  }
  // Records the first failure; `back` moves the reported byte back to the field's start.
  bool Fail(const std::string& msg, size_t back = 0) {
    if (error_.empty()) {
      error_ = msg + " (at byte " + std::to_string(file_offset() - back) + ")";
    }
    return false;
  }
  bool FailWith(const std::string& full_message) {
    if (error_.empty()) error_ = full_message;
    return false;
  }

 private:
  bool Need(size_t n, const char* what, size_t back = 0) {
    if (!ok()) return false;
    if (left() >= n) return true;
    return Fail("body overruns the " + std::string(scope_) + ": " + what + " needs " +
                    std::to_string(n) + " bytes, " + std::to_string(left()) + " left",
                back);
  }

  std::string_view data_;
  size_t pos_ = 0;
  uint64_t file_offset_;
  const char* scope_;
  std::string error_;
};

void AddAnomaly(std::string* anomaly, const std::string& what) {
  if (!anomaly->empty()) anomaly->append("; ");
  anomaly->append(what);
}

bool ReadAcls(Cursor& c, AclList* acl) {
  size_t n = 0;
  if (!c.Count(&n, 12, "ACL list")) return false;  // int perms + two string lengths
  acl->resize(n);
  for (Acl& a : *acl) {
    if (!c.Int(&a.perms, "ACL perms") || !c.String(&a.scheme, "ACL scheme") ||
        !c.String(&a.id, "ACL id")) {
      return false;
    }
  }
  return true;
}

void ResetOp(TxnOp* op, int32_t type) {
  op->type = type;
  op->path.clear();
  op->data.clear();
  op->data_null = false;
  op->acl.clear();
  op->ephemeral = false;
  op->parent_cversion = -1;
  op->create_v0 = false;
  op->ttl = 0;
  op->version = 0;
  op->err = 0;
  op->timeout = 0;
  op->close_has_body = false;
  op->paths_to_delete.clear();
  if (type != kTxnMulti) op->ops.clear();
}

// CloseSessionTxn is accepted only if exactly 0 or 12 (a TxnDigest) bytes follow it;
// otherwise there is no body (<= 3.5, or closeSessionTxn disabled) and the bytes are the
// digest (ZK-FORMATS.md 5.7). A 12-byte tail that parses as two empty paths is really a
// digest (version 2, value 0): a node path is never empty.
void ReadCloseSession(Cursor& c, TxnOp* op) {
  Cursor trial = c;
  size_t n = 0;
  bool fits = trial.Count(&n, 4, "paths2Delete");
  bool all_empty = true;
  if (fits) {
    op->paths_to_delete.resize(n);
    for (std::string& p : op->paths_to_delete) {
      if (!trial.String(&p, "paths2Delete entry")) break;
      all_empty = all_empty && p.empty();
    }
    fits = trial.ok() && (trial.left() == 0 || trial.left() == kTxnDigestSize);
  }
  if (fits && c.left() == kTxnDigestSize && trial.left() == 0 && n > 0 && all_empty) fits = false;
  if (fits) {
    c = trial;
    op->close_has_body = true;
  } else {
    op->paths_to_delete.clear();
  }
}

bool IsCreate(int32_t type) {
  return type == kTxnCreate || type == kTxnCreate2 || type == kTxnCreateContainer ||
         type == kTxnCreateTtl;
}

bool ReadMulti(Cursor& c, TxnOp* op, std::string* anomaly);

// Decodes the body of `op->type` (ZK-FORMATS.md 5.5). `top` is false inside a multi, where
// only 1, 15, 19, 21, 2, 20, 5, 13 and -1 are allowed (5.6). Returns false with the reason
// in the cursor; an unsupported type is reported the same way.
bool ReadBody(Cursor& c, TxnOp* op, bool top, std::string* anomaly) {
  int32_t t = op->type;
  if (IsCreate(t)) {
    if (!c.String(&op->path, "path") || !c.String(&op->data, "data", &op->data_null) ||
        !ReadAcls(c, &op->acl)) {
      return false;
    }
    if (t == kTxnCreate || t == kTxnCreate2) {
      if (!c.Bool(&op->ephemeral, "ephemeral")) return false;
      // Java re-reads a top-level create that hits EOF as CreateTxnV0 (no parentCVersion).
      if (top && t == kTxnCreate && c.left() < 4) {
        op->create_v0 = true;
        op->parent_cversion = -1;
        return true;
      }
    }
    if (!c.Int(&op->parent_cversion, "parentCVersion")) return false;
    if (t == kTxnCreateTtl) return c.Long(&op->ttl, "ttl");
    return true;
  }
  switch (t) {
    case kTxnDelete:
    case kTxnDeleteContainer:
      return c.String(&op->path, "path");
    case kTxnSetData:
      return c.String(&op->path, "path") && c.String(&op->data, "data", &op->data_null) &&
             c.Int(&op->version, "version");
    case kTxnError:
      return c.Int(&op->err, "err");
    case kTxnCheck:
      if (!top) return c.String(&op->path, "path") && c.Int(&op->version, "version");
      break;
    case kTxnReconfig:
      if (top) {
        return c.String(&op->path, "path") && c.String(&op->data, "data", &op->data_null) &&
               c.Int(&op->version, "version");
      }
      break;
    case kTxnSetAcl:
      if (top) {
        return c.String(&op->path, "path") && ReadAcls(c, &op->acl) &&
               c.Int(&op->version, "version");
      }
      break;
    case kTxnCreateSession:
      if (top) return c.Int(&op->timeout, "timeOut");
      break;
    case kTxnCloseSession:
      if (top) {
        ReadCloseSession(c, op);
        return true;
      }
      break;
    case kTxnMulti:
      if (top) return ReadMulti(c, op, anomaly);
      break;
    default:
      break;
  }
  // At the top level the cursor sits just after the type field, so report that field.
  return c.Fail(std::string(top ? "unsupported txn type " : "unsupported multi sub-txn type ") +
                    std::to_string(t) + " (" + TxnTypeName(t) + ")",
                top ? 4 : 0);
}

// MultiTxn: vector<{int type, buffer data}>. Each sub-body is decoded inside its own
// sub-buffer, and reading always resumes at the end of that sub-buffer.
bool ReadMulti(Cursor& c, TxnOp* op, std::string* anomaly) {
  size_t n = 0;
  if (!c.Count(&n, 8, "multi sub-txn")) return false;  // int type + buffer length
  op->ops.resize(n);
  for (size_t i = 0; i < n; ++i) {
    TxnOp& sub = op->ops[i];
    int32_t type = 0;
    std::string_view data;
    bool null = false;
    if (!c.Int(&type, "multi sub-txn type") || !c.View(&data, &null, "multi sub-txn data")) {
      return false;
    }
    ResetOp(&sub, type);
    Cursor sc(data, c.file_offset() - data.size(), "multi sub-txn");
    auto label = [&] {  // built only for messages
      return "multi sub-txn #" + std::to_string(i) + " (" + TxnTypeName(type) + "): ";
    };
    if (type == kTxnError) {
      // Only the err code counts: a failed multi can carry a stale, larger body here (5.6).
      if (!sc.Int(&sub.err, "err")) return c.FailWith(label() + sc.error());
      continue;
    }
    if (!ReadBody(sc, &sub, false, anomaly)) return c.FailWith(label() + sc.error());
    if (sc.left() != 0) {
      AddAnomaly(anomaly, label() + std::to_string(sc.left()) + " unexpected trailing bytes");
    }
  }
  return true;
}

}  // namespace

const char* TxnTypeName(int32_t type) {
  struct Name {
    int32_t code;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {kTxnCreate, "create"},
      {kTxnDelete, "delete"},
      {kTxnSetData, "setData"},
      {kTxnSetAcl, "setACL"},
      {kTxnCheck, "check"},
      {kTxnMulti, "multi"},
      {kTxnCreate2, "create2"},
      {kTxnReconfig, "reconfig"},
      {kTxnCreateContainer, "createContainer"},
      {kTxnDeleteContainer, "deleteContainer"},
      {kTxnCreateTtl, "createTTL"},
      {kTxnError, "error"},
      {kTxnCreateSession, "createSession"},
      {kTxnCloseSession, "closeSession"},
  };
  for (const Name& n : kNames) {
    if (n.code == type) return n.name;
  }
  return "unknown";
}

const char* LogEndName(LogEnd end) {
  switch (end) {
    case LogEnd::kNone:
      return "none";
    case LogEnd::kEof:
      return "eof";
    case LogEnd::kZeroPadding:
      return "zero_padding";
    case LogEnd::kTornRecord:
      return "torn_record";
    case LogEnd::kBadEor:
      return "bad_eor";
  }
  return "unknown";
}

Status DecodeTxnPayload(std::string_view payload, uint64_t record_offset, TxnRecord* rec) {
  auto damage = [&](const std::string& what) {
    std::string where = "record at offset " + std::to_string(record_offset);
    if (payload.size() >= kTxnHeaderSize) where += " (zxid " + Hex(rec->header.zxid) + ")";
    return Status::Corrupt(where + ": " + what, static_cast<int64_t>(record_offset));
  };
  Cursor c(payload, record_offset + kRecordPrefixSize, "record");
  TxnHeader& h = rec->header;
  if (!c.Long(&h.client_id, "TxnHeader") || !c.Int(&h.cxid, "TxnHeader") ||
      !c.Long(&h.zxid, "TxnHeader") || !c.Long(&h.time, "TxnHeader") ||
      !c.Int(&h.type, "TxnHeader")) {
    return damage(c.error());
  }
  rec->has_digest = false;
  rec->digest_version = 0;
  rec->digest = 0;
  rec->anomaly.clear();
  ResetOp(&rec->op, h.type);
  if (!ReadBody(c, &rec->op, true, &rec->anomaly)) return damage(c.error());
  // 3.6+ appends a TxnDigest; ZooKeeper ignores anything after it (5.4).
  if (c.left() == kTxnDigestSize) {
    rec->has_digest = true;
    c.Int(&rec->digest_version, "TxnDigest");
    c.Long(&rec->digest, "TxnDigest");
    if (rec->digest_version != 2) {
      AddAnomaly(&rec->anomaly, "TxnDigest version " + std::to_string(rec->digest_version) +
                                    " (ZooKeeper writes 2 and skips other versions)");
    }
  } else if (c.left() != 0) {
    AddAnomaly(&rec->anomaly, std::to_string(c.left()) + " unexpected bytes after the " +
                                  TxnTypeName(h.type) + " body (at byte " +
                                  std::to_string(c.file_offset()) + ")");
  }
  return Status::Ok();
}

// ---- TxnLogReader

TxnLogReader::TxnLogReader(ByteSource& src, int32_t max_record)
    : src_(src), max_record_(max_record), buf_(kBufferSize) {}

size_t TxnLogReader::Fill(size_t n) {
  while (end_pos_ - pos_ < n && !eof_ && status_.ok()) {
    if (buf_.size() - pos_ < n) {  // make room: move the unread tail to the front
      size_t unread = end_pos_ - pos_;
      std::memmove(buf_.data(), buf_.data() + pos_, unread);
      base_ += pos_;
      pos_ = 0;
      end_pos_ = unread;
      if (buf_.size() < n) buf_.resize(n);
    }
    auto r = src_.Read(buf_.data() + end_pos_, buf_.size() - end_pos_);
    if (!r.ok()) {
      Damage(Status(r.status().code(), "reading the txn log: " + r.status().message(),
                    static_cast<int64_t>(bytes_read())));
      break;
    }
    if (*r == 0) eof_ = true;
    end_pos_ += *r;
  }
  return std::min(n, end_pos_ - pos_);
}

bool TxnLogReader::Stop(LogEnd how, uint64_t at) {
  done_ = true;
  end_ = how;
  end_offset_ = at;
  return false;
}

bool TxnLogReader::Damage(Status st) {
  done_ = true;
  if (status_.ok()) status_ = std::move(st);
  return false;
}

Status TxnLogReader::ReadFileHeader() {
  size_t got = Fill(kLogFileHeaderSize);
  if (!status_.ok()) return status_;
  if (got == 0) {
    Damage(
        Status::Truncated("zero-length log: ZooKeeper 3.8 fails to start on it "
                          "(3.9.3+ deletes it only if it is the newest log)",
                          0));
  } else if (got < kLogFileHeaderSize) {
    Damage(Status::Truncated(
        "log header truncated: " + std::to_string(got) + " of 16 bytes; ZooKeeper fails to start",
        0));
  } else {
    const char* p = buf_.data() + pos_;
    int32_t magic = LoadInt(p);
    version_ = LoadInt(p + 4);
    dbid_ = LoadLong(p + 8);
    if (magic != kLogMagic) {
      Damage(Status::Corrupt("bad magic " + Hex(static_cast<uint32_t>(magic)) +
                                 ": not a txn log (expected ZKLG 0x5a4b4c47)",
                             0));
    } else {
      pos_ += kLogFileHeaderSize;
      header_read_ = true;
    }
  }
  return status_;
}

bool TxnLogReader::Next(TxnRecord* rec) {
  if (done_) return false;
  if (!header_read_) return Damage(Status::Invalid("TxnLogReader: ReadFileHeader() not called"));
  uint64_t at = bytes_read();
  size_t got = Fill(kRecordPrefixSize);
  if (!status_.ok()) return false;
  if (got == 0) return Stop(LogEnd::kEof, at);
  if (got < kRecordPrefixSize) {
    torn_bytes_ = got;
    pos_ += got;
    return Stop(LogEnd::kTornRecord, at);
  }
  const char* p = buf_.data() + pos_;
  int64_t crc = LoadLong(p);
  int32_t len = LoadInt(p + kRecordCrcSize);
  if (len == 0) {
    // ZooKeeper looks only at len; a non-zero crc here is itself data after the padding.
    pos_ += kRecordPrefixSize;
    Stop(LogEnd::kZeroPadding, at);
    if (crc != 0) {
      size_t i = 0;
      while (p[i] == 0) ++i;
      data_after_padding_ = static_cast<int64_t>(at + i);
    } else {
      ScanPadding();
    }
    return false;
  }
  if (len < 0 || len > max_record_) {
    return Damage(Status::Corrupt("unreasonable length " + std::to_string(len) +
                                      " for the txn record at offset " + std::to_string(at) +
                                      " (limit " + std::to_string(max_record_) + ")",
                                  static_cast<int64_t>(at)));
  }
  size_t need = kRecordPrefixSize + static_cast<size_t>(len) + 1;
  got = Fill(need);
  if (!status_.ok()) return false;
  if (got < need) {
    torn_bytes_ = got;
    pos_ += got;
    return Stop(LogEnd::kTornRecord, at);
  }
  p = buf_.data() + pos_;
  std::string_view payload(p + kRecordPrefixSize, static_cast<size_t>(len));
  // Java checks the EOR byte before the CRC, so a bad EOR ends the file even if the CRC is bad.
  if (static_cast<uint8_t>(p[need - 1]) != kEndOfRecord) {
    pos_ += need;
    return Stop(LogEnd::kBadEor, at);
  }
  uint32_t actual = Adler32(payload);
  if (crc != static_cast<int64_t>(actual)) {
    return Damage(Status::Corrupt("CRC check failed for the record at offset " +
                                      std::to_string(at) + ": stored " + Hex(crc) + ", computed " +
                                      Hex(actual),
                                  static_cast<int64_t>(at)));
  }
  Status st = DecodeTxnPayload(payload, at, rec);
  pos_ += need;
  if (!st.ok()) return Damage(std::move(st));
  rec->offset = at;
  rec->length = len;
  return true;
}

void TxnLogReader::ScanPadding() {
  while (status_.ok()) {
    size_t got = Fill(kBufferSize);
    if (got == 0) return;
    const char* p = buf_.data() + pos_;
    const char* nz = std::find_if(p, p + got, [](char ch) { return ch != 0; });
    pos_ += static_cast<size_t>(nz - p);
    if (nz != p + got) {
      data_after_padding_ = static_cast<int64_t>(bytes_read());
      return;
    }
  }
}

// ---- SummarizeTxnLog

TxnLogSummary SummarizeTxnLog(ByteSource& src, int32_t max_record) {
  TxnLogSummary s;
  size_t dropped = 0;
  auto warn = [&](std::string w) {
    if (s.warnings.size() < TxnLogSummary::kMaxWarnings) {
      s.warnings.push_back(std::move(w));
    } else {
      ++dropped;
    }
  };
  TxnLogReader reader(src, max_record);
  s.status = reader.ReadFileHeader();
  s.version = reader.version();
  s.dbid = reader.dbid();
  if (s.status.ok() && s.version != kLogVersion) {
    warn("log header version " + std::to_string(s.version) +
         " (ZooKeeper writes 2 and does not check it)");
  }
  // Counted by code (no string per record), named at the end.
  std::map<int32_t, uint64_t> top, sub;
  TxnRecord rec;
  while (reader.Next(&rec)) {
    int64_t zxid = rec.header.zxid;
    if (s.records == 0) {
      s.first_zxid = zxid;
    } else {
      int64_t prev = s.last_zxid;
      auto at = [&] { return " at offset " + std::to_string(rec.offset); };
      if (zxid <= prev) {
        warn("zxid " + Hex(zxid) + at() + " does not increase (previous " + Hex(prev) + ")");
      } else if (EpochOf(zxid) == EpochOf(prev) && CounterOf(zxid) != CounterOf(prev) + 1) {
        warn("intra-epoch gap: zxid " + Hex(zxid) + at() + " follows " + Hex(prev));
      } else if (EpochOf(zxid) != EpochOf(prev) && CounterOf(zxid) != 1) {
        warn("inter-epoch gap: zxid " + Hex(zxid) + at() + " follows " + Hex(prev));
      }
    }
    s.last_zxid = zxid;
    ++s.records;
    ++top[rec.op.type];
    for (const TxnOp& op : rec.op.ops) ++sub[op.type];
    if (rec.has_digest) ++s.with_digest;
    if (!rec.anomaly.empty()) {
      warn("record at offset " + std::to_string(rec.offset) + " (zxid " + Hex(zxid) +
           "): " + rec.anomaly);
    }
  }
  for (const auto& [type, n] : top) s.counts_by_type[TxnTypeName(type)] += n;
  for (const auto& [type, n] : sub)
    s.counts_by_type[std::string("multi.") + TxnTypeName(type)] += n;
  if (s.status.ok()) s.status = reader.status();
  s.end = reader.end();
  s.end_offset = reader.end_offset();
  s.file_bytes = reader.bytes_read();
  std::string at = " at offset " + std::to_string(s.end_offset);
  if (s.end == LogEnd::kTornRecord) {
    warn("torn record" + at + ": the file ends " + std::to_string(reader.torn_bytes()) +
         " bytes into it (ZooKeeper drops it and reads on in the next log)");
  } else if (s.end == LogEnd::kBadEor) {
    warn("bad end-of-record byte in the record" + at +
         ": ZooKeeper treats it as the end of the file and ignores everything after it");
  } else if (s.end == LogEnd::kZeroPadding && reader.data_after_padding() >= 0) {
    warn("non-zero data at offset " + std::to_string(reader.data_after_padding()) +
         " after the zero padding that starts" + at + ": ZooKeeper stops at the padding");
  }
  if (dropped > 0) s.warnings.push_back("... and " + std::to_string(dropped) + " more warnings");
  return s;
}

}  // namespace zkm
