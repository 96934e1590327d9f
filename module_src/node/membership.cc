#include "node/membership.h"

#include <cstdio>
#include <cstdlib>

#include "format/byte_source.h"
#include "format/sha256.h"
#include "tree/data_tree.h"
#include "tree/snapshot.h"
#include "tree/snapshot_writer.h"

namespace zkm {

namespace {

const char kConfigPath[] = "/zookeeper/config";

std::string HostText(const std::string& h) {
  return h.find(':') != std::string::npos ? "[" + h + "]" : h;
}

// Hex version from a dynamic file name "<anything>.dynamic.<hex>", else 0.
std::string VersionHex(const ZooCfg& cfg) {
  const std::string& f = cfg.dynamic_config_file;
  size_t k = f.rfind(".dynamic.");
  if (k == std::string::npos) return "0";
  std::string v = f.substr(k + 9);
  if (v.empty() || v.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return "0";
  unsigned long long n = std::strtoull(v.c_str(), nullptr, 16);
  char b[24];
  std::snprintf(b, sizeof b, "%llx", n);
  return b;
}

}  // namespace

std::string MembershipText(const ZooCfg& cfg) {
  if (cfg.servers.empty()) return "";
  std::string out;
  for (const ServerEntry& s : cfg.servers) {
    out += "server." + std::to_string(s.id) + "=" + HostText(s.host) + ":" +
           std::to_string(s.quorum_port) + ":" + std::to_string(s.election_port) + ":" + s.role;
    if (s.client_port > 0)
      out += ";" + HostText(s.client_address.empty() ? "0.0.0.0" : s.client_address) + ":" +
             std::to_string(s.client_port);
    out += "\n";
  }
  return out + "version=" + VersionHex(cfg);
}

Result<MembershipRewrite> WriteWithMembership(const std::string& src, int64_t zxid,
                                              const std::string& snapshot_format,
                                              const std::string& text, const std::string& dir,
                                              const std::string& name, uint64_t expect_nodes,
                                              int32_t max_buffer) {
  MembershipRewrite out;
  DataTree tree;
  {
    auto f = FileSource::Open(src);
    if (!f.ok()) return f.status();
    SnapshotReadOptions ro;
    ro.name_zxid = zxid;
    ro.max_buffer = max_buffer;
    SnapshotSummary s = LoadSnapshot(**f, ro, &tree);
    if (!s.status.ok()) return s.status.WithContext("reading " + src);
  }
  const Node* n = tree.Find(kConfigPath);
  if (!n) return out;
  out.previous = std::string(n->data_view());
  if (out.previous == text) return out;
  tree.SetData(kConfigPath, text, false, n->stat.mzxid, n->stat.mtime, n->stat.version);

  SnapshotWriteOptions wo;
  wo.zxid = zxid;
  wo.format = snapshot_format == "3.4"   ? SnapshotFormat::kLegacy
              : snapshot_format == "3.9" ? SnapshotFormat::kZk39
                                         : SnapshotFormat::kZk36;
  auto sink = AtomicFileSink::Create(dir, name);
  if (!sink.ok()) return sink.status();
  SnapshotWriteStats ws;
  Status st = WriteSnapshot(tree, wo, **sink, &ws);
  if (st.ok()) st = (*sink)->Commit();
  if (!st.ok()) return st.WithContext("writing " + dir + "/" + name);

  // Read it back as ZooKeeper will.
  std::string path = dir + "/" + name;
  auto f = FileSource::Open(path);
  if (!f.ok()) return f.status();
  HashingSource hashed(**f);
  SnapshotReadOptions ro;
  ro.name_zxid = zxid;
  ro.max_buffer = max_buffer;
  SnapshotSummary v = ReadSnapshot(hashed, ro, nullptr);
  out.sha256 = hashed.HexDigest();
  out.size = (*f)->size();
  if (!v.status.ok()) return v.status.WithContext("the re-written " + path + " does not read back");
  if (v.nodes != expect_nodes)
    return Status::Mismatch("the re-written " + path + " holds " + std::to_string(v.nodes) +
                            " nodes, the manifest says " + std::to_string(expect_nodes));
  if (wo.format != SnapshotFormat::kLegacy &&
      v.digest_check != SnapshotSummary::DigestCheck::kMatch)
    return Status::Mismatch("the re-written " + path + " fails its digest check");
  out.rewritten = true;
  return out;
}

}  // namespace zkm
