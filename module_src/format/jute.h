// Jute binary decoding and encoding (docs/FORMATS.md section 2): big-endian ints
// and longs, int32-length-prefixed buffers and strings where -1 means null.
//
// JuteReader pulls from a ByteSource through a growable buffer, counts the bytes
// consumed (offset()) and, if asked, keeps a running Adler-32 over them (via
// Poco::Checksum), which is what a snapshot's seals cover. Errors are sticky:
// after the first failure every read returns false and status() says why and
// where. Every length is bounded before anything is allocated.
#pragma once

#include <Poco/Checksum.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/byte_source.h"

namespace zkm {

// ZooKeeper's default jute.maxbuffer (0xfffff) plus the default extrasize: the
// largest buffer a default 3.6+ server accepts (docs/FORMATS.md section 2).
constexpr int32_t kDefaultJuteMaxBuffer = 0xfffff;
constexpr int32_t kDefaultJuteLimit = 0xfffff + 0xfffff;

class JuteReader {
 public:
  explicit JuteReader(ByteSource& src, bool track_adler = false);

  bool ReadByte(uint8_t* v);
  bool ReadBool(bool* v);
  bool ReadInt(int32_t* v);
  bool ReadLong(int64_t* v);
  // A length-prefixed buffer or ustring. Length -1 sets *is_null (out is emptied);
  // a length < -1 or > max_len fails as "unreasonable length" naming `what`.
  bool ReadBuffer(std::string* out, bool* is_null, int32_t max_len, const char* what);
  // The same without a copy: `out` stays valid until the next call on this reader.
  bool ReadBufferView(std::string_view* out, bool* is_null, int32_t max_len, const char* what);
  // Exactly n raw bytes as a view (valid until the next call).
  bool ReadRaw(size_t n, std::string_view* out);
  bool Skip(uint64_t n);

  // True if no byte is left (reads ahead; false on an I/O error, see status()).
  bool AtEnd();
  // Reads everything left (at most max bytes; fails if more remain).
  bool ReadRest(std::string* out, size_t max);

  // Bytes consumed so far.
  uint64_t offset() const { return base_offset_ + pos_; }
  // Adler-32 of every byte consumed so far (requires track_adler).
  uint32_t Adler();

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Records a failure (the first one wins) and returns false.
  bool Fail(Status st);

 private:
  // Makes at least n unread bytes available; false at EOF (sets truncated) or error.
  bool Ensure(size_t n, const char* what);
  bool Fill(size_t n);  // like Ensure, without failing on EOF
  void UpdateAdler();

  ByteSource& src_;
  std::vector<char> buf_;
  size_t pos_ = 0;            // next unread byte in buf_
  size_t end_ = 0;            // end of valid bytes in buf_
  uint64_t base_offset_ = 0;  // stream offset of buf_[0]
  bool eof_ = false;
  bool track_adler_;
  size_t adler_pos_ = 0;  // bytes of buf_ already fed to adler_
  Poco::Checksum adler_;
  Status status_;
};

// Encodes jute into a ByteSink through a buffer, with a running Adler-32.
class JuteWriter {
 public:
  explicit JuteWriter(ByteSink& sink);
  void WriteByte(uint8_t v);
  void WriteBool(bool v) { WriteByte(v ? 1 : 0); }
  void WriteInt(int32_t v);
  void WriteLong(int64_t v);
  void WriteBuffer(std::string_view data, bool is_null = false);
  void WriteRaw(std::string_view data);
  // Adler-32 of everything written so far.
  uint32_t Adler();
  uint64_t offset() const { return written_ + buf_.size(); }
  // Flushes the buffer; returns the first sink error.
  Status Flush();
  const Status& status() const { return status_; }

 private:
  void Spill();
  ByteSink& sink_;
  std::string buf_;
  uint64_t written_ = 0;
  size_t adler_pos_ = 0;
  Poco::Checksum adler_;
  Status status_;
};

// Big-endian helpers for fixed layouts.
inline int32_t LoadInt(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<int32_t>((uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                              (uint32_t{u[2]} << 8) | uint32_t{u[3]});
}
inline int64_t LoadLong(const char* p) {
  return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(LoadInt(p))) << 32) |
                              static_cast<uint32_t>(LoadInt(p + 4)));
}
inline void StoreInt(char* p, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  p[0] = static_cast<char>(u >> 24);
  p[1] = static_cast<char>(u >> 16);
  p[2] = static_cast<char>(u >> 8);
  p[3] = static_cast<char>(u);
}
inline void StoreLong(char* p, int64_t v) {
  StoreInt(p, static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  StoreInt(p + 4, static_cast<int32_t>(v));
}

// Adler-32 of a byte range, starting fresh (the txn-log record CRC).
uint32_t Adler32(std::string_view data);
// CRC-32 (zlib/IEEE) continued over data, as zlib's crc32() (crc32.cc: carry-less
// multiplication where the CPU has it; this is half of a snapshot check's time).
uint32_t Crc32Update(uint32_t crc, std::string_view data);

// "0x1a2b" for zxids in messages.
std::string Hex(int64_t v);

}  // namespace zkm
