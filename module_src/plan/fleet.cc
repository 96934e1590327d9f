#include "plan/fleet.h"

#include <algorithm>
#include <set>

namespace zkm {

namespace {

std::string Join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

bool IsUserGroup(const std::string& g) {
  return g != "all" && g != "ungrouped";
}

// Every host of the inventory except the implicit localhost Ansible adds itself.
size_t InventoryHostCount(const InventoryView& inv) {
  auto it = inv.groups.find("all");
  if (it == inv.groups.end()) return 0;
  return it->second.size();
}

std::string GroupHint(const InventoryView& inv) {
  std::vector<std::string> names;
  for (const auto& [g, hosts] : inv.groups)
    if (IsUserGroup(g)) names.push_back(g);
  if (names.empty()) return "the inventory has no groups";
  return "its groups: " + Join(names);
}

// Resolves one side of a pair; a problem when the group is missing or empty.
std::vector<std::string> Side(const InventoryView& inv, const std::string& pair,
                              const std::string& role, const std::string& group,
                              std::vector<std::string>* problems) {
  if (group.empty()) {
    problems->push_back("pair " + pair + " names no " + role + " group: set `" + role +
                        ": <inventory group>`");
    return {};
  }
  auto it = inv.groups.find(group);
  if (it == inv.groups.end()) {
    std::vector<std::string> known;
    for (const auto& [g, hosts] : inv.groups)
      if (IsUserGroup(g)) known.push_back(g);
    std::string near = NearestName(group, known);
    problems->push_back(
        "pair " + pair + ": the " + role + " group " + group + " is not in the inventory" +
        (near.empty() ? " (" + GroupHint(inv) + ")" : ": did you mean " + near + "?"));
    return {};
  }
  if (it->second.empty())
    problems->push_back("pair " + pair + ": the " + role + " group " + group +
                        " has no hosts: list the ensemble's nodes in it");
  return it->second;
}

// Every host of a pair, each once.
std::set<std::string> HostsOf(const FleetPair& p) {
  std::set<std::string> hosts(p.source_hosts.begin(), p.source_hosts.end());
  hosts.insert(p.target_hosts.begin(), p.target_hosts.end());
  return hosts;
}

// Optimal string alignment distance (Levenshtein plus swaps of neighbours), capped.
size_t EditDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace

const std::vector<std::string>& KnownHostVariables() {
  // BEGIN known host variables (tests/arch/check_vars.py compares this list with
  // the variables roles/ and playbooks/ read; keep it sorted)
  static const std::vector<std::string> known = {
      "zk_backup_dir",
      "zk_bundle_format",
      "zk_bundle_mode",
      "zk_cluster",
      "zk_clusters",
      "zk_config",
      "zk_controller_dir",
      "zk_drop_sessions",
      "zk_facts_preflight",
      "zk_group",
      "zk_heap",
      "zk_inspect_file",
      "zk_migrate_force",
      "zk_migrations",
      "zk_node",
      "zk_node_service_action",
      "zk_node_service_host",
      "zk_node_service_hosts",
      "zk_node_service_stop_timeout",
      "zk_owner",
      "zk_report_file",
      "zk_rollback_remove_marker",
      "zk_rollback_start_source",
      "zk_runtime_install",
      "zk_runtime_missing",
      "zk_runtime_packages",
      "zk_runtime_query",
      "zk_runtime_update_cache",
      "zk_service",
      "zk_source_group",
      "zk_start_command",
      "zk_start_delay",
      "zk_start_hosts",
      "zk_start_retries",
      "zk_stop_command",
      "zk_target_group",
      "zk_timeout",
      "zk_verify_allow_unreadable",
      "zk_verify_auth",
      "zk_verify_deep",
      "zk_verify_expected_znodes",
      "zk_verify_retries",
      "zk_version",
      "zk_work_dir",
  };
  // END known host variables
  return known;
}

const std::vector<std::string>& KnownPairOverrides() {
  // Settings that may differ between the pairs of one run (everything of a pair's own
  // data and verification; not the runtime, the report file or the fleet itself).
  static const std::vector<std::string> known = {
      "zk_backup_dir",    "zk_bundle_format",           "zk_bundle_mode",
      "zk_drop_sessions", "zk_migrate_force",           "zk_rollback_start_source",
      "zk_timeout",       "zk_verify_allow_unreadable", "zk_verify_auth",
      "zk_verify_deep",   "zk_verify_expected_znodes",  "zk_work_dir",
  };
  return known;
}

std::string NearestName(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = 3;
  for (const std::string& k : known) {
    size_t d = EditDistance(name, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

bool IsValidPairName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Fleet ResolveFleet(const InventoryView& inv) {
  Fleet fleet;
  if (InventoryHostCount(inv) == 0) {
    fleet.problems.push_back(
        "the inventory holds no hosts: give one with -i (the source ensemble's nodes in group " +
        inv.source_group + ", the target's in " + inv.target_group +
        ", or several pairs in zk_migrations)");
    return fleet;
  }

  std::vector<PairSpec> specs = inv.migrations;
  if (!inv.has_migrations) {
    specs.push_back(
        {inv.source_group + "-" + inv.target_group, inv.source_group, inv.target_group, {}});
  } else if (specs.empty()) {
    fleet.problems.push_back("zk_migrations is empty: list at least one {name, source, target}");
    return fleet;
  }

  std::set<std::string> names;
  for (const PairSpec& s : specs) {
    if (!IsValidPairName(s.name)) {
      fleet.problems.push_back("zk_migrations: pair name \"" + s.name +
                               "\" is not usable in file names: use 1-64 of A-Z a-z 0-9 . _ - "
                               "(not starting with . or -)");
    } else if (!names.insert(s.name).second) {
      fleet.problems.push_back("zk_migrations: two pairs are named " + s.name +
                               ": names key work dirs, locks and report records, make them unique");
    }
  }
  if (!fleet.problems.empty()) return fleet;

  // host -> pair names it belongs to, to find a host in two pairs
  std::map<std::string, std::vector<std::string>> host_pairs;
  for (const PairSpec& s : specs) {
    FleetPair p;
    p.name = s.name;
    p.source_group = s.source;
    p.target_group = s.target;
    p.source_hosts = Side(inv, s.name, "source", s.source, &p.problems);
    p.target_hosts = Side(inv, s.name, "target", s.target, &p.problems);
    if (!s.source.empty() && s.source == s.target)
      p.problems.push_back("pair " + s.name + ": source and target are the same group " + s.source);
    else
      for (const std::string& h : p.source_hosts)
        if (std::find(p.target_hosts.begin(), p.target_hosts.end(), h) != p.target_hosts.end())
          p.problems.push_back("pair " + s.name + ": host " + h + " is in both " + s.source +
                               " and " + s.target + ": a node cannot be its own target");
    for (const std::string& key : s.override_keys) {
      const auto& ok = KnownPairOverrides();
      if (std::find(ok.begin(), ok.end(), key) != ok.end()) continue;
      std::string near = NearestName(key, ok);
      p.problems.push_back(
          "pair " + s.name + ": zk_migrations sets " + key + ", which a pair cannot override" +
          (near.empty() ? " (per-pair keys: " + Join(ok) + ")" : ": did you mean " + near + "?"));
    }
    const std::set<std::string> hosts = HostsOf(p);
    std::map<std::string, std::vector<std::string>> unknown;  // variable -> hosts setting it
    for (const std::string& h : hosts) {
      host_pairs[h].push_back(s.name);
      auto vars = inv.host_variables.find(h);
      if (vars == inv.host_variables.end()) continue;
      const auto& known = KnownHostVariables();
      for (const std::string& v : vars->second)
        if (v.rfind("zk_", 0) == 0 && !std::binary_search(known.begin(), known.end(), v))
          unknown[v].push_back(h);
    }
    for (const auto& [v, setters] : unknown) {
      std::string who = (setters.size() == 1 ? "host " : "hosts ") + Join(setters);
      std::string near = NearestName(v, KnownHostVariables());
      if (!near.empty())
        p.problems.push_back(who + (setters.size() == 1 ? " sets " : " set ") + v +
                             ", which zkmigrate does not read: did you mean " + near + "?");
      else
        p.warnings.push_back(who + (setters.size() == 1 ? " sets " : " set ") + v +
                             ", which zkmigrate does not read");
    }
    fleet.pairs.push_back(std::move(p));
  }
  for (FleetPair& p : fleet.pairs) {
    const std::set<std::string> hosts = HostsOf(p);
    for (const std::string& h : hosts) {
      const std::vector<std::string>& in = host_pairs[h];
      if (in.size() > 1)
        p.problems.push_back("host " + h + " is in pairs " + Join(in) +
                             ": one node can be migrated by one pair only");
    }
  }
  return fleet;
}

}  // namespace zkm
