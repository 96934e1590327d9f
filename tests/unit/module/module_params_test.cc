#include <gtest/gtest.h>

#include "module/module.h"

namespace zkm {
namespace {

Status Parse(const char* json, ModuleParams* p) {
  rapidjson::Document d;
  d.Parse(json);
  EXPECT_FALSE(d.HasParseError()) << json;
  return ParseModuleParams(d, p);
}

TEST(ModuleParams, TypesAreCoercedAsAnsibleModuleDoes) {
  ModuleParams p;
  ASSERT_TRUE(Parse(R"({"state": "verify", "deep": "yes", "timeout": "30", "format": 3.6,
                        "auth": "digest:a:b,digest:c:d", "_ansible_check_mode": true})",
                    &p)
                  .ok());
  EXPECT_TRUE(p.deep);
  EXPECT_EQ(p.timeout, 30);
  EXPECT_EQ(p.format, "3.6");
  EXPECT_EQ(p.auth, (std::vector<std::string>{"digest:a:b", "digest:c:d"}));
  EXPECT_TRUE(p.check_mode);
}

TEST(ModuleParams, DictOptionsTakeAMappingOrItsJsonText) {
  ModuleParams p;
  ASSERT_TRUE(Parse(R"({"state": "fleet", "inventory": {"groups": {"all": ["a"]}}})", &p).ok());
  ASSERT_TRUE(p.inventory);
  EXPECT_TRUE((*p.inventory)["groups"]["all"].IsArray());
  ModuleParams q;
  ASSERT_TRUE(Parse(R"({"state": "fleet", "inventory": "{\"groups\": {}}"})", &q).ok());
  EXPECT_TRUE((*q.inventory)["groups"].IsObject());
  ModuleParams r;
  EXPECT_EQ(Parse(R"({"state": "fleet", "inventory": [1]})", &r).message(),
            "option inventory must be a dictionary");
  EXPECT_EQ(Parse(R"({"state": "fleet", "inventory": "not json"})", &r).message(),
            "option inventory must be a dictionary");
}

TEST(ModuleParams, EachStateNamesWhatItRequires) {
  ModuleParams p;
  EXPECT_EQ(Parse(R"({"state": "fleet"})", &p).message(),
            "state is fleet but all of the following are missing: inventory");
  EXPECT_EQ(Parse(R"({"state": "report", "record": {}})", &p).message(),
            "state is report but all of the following are missing: report_file");
  EXPECT_EQ(Parse(R"({"state": "bundle"})", &p).message(),
            "state is bundle but all of the following are missing: dest");
  EXPECT_EQ(Parse(R"({"deep": true})", &p).message(), "missing required arguments: state");
}

TEST(ModuleParams, UnknownOptionsAndBadValuesAreOneSentence) {
  ModuleParams p;
  Status st = Parse(R"({"state": "facts", "zzz": 1, "aaa": 2})", &p);
  EXPECT_EQ(st.message().rfind("Unsupported parameters for (zk_snapshot) module: aaa, zzz. "
                               "Supported parameters include: state, config,",
                               0),
            0u)
      << st.message();
  EXPECT_EQ(
      Parse(R"({"state": "nope"})", &p).message(),
      "value of state must be one of: facts, bundle, place, verify, rollback, fleet, report, plan, "
      "got: nope");
  EXPECT_EQ(Parse(R"({"state": "facts", "timeout": -1})", &p).message(),
            "option timeout must not be negative");
  EXPECT_EQ(Parse(R"({"state": "facts", "timeout": 0})", &p).message(),
            "option timeout must be at least 1 second");
  EXPECT_EQ(Parse(R"({"state": "facts", "config": ""})", &p).message(),
            "option config must not be empty");
  EXPECT_EQ(Parse(R"({"state": "facts", "deep": "maybe"})", &p).message(),
            "option deep must be a boolean (yes/no, true/false)");
}

}  // namespace
}  // namespace zkm
