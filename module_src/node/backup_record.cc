#include "node/backup_record.h"

#include <rapidjson/document.h>

#include <ctime>

#include "base/json.h"
#include "format/byte_source.h"

namespace zkm {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

namespace {

// `key` as readable text; when the bytes are not valid UTF-8 also `key_hex`.
void AddPath(Value& o, const char* key, const std::string& s, Alloc& a) {
  o.AddMember(Value(key, a), Str(s, a), a);
  if (ValidUtf8(s) != s)
    o.AddMember(Value((std::string(key) + "_hex").c_str(), a), Str(HexBytes(s), a), a);
}

Value Moves(const std::vector<MovedEntry>& v, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const MovedEntry& e : v) {
    Value o(rapidjson::kObjectType);
    AddPath(o, "from", e.from, a);
    AddPath(o, "to", e.to, a);
    arr.PushBack(o, a);
  }
  return arr;
}

Value Installed(const std::vector<InstalledFile>& v, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const InstalledFile& f : v) {
    Value o(rapidjson::kObjectType);
    AddPath(o, "path", f.path, a);
    AddPath(o, "name", f.name, a);
    o.AddMember("role", Str(f.role, a), a);
    o.AddMember("size", f.size, a);
    o.AddMember("sha256", Str(f.sha256, a), a);
    o.AddMember("bundle_sha256", Str(f.bundle_sha256, a), a);
    arr.PushBack(o, a);
  }
  return arr;
}

bool GetStr(const Value& o, const char* k, std::string* out) {
  auto it = o.FindMember(k);
  if (it == o.MemberEnd() || !it->value.IsString()) return false;
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

// A path: `k_hex` when present (byte-exact), else `k`.
bool GetPath(const Value& o, const char* k, std::string* out) {
  std::string hex;
  if (GetStr(o, (std::string(k) + "_hex").c_str(), &hex)) return UnhexBytes(hex, out);
  return GetStr(o, k, out);
}

const Value* GetArr(const Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it == o.MemberEnd() || !it->value.IsArray() ? nullptr : &it->value;
}

Status ReadMoves(const Value& o, const char* k, std::vector<MovedEntry>* out, bool required) {
  const Value* arr = GetArr(o, k);
  if (!arr)
    return required ? Status::Invalid(std::string("member ") + k + " is missing") : Status::Ok();
  for (const Value& e : arr->GetArray()) {
    MovedEntry m;
    if (!e.IsObject() || !GetPath(e, "from", &m.from) || !GetPath(e, "to", &m.to))
      return Status::Invalid(std::string("member ") + k + " holds an entry without from/to");
    out->push_back(m);
  }
  return Status::Ok();
}

Status ReadInstalled(const Value& o, std::vector<InstalledFile>* out) {
  const Value* arr = GetArr(o, "installed");
  if (!arr) return Status::Invalid("member installed is missing");
  for (const Value& e : arr->GetArray()) {
    InstalledFile f;
    if (!e.IsObject() || !GetPath(e, "path", &f.path) || !GetStr(e, "sha256", &f.sha256))
      return Status::Invalid("member installed holds an entry without path/sha256");
    GetPath(e, "name", &f.name);
    GetStr(e, "role", &f.role);
    GetStr(e, "bundle_sha256", &f.bundle_sha256);
    auto it = e.FindMember("size");
    if (it != e.MemberEnd() && it->value.IsUint64()) f.size = it->value.GetUint64();
    out->push_back(f);
  }
  return Status::Ok();
}

Result<rapidjson::Document> ReadJson(const std::string& path) {
  auto f = FileSource::Open(path);
  if (!f.ok()) return f.status();
  std::string text;
  ZKM_RETURN_IF_ERROR((*f)->ReadAll(&text, 64u << 20));
  rapidjson::Document d;
  if (Status st = ParseJson(text, path, &d); !st.ok()) return Status::Corrupt(st.message());
  if (!d.IsObject()) return Status::Corrupt(path + " is not a JSON object");
  return d;
}

}  // namespace

std::string HexBytes(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

bool UnhexBytes(const std::string& hex, std::string* out) {
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) return false;
  std::string r;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int h = v(hex[i]), l = v(hex[i + 1]);
    if (h < 0 || l < 0) return false;
    r.push_back(static_cast<char>(h * 16 + l));
  }
  *out = r;
  return true;
}

std::string UtcStampCompact() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y%m%dT%H%M%SZ", &tm);
  return b;
}

std::string BackupRecordToJson(const BackupRecord& b) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("format_version", 2, a);
  d.AddMember("migration_id", Str(b.migration_id, a), a);
  d.AddMember("phase", Str(b.phase, a), a);
  d.AddMember("updated", Str(b.updated, a), a);
  d.AddMember("created", Str(b.created, a), a);
  d.AddMember("restored_at", Str(b.restored_at, a), a);
  d.AddMember("bundle_id", Str(b.bundle_id, a), a);
  d.AddMember("bundle_src", Str(b.bundle_src, a), a);
  AddPath(d, "data_dir", b.data_dir, a);
  AddPath(d, "data_log_dir", b.data_log_dir, a);
  d.AddMember("moves", Moves(b.moves, a), a);
  d.AddMember("installed", Installed(b.installed, a), a);
  d.AddMember("displaced", Moves(b.displaced, a), a);
  Value dirs(rapidjson::kArrayType);
  for (const std::string& x : b.created_dirs) {
    Value o(rapidjson::kObjectType);
    AddPath(o, "path", x, a);
    dirs.PushBack(o, a);
  }
  d.AddMember("created_dirs", dirs, a);
  return Serialize(d, true) + "\n";
}

Result<BackupRecord> ReadBackupRecord(const std::string& dir) {
  std::string path = dir + "/" + kBackupRecordName;
  auto d = ReadJson(path);
  if (!d.ok()) return d.status();
  BackupRecord b;
  b.dir = dir;
  if (!GetStr(*d, "phase", &b.phase)) {
    std::string old;  // format 1
    if (GetStr(*d, "state", &old))
      b.phase = old == "in-progress" ? "begun" : old == "placed" ? "done" : old;
  }
  if (b.phase.empty() || !GetPath(*d, "data_dir", &b.data_dir) ||
      !GetPath(*d, "data_log_dir", &b.data_log_dir))
    return Status::Corrupt(path + " lacks phase, data_dir or data_log_dir");
  GetStr(*d, "migration_id", &b.migration_id);
  GetStr(*d, "updated", &b.updated);
  if (const Value* dirs = GetArr(*d, "created_dirs"))
    for (const Value& e : dirs->GetArray()) {
      std::string x;
      if (e.IsObject() && GetPath(e, "path", &x)) b.created_dirs.push_back(x);
    }
  GetStr(*d, "created", &b.created);
  GetStr(*d, "restored_at", &b.restored_at);
  GetStr(*d, "bundle_id", &b.bundle_id);
  GetStr(*d, "bundle_src", &b.bundle_src);
  Status st = ReadMoves(*d, "moves", &b.moves, true);
  if (st.ok()) st = ReadInstalled(*d, &b.installed);
  if (st.ok()) st = ReadMoves(*d, "displaced", &b.displaced, false);
  if (!st.ok()) return Status::Corrupt(path + ": " + st.message());
  return b;
}

std::string PlacedRecordToJson(const PlacedRecord& p) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("format_version", 1, a);
  d.AddMember("bundle_id", Str(p.bundle_id, a), a);
  d.AddMember("bundle_src", Str(p.bundle_src, a), a);
  d.AddMember("placed_at", Str(p.placed_at, a), a);
  d.AddMember("mode", Str(p.mode, a), a);
  d.AddMember("last_zxid", p.last_zxid, a);
  d.AddMember("znodes", p.znodes, a);
  d.AddMember("membership_rewritten", p.membership_rewritten, a);
  d.AddMember("membership", Str(p.membership, a), a);
  d.AddMember("backup_dir", Str(p.backup_dir, a), a);
  d.AddMember("migration_id", Str(p.migration_id, a), a);
  d.AddMember("installed", Installed(p.installed, a), a);
  return Serialize(d, true) + "\n";
}

Result<PlacedRecord> ReadPlacedRecord(const std::string& path) {
  auto d = ReadJson(path);
  if (!d.ok()) return d.status();
  PlacedRecord p;
  if (!GetStr(*d, "bundle_id", &p.bundle_id)) return Status::Corrupt(path + " lacks bundle_id");
  GetStr(*d, "bundle_src", &p.bundle_src);
  GetStr(*d, "placed_at", &p.placed_at);
  GetStr(*d, "mode", &p.mode);
  GetStr(*d, "membership", &p.membership);
  GetStr(*d, "backup_dir", &p.backup_dir);
  GetStr(*d, "migration_id", &p.migration_id);
  auto it = d->FindMember("last_zxid");
  if (it != d->MemberEnd() && it->value.IsInt64()) p.last_zxid = it->value.GetInt64();
  it = d->FindMember("znodes");
  if (it != d->MemberEnd() && it->value.IsUint64()) p.znodes = it->value.GetUint64();
  it = d->FindMember("membership_rewritten");
  if (it != d->MemberEnd() && it->value.IsBool()) p.membership_rewritten = it->value.GetBool();
  Status st = ReadInstalled(*d, &p.installed);
  if (!st.ok()) return Status::Corrupt(path + ": " + st.message());
  return p;
}

}  // namespace zkm
