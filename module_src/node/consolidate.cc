#include "node/consolidate.h"

#include <sys/stat.h>

#include "format/jute.h"
#include "format/sha256.h"

namespace zkm {

namespace {
std::string SnapshotName(int64_t zxid) {
  char b[32];
  std::snprintf(b, sizeof b, "snapshot.%llx", static_cast<unsigned long long>(zxid));
  return b;
}
}  // namespace

ConsolidateReport Consolidate(const ConsolidateOptions& opts) {
  ConsolidateReport rep;
  struct stat st;
  if (opts.out_dir.empty() || ::stat(opts.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    rep.status = Status::Invalid("output directory " + opts.out_dir + " does not exist");
    return rep;
  }
  DataTree tree;
  rep.source = AnalyzeDataDir(opts.source, &tree);
  if (!rep.source.status.ok()) {
    rep.status = rep.source.status;
    return rep;
  }
  rep.zxid = rep.source.last_zxid;
  rep.dropped_ephemerals = opts.drop_sessions  ? DropAllSessions(&tree, rep.zxid)
                           : opts.keep_orphans ? std::vector<std::string>{}
                                               : DropOrphanEphemerals(&tree, rep.zxid);

  if (opts.format != SnapshotFormat::kLegacy) rep.added_config_node = AddConfigNode(&tree);

  rep.output_name = SnapshotName(rep.zxid);
  auto sink = AtomicFileSink::Create(opts.out_dir, rep.output_name);
  if (!sink.ok()) {
    rep.status = sink.status();
    return rep;
  }
  SnapshotWriteOptions wo;
  wo.format = opts.format;
  wo.zxid = rep.zxid;
  wo.digest_ascii = rep.source.replay.digest_charset == "us-ascii";
  SnapshotWriteStats ws;
  Status w = WriteSnapshot(tree, wo, **sink, &ws);
  if (w.ok()) w = (*sink)->Commit();
  if (!w.ok()) {
    rep.status = w.WithContext("writing " + opts.out_dir + "/" + rep.output_name);
    return rep;
  }
  rep.output_path = (*sink)->final_path();
  rep.output_bytes = ws.bytes;
  rep.nodes = ws.nodes;
  rep.digest = ws.digest;
  rep.digest_charset = rep.source.replay.digest_charset;
  rep.sessions = opts.drop_sessions ? 0 : tree.sessions().size();
  rep.acl_entries = ws.acl_entries;
  rep.data_bytes = tree.data_bytes();

  // Read the file back as ZooKeeper will: every seal, the digest, the count.
  auto f = FileSource::Open(rep.output_path);
  if (!f.ok()) {
    rep.status = f.status();
    return rep;
  }
  CountingSource counted(**f, "verify " + rep.output_name, rep.output_bytes, opts.source.progress);
  HashingSource hashed(counted);
  SnapshotReadOptions ro;
  ro.name_zxid = rep.zxid;
  ro.max_buffer = opts.source.max_buffer;
  rep.verify = ReadSnapshot(hashed, ro, nullptr);
  rep.sha256 = hashed.HexDigest();
  if (!rep.verify.status.ok()) {
    rep.status = rep.verify.status.WithContext("the written snapshot does not read back");
  } else if (rep.verify.nodes != rep.nodes) {
    rep.status = Status::Mismatch("the written snapshot holds " + std::to_string(rep.verify.nodes) +
                                  " nodes, expected " + std::to_string(rep.nodes));
  } else if (opts.format != SnapshotFormat::kLegacy &&
             rep.verify.digest_check != SnapshotSummary::DigestCheck::kMatch) {
    rep.status = Status::Mismatch("the written snapshot's digest does not verify");
  }
  return rep;
}

}  // namespace zkm
