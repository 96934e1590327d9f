#include "format/txnlog.h"

#include <algorithm>
#include <cstring>

namespace zkm {

namespace {
constexpr size_t kBufferSize = 1 << 20;
constexpr size_t kScanWindow = 64 << 10;          // bytes looked at per step of the scan
constexpr uint64_t kScanBaseBudget = 256u << 20;  // Adler-32 bytes any scan may spend
}  // namespace

// ---- TxnLogReader

TxnLogReader::TxnLogReader(ByteSource& src, int32_t max_record)
    : src_(src), max_record_(max_record), buf_(kBufferSize) {}

size_t TxnLogReader::Fill(size_t n) {
  while (end_pos_ - pos_ < n && !eof_ && status_.ok()) {
    if (end_pos_ == buf_.size()) {
      // Full. Compact once half the buffer is consumed (each byte moves at most once per
      // half-buffer advanced), else double it: the buffer grows only with bytes actually
      // read, so a huge `len` near EOF never allocates more than about twice the file.
      if (pos_ >= buf_.size() / 2) {
        size_t unread = end_pos_ - pos_;
        std::memmove(buf_.data(), buf_.data() + pos_, unread);
        base_ += pos_;
        pos_ = 0;
        end_pos_ = unread;
      } else {
        buf_.resize(buf_.size() * 2);
      }
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
  if (got < kRecordPrefixSize) {  // too few bytes left to hold any record: nothing to scan
    torn_bytes_ = got;
    pos_ += got;
    return Stop(LogEnd::kTornRecord, at);
  }
  const char* p = buf_.data() + pos_;
  int64_t crc = LoadLong(p);
  int32_t len = LoadInt(p + kRecordCrcSize);
  if (len == 0) {
    // ZooKeeper looks only at len; a non-zero crc here is itself data after the padding.
    Stop(LogEnd::kZeroPadding, at);
    if (crc != 0) {
      size_t i = 0;
      while (p[i] == 0) ++i;
      data_after_padding_ = static_cast<int64_t>(at + i);
    }
    return EndOrDamage(at, crc != 0 ? "a zero length field in a record with a non-zero CRC"
                                    : "zero bytes where a record should start");
  }
  if (len < 0 || len > max_record_) {
    return Damage(Status::Corrupt(
        "unreasonable length " + std::to_string(len) + " for the txn record at offset " +
            std::to_string(at) + " (limit " + std::to_string(max_record_) + ")" + AfterDamage(at),
        static_cast<int64_t>(at)));
  }
  size_t need = kRecordPrefixSize + static_cast<size_t>(len) + 1;
  got = Fill(need);
  if (!status_.ok()) return false;
  if (got < need) {
    torn_bytes_ = got;
    Stop(LogEnd::kTornRecord, at);
    return EndOrDamage(
        at, "a record of length " + std::to_string(len) + " that runs past the end of the file");
  }
  p = buf_.data() + pos_;
  std::string_view payload(p + kRecordPrefixSize, static_cast<size_t>(len));
  // Java checks the EOR byte before the CRC, so a bad EOR ends the file even if the CRC is bad.
  if (static_cast<uint8_t>(p[need - 1]) != kEndOfRecord) {
    Stop(LogEnd::kBadEor, at);
    return EndOrDamage(at, "a bad end-of-record byte");
  }
  uint32_t actual = Adler32(payload);
  if (crc != static_cast<int64_t>(actual)) {
    std::string what = "CRC check failed for the record at offset " + std::to_string(at) +
                       ": stored " + Hex(crc) + ", computed " + Hex(actual);
    return Damage(Status::Corrupt(what + AfterDamage(at), static_cast<int64_t>(at)));
  }
  Status st = DecodeTxnPayload(payload, at, rec);
  pos_ += need;
  if (!st.ok()) return Damage(std::move(st));
  rec->offset = at;
  rec->length = len;
  return true;
}

bool TxnLogReader::EndOrDamage(uint64_t at, const std::string& what) {
  int64_t first_nonzero = -1;
  ScanResult found = ScanForRecord(at + 1, &first_nonzero);
  if (end_ == LogEnd::kZeroPadding && data_after_padding_ < 0) data_after_padding_ = first_nonzero;
  if (!status_.ok()) return false;  // an I/O error during the scan
  if (found == ScanResult::kNone) return false;
  std::string msg =
      what + " at offset " + std::to_string(at) + ", where ZooKeeper stops reading " + "this log";
  if (found == ScanResult::kFound) {
    msg += "; a valid record follows at offset " + std::to_string(valid_after_) + " (zxid " +
           Hex(valid_after_zxid_) +
           "): ZooKeeper would silently drop every transaction from there on";
  } else {
    msg +=
        "; too many record-like bytes follow to rule out valid records after it "
        "(the scan gave up at offset " +
        std::to_string(bytes_read()) + ")";
  }
  return Damage(Status::Corrupt(msg, static_cast<int64_t>(at)));
}

std::string TxnLogReader::AfterDamage(uint64_t at) {
  ScanResult found = ScanForRecord(at + 1, nullptr);
  if (!status_.ok()) return "";
  switch (found) {
    case ScanResult::kFound:
      return "; a valid record follows at offset " + std::to_string(valid_after_) + " (zxid " +
             Hex(valid_after_zxid_) + ")";
    case ScanResult::kGaveUp:
      return "; the scan for valid records after it gave up at offset " +
             std::to_string(bytes_read());
    case ScanResult::kNone:
      break;
  }
  return "; no valid record follows it";
}

TxnLogReader::ScanResult TxnLogReader::ScanForRecord(uint64_t from, int64_t* first_nonzero) {
  // Every caller stopped inside the buffered bytes (base_ <= at < base_ + end_pos_).
  pos_ = static_cast<size_t>(std::min<uint64_t>(from - base_, end_pos_));
  // Adler-32 work allowed, in bytes: a base plus 8 per byte scanned. Real logs use a sliver
  // of it (a candidate needs four zero bytes, a sane length and an EOR byte at the right
  // place before any checksum); a crafted file cannot make the scan quadratic.
  uint64_t spent = 0;
  constexpr size_t kMinCandidate = kRecordPrefixSize + kTxnHeaderSize + 1;
  for (;;) {
    size_t got = Fill(kScanWindow);
    if (!status_.ok()) return ScanResult::kNone;
    if (got < kMinCandidate) {
      pos_ += got;
      return ScanResult::kNone;
    }
    const char* p = buf_.data() + pos_;
    const char* nz = std::find_if(p, p + got, [](char ch) { return ch != 0; });
    if (first_nonzero && *first_nonzero < 0 && nz != p + got)
      *first_nonzero = static_cast<int64_t>(bytes_read() + static_cast<uint64_t>(nz - p));
    // A record's len (bytes 8..11) is not zero, so a candidate starts at most 11 bytes
    // before the next non-zero byte: long zero runs (the preallocation) are skipped.
    size_t skip = static_cast<size_t>(nz - p);
    if (skip >= kRecordPrefixSize) {
      pos_ += skip - (kRecordPrefixSize - 1);
      continue;
    }
    if (LoadInt(p) == 0) {  // the crc's high half: Adler-32 is zero-extended
      int32_t len = LoadInt(p + kRecordCrcSize);
      if (len >= static_cast<int32_t>(kTxnHeaderSize) && len <= max_record_) {
        size_t need = kRecordPrefixSize + static_cast<size_t>(len) + 1;
        if (Fill(need) == need) {
          p = buf_.data() + pos_;
          if (static_cast<uint8_t>(p[need - 1]) == kEndOfRecord) {
            spent += static_cast<uint64_t>(len);
            if (spent > kScanBaseBudget + 8 * (bytes_read() - from)) return ScanResult::kGaveUp;
            std::string_view payload(p + kRecordPrefixSize, static_cast<size_t>(len));
            if (Adler32(payload) == static_cast<uint32_t>(LoadInt(p + 4))) {
              valid_after_ = static_cast<int64_t>(bytes_read());
              valid_after_zxid_ = LoadLong(payload.data() + 12);  // TxnHeader: clientId, cxid
              return ScanResult::kFound;
            }
          }
        } else if (!status_.ok()) {
          return ScanResult::kNone;
        }
      }
    }
    ++pos_;
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
  if (!s.status.ok()) {
    // The damage says it all (an end followed by valid records is damage).
  } else if (s.end == LogEnd::kTornRecord) {
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
