// The fleet of a run: which cluster pairs one `playbooks/migrate.yml` run migrates,
// resolved from the inventory before anything is touched (docs/DESIGN.md, "Fleet").
//
// The inventory either lists pairs in `zk_migrations` (a list of {name, source,
// target, per-pair overrides}) or holds the single pair zk_source_group ->
// zk_target_group (default groups zk_source and zk_target). ResolveFleet checks what
// Ansible itself cannot: groups that are missing or empty, a host on both sides or in
// two pairs, per-pair keys and host variables that zkmigrate does not read (a typo
// such as `zk_confg` would otherwise fall back to a default zoo.cfg silently). A pair
// with problems is refused alone; the others go on. Problems of the run as a whole
// (no inventory, duplicate pair names) refuse every pair.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace zkm {

// One entry of zk_migrations as the inventory gave it.
struct PairSpec {
  std::string name;
  std::string source;  // inventory group of the source ensemble
  std::string target;  // inventory group of the target ensemble
  // Every key of the entry other than name/source/target (the per-pair overrides).
  std::vector<std::string> override_keys;
};

// What the fleet is resolved from: Ansible's `groups` and the zk_* variables each host
// has (names only: values never matter here).
struct InventoryView {
  std::map<std::string, std::vector<std::string>> groups;
  std::map<std::string, std::vector<std::string>> host_variables;  // host -> its zk_* names
  bool has_migrations = false;                                     // zk_migrations is defined
  std::vector<PairSpec> migrations;
  std::string source_group = "zk_source";  // zk_source_group, for the single pair
  std::string target_group = "zk_target";  // zk_target_group
};

struct FleetPair {
  std::string name;
  std::string source_group;
  std::string target_group;
  std::vector<std::string> source_hosts;  // in inventory order
  std::vector<std::string> target_hosts;
  std::vector<std::string> problems;  // refuse this pair; each says what to change
  std::vector<std::string> warnings;
  bool ok() const { return problems.empty(); }
};

struct Fleet {
  std::vector<FleetPair> pairs;
  std::vector<std::string> problems;  // refuse the whole run
  std::vector<std::string> warnings;
  bool ok() const { return problems.empty(); }
};

Fleet ResolveFleet(const InventoryView& inventory);

// The host and inventory variables zkmigrate's roles and playbooks read (sorted), and
// the keys a zk_migrations entry may carry besides name/source/target.
const std::vector<std::string>& KnownHostVariables();
const std::vector<std::string>& KnownPairOverrides();

// The known name closest to `name` within 2 edits (insert, delete, substitute, swap of
// neighbours), or "" when none is that close.
std::string NearestName(const std::string& name, const std::vector<std::string>& known);

// True for a pair name usable in paths and report file names: 1-64 of [A-Za-z0-9._-],
// not starting with '.' or '-'.
bool IsValidPairName(const std::string& name);

}  // namespace zkm
