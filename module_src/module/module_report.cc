// state=report: one pair's record into the run file, and the run's renders
// (report/run_report.h). Runs on the controller. Writing the report is an output of
// the run, not managed state: it never reports changed, and check mode writes nothing.
#include "base/json.h"
#include "module/module.h"
#include "report/run_report.h"

namespace zkm {

using rapidjson::Value;

namespace {

std::string StrOfRecord(const Value& rec, const char* key) {
  auto it = rec.FindMember(key);
  return it != rec.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

void RunReport(const ModuleParams& p, ModuleResult* r) {
  JsonAlloc& a = r->alloc();
  rapidjson::Document rec;
  if (Status st = BuildPairRecord(*p.record, &rec); !st.ok()) return r->Fail(st.message());
  RunReportFiles files = ReportFilesFor(p.report_file);
  Value f(rapidjson::kObjectType);
  f.AddMember("json", Str(files.json, a), a);
  f.AddMember("markdown", Str(files.markdown, a), a);
  f.AddMember("html", Str(files.html, a), a);
  r->Set("files", std::move(f));

  std::vector<const Value*> shown = {&rec};
  rapidjson::Document run;
  if (p.check_mode) {
    r->msg = "check mode: the record of " + ValidUtf8(StrOfRecord(rec, "pair")) +
             " is not written to " + files.json;
  } else {
    if (Status st = AppendPairRecord(files, rec, &run); !st.ok())
      return r->Fail("cannot write the report: " + st.message(), st);
    shown.clear();
    for (const Value& e : run.GetArray()) shown.push_back(&e);
    r->msg = "report of " + ValidUtf8(StrOfRecord(rec, "pair")) + " appended to " + files.json;
  }
  Value lines(rapidjson::kArrayType);
  for (const std::string& l : RenderSummary(shown)) lines.PushBack(Str(l, a), a);
  r->Set("summary", std::move(lines));
  r->Set("run_records", Value(static_cast<int64_t>(shown.size())));
  r->Set("record", Value(rec, a));
}

}  // namespace zkm
