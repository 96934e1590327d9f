#include "node/manifest.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "format/sha256.h"

namespace zkm {
namespace {

Manifest Sample() {
  Manifest m;
  m.tool_version = "0.1.0";
  m.created = "2024-05-01T12:00:00Z";
  m.mode = "consolidated";
  m.snapshot_format = "3.6";
  m.source.host = "zk1";
  m.source.config = "/etc/zookeeper/conf/zoo.cfg";
  m.source.data_dir = "/var/lib/zookeeper";
  m.source.data_log_dir = "/var/lib/zookeeper-log";
  m.source.myid = 3;
  m.source.current_epoch = 2;
  m.source.accepted_epoch = 2;
  m.source.settings["jute.maxbuffer"] = "4194304";
  m.source.stamps.push_back({"snapshot.1a", 457, 1714564800123456789});
  m.files.push_back({"snapshot.2000000ff", "snapshot", 5, ""});
  m.snapshot_zxid = m.last_zxid = 0x2000000ff;
  m.znodes = 42;
  m.tree_digest = -1234567890123LL;
  m.digest_charset = "utf-8";
  m.acl_count = 3;
  m.sessions = 1;
  m.ephemerals = 2;
  m.containers = 1;
  m.ttl_nodes = 1;
  m.largest_path = "/big";
  m.largest_bytes = 300000;
  m.data_bytes = 400000;
  return m;
}

class BundleDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-manifest-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    m_ = Sample();
    m_.files.clear();
    Add("snapshot.2000000ff", "snapshot", "SNAPSHOT BYTES");
    Add("log.100000001", "log", "LOG BYTES");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Add(const std::string& name, const std::string& role, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
    m_.files.push_back({name, role, bytes.size(), *Sha256File(dir_ + "/" + name)});
  }
  std::string dir_;
  Manifest m_;
};

TEST(ManifestTest, RoundTrip) {
  Manifest m = Sample();
  m.files[0].sha256 = std::string(64, 'a');
  auto back = ParseManifest(ManifestToJson(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->mode, "consolidated");
  EXPECT_EQ(back->source.myid, 3);
  EXPECT_EQ(back->source.settings.at("jute.maxbuffer"), "4194304");
  ASSERT_EQ(back->source.stamps.size(), 1u);
  EXPECT_TRUE(back->source.stamps[0] == m.source.stamps[0]);
  EXPECT_EQ(back->last_zxid, 0x2000000ff);
  EXPECT_EQ(back->tree_digest, -1234567890123LL);
  EXPECT_EQ(back->largest_path, "/big");
  ASSERT_NE(back->Snapshot(), nullptr);
  EXPECT_EQ(back->Snapshot()->name, "snapshot.2000000ff");
  EXPECT_EQ(ManifestToJson(*back), ManifestToJson(m));
}

TEST(ManifestTest, MissingMemberIsNamed) {
  auto r = ParseManifest(R"({"format_version": 1, "tool_version": "x"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("created"), std::string::npos) << r.status().message();
}

TEST(ManifestTest, WrongTypeIsNamed) {
  Manifest m = Sample();
  m.files[0].sha256 = std::string(64, 'a');
  std::string text = ManifestToJson(m);
  size_t k = text.find("\"znodes\": 42");
  ASSERT_NE(k, std::string::npos);
  text.replace(k, 12, "\"znodes\": \"42\"");
  auto r = ParseManifest(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("znodes"), std::string::npos);
}

TEST(ManifestTest, NewerFormatRefused) {
  auto r = ParseManifest(R"({"format_version": 99})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
}

TEST(ManifestTest, NotJson) {
  auto r = ParseManifest("{\"format_version\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
}

TEST(ManifestTest, PathInFileNameRefused) {
  Manifest m = Sample();
  m.files[0].sha256 = std::string(64, 'a');
  m.files[0].name = "../etc/passwd";
  auto r = ParseManifest(ManifestToJson(m));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("plain name"), std::string::npos);
}

TEST(ManifestTest, TwoSnapshotsRefused) {
  Manifest m = Sample();
  m.files[0].sha256 = std::string(64, 'a');
  m.files.push_back({"snapshot.1", "snapshot", 1, std::string(64, 'b')});
  EXPECT_FALSE(ParseManifest(ManifestToJson(m)).ok());
}

TEST(ManifestTest, SnapshotFileName) {
  EXPECT_EQ(SnapshotFileName(0x10000002a), "snapshot.10000002a");
  EXPECT_EQ(SnapshotFileName(0), "snapshot.0");
}

TEST_F(BundleDirTest, VerifyOk) {
  std::ofstream(dir_ + "/" + kManifestName) << ManifestToJson(m_);
  EXPECT_TRUE(VerifyBundle(dir_, m_).ok());
  auto read = ReadManifest(dir_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->files.size(), 2u);
}

TEST_F(BundleDirTest, MissingFile) {
  std::filesystem::remove(dir_ + "/log.100000001");
  Status st = VerifyBundle(dir_, m_);
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("log.100000001 is missing"), std::string::npos);
}

TEST_F(BundleDirTest, SizeMismatch) {
  std::ofstream(dir_ + "/log.100000001", std::ios::app) << "more";
  Status st = VerifyBundle(dir_, m_);
  EXPECT_EQ(st.code(), Code::kMismatch);
  EXPECT_NE(st.message().find("bytes"), std::string::npos);
}

TEST_F(BundleDirTest, ShaMismatch) {
  std::ofstream(dir_ + "/snapshot.2000000ff", std::ios::binary) << "SNAPSHOT BYTEZ";
  Status st = VerifyBundle(dir_, m_);
  EXPECT_EQ(st.code(), Code::kMismatch);
  EXPECT_NE(st.message().find("SHA-256"), std::string::npos);
}

TEST_F(BundleDirTest, UnlistedLogRefused) {
  std::ofstream(dir_ + "/log.200000001") << "stray";
  Status st = VerifyBundle(dir_, m_);
  EXPECT_EQ(st.code(), Code::kMismatch);
  EXPECT_NE(st.message().find("log.200000001"), std::string::npos);
}

TEST_F(BundleDirTest, OtherFilesAllowed) {
  std::ofstream(dir_ + "/README") << "notes";
  EXPECT_TRUE(VerifyBundle(dir_, m_).ok());
}

TEST_F(BundleDirTest, ReadManifestAbsent) {
  auto r = ReadManifest(dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace zkm
