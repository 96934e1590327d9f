#include "format/byte_source.h"

#include <errno.h>
#include <fcntl.h>
#include <snappy.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace zkm {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  if (err == ENOSPC) return Status::Io(msg + " (the disk is full)");
  return Status::Io(msg);
}

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kPlain:
      return "plain";
    case Compression::kGzip:
      return "gz";
    case Compression::kSnappy:
      return "snappy";
  }
  return "plain";
}

Result<size_t> MemorySource::Read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

// ---- FileSource

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return ErrnoStatus("cannot stat", path, e);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::Invalid(path + " is a directory, not a file");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<FileSource>(new FileSource(fd, path, static_cast<uint64_t>(st.st_size)));
}

FileSource::~FileSource() {
  ::close(fd_);
}

Result<size_t> FileSource::Read(char* buf, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    return ErrnoStatus("cannot read", path_, errno);
  }
}

Status FileSource::ReadAll(std::string* out, uint64_t max_bytes) {
  out->clear();
  char buf[1 << 16];
  for (;;) {
    auto r = Read(buf, sizeof buf);
    if (!r.ok()) return r.status();
    if (*r == 0) return Status::Ok();
    if (out->size() + *r > max_bytes) {
      return Status::Invalid(path_ + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out->append(buf, *r);
  }
}

Status ReadFileEnds(const std::string& path, size_t head_n, size_t tail_n, std::string* head,
                    std::string* tail) {
  auto f = FileSource::Open(path);
  if (!f.ok()) return f.status();
  uint64_t size = (*f)->size();
  auto read_at = [&](uint64_t off, size_t n, std::string* out) -> Status {
    out->assign(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread((*f)->fd(), out->data() + got, n - got, static_cast<off_t>(off + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot read", path, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    out->resize(got);
    return Status::Ok();
  };
  ZKM_RETURN_IF_ERROR(read_at(0, static_cast<size_t>(std::min<uint64_t>(size, head_n)), head));
  size_t tn = static_cast<size_t>(std::min<uint64_t>(size, tail_n));
  return read_at(size - tn, tn, tail);
}

// ---- GzipSource

struct GzipSource::State {
  z_stream zs{};
  std::vector<unsigned char> in = std::vector<unsigned char>(1 << 18);
  bool inner_eof = false;
  bool done = false;
  bool initialised = false;
};

GzipSource::GzipSource(ByteSource& inner) : inner_(inner), state_(new State) {
  state_->initialised = inflateInit2(&state_->zs, 16 + MAX_WBITS) == Z_OK;
}

GzipSource::~GzipSource() {
  if (state_->initialised) inflateEnd(&state_->zs);
}

Result<size_t> GzipSource::Read(char* buf, size_t n) {
  State& s = *state_;
  if (!s.initialised) return Status::Io("cannot initialise zlib");
  if (s.done || n == 0) return size_t{0};
  s.zs.next_out = reinterpret_cast<Bytef*>(buf);
  s.zs.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
  while (s.zs.avail_out > 0) {
    if (s.zs.avail_in == 0 && !s.inner_eof) {
      auto r = inner_.Read(reinterpret_cast<char*>(s.in.data()), s.in.size());
      if (!r.ok()) return r.status();
      if (*r == 0) {
        s.inner_eof = true;
      } else {
        s.zs.next_in = s.in.data();
        s.zs.avail_in = static_cast<uInt>(*r);
      }
    }
    if (s.zs.avail_in == 0 && s.inner_eof) {
      // The compressed stream ended inside a member.
      if (s.zs.avail_out == static_cast<uInt>(std::min<size_t>(n, 1u << 30))) {
        return Status::Truncated("gzip stream ends before its end marker",
                                 static_cast<int64_t>(compressed_offset_));
      }
      break;
    }
    uInt before_in = s.zs.avail_in;
    int rc = inflate(&s.zs, Z_NO_FLUSH);
    compressed_offset_ += before_in - s.zs.avail_in;
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated gzip); anything else ends the data.
      if (s.zs.avail_in == 0 && !s.inner_eof) {
        auto r = inner_.Read(reinterpret_cast<char*>(s.in.data()), s.in.size());
        if (!r.ok()) return r.status();
        if (*r == 0) s.inner_eof = true;
        s.zs.next_in = s.in.data();
        s.zs.avail_in = static_cast<uInt>(*r);
      }
      if (s.zs.avail_in >= 2 && s.zs.next_in[0] == 0x1f && s.zs.next_in[1] == 0x8b) {
        inflateReset(&s.zs);
        continue;
      }
      s.done = true;
      break;
    }
    if (rc == Z_BUF_ERROR) continue;  // needs more input
    if (rc != Z_OK) {
      return Status::Corrupt(
          std::string("gzip data is damaged: ") + (s.zs.msg ? s.zs.msg : "inflate failed"),
          static_cast<int64_t>(compressed_offset_));
    }
  }
  return static_cast<size_t>(s.zs.next_out - reinterpret_cast<Bytef*>(buf));
}

// ---- SnappyStreamSource

namespace {
constexpr unsigned char kSnappyMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

uint32_t LoadBE32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
}  // namespace

Status SnappyStreamSource::ReadExact(char* buf, size_t n, bool* eof_at_start) {
  size_t got = 0;
  *eof_at_start = false;
  while (got < n) {
    auto r = inner_.Read(buf + got, n - got);
    if (!r.ok()) return r.status();
    if (*r == 0) {
      if (got == 0) {
        *eof_at_start = true;
        return Status::Ok();
      }
      return Status::Truncated("snappy stream ends inside a block",
                               static_cast<int64_t>(compressed_offset_ + got));
    }
    got += *r;
  }
  compressed_offset_ += n;
  return Status::Ok();
}

Status SnappyStreamSource::NextChunk(bool* eof) {
  *eof = false;
  char len_bytes[4];
  for (;;) {
    bool at_eof = false;
    if (!header_read_) {
      char hdr[16];
      ZKM_RETURN_IF_ERROR(ReadExact(hdr, 16, &at_eof));
      if (at_eof) return Status::Truncated("snappy stream is empty", 0);
      if (std::memcmp(hdr, kSnappyMagic, 8) != 0) {
        return Status::Corrupt("not a snappy-java stream (bad magic header)", 0);
      }
      header_read_ = true;
    }
    ZKM_RETURN_IF_ERROR(ReadExact(len_bytes, 4, &at_eof));
    if (at_eof) {
      *eof = true;
      return Status::Ok();
    }
    if (std::memcmp(len_bytes, kSnappyMagic, 4) == 0) {
      // A concatenated stream: the 16-byte header appears again mid-stream.
      char rest[12];
      ZKM_RETURN_IF_ERROR(ReadExact(rest, 12, &at_eof));
      if (at_eof || std::memcmp(rest, kSnappyMagic + 4, 4) != 0) {
        return Status::Corrupt("damaged snappy stream header",
                               static_cast<int64_t>(compressed_offset_));
      }
      continue;
    }
    break;
  }
  uint32_t len = LoadBE32(len_bytes);
  if (len == 0 || len > kMaxChunk) {
    return Status::Corrupt("snappy block length " + std::to_string(len) + " is out of range",
                           static_cast<int64_t>(compressed_offset_ - 4));
  }
  compressed_.resize(len);
  bool at_eof = false;
  ZKM_RETURN_IF_ERROR(ReadExact(compressed_.data(), len, &at_eof));
  if (at_eof) {
    return Status::Truncated("snappy stream ends after a block length",
                             static_cast<int64_t>(compressed_offset_));
  }
  size_t ulen = 0;
  if (!snappy::GetUncompressedLength(compressed_.data(), len, &ulen) || ulen > kMaxChunk) {
    return Status::Corrupt("snappy block is damaged",
                           static_cast<int64_t>(compressed_offset_ - len));
  }
  chunk_.resize(ulen);
  if (!snappy::RawUncompress(compressed_.data(), len, chunk_.data())) {
    return Status::Corrupt("snappy block is damaged",
                           static_cast<int64_t>(compressed_offset_ - len));
  }
  chunk_pos_ = 0;
  return Status::Ok();
}

Result<size_t> SnappyStreamSource::Read(char* buf, size_t n) {
  size_t out = 0;
  while (out < n) {
    if (chunk_pos_ == chunk_.size()) {
      bool eof = false;
      Status st = NextChunk(&eof);
      if (!st.ok()) return st;
      if (eof) break;
      continue;
    }
    size_t k = std::min(n - out, chunk_.size() - chunk_pos_);
    std::memcpy(buf + out, chunk_.data() + chunk_pos_, k);
    chunk_pos_ += k;
    out += k;
  }
  return out;
}

namespace {
class PassThrough : public ByteSource {
 public:
  explicit PassThrough(ByteSource& inner) : inner_(inner) {}
  Result<size_t> Read(char* buf, size_t n) override { return inner_.Read(buf, n); }

 private:
  ByteSource& inner_;
};
}  // namespace

std::unique_ptr<ByteSource> Decompress(Compression c, ByteSource& inner) {
  switch (c) {
    case Compression::kGzip:
      return std::make_unique<GzipSource>(inner);
    case Compression::kSnappy:
      return std::make_unique<SnappyStreamSource>(inner);
    case Compression::kPlain:
      break;
  }
  return std::make_unique<PassThrough>(inner);
}

// ---- AtomicFileSink

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::Create(const std::string& dir,
                                                               const std::string& name) {
  std::string tmp = dir + "/." + name + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(fd, dir, tmp, dir + "/" + name));
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

Status AtomicFileSink::FlushBuffer() {
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t w = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", tmp_path_, errno);
    }
    off += static_cast<size_t>(w);
  }
  buf_.clear();
  return Status::Ok();
}

Status AtomicFileSink::Write(const char* data, size_t n) {
  constexpr size_t kBuf = 1 << 20;
  if (buf_.capacity() < kBuf) buf_.reserve(kBuf);
  written_ += n;
  if (buf_.size() + n > kBuf) ZKM_RETURN_IF_ERROR(FlushBuffer());
  if (n >= kBuf) {
    buf_.assign(data, data + n);
    return FlushBuffer();
  }
  buf_.insert(buf_.end(), data, data + n);
  return Status::Ok();
}

Status AtomicFileSink::Commit() {
  ZKM_RETURN_IF_ERROR(FlushBuffer());
  if (::fsync(fd_) != 0) return ErrnoStatus("cannot fsync", tmp_path_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return ErrnoStatus("cannot close", tmp_path_, errno);
  }
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    return ErrnoStatus("cannot rename into", final_path_, errno);
  }
  committed_ = true;
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace zkm
