// state=fleet: the cluster pairs of a run, resolved from the inventory the
// playbook passes (plan/fleet.h). Runs on the controller; changes nothing.
#include "base/json.h"
#include "module/module.h"
#include "plan/fleet.h"

namespace zkm {

using rapidjson::Value;

namespace {

std::vector<std::string> Strings(const Value& v) {
  std::vector<std::string> out;
  if (v.IsArray()) {
    for (const Value& e : v.GetArray())
      if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
  } else if (v.IsObject()) {  // a mapping: its keys
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      out.emplace_back(it->name.GetString(), it->name.GetStringLength());
  }
  return out;
}

std::string StrMember(const Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd()) return "";
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  return Serialize(it->value, false);
}

Value JsonStrings(const std::vector<std::string>& v, JsonAlloc& a) {
  Value out(rapidjson::kArrayType);
  for (const std::string& s : v) out.PushBack(Str(s, a), a);
  return out;
}

// Reads the playbook's inventory object; a problem for a shape that cannot be a fleet.
Status ReadInventory(const Value& in, InventoryView* inv) {
  auto groups = in.FindMember("groups");
  if (groups == in.MemberEnd() || !groups->value.IsObject())
    return Status::Invalid(
        "inventory.groups must be Ansible's `groups` (a mapping of group -> hosts)");
  for (auto it = groups->value.MemberBegin(); it != groups->value.MemberEnd(); ++it)
    inv->groups[std::string(it->name.GetString(), it->name.GetStringLength())] = Strings(it->value);
  if (auto hv = in.FindMember("host_variables"); hv != in.MemberEnd() && hv->value.IsObject())
    for (auto it = hv->value.MemberBegin(); it != hv->value.MemberEnd(); ++it)
      inv->host_variables[std::string(it->name.GetString(), it->name.GetStringLength())] =
          Strings(it->value);
  if (std::string g = StrMember(in, "zk_source_group"); !g.empty()) inv->source_group = g;
  if (std::string g = StrMember(in, "zk_target_group"); !g.empty()) inv->target_group = g;
  auto m = in.FindMember("zk_migrations");
  // Not set: absent, null, or "" (what a template of an undefined `| default(none)` renders).
  if (m == in.MemberEnd() || m->value.IsNull() ||
      (m->value.IsString() && m->value.GetStringLength() == 0))
    return Status::Ok();
  if (!m->value.IsArray())
    return Status::Invalid("zk_migrations must be a list of {name, source, target}");
  inv->has_migrations = true;
  size_t i = 0;
  for (const Value& e : m->value.GetArray()) {
    ++i;
    if (!e.IsObject())
      return Status::Invalid("zk_migrations item " + std::to_string(i) +
                             " must be a mapping {name, source, target}");
    PairSpec s;
    s.name = StrMember(e, "name");
    s.source = StrMember(e, "source");
    s.target = StrMember(e, "target");
    if (s.name.empty())
      return Status::Invalid("zk_migrations item " + std::to_string(i) + " has no name");
    for (auto it = e.MemberBegin(); it != e.MemberEnd(); ++it) {
      std::string k(it->name.GetString(), it->name.GetStringLength());
      if (k != "name" && k != "source" && k != "target") s.override_keys.push_back(k);
    }
    inv->migrations.push_back(std::move(s));
  }
  return Status::Ok();
}

}  // namespace

void RunFleet(const ModuleParams& p, ModuleResult* r) {
  JsonAlloc& a = r->alloc();
  InventoryView inv;
  if (Status st = ReadInventory(*p.inventory, &inv); !st.ok()) return r->Fail(st.message());
  Fleet fleet = ResolveFleet(inv);

  // The per-pair overrides, copied through as the inventory gave them.
  std::map<std::string, const Value*> entries;
  if (auto m = p.inventory->FindMember("zk_migrations");
      m != p.inventory->MemberEnd() && m->value.IsArray())
    for (const Value& e : m->value.GetArray()) entries[StrMember(e, "name")] = &e;

  Value pairs(rapidjson::kArrayType);
  size_t refused = 0;
  for (const FleetPair& fp : fleet.pairs) {
    Value o(rapidjson::kObjectType);
    o.AddMember("name", Str(fp.name, a), a);
    o.AddMember("source_group", Str(fp.source_group, a), a);
    o.AddMember("target_group", Str(fp.target_group, a), a);
    o.AddMember("source_hosts", JsonStrings(fp.source_hosts, a), a);
    o.AddMember("target_hosts", JsonStrings(fp.target_hosts, a), a);
    o.AddMember("ok", Value(fp.ok()), a);
    o.AddMember("problems", JsonStrings(fp.problems, a), a);
    o.AddMember("warnings", JsonStrings(fp.warnings, a), a);
    Value overrides(rapidjson::kObjectType);
    if (auto e = entries.find(fp.name); e != entries.end())
      for (auto it = e->second->MemberBegin(); it != e->second->MemberEnd(); ++it) {
        std::string k(it->name.GetString(), it->name.GetStringLength());
        if (k != "name" && k != "source" && k != "target")
          overrides.AddMember(Value(it->name, a), Value(it->value, a), a);
      }
    o.AddMember("overrides", overrides, a);
    pairs.PushBack(o, a);
    if (!fp.ok()) ++refused;
    for (const std::string& w : fp.warnings) r->warnings.push_back("pair " + fp.name + ": " + w);
  }
  for (const std::string& w : fleet.warnings) r->warnings.push_back(w);
  r->Set("pairs", std::move(pairs));
  r->Set("problems", JsonStrings(fleet.problems, a));
  r->Set("refused", Value(static_cast<int64_t>(refused)));
  if (!fleet.ok()) {
    std::string msg = fleet.problems.front();
    if (fleet.problems.size() > 1)
      msg += " (and " + std::to_string(fleet.problems.size() - 1) + " more problems)";
    return r->Fail(msg);
  }
  r->msg = std::to_string(fleet.pairs.size()) + " pair(s) in the run";
  if (refused) {
    r->msg += ", " + std::to_string(refused) + " refused by the inventory checks";
    for (const FleetPair& fp : fleet.pairs)
      if (!fp.ok()) {
        r->msg += " (first: " + fp.problems.front() + ")";
        break;
      }
  }
}

}  // namespace zkm
