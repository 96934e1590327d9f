// Decoding of one txn-log payload: TxnHeader, the body of every txn type
// (multi and the closeSession variants included) and the optional TxnDigest,
// always bounded by the record's length (docs/FORMATS.md 5.4-5.7). The framing,
// CRC and end-of-file rules are in txnlog.cc.
#include <algorithm>
#include <cstring>

#include "format/txnlog.h"

namespace zkm {

namespace {

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
// digest (docs/FORMATS.md 5.7). A 12-byte tail that parses as two empty paths is really a
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

// Decodes the body of `op->type` (docs/FORMATS.md 5.5). `top` is false inside a multi, where
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

}  // namespace zkm
