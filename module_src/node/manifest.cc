#include "node/manifest.h"

#include <dirent.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <set>

#include "base/json.h"
#include "format/byte_source.h"
#include "format/sha256.h"

namespace zkm {

using rapidjson::Value;

const ManifestFile* Manifest::Snapshot() const {
  for (const ManifestFile& f : files)
    if (f.role == "snapshot") return &f;
  return nullptr;
}

uint64_t Manifest::TotalBytes() const {
  uint64_t n = 0;
  for (const ManifestFile& f : files) n += f.size;
  return n;
}

std::string UtcNowIso() {
  return UtcIso(std::time(nullptr));
}

std::string UtcIso(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

std::string SnapshotFileName(int64_t zxid) {
  char b[40];
  std::snprintf(b, sizeof b, "snapshot.%llx", static_cast<unsigned long long>(zxid));
  return b;
}

// ---- writing

std::string ManifestToJson(const Manifest& m) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto s = [&](const std::string& v) { return Str(v, a); };
  d.AddMember("format_version", m.format_version, a);
  d.AddMember("tool_version", s(m.tool_version), a);
  d.AddMember("created", s(m.created), a);
  d.AddMember("mode", s(m.mode), a);
  d.AddMember("snapshot_format", s(m.snapshot_format), a);
  d.AddMember("drop_sessions", m.drop_sessions, a);
  Value src(rapidjson::kObjectType);
  src.AddMember("host", s(m.source.host), a);
  src.AddMember("config", s(m.source.config), a);
  src.AddMember("data_dir", s(m.source.data_dir), a);
  src.AddMember("data_log_dir", s(m.source.data_log_dir), a);
  src.AddMember("myid", m.source.myid, a);
  src.AddMember("current_epoch", m.source.current_epoch, a);
  src.AddMember("accepted_epoch", m.source.accepted_epoch, a);
  Value set(rapidjson::kObjectType);
  for (const auto& kv : m.source.settings) set.AddMember(s(kv.first), s(kv.second), a);
  src.AddMember("settings", set, a);
  Value stamps(rapidjson::kArrayType);
  for (const SourceStamp& st : m.source.stamps) {
    Value o(rapidjson::kObjectType);
    o.AddMember("name", s(st.name), a);
    o.AddMember("size", st.size, a);
    o.AddMember("mtime_ns", st.mtime_ns, a);
    stamps.PushBack(o, a);
  }
  src.AddMember("stamps", stamps, a);
  d.AddMember("source", src, a);
  Value files(rapidjson::kArrayType);
  for (const ManifestFile& f : m.files) {
    Value o(rapidjson::kObjectType);
    o.AddMember("name", s(f.name), a);
    o.AddMember("role", s(f.role), a);
    o.AddMember("size", f.size, a);
    o.AddMember("sha256", s(f.sha256), a);
    files.PushBack(o, a);
  }
  d.AddMember("files", files, a);
  char hex[24];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(m.snapshot_zxid));
  d.AddMember("snapshot_zxid", m.snapshot_zxid, a);
  d.AddMember("snapshot_zxid_hex", s(hex), a);
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(m.last_zxid));
  d.AddMember("last_zxid", m.last_zxid, a);
  d.AddMember("last_zxid_hex", s(hex), a);
  d.AddMember("znodes", m.znodes, a);
  d.AddMember("tree_digest", m.tree_digest, a);
  d.AddMember("digest_charset", s(m.digest_charset), a);
  d.AddMember("acl_count", m.acl_count, a);
  d.AddMember("sessions", m.sessions, a);
  d.AddMember("ephemerals", m.ephemerals, a);
  d.AddMember("containers", m.containers, a);
  d.AddMember("ttl_nodes", m.ttl_nodes, a);
  Value largest(rapidjson::kObjectType);
  largest.AddMember("path", s(m.largest_path), a);
  largest.AddMember("bytes", m.largest_bytes, a);
  d.AddMember("largest_znode", largest, a);
  d.AddMember("data_bytes", m.data_bytes, a);
  return Serialize(d, true) + "\n";
}

// ---- reading

namespace {

// Typed member readers: each fails with the member's dotted name.
class Reader {
 public:
  Reader(const Value& obj, std::string where) : obj_(obj), where_(std::move(where)) {}
  Status Str(const char* k, std::string* out) const {
    const Value* v = Find(k);
    if (!v || !v->IsString()) return Bad(k, "a string");
    out->assign(v->GetString(), v->GetStringLength());
    return Status::Ok();
  }
  Status I64(const char* k, int64_t* out) const {
    const Value* v = Find(k);
    if (!v || !v->IsInt64()) return Bad(k, "an integer");
    *out = v->GetInt64();
    return Status::Ok();
  }
  Status U64(const char* k, uint64_t* out) const {
    const Value* v = Find(k);
    if (!v || !v->IsUint64()) return Bad(k, "a non-negative integer");
    *out = v->GetUint64();
    return Status::Ok();
  }
  Status Bool(const char* k, bool* out) const {
    const Value* v = Find(k);
    if (!v || !v->IsBool()) return Bad(k, "a boolean");
    *out = v->GetBool();
    return Status::Ok();
  }
  Status Obj(const char* k, const Value** out) const {
    const Value* v = Find(k);
    if (!v || !v->IsObject()) return Bad(k, "an object");
    *out = v;
    return Status::Ok();
  }
  Status Arr(const char* k, const Value** out) const {
    const Value* v = Find(k);
    if (!v || !v->IsArray()) return Bad(k, "an array");
    *out = v;
    return Status::Ok();
  }
  std::string Name(const std::string& k) const { return where_.empty() ? k : where_ + "." + k; }

 private:
  const Value* Find(const char* k) const {
    auto it = obj_.FindMember(k);
    return it == obj_.MemberEnd() ? nullptr : &it->value;
  }
  Status Bad(const char* k, const char* what) const {
    return Status::Invalid("manifest member " + Name(k) + " is missing or not " + what);
  }
  const Value& obj_;
  std::string where_;
};

Status ParseSource(const Value& v, ManifestSource* s) {
  Reader r(v, "source");
  ZKM_RETURN_IF_ERROR(r.Str("host", &s->host));
  ZKM_RETURN_IF_ERROR(r.Str("config", &s->config));
  ZKM_RETURN_IF_ERROR(r.Str("data_dir", &s->data_dir));
  ZKM_RETURN_IF_ERROR(r.Str("data_log_dir", &s->data_log_dir));
  ZKM_RETURN_IF_ERROR(r.I64("myid", &s->myid));
  ZKM_RETURN_IF_ERROR(r.I64("current_epoch", &s->current_epoch));
  ZKM_RETURN_IF_ERROR(r.I64("accepted_epoch", &s->accepted_epoch));
  const Value* set = nullptr;
  ZKM_RETURN_IF_ERROR(r.Obj("settings", &set));
  for (auto it = set->MemberBegin(); it != set->MemberEnd(); ++it) {
    if (!it->value.IsString())
      return Status::Invalid("manifest member source.settings." +
                             std::string(it->name.GetString()) + " is not a string");
    s->settings[it->name.GetString()] = it->value.GetString();
  }
  const Value* stamps = nullptr;
  ZKM_RETURN_IF_ERROR(r.Arr("stamps", &stamps));
  for (const Value& e : stamps->GetArray()) {
    if (!e.IsObject()) return Status::Invalid("manifest member source.stamps holds a non-object");
    Reader er(e, "source.stamps[]");
    SourceStamp st;
    ZKM_RETURN_IF_ERROR(er.Str("name", &st.name));
    ZKM_RETURN_IF_ERROR(er.U64("size", &st.size));
    ZKM_RETURN_IF_ERROR(er.I64("mtime_ns", &st.mtime_ns));
    s->stamps.push_back(st);
  }
  return Status::Ok();
}

// A bundle file name must be a plain name: no directory part, no "." / "..".
bool PlainName(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos &&
         n.find('\0') == std::string::npos;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view text) {
  rapidjson::Document d;
  ZKM_RETURN_IF_ERROR(ParseJson(text, "manifest", &d));
  if (!d.IsObject()) return Status::Invalid("manifest is not a JSON object");
  Manifest m;
  Reader r(d, "");
  int64_t fv = 0;
  ZKM_RETURN_IF_ERROR(r.I64("format_version", &fv));
  if (fv < 1 || fv > kManifestFormatVersion)
    return Status::Unsupported("manifest format_version " + std::to_string(fv) +
                               " is not supported (this tool reads up to " +
                               std::to_string(kManifestFormatVersion) + ")");
  m.format_version = static_cast<int>(fv);
  ZKM_RETURN_IF_ERROR(r.Str("tool_version", &m.tool_version));
  ZKM_RETURN_IF_ERROR(r.Str("created", &m.created));
  ZKM_RETURN_IF_ERROR(r.Str("mode", &m.mode));
  if (m.mode != "consolidated" && m.mode != "raw")
    return Status::Invalid("manifest mode must be consolidated or raw, got " + m.mode);
  ZKM_RETURN_IF_ERROR(r.Str("snapshot_format", &m.snapshot_format));
  ZKM_RETURN_IF_ERROR(r.Bool("drop_sessions", &m.drop_sessions));
  const Value* src = nullptr;
  ZKM_RETURN_IF_ERROR(r.Obj("source", &src));
  ZKM_RETURN_IF_ERROR(ParseSource(*src, &m.source));
  const Value* files = nullptr;
  ZKM_RETURN_IF_ERROR(r.Arr("files", &files));
  std::set<std::string> names;
  for (const Value& e : files->GetArray()) {
    if (!e.IsObject()) return Status::Invalid("manifest member files holds a non-object");
    Reader fr(e, "files[]");
    ManifestFile f;
    ZKM_RETURN_IF_ERROR(fr.Str("name", &f.name));
    ZKM_RETURN_IF_ERROR(fr.Str("role", &f.role));
    ZKM_RETURN_IF_ERROR(fr.U64("size", &f.size));
    ZKM_RETURN_IF_ERROR(fr.Str("sha256", &f.sha256));
    if (!PlainName(f.name))
      return Status::Invalid("manifest file name '" + f.name + "' is not a plain name");
    if (f.role != "snapshot" && f.role != "log")
      return Status::Invalid("manifest file " + f.name + " has role " + f.role +
                             ", expected snapshot or log");
    if (f.sha256.size() != 64 ||
        f.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Status::Invalid("manifest file " + f.name +
                             " has no SHA-256 (64 lowercase hex digits)");
    if (!names.insert(f.name).second) return Status::Invalid("manifest lists " + f.name + " twice");
    m.files.push_back(f);
  }
  int snaps = 0;
  for (const ManifestFile& f : m.files) snaps += f.role == "snapshot";
  if (snaps != 1)
    return Status::Invalid("manifest lists " + std::to_string(snaps) + " snapshots, expected one");
  ZKM_RETURN_IF_ERROR(r.I64("snapshot_zxid", &m.snapshot_zxid));
  ZKM_RETURN_IF_ERROR(r.I64("last_zxid", &m.last_zxid));
  ZKM_RETURN_IF_ERROR(r.U64("znodes", &m.znodes));
  ZKM_RETURN_IF_ERROR(r.I64("tree_digest", &m.tree_digest));
  ZKM_RETURN_IF_ERROR(r.Str("digest_charset", &m.digest_charset));
  ZKM_RETURN_IF_ERROR(r.U64("acl_count", &m.acl_count));
  ZKM_RETURN_IF_ERROR(r.U64("sessions", &m.sessions));
  ZKM_RETURN_IF_ERROR(r.U64("ephemerals", &m.ephemerals));
  ZKM_RETURN_IF_ERROR(r.U64("containers", &m.containers));
  ZKM_RETURN_IF_ERROR(r.U64("ttl_nodes", &m.ttl_nodes));
  const Value* largest = nullptr;
  ZKM_RETURN_IF_ERROR(r.Obj("largest_znode", &largest));
  Reader lr(*largest, "largest_znode");
  ZKM_RETURN_IF_ERROR(lr.Str("path", &m.largest_path));
  ZKM_RETURN_IF_ERROR(lr.U64("bytes", &m.largest_bytes));
  ZKM_RETURN_IF_ERROR(r.U64("data_bytes", &m.data_bytes));
  return m;
}

Result<Manifest> ReadManifest(const std::string& path) {
  std::string file = path;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) file = path + "/" + kManifestName;
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(file + " does not exist");
    return ErrnoStatus("cannot stat", file, errno);
  }
  auto f = FileSource::Open(file);
  if (!f.ok()) return f.status();
  std::string text;
  ZKM_RETURN_IF_ERROR((*f)->ReadAll(&text, 64u << 20));
  auto m = ParseManifest(text);
  if (!m.ok()) return m.status().WithContext(file);
  return m;
}

Status VerifyBundle(const std::string& dir, const Manifest& m) {
  std::set<std::string> listed;
  for (const ManifestFile& f : m.files) {
    listed.insert(f.name);
    std::string path = dir + "/" + f.name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::NotFound("bundle file " + path + " is missing");
      return ErrnoStatus("cannot stat", path, errno);
    }
    if (!S_ISREG(st.st_mode))
      return Status::Mismatch("bundle file " + path + " is not a regular file");
    if (static_cast<uint64_t>(st.st_size) != f.size)
      return Status::Mismatch("bundle file " + path + " has " + std::to_string(st.st_size) +
                              " bytes, the manifest says " + std::to_string(f.size));
    auto sha = Sha256File(path);
    if (!sha.ok()) return sha.status();
    if (*sha != f.sha256)
      return Status::Mismatch("bundle file " + path + " has SHA-256 " + *sha +
                              ", the manifest says " + f.sha256);
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) return ErrnoStatus("cannot list", dir, errno);
  std::string stray;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    bool data = n.rfind("snapshot.", 0) == 0 || n.rfind("log.", 0) == 0;
    if (data && !listed.count(n) && (stray.empty() || n < stray)) stray = n;
  }
  ::closedir(d);
  if (!stray.empty())
    return Status::Mismatch("bundle dir " + dir + " holds " + stray +
                            ", which the manifest does not list");
  return Status::Ok();
}

}  // namespace zkm
