#include "report/json_report.h"

#include "format/jute.h"

namespace zkm {

using rapidjson::Value;

namespace {
void Zxid(Value& o, const char* name, int64_t zxid, JsonAlloc& a) {
  o.AddMember(Value(name, a), Value(zxid), a);
  o.AddMember(Value((std::string(name) + "_hex").c_str(), a), Str(Hex(zxid), a), a);
}

Value Strings(const std::vector<std::string>& v, JsonAlloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const std::string& s : v) arr.PushBack(Str(s, a), a);
  return arr;
}
}  // namespace

const char* DigestCheckName(SnapshotSummary::DigestCheck c) {
  switch (c) {
    case SnapshotSummary::DigestCheck::kAbsent:
      return "absent";
    case SnapshotSummary::DigestCheck::kMatch:
      return "match";
    case SnapshotSummary::DigestCheck::kMismatch:
      return "mismatch";
    case SnapshotSummary::DigestCheck::kDeferred:
      return "deferred";
  }
  return "absent";
}

Value ToJson(const Status& st, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("ok", st.ok(), a);
  o.AddMember("code", Value(CodeName(st.code()), a), a);
  o.AddMember("message", Str(st.ToString(), a), a);
  if (st.offset() >= 0) o.AddMember("offset", Value(st.offset()), a);
  return o;
}

Value ToJson(const DataFile& f, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("name", Str(f.name, a), a);
  o.AddMember("path", Str(f.path, a), a);
  Zxid(o, "zxid", f.zxid, a);
  o.AddMember("size", Value(f.size), a);
  o.AddMember("compression", Value(CompressionName(f.compression), a), a);
  return o;
}

Value ToJson(const DataDirScan& s, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("snap_dir", Str(s.snap_dir, a), a);
  o.AddMember("log_dir", Str(s.log_dir, a), a);
  Value snaps(rapidjson::kArrayType), logs(rapidjson::kArrayType);
  for (const DataFile& f : s.snapshots) snaps.PushBack(ToJson(f, a), a);
  for (const DataFile& f : s.logs) logs.PushBack(ToJson(f, a), a);
  o.AddMember("snapshots", snaps, a);
  o.AddMember("logs", logs, a);
  if (s.current_epoch)
    o.AddMember("current_epoch", Value(*s.current_epoch), a);
  else
    o.AddMember("current_epoch", Value(), a);
  if (s.accepted_epoch)
    o.AddMember("accepted_epoch", Value(*s.accepted_epoch), a);
  else
    o.AddMember("accepted_epoch", Value(), a);
  if (s.myid)
    o.AddMember("myid", Value(*s.myid), a);
  else
    o.AddMember("myid", Value(), a);
  o.AddMember("snap_bytes", Value(s.snap_bytes), a);
  o.AddMember("log_bytes", Value(s.log_bytes), a);
  o.AddMember("ignored", Strings(s.ignored, a), a);
  o.AddMember("warnings", Strings(s.warnings, a), a);
  return o;
}

Value ToJson(const SnapshotSummary& s, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("status", ToJson(s.status, a), a);
  o.AddMember("version", s.version, a);
  o.AddMember("dbid", Value(s.dbid), a);
  o.AddMember("sessions", Value(s.sessions), a);
  o.AddMember("acl_entries", Value(s.acl_entries), a);
  o.AddMember("nodes", Value(s.nodes), a);
  o.AddMember("data_bytes", Value(s.data_bytes), a);
  Value largest(rapidjson::kObjectType);
  largest.AddMember("path", Str(s.largest_path, a), a);
  largest.AddMember("bytes", Value(s.largest_bytes), a);
  o.AddMember("largest_znode", largest, a);
  Value eph(rapidjson::kArrayType);
  uint64_t eph_total = 0;
  for (const auto& [owner, n] : s.ephemerals_by_owner) {
    Value e(rapidjson::kObjectType);
    e.AddMember("session", Str(Hex(owner), a), a);
    e.AddMember("count", Value(n), a);
    eph.PushBack(e, a);
    eph_total += n;
  }
  o.AddMember("ephemerals", Value(eph_total), a);
  o.AddMember("ephemerals_by_owner", eph, a);
  o.AddMember("containers", Value(s.containers), a);
  o.AddMember("ttl_nodes", Value(s.ttl_nodes), a);
  Value seals(rapidjson::kArrayType);
  for (const SealCheck& c : s.seals) {
    Value e(rapidjson::kObjectType);
    e.AddMember("offset", Value(c.offset), a);
    e.AddMember("stored", Value(c.stored), a);
    e.AddMember("computed", Value(c.computed), a);
    e.AddMember("ok", c.ok, a);
    seals.PushBack(e, a);
  }
  o.AddMember("seals", seals, a);
  Value dg(rapidjson::kObjectType);
  dg.AddMember("present", s.has_digest, a);
  Zxid(dg, "zxid", s.digest_zxid, a);
  dg.AddMember("version", s.digest_version, a);
  dg.AddMember("stored", Value(s.digest), a);
  dg.AddMember("computed", Value(s.computed_digest), a);
  dg.AddMember("check", Value(DigestCheckName(s.digest_check), a), a);
  o.AddMember("digest", dg, a);
  if (s.has_last_zxid) {
    Zxid(o, "last_processed_zxid", s.last_processed_zxid, a);
  }
  Zxid(o, "max_zxid", s.max_zxid, a);
  o.AddMember("fuzzy", s.fuzzy, a);
  o.AddMember("trailer_bytes", Value(s.trailer_bytes), a);
  Value miss(rapidjson::kArrayType), orph(rapidjson::kArrayType);
  for (int64_t r : s.missing_acl_refs) miss.PushBack(Value(r), a);
  for (int64_t r : s.orphan_ephemeral_owners) orph.PushBack(Str(Hex(r), a), a);
  o.AddMember("missing_acl_refs", miss, a);
  o.AddMember("orphan_ephemeral_owners", orph, a);
  o.AddMember("stream_bytes", Value(s.stream_bytes), a);
  o.AddMember("warnings", Strings(s.warnings, a), a);
  return o;
}

Value ToJson(const TxnLogSummary& s, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("status", ToJson(s.status, a), a);
  o.AddMember("records", Value(s.records), a);
  Zxid(o, "first_zxid", s.first_zxid, a);
  Zxid(o, "last_zxid", s.last_zxid, a);
  Value counts(rapidjson::kObjectType);
  for (const auto& [name, n] : s.counts_by_type) counts.AddMember(Str(name, a), Value(n), a);
  o.AddMember("counts_by_type", counts, a);
  o.AddMember("with_digest", Value(s.with_digest), a);
  o.AddMember("end", Value(LogEndName(s.end), a), a);
  o.AddMember("end_offset", Value(s.end_offset), a);
  o.AddMember("warnings", Strings(s.warnings, a), a);
  return o;
}

Value ToJson(const ReplayStats& s, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("applied", Value(s.applied), a);
  o.AddMember("skipped", Value(s.skipped), a);
  o.AddMember("ignored_errors", Value(s.ignored_errors), a);
  Zxid(o, "first_zxid", s.first_zxid, a);
  Zxid(o, "last_zxid", s.last_zxid, a);
  o.AddMember("digests_compared", Value(s.digests_compared), a);
  o.AddMember("digest_mismatches", Value(s.digest_mismatches), a);
  o.AddMember("fuzzy_mismatches", Value(s.fuzzy_mismatches), a);
  o.AddMember("snapshot_digest_checked", s.snapshot_digest_checked, a);
  o.AddMember("snapshot_digest_ok", s.snapshot_digest_ok, a);
  o.AddMember("digest_charset", Str(s.digest_charset, a), a);
  return o;
}

Value ToJson(const DataDirReport& r, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("status", ToJson(r.status, a), a);
  o.AddMember("scan", ToJson(r.scan, a), a);
  Value rej(rapidjson::kArrayType);
  for (const RejectedSnapshot& x : r.rejected) {
    Value e(rapidjson::kObjectType);
    e.AddMember("file", Str(x.file.name, a), a);
    e.AddMember("reason", Str(x.reason, a), a);
    rej.PushBack(e, a);
  }
  o.AddMember("rejected_snapshots", rej, a);
  if (r.snapshot) {
    Value snap = ToJson(*r.snapshot, a);
    snap.AddMember("summary", ToJson(r.snapshot_summary, a), a);
    o.AddMember("snapshot", snap, a);
  } else {
    o.AddMember("snapshot", Value(), a);
  }
  Value logs(rapidjson::kArrayType);
  for (const LogUse& l : r.logs) {
    Value e = ToJson(l.file, a);
    e.AddMember("records", Value(l.summary.records), a);
    Zxid(e, "first_zxid", l.summary.first_zxid, a);
    Zxid(e, "last_zxid", l.summary.last_zxid, a);
    e.AddMember("end", Value(LogEndName(l.summary.end), a), a);
    logs.PushBack(e, a);
  }
  o.AddMember("logs", logs, a);
  o.AddMember("replay", ToJson(r.replay, a), a);
  Zxid(o, "last_zxid", r.last_zxid, a);
  Value tree(rapidjson::kObjectType);
  tree.AddMember("znodes", Value(r.znodes), a);
  tree.AddMember("data_bytes", Value(r.data_bytes), a);
  tree.AddMember("sessions", Value(r.sessions), a);
  tree.AddMember("digest", Value(r.digest), a);
  uint64_t eph = 0;
  for (const auto& [owner, n] : r.ephemerals_by_owner) eph += n;
  tree.AddMember("ephemerals", Value(eph), a);
  Value orph(rapidjson::kArrayType);
  for (const auto& [owner, n] : r.orphan_ephemerals) {
    Value e(rapidjson::kObjectType);
    e.AddMember("session", Str(Hex(owner), a), a);
    e.AddMember("count", Value(static_cast<uint64_t>(n)), a);
    orph.PushBack(e, a);
  }
  tree.AddMember("orphan_ephemerals", orph, a);
  o.AddMember("tree", tree, a);
  o.AddMember("warnings", Strings(r.warnings, a), a);
  return o;
}

Value ToJson(const ConsolidateReport& r, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("status", ToJson(r.status, a), a);
  o.AddMember("output", Str(r.output_path, a), a);
  o.AddMember("name", Str(r.output_name, a), a);
  o.AddMember("bytes", Value(r.output_bytes), a);
  o.AddMember("sha256", Str(r.sha256, a), a);
  Zxid(o, "zxid", r.zxid, a);
  o.AddMember("nodes", Value(r.nodes), a);
  o.AddMember("data_bytes", Value(r.data_bytes), a);
  o.AddMember("digest", Value(r.digest), a);
  o.AddMember("digest_charset", Str(r.digest_charset, a), a);
  o.AddMember("sessions", Value(r.sessions), a);
  o.AddMember("acl_entries", Value(r.acl_entries), a);
  o.AddMember("dropped_ephemerals", Strings(r.dropped_ephemerals, a), a);
  o.AddMember("source", ToJson(r.source, a), a);
  return o;
}

Value ToJson(const TreeDiff& d, JsonAlloc& a) {
  Value o(rapidjson::kObjectType);
  o.AddMember("identical", d.identical(), a);
  o.AddMember("nodes_a", Value(d.nodes_a), a);
  o.AddMember("nodes_b", Value(d.nodes_b), a);
  o.AddMember("only_in_a", Value(d.only_in_a), a);
  o.AddMember("only_in_b", Value(d.only_in_b), a);
  o.AddMember("data", Value(d.data), a);
  o.AddMember("acl", Value(d.acl), a);
  o.AddMember("stat", Value(d.stat), a);
  o.AddMember("sessions_only_in_a", Value(d.sessions_only_in_a), a);
  o.AddMember("sessions_only_in_b", Value(d.sessions_only_in_b), a);
  o.AddMember("session_timeouts", Value(d.session_timeouts), a);
  Value es(rapidjson::kArrayType);
  for (const DiffEntry& e : d.entries) {
    Value x(rapidjson::kObjectType);
    x.AddMember("path", Str(e.path, a), a);
    x.AddMember("kind", Str(e.kind, a), a);
    x.AddMember("detail", Str(e.detail, a), a);
    es.PushBack(x, a);
  }
  o.AddMember("differences", es, a);
  return o;
}

}  // namespace zkm
