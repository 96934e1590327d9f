// Byte sources (file, gzip, xerial snappy), the atomic file sink and the jute
// codec: valid bytes first, then damage.
#include "format/byte_source.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "format/jute.h"

namespace zkm {
namespace {

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string XerialSnappy(const std::string& in, size_t block) {
  std::string out("\x82SNAPPY\0", 8);
  out += std::string("\0\0\0\1\0\0\0\1", 8);
  for (size_t off = 0; off < in.size(); off += block) {
    std::string c;
    snappy::Compress(in.data() + off, std::min(block, in.size() - off), &c);
    char len[4];
    StoreInt(len, static_cast<int32_t>(c.size()));
    out.append(len, 4);
    out += c;
  }
  return out;
}

std::string ReadAll(ByteSource& s, Status* st) {
  std::string out;
  char buf[333];
  for (;;) {
    auto r = s.Read(buf, sizeof buf);
    if (!r.ok()) {
      *st = r.status();
      return out;
    }
    if (*r == 0) return out;
    out.append(buf, *r);
  }
}

std::string Payload() {
  std::string p;
  for (int i = 0; i < 100000; ++i) p += static_cast<char>('a' + (i * 7919) % 26);
  return p;
}

TEST(ByteSource, GzipRoundTripAndConcatenatedMembers) {
  std::string p = Payload();
  std::string z = Gzip(p.substr(0, 50000)) + Gzip(p.substr(50000));
  MemorySource m(z);
  GzipSource g(m);
  Status st;
  EXPECT_EQ(ReadAll(g, &st), p);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(ByteSource, GzipTruncatedIsReported) {
  std::string z = Gzip(Payload());
  z.resize(z.size() / 2);
  MemorySource m(z);
  GzipSource g(m);
  Status st;
  ReadAll(g, &st);
  EXPECT_EQ(st.code(), Code::kTruncated) << st.ToString();
  EXPECT_NE(st.message().find("gzip"), std::string::npos);
}

TEST(ByteSource, GzipBitFlipIsCorrupt) {
  std::string z = Gzip(Payload());
  z[z.size() / 2] = static_cast<char>(z[z.size() / 2] ^ 0x55);
  MemorySource m(z);
  GzipSource g(m);
  Status st;
  ReadAll(g, &st);
  EXPECT_FALSE(st.ok());
}

TEST(ByteSource, SnappyStreamInBlocksAndConcatenated) {
  std::string p = Payload();
  std::string s = XerialSnappy(p.substr(0, 40000), 32768) + XerialSnappy(p.substr(40000), 32768);
  MemorySource m(s);
  SnappyStreamSource src(m);
  Status st;
  EXPECT_EQ(ReadAll(src, &st), p);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(ByteSource, SnappyBadMagic) {
  std::string s = XerialSnappy(Payload(), 32768);
  s[1] = 'X';
  MemorySource m(s);
  SnappyStreamSource src(m);
  Status st;
  ReadAll(src, &st);
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("magic"), std::string::npos);
}

TEST(ByteSource, SnappyTruncatedBlock) {
  std::string s = XerialSnappy(Payload(), 32768);
  s.resize(s.size() - 10);
  MemorySource m(s);
  SnappyStreamSource src(m);
  Status st;
  ReadAll(src, &st);
  EXPECT_EQ(st.code(), Code::kTruncated) << st.ToString();
}

TEST(ByteSource, SnappyHugeBlockLength) {
  std::string s = XerialSnappy("abc", 32768);
  StoreInt(&s[16], 0x7fffffff);
  MemorySource m(s);
  SnappyStreamSource src(m);
  Status st;
  ReadAll(src, &st);
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("out of range"), std::string::npos);
}

TEST(ByteSource, FileSourceMissingFileIsNotFound) {
  auto f = FileSource::Open("/nonexistent/zkm/file");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kNotFound);
  EXPECT_NE(f.status().message().find("/nonexistent/zkm/file"), std::string::npos);
}

TEST(ByteSource, AtomicSinkCommitsOrLeavesNothing) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/zkm-sink-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  {
    auto s = AtomicFileSink::Create(dir, "x");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Write("hello", 5).ok());
  }  // not committed: removed
  EXPECT_TRUE(fs::is_empty(dir));
  {
    auto s = AtomicFileSink::Create(dir, "x");
    ASSERT_TRUE((*s)->Write("hello", 5).ok());
    ASSERT_TRUE((*s)->Commit().ok());
  }
  std::ifstream in(dir + "/x");
  std::string got;
  in >> got;
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(ByteSource, ReadFileEnds) {
  namespace fs = std::filesystem;
  std::string p = fs::temp_directory_path() / "zkm-ends";
  std::ofstream(p) << "0123456789";
  std::string head, tail;
  ASSERT_TRUE(ReadFileEnds(p, 3, 5, &head, &tail).ok());
  EXPECT_EQ(head, "012");
  EXPECT_EQ(tail, "56789");
  fs::remove(p);
}

TEST(Jute, ReadsBigEndianAndTracksAdler) {
  std::string b;
  StringSink sink;
  JuteWriter w(sink);
  w.WriteInt(-2);
  w.WriteLong(0x0102030405060708LL);
  w.WriteBuffer("abc");
  w.WriteBuffer("", true);
  w.WriteBool(true);
  uint32_t adler = w.Adler();
  ASSERT_TRUE(w.Flush().ok());
  MemorySource m(sink.data());
  JuteReader r(m, true);
  int32_t i;
  int64_t l;
  std::string s;
  bool null = false, flag = false;
  ASSERT_TRUE(r.ReadInt(&i));
  EXPECT_EQ(i, -2);
  ASSERT_TRUE(r.ReadLong(&l));
  EXPECT_EQ(l, 0x0102030405060708LL);
  ASSERT_TRUE(r.ReadBuffer(&s, &null, 100, "buf"));
  EXPECT_EQ(s, "abc");
  EXPECT_FALSE(null);
  ASSERT_TRUE(r.ReadBuffer(&s, &null, 100, "buf"));
  EXPECT_TRUE(null);
  ASSERT_TRUE(r.ReadBool(&flag));
  EXPECT_TRUE(flag);
  EXPECT_EQ(r.Adler(), adler);
  EXPECT_EQ(r.Adler(), Adler32(sink.data()));
  EXPECT_TRUE(r.AtEnd());
}

TEST(Jute, UnreasonableLengthIsCorruptWithOffset) {
  std::string b(8, '\0');
  StoreInt(&b[4], 5000);
  MemorySource m(b);
  JuteReader r(m);
  int32_t skip;
  ASSERT_TRUE(r.ReadInt(&skip));
  std::string s;
  bool null;
  EXPECT_FALSE(r.ReadBuffer(&s, &null, 4096, "node data"));
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
  EXPECT_EQ(r.status().offset(), 4);
  EXPECT_NE(r.status().message().find("unreasonable length 5000 for node data"), std::string::npos);
}

TEST(Jute, NegativeLengthBelowMinusOneIsCorrupt) {
  std::string b(4, '\0');
  StoreInt(&b[0], -2);
  MemorySource m(b);
  JuteReader r(m);
  std::string s;
  bool null;
  EXPECT_FALSE(r.ReadBuffer(&s, &null, 4096, "path"));
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
}

TEST(Jute, TruncatedBufferIsTruncatedAndSticky) {
  std::string b(6, '\0');
  StoreInt(&b[0], 10);
  MemorySource m(b);
  JuteReader r(m);
  std::string s;
  bool null;
  EXPECT_FALSE(r.ReadBuffer(&s, &null, 4096, "path"));
  EXPECT_EQ(r.status().code(), Code::kTruncated);
  int32_t i;
  EXPECT_FALSE(r.ReadInt(&i));  // sticky
}

TEST(Jute, BufferLargerThanTheReadBuffer) {
  std::string big(3 << 20, 'z');
  StringSink sink;
  JuteWriter w(sink);
  w.WriteBuffer(big);
  ASSERT_TRUE(w.Flush().ok());
  MemorySource m(sink.data());
  JuteReader r(m, true);
  std::string s;
  bool null;
  ASSERT_TRUE(r.ReadBuffer(&s, &null, 4 << 20, "data"));
  EXPECT_EQ(s, big);
  EXPECT_EQ(r.Adler(), Adler32(sink.data()));
}

}  // namespace
}  // namespace zkm
