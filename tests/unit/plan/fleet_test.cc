#include "plan/fleet.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace zkm {
namespace {

// An inventory of `pairs` pairs a,b,c... each with groups <x>_src/<x>_dst of 3 nodes.
InventoryView Inventory(int pairs) {
  InventoryView inv;
  for (int i = 0; i < pairs; ++i) {
    std::string x(1, static_cast<char>('a' + i));
    for (const char* side : {"_src", "_dst"}) {
      for (int n = 1; n <= 3; ++n) {
        std::string h = x + side + std::to_string(n);
        inv.groups[x + side].push_back(h);
        inv.groups["all"].push_back(h);
        inv.host_variables[h] = {"zk_config", "zk_service"};
      }
    }
    inv.migrations.push_back({x, x + "_src", x + "_dst", {}});
  }
  inv.has_migrations = true;
  return inv;
}

bool Mentions(const std::vector<std::string>& msgs, const std::string& part) {
  return std::any_of(msgs.begin(), msgs.end(),
                     [&](const std::string& m) { return m.find(part) != std::string::npos; });
}

TEST(Fleet, ThreePairsResolveInOrderWithTheirHosts) {
  Fleet f = ResolveFleet(Inventory(3));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f.pairs.size(), 3u);
  EXPECT_EQ(f.pairs[1].name, "b");
  EXPECT_EQ(f.pairs[1].source_hosts, (std::vector<std::string>{"b_src1", "b_src2", "b_src3"}));
  EXPECT_EQ(f.pairs[1].target_hosts, (std::vector<std::string>{"b_dst1", "b_dst2", "b_dst3"}));
  for (const FleetPair& p : f.pairs) EXPECT_TRUE(p.ok()) << p.name;
}

TEST(Fleet, WithoutZkMigrationsTheSinglePairOfTheDefaultGroups) {
  InventoryView inv;
  inv.groups = {{"all", {"s1", "s2", "s3", "t1", "t2", "t3"}},
                {"zk_source", {"s1", "s2", "s3"}},
                {"zk_target", {"t1", "t2", "t3"}}};
  Fleet f = ResolveFleet(inv);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f.pairs.size(), 1u);
  EXPECT_EQ(f.pairs[0].name, "zk_source-zk_target");
  EXPECT_TRUE(f.pairs[0].ok());
  inv.source_group = "old";
  inv.groups["old"] = {"s1", "s2", "s3"};
  f = ResolveFleet(inv);
  EXPECT_EQ(f.pairs[0].name, "old-zk_target");
  EXPECT_EQ(f.pairs[0].source_hosts.size(), 3u);
}

TEST(Fleet, NoInventoryIsOneSentenceNamingMinusI) {
  InventoryView inv;
  inv.groups = {{"all", {}}, {"ungrouped", {}}};
  Fleet f = ResolveFleet(inv);
  ASSERT_FALSE(f.ok());
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_NE(f.problems[0].find("give one with -i"), std::string::npos) << f.problems[0];
  EXPECT_TRUE(f.pairs.empty());
}

TEST(Fleet, AMissingGroupRefusesOnlyItsPairAndSuggestsTheNearName) {
  InventoryView inv = Inventory(3);
  inv.migrations[1].target = "b_dts";  // typo of b_dst
  Fleet f = ResolveFleet(inv);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f.pairs[0].ok());
  EXPECT_FALSE(f.pairs[1].ok());
  EXPECT_TRUE(f.pairs[2].ok());
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "target group b_dts is not in the inventory"));
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "did you mean b_dst?"));
  inv.migrations[1].target = "nothing_like_it";
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "its groups: a_dst, a_src"));
}

TEST(Fleet, AnEmptyGroupIsAProblem) {
  InventoryView inv = Inventory(1);
  inv.groups["a_dst"].clear();
  Fleet f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[0].problems, "target group a_dst has no hosts"));
}

TEST(Fleet, AHostOnBothSidesOrInTwoPairsIsRefused) {
  InventoryView inv = Inventory(2);
  inv.groups["a_dst"][2] = "a_src3";
  Fleet f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[0].problems, "host a_src3 is in both a_src and a_dst"));
  EXPECT_TRUE(f.pairs[1].ok());

  inv = Inventory(2);
  inv.groups["b_dst"][0] = "a_dst1";
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[0].problems, "host a_dst1 is in pairs a, b"));
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "host a_dst1 is in pairs a, b"));

  inv = Inventory(1);
  inv.migrations[0].target = "a_src";
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[0].problems, "source and target are the same group a_src"));
}

TEST(Fleet, ATypoInAHostVariableRefusesThePairWithTheRightName) {
  InventoryView inv = Inventory(2);
  for (const char* h : {"b_src1", "b_src2", "b_src3"}) inv.host_variables[h] = {"zk_confg"};
  inv.host_variables["a_dst2"].push_back("zk_my_own_note");
  Fleet f = ResolveFleet(inv);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f.pairs[1].problems.size(), 1u);
  EXPECT_EQ(f.pairs[1].problems[0],
            "hosts b_src1, b_src2, b_src3 set zk_confg, which zkmigrate does not read: did you "
            "mean zk_config?");
  // far from every known name: only a warning, the pair goes on
  EXPECT_TRUE(f.pairs[0].ok());
  ASSERT_EQ(f.pairs[0].warnings.size(), 1u);
  EXPECT_EQ(f.pairs[0].warnings[0],
            "host a_dst2 sets zk_my_own_note, which zkmigrate does not read");
  // other prefixes are the user's own business
  inv.host_variables["a_dst2"] = {"ansible_host", "zkm_internal", "my_var"};
  f = ResolveFleet(inv);
  EXPECT_TRUE(f.pairs[0].warnings.empty());
}

TEST(Fleet, PerPairOverridesAreChecked) {
  InventoryView inv = Inventory(2);
  inv.migrations[0].override_keys = {"zk_verify_deep", "zk_bundle_mode"};
  inv.migrations[1].override_keys = {"zk_verfy_deep"};
  Fleet f = ResolveFleet(inv);
  EXPECT_TRUE(f.pairs[0].ok());
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "did you mean zk_verify_deep?"));
  inv.migrations[1].override_keys = {"zk_runtime_install"};  // known, but not per pair
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.pairs[1].problems, "zk_runtime_install, which a pair cannot override"));
}

TEST(Fleet, RunProblemsDuplicateAndUnusableNamesAndAnEmptyList) {
  InventoryView inv = Inventory(2);
  inv.migrations[1].name = "a";
  Fleet f = ResolveFleet(inv);
  EXPECT_FALSE(f.ok());
  EXPECT_TRUE(Mentions(f.problems, "two pairs are named a"));
  inv.migrations[1].name = "../etc";
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.problems, "pair name \"../etc\" is not usable in file names"));
  inv.migrations.clear();
  f = ResolveFleet(inv);
  EXPECT_TRUE(Mentions(f.problems, "zk_migrations is empty"));
}

TEST(Fleet, NamesAndDistances) {
  EXPECT_TRUE(IsValidPairName("prod-eu_1.a"));
  EXPECT_FALSE(IsValidPairName(""));
  EXPECT_FALSE(IsValidPairName(".hidden"));
  EXPECT_FALSE(IsValidPairName("a/b"));
  EXPECT_FALSE(IsValidPairName(std::string(65, 'a')));
  const auto& known = KnownHostVariables();
  EXPECT_TRUE(std::is_sorted(known.begin(), known.end()));
  EXPECT_EQ(NearestName("zk_cofnig", known), "zk_config");  // swapped neighbours
  EXPECT_EQ(NearestName("zk_servce", known), "zk_service");
  EXPECT_EQ(NearestName("zk_completely_else", known), "");
}

}  // namespace
}  // namespace zkm
