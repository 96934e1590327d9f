#include "format/jute.h"

#include <zlib.h>

#include <cstring>

namespace zkm {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}

JuteReader::JuteReader(ByteSource& src, bool track_adler)
    : src_(src),
      buf_(kBufferSize),
      track_adler_(track_adler),
      adler_(Poco::Checksum::TYPE_ADLER32) {}

bool JuteReader::Fail(Status st) {
  if (status_.ok()) status_ = std::move(st);
  return false;
}

void JuteReader::UpdateAdler() {
  if (track_adler_ && pos_ > adler_pos_) {
    adler_.update(buf_.data() + adler_pos_, static_cast<unsigned>(pos_ - adler_pos_));
    adler_pos_ = pos_;
  }
}

uint32_t JuteReader::Adler() {
  UpdateAdler();
  return adler_.checksum();
}

bool JuteReader::Fill(size_t n) {
  if (!status_.ok()) return false;
  if (end_ - pos_ >= n) return true;
  UpdateAdler();
  // Move the unread tail to the front, growing the buffer if one item needs it.
  size_t unread = end_ - pos_;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, unread);
    base_offset_ += pos_;
    pos_ = 0;
    adler_pos_ = 0;
    end_ = unread;
  }
  if (buf_.size() < n) buf_.resize(n);
  while (end_ < n && !eof_) {
    auto r = src_.Read(buf_.data() + end_, buf_.size() - end_);
    if (!r.ok()) return Fail(r.status());
    if (*r == 0) eof_ = true;
    end_ += *r;
  }
  return end_ - pos_ >= n;
}

bool JuteReader::Ensure(size_t n, const char* what) {
  if (Fill(n)) return true;
  if (!status_.ok()) return false;
  return Fail(
      Status::Truncated(std::string("data ends inside ") + what, static_cast<int64_t>(offset())));
}

bool JuteReader::ReadByte(uint8_t* v) {
  if (!Ensure(1, "a byte")) return false;
  *v = static_cast<uint8_t>(buf_[pos_++]);
  return true;
}

bool JuteReader::ReadBool(bool* v) {
  uint8_t b = 0;
  if (!ReadByte(&b)) return false;
  *v = b != 0;
  return true;
}

bool JuteReader::ReadInt(int32_t* v) {
  if (!Ensure(4, "an int")) return false;
  *v = LoadInt(buf_.data() + pos_);
  pos_ += 4;
  return true;
}

bool JuteReader::ReadLong(int64_t* v) {
  if (!Ensure(8, "a long")) return false;
  *v = LoadLong(buf_.data() + pos_);
  pos_ += 8;
  return true;
}

bool JuteReader::ReadBufferView(std::string_view* out, bool* is_null, int32_t max_len,
                                const char* what) {
  uint64_t at = offset();
  int32_t len = 0;
  if (!ReadInt(&len)) return false;
  *is_null = false;
  if (len == -1) {
    *is_null = true;
    *out = std::string_view();
    return true;
  }
  if (len < -1 || len > max_len) {
    return Fail(Status::Corrupt(std::string("unreasonable length ") + std::to_string(len) +
                                    " for " + what + " (limit " + std::to_string(max_len) + ")",
                                static_cast<int64_t>(at)));
  }
  if (!Ensure(static_cast<size_t>(len), what)) return false;
  *out = std::string_view(buf_.data() + pos_, static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return true;
}

bool JuteReader::ReadBuffer(std::string* out, bool* is_null, int32_t max_len, const char* what) {
  std::string_view v;
  if (!ReadBufferView(&v, is_null, max_len, what)) return false;
  out->assign(v.data(), v.size());
  return true;
}

bool JuteReader::ReadRaw(size_t n, std::string_view* out) {
  if (!Ensure(n, "a record")) return false;
  *out = std::string_view(buf_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool JuteReader::Skip(uint64_t n) {
  while (n > 0) {
    size_t step = static_cast<size_t>(std::min<uint64_t>(n, kBufferSize));
    if (!Ensure(step, "skipped bytes")) return false;
    pos_ += step;
    n -= step;
  }
  return true;
}

bool JuteReader::AtEnd() {
  if (!status_.ok()) return false;
  return !Fill(1) && status_.ok();
}

bool JuteReader::ReadRest(std::string* out, size_t max) {
  out->clear();
  while (true) {
    if (!Fill(1)) return status_.ok();
    size_t avail = end_ - pos_;
    if (out->size() + avail > max) {
      return Fail(
          Status::Corrupt("unexpected " + std::to_string(out->size() + avail) + "+ trailing bytes",
                          static_cast<int64_t>(offset())));
    }
    out->append(buf_.data() + pos_, avail);
    pos_ += avail;
  }
}

// ---- JuteWriter

JuteWriter::JuteWriter(ByteSink& sink) : sink_(sink), adler_(Poco::Checksum::TYPE_ADLER32) {
  buf_.reserve(kBufferSize + 64);
}

void JuteWriter::Spill() {
  if (buf_.size() > adler_pos_) {
    adler_.update(buf_.data() + adler_pos_, static_cast<unsigned>(buf_.size() - adler_pos_));
  }
  if (status_.ok() && !buf_.empty()) status_ = sink_.Write(buf_.data(), buf_.size());
  written_ += buf_.size();
  buf_.clear();
  adler_pos_ = 0;
}

void JuteWriter::WriteRaw(std::string_view data) {
  if (buf_.size() + data.size() > kBufferSize) Spill();
  if (data.size() > kBufferSize) {
    adler_.update(data.data(), static_cast<unsigned>(data.size()));
    if (status_.ok()) status_ = sink_.Write(data.data(), data.size());
    written_ += data.size();
    return;
  }
  buf_.append(data.data(), data.size());
}

void JuteWriter::WriteByte(uint8_t v) {
  char c = static_cast<char>(v);
  WriteRaw(std::string_view(&c, 1));
}

void JuteWriter::WriteInt(int32_t v) {
  char b[4];
  StoreInt(b, v);
  WriteRaw(std::string_view(b, 4));
}

void JuteWriter::WriteLong(int64_t v) {
  char b[8];
  StoreLong(b, v);
  WriteRaw(std::string_view(b, 8));
}

void JuteWriter::WriteBuffer(std::string_view data, bool is_null) {
  if (is_null) {
    WriteInt(-1);
    return;
  }
  WriteInt(static_cast<int32_t>(data.size()));
  WriteRaw(data);
}

uint32_t JuteWriter::Adler() {
  if (buf_.size() > adler_pos_) {
    adler_.update(buf_.data() + adler_pos_, static_cast<unsigned>(buf_.size() - adler_pos_));
    adler_pos_ = buf_.size();
  }
  return adler_.checksum();
}

Status JuteWriter::Flush() {
  Spill();
  return status_;
}

uint32_t Adler32(std::string_view data) {
  Poco::Checksum c(Poco::Checksum::TYPE_ADLER32);
  c.update(data.data(), static_cast<unsigned>(data.size()));
  return c.checksum();
}

std::string Hex(int64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace zkm
