#include "node/backup_record.h"

#include <rapidjson/document.h>

#include <ctime>

#include "base/json.h"
#include "format/byte_source.h"

namespace zkm {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

namespace {

Value Moves(const std::vector<MovedEntry>& v, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const MovedEntry& e : v) {
    Value o(rapidjson::kObjectType);
    o.AddMember("from", Str(e.from, a), a);
    o.AddMember("to", Str(e.to, a), a);
    arr.PushBack(o, a);
  }
  return arr;
}

Value Installed(const std::vector<InstalledFile>& v, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const InstalledFile& f : v) {
    Value o(rapidjson::kObjectType);
    o.AddMember("path", Str(f.path, a), a);
    o.AddMember("name", Str(f.name, a), a);
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
    if (!e.IsObject() || !GetStr(e, "from", &m.from) || !GetStr(e, "to", &m.to))
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
    if (!e.IsObject() || !GetStr(e, "path", &f.path) || !GetStr(e, "sha256", &f.sha256))
      return Status::Invalid("member installed holds an entry without path/sha256");
    GetStr(e, "name", &f.name);
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
  d.AddMember("format_version", 1, a);
  d.AddMember("state", Str(b.state, a), a);
  d.AddMember("created", Str(b.created, a), a);
  d.AddMember("restored_at", Str(b.restored_at, a), a);
  d.AddMember("bundle_id", Str(b.bundle_id, a), a);
  d.AddMember("bundle_src", Str(b.bundle_src, a), a);
  d.AddMember("data_dir", Str(b.data_dir, a), a);
  d.AddMember("data_log_dir", Str(b.data_log_dir, a), a);
  d.AddMember("moves", Moves(b.moves, a), a);
  d.AddMember("installed", Installed(b.installed, a), a);
  d.AddMember("displaced", Moves(b.displaced, a), a);
  return Serialize(d, true) + "\n";
}

Result<BackupRecord> ReadBackupRecord(const std::string& dir) {
  std::string path = dir + "/" + kBackupRecordName;
  auto d = ReadJson(path);
  if (!d.ok()) return d.status();
  BackupRecord b;
  b.dir = dir;
  if (!GetStr(*d, "state", &b.state) || !GetStr(*d, "data_dir", &b.data_dir) ||
      !GetStr(*d, "data_log_dir", &b.data_log_dir))
    return Status::Corrupt(path + " lacks state, data_dir or data_log_dir");
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
