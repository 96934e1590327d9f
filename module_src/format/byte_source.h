// Byte sources and sinks: the only way readers and writers touch bytes.
//
// Readers in this library take a ByteSource, never a path (docs/STYLE.md habit 2). A
// source yields bytes until it returns 0; decompressing sources wrap another
// source so that every checksum is computed over the decompressed stream, as
// ZooKeeper does (docs/FORMATS.md 4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zkm {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`; returns how many, 0 at the end of the data.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Bytes held in memory (tests, small files). The bytes must outlive the source.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// A file opened for reading. Opening is the edge where paths become bytes.
class FileSource : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  Result<size_t> Read(char* buf, size_t n) override;
  uint64_t size() const { return size_; }
  int fd() const { return fd_; }
  // Reads the whole rest of the file into `out`, refusing files over `max_bytes`.
  Status ReadAll(std::string* out, uint64_t max_bytes);

 private:
  FileSource(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  uint64_t size_;
};

enum class Compression { kPlain, kGzip, kSnappy };
const char* CompressionName(Compression c);

// gzip (RFC 1952), concatenated members allowed, as java.util.zip.GZIPInputStream.
class GzipSource : public ByteSource {
 public:
  explicit GzipSource(ByteSource& inner);
  ~GzipSource() override;
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;
  Result<size_t> Read(char* buf, size_t n) override;
  // Bytes of compressed input consumed so far (for error offsets).
  uint64_t compressed_offset() const { return compressed_offset_; }

 private:
  ByteSource& inner_;
  struct State;
  std::unique_ptr<State> state_;
  uint64_t compressed_offset_ = 0;
};

// The xerial snappy-java stream ("\x82SNAPPY\0" header, then [int32 BE length][raw
// snappy block] chunks), NOT Google's framing format. See docs/FORMATS.md 4.1.
class SnappyStreamSource : public ByteSource {
 public:
  static constexpr uint32_t kMaxChunk = 64u << 20;  // bound on any one block
  explicit SnappyStreamSource(ByteSource& inner) : inner_(inner) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  Status NextChunk(bool* eof);
  Status ReadExact(char* buf, size_t n, bool* eof_at_start);
  ByteSource& inner_;
  bool header_read_ = false;
  std::string compressed_;
  std::string chunk_;
  size_t chunk_pos_ = 0;
  uint64_t compressed_offset_ = 0;
};

// Wraps `inner` for `c`; for kPlain returns a pass-through.
std::unique_ptr<ByteSource> Decompress(Compression c, ByteSource& inner);

// Destinations for writers.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(const char* data, size_t n) = 0;
};

class StringSink : public ByteSink {
 public:
  Status Write(const char* data, size_t n) override {
    out_.append(data, n);
    return Status::Ok();
  }
  const std::string& data() const { return out_; }
  std::string& data() { return out_; }

 private:
  std::string out_;
};

// Writes a file the safe way (docs/STYLE.md habit 8): into `<dir>/.<name>.tmp-<pid>`,
// then Commit() fsyncs, renames over `<dir>/<name>` and fsyncs the directory.
// Destroying an uncommitted sink removes the temporary file.
class AtomicFileSink : public ByteSink {
 public:
  static Result<std::unique_ptr<AtomicFileSink>> Create(const std::string& dir,
                                                        const std::string& name);
  ~AtomicFileSink() override;
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;
  Status Write(const char* data, size_t n) override;
  Status Commit();
  const std::string& final_path() const { return final_path_; }
  uint64_t bytes_written() const { return written_; }

 private:
  AtomicFileSink(int fd, std::string dir, std::string tmp, std::string final_path)
      : fd_(fd),
        dir_(std::move(dir)),
        tmp_path_(std::move(tmp)),
        final_path_(std::move(final_path)) {}
  Status FlushBuffer();
  int fd_;
  std::string dir_, tmp_path_, final_path_;
  std::vector<char> buf_;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Reads up to the first `head_n` and the last `tail_n` bytes of a file without
// reading what lies between (ZooKeeper's snapshot precheck looks at the ends).
Status ReadFileEnds(const std::string& path, size_t head_n, size_t tail_n, std::string* head,
                    std::string* tail);

// Describes an errno from a syscall on `path` as one sentence ("permission denied", ...).
Status ErrnoStatus(const std::string& what, const std::string& path, int err);

}  // namespace zkm
