#include "tree/tree_diff.h"

#include <algorithm>

#include "format/jute.h"

namespace zkm {

namespace {

bool IsLocalNode(std::string_view path) {
  if (path == "/zookeeper/config") return true;
  constexpr std::string_view kQuota = "/zookeeper/quota/";
  constexpr std::string_view kStats = "/zookeeper_stats";
  return path.substr(0, kQuota.size()) == kQuota && path.size() >= kStats.size() &&
         path.substr(path.size() - kStats.size()) == kStats;
}

std::string StatDiff(const Stat& a, const Stat& b) {
  std::string out;
  auto field = [&](const char* name, int64_t x, int64_t y, bool hex) {
    if (x == y) return;
    if (!out.empty()) out += ", ";
    out += std::string(name) + " " + (hex ? Hex(x) : std::to_string(x)) +
           " != " + (hex ? Hex(y) : std::to_string(y));
  };
  field("czxid", a.czxid, b.czxid, true);
  field("mzxid", a.mzxid, b.mzxid, true);
  field("pzxid", a.pzxid, b.pzxid, true);
  field("ctime", a.ctime, b.ctime, false);
  field("mtime", a.mtime, b.mtime, false);
  field("version", a.version, b.version, false);
  field("cversion", a.cversion, b.cversion, false);
  field("aversion", a.aversion, b.aversion, false);
  field("ephemeralOwner", a.ephemeral_owner, b.ephemeral_owner, true);
  return out;
}

std::string AclText(const DataTree& t, int64_t ref) {
  if (ref == kOpenAclUnsafeRef) return "world:anyone:cdrwa";
  const AclList* l = t.FindAcl(ref);
  if (!l) return "<missing acl " + std::to_string(ref) + ">";
  std::string s;
  for (const Acl& a : *l) s += (s.empty() ? "" : ",") + AclToString(a);
  return s;
}

}  // namespace

TreeDiff DiffTrees(const DataTree& a, const DataTree& b, const DiffOptions& opts) {
  TreeDiff d;
  d.nodes_a = a.size();
  d.nodes_b = b.size();
  std::vector<DiffEntry> all;
  auto add = [&](std::string_view path, const char* kind, std::string detail) {
    if (all.size() < opts.limit * 4 + 16)
      all.push_back({std::string(path), kind, std::move(detail)});
  };
  a.ForEach([&](const Node& na) {
    if (opts.ignore_local_nodes && IsLocalNode(na.path)) return;
    const Node* nb = b.Find(na.path);
    if (!nb) {
      d.only_in_a++;
      add(na.path, "only_in_a", "");
      return;
    }
    if (na.data_null() != nb->data_null() || na.data_view() != nb->data_view()) {
      d.data++;
      add(na.path, "data",
          std::to_string(na.data_len) + " bytes != " + std::to_string(nb->data_len) + " bytes");
    }
    std::string aa = AclText(a, na.acl_ref), ab = AclText(b, nb->acl_ref);
    if (aa != ab) {
      d.acl++;
      add(na.path, "acl", aa + " != " + ab);
    }
    if (na.stat != nb->stat) {
      d.stat++;
      add(na.path, "stat", StatDiff(na.stat, nb->stat));
    }
  });
  b.ForEach([&](const Node& nb) {
    if (opts.ignore_local_nodes && IsLocalNode(nb.path)) return;
    if (!a.Find(nb.path)) {
      d.only_in_b++;
      add(nb.path, "only_in_b", "");
    }
  });
  if (opts.compare_sessions) {
    for (const auto& [id, to] : a.sessions()) {
      auto it = b.sessions().find(id);
      if (it == b.sessions().end()) {
        d.sessions_only_in_a++;
      } else if (it->second != to) {
        d.session_timeouts++;
      }
    }
    for (const auto& [id, to] : b.sessions()) {
      (void)to;
      if (!a.sessions().count(id)) d.sessions_only_in_b++;
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const DiffEntry& x, const DiffEntry& y) { return x.path < y.path; });
  if (all.size() > opts.limit) all.resize(opts.limit);
  d.entries = std::move(all);
  return d;
}

}  // namespace zkm
