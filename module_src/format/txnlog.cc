#include "format/txnlog.h"

#include <algorithm>
#include <cstring>

namespace zkm {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}  // namespace

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
