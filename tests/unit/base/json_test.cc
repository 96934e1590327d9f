// The bounded JSON reader (base/json.h): nesting beyond the limit is one clear
// error and never a stack overflow, for the manifest, the backup record and the
// module's arguments file alike.
#include "base/json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/backup_record.h"
#include "node/manifest.h"

namespace zkm {
namespace {

std::string Nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// {"a":{"a":...{"a":1}...}} with `depth` objects.
std::string NestedObjects(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

TEST(Json, ParsesAnObject) {
  rapidjson::Document d;
  ASSERT_TRUE(ParseJson(R"({"a": [1, {"b": "x"}]})", "input", &d).ok());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["a"][1]["b"].GetString(), std::string("x"));
}

TEST(Json, NestingAtTheLimitIsAccepted) {
  rapidjson::Document d;
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth), "input", &d).ok());
  EXPECT_TRUE(ParseJson(NestedObjects(kMaxJsonDepth), "input", &d).ok());
}

TEST(Json, NestingOneBeyondTheLimitIsRefusedWithItsOffset) {
  rapidjson::Document d;
  Status st = ParseJson(Nested(kMaxJsonDepth + 1), "input", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "nesting in input goes deeper than 64 levels (at byte 64)");
}

TEST(Json, TwoHundredThousandLevelsIsOneErrorNotACrash) {
  rapidjson::Document d;
  for (const std::string& text : {Nested(200000), Nested(200000, '{', '}'), NestedObjects(200000),
                                  std::string(200000, '[')}) {
    Status st = ParseJson(text, "input", &d);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("goes deeper than 64 levels"), std::string::npos);
  }
}

TEST(Json, BracketsInsideStringsDoNotCount) {
  rapidjson::Document d;
  std::string deep_string = "{\"k\": \"" + Nested(1000) + "\\\"[[[\"}";
  Status st = ParseJson(deep_string, "input", &d);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(std::string(d["k"].GetString()).size(), 2000u + 4u);
}

TEST(Json, ASmallerLimitCanBeAsked) {
  rapidjson::Document d;
  EXPECT_TRUE(ParseJson("[[1]]", "input", &d, 2).ok());
  EXPECT_FALSE(ParseJson("[[[1]]]", "input", &d, 2).ok());
}

TEST(Json, SyntaxErrorNamesTheInputAndTheByte) {
  rapidjson::Document d;
  Status st = ParseJson("{\"a\": }", "the thing", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "the thing is not valid JSON: Invalid value. (at byte 6)");
}

TEST(Json, DeepManifestIsOneClearError) {
  Result<Manifest> m = ParseManifest(Nested(200000, '{', '}'));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "nesting in manifest goes deeper than 64 levels (at byte 64)");
  m = ParseManifest("{\"format_version\": " + Nested(200000) + "}");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("goes deeper than 64 levels"), std::string::npos);
}

class JsonFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zkmt-json-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(JsonFiles, DeepBackupRecordIsCorruptNotACrash) {
  Write("backup.json", Nested(200000));
  Result<BackupRecord> r = ReadBackupRecord(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
  EXPECT_NE(r.status().message().find("goes deeper than 64 levels"), std::string::npos);
}

// The module, run as Ansible runs it (the binary with an arguments file), answers
// with one JSON object saying what is wrong.
TEST_F(JsonFiles, DeepModuleArgumentsFileIsOneJsonError) {
  const char* bin = std::getenv("ZKM_BIN");
  if (bin == nullptr) GTEST_SKIP() << "ZKM_BIN is not set (run through ctest)";
  Write("args.json", "{\"state\": \"facts\", \"x\": " + NestedObjects(200000) + "}");
  std::string cmd = std::string(bin) + " " + (dir_ / "args.json").string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(st)) << "the module died: " << out;
  EXPECT_EQ(WEXITSTATUS(st), 1) << out;
  rapidjson::Document d;
  ASSERT_TRUE(ParseJson(out, "output", &d).ok()) << out;
  ASSERT_TRUE(d.IsObject());
  EXPECT_TRUE(d["failed"].GetBool());
  EXPECT_NE(
      std::string(d["msg"].GetString()).find("nesting in the module arguments goes deeper than"),
      std::string::npos)
      << out;
}

}  // namespace
}  // namespace zkm
