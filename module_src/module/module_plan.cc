// state: plan. The preflight's decisions, taken in plan/plan.h from the facts
// every node returned (`facts`: host -> that host's `state: facts` result).
#include <rapidjson/document.h>

#include <optional>
#include <set>

#include "base/json.h"
#include "module/module.h"
#include "module/module_node.h"
#include "plan/plan.h"

namespace zkm {

void RunPlan(const ModuleParams& p, ModuleResult* r) {
  r->changed = false;
  if (!p.facts || !p.facts->IsObject()) {
    r->Fail("option facts must be a dict of host -> facts result");
    return;
  }
  const rapidjson::Document& facts = *p.facts;
  std::set<std::string> named;
  for (const std::vector<std::string>* l : {&p.source_hosts, &p.target_hosts})
    for (const std::string& h : *l) named.insert(h);
  rapidjson::Document in(rapidjson::kObjectType);
  auto& a = in.GetAllocator();
  rapidjson::Value src(rapidjson::kObjectType), dst(rapidjson::kObjectType);
  for (const auto& [list, side] :
       {std::make_pair(&p.source_hosts, &src), std::make_pair(&p.target_hosts, &dst)}) {
    for (const std::string& h : *list) {
      auto it = facts.FindMember(h.c_str());
      rapidjson::Value entry(rapidjson::kObjectType);
      if (it == facts.MemberEnd()) {
        entry.AddMember("failed", true, a);
        entry.AddMember("msg", Str("no facts were gathered on it", a), a);
      } else {
        entry.CopyFrom(it->value, a);
      }
      side->AddMember(Str(h, a), entry, a);
    }
  }
  in.AddMember("source", src, a);
  in.AddMember("target", dst, a);
  if (auto m = facts.FindMember("controller_free_bytes");
      m != facts.MemberEnd() && !named.count("controller_free_bytes"))
    in.AddMember("controller_free_bytes", rapidjson::Value(m->value, a), a);
  if (!p.controller_dir.empty()) {
    in.AddMember("controller_dir", Str(p.controller_dir, a), a);
    if (std::optional<uint64_t> f = AvailableBytesFor(p.controller_dir))
      in.AddMember("controller_free_bytes", rapidjson::Value(*f), a);
  }
  in.AddMember("bundle_mode", Str(p.mode, a), a);
  in.AddMember("phase", Str(p.phase, a), a);
  in.AddMember("force", rapidjson::Value(p.force), a);
  if (p.format_given) in.AddMember("format", Str(p.format, a), a);
  Plan plan = BuildPlan(in);
  r->Set("plan", PlanToJson(plan, r->alloc()));
  r->warnings.insert(r->warnings.end(), plan.warnings.begin(), plan.warnings.end());
  if (!plan.ok()) {
    std::string problems;
    for (const std::string& s : plan.problems) problems += (problems.empty() ? "" : "; ") + s;
    r->Fail((p.phase == "bundle" ? "the stopped source cannot be bundled for the migration "
                                 : "preflight refused the migration ") +
            p.source_group + " -> " + p.target_group + ": " + problems);
    return;
  }
  r->msg = PlanText(plan);
}

}  // namespace zkm
