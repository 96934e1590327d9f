#include "report/run_report.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <utility>

#include "format/jute.h"
#include "node/manifest.h"
#include "node/placement.h"

namespace zkm {

using rapidjson::Value;

namespace {

const Value* Member(const Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string StrOf(const Value& v, const char* key) {
  const Value* m = Member(v, key);
  if (!m) return "";
  if (m->IsString()) return std::string(m->GetString(), m->GetStringLength());
  return Serialize(*m, false);
}

bool NumOf(const Value* v, double* out) {
  if (!v) return false;
  if (v->IsNumber()) return *out = v->GetDouble(), true;
  if (v->IsString()) {  // Ansible's templated numbers arrive as strings
    char* end = nullptr;
    double d = std::strtod(v->GetString(), &end);
    if (end && *end == '\0' && end != v->GetString()) return *out = d, true;
  }
  return false;
}

bool IntOf(const Value* v, int64_t* out) {
  if (!v) return false;
  if (v->IsInt64()) return *out = v->GetInt64(), true;
  if (v->IsUint64()) return *out = static_cast<int64_t>(v->GetUint64()), true;
  double d = 0;
  if (NumOf(v, &d) && std::floor(d) == d) return *out = static_cast<int64_t>(d), true;
  return false;
}

std::string Iso(double unix_seconds) {
  return UtcIso(static_cast<std::time_t>(unix_seconds));
}

Value Round1(double d) {
  return Value(std::round(d * 10) / 10);
}

Value CopyOrNull(const Value* v, JsonAlloc& a) {
  return v ? Value(*v, a) : Value();
}

std::string Fixed1(const Value* v) {
  double d = 0;
  if (!NumOf(v, &d)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", d);
  return buf;
}

std::string Cell(const Value& rec, const char* key) {
  const Value* v = Member(rec, key);
  if (!v) return "-";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsDouble()) return Fixed1(v);
  return Serialize(*v, false);
}

std::string HumanBytes(const Value* v) {
  double d = 0;
  if (!NumOf(v, &d)) return "-";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (d >= 1024 && u < 4) d /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", d, units[u]);
  return buf;
}

std::string RollbackCell(const Value& rec) {
  const Value* rb = Member(rec, "rollback");
  const Value* performed = rb ? Member(*rb, "performed") : nullptr;
  if (!performed || !performed->IsBool() || !performed->GetBool()) return "no";
  const Value* ok = Member(*rb, "ok");
  return ok && ok->IsBool() && !ok->GetBool() ? "FAILED" : "yes";
}

struct Column {
  const char* title;
  std::string (*value)(const Value&);
};

const std::vector<Column>& Columns() {
  static const std::vector<Column> cols = {
      {"pair", [](const Value& r) { return Cell(r, "pair"); }},
      {"result", [](const Value& r) { return Cell(r, "result"); }},
      {"source down (s)", [](const Value& r) { return Fixed1(Member(r, "source_down_seconds")); }},
      {"run (s)", [](const Value& r) { return Fixed1(Member(r, "seconds")); }},
      {"bytes moved", [](const Value& r) { return HumanBytes(Member(r, "bytes_moved")); }},
      {"source last zxid", [](const Value& r) { return Cell(r, "source_last_zxid_hex"); }},
      {"target zxid", [](const Value& r) { return Cell(r, "target_zxid_hex"); }},
      {"znodes", [](const Value& r) { return Cell(r, "znodes"); }},
      {"verification", [](const Value& r) { return Cell(r, "verification_strength"); }},
      {"rollback", [](const Value& r) { return RollbackCell(r); }},
  };
  return cols;
}

std::string MdEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Records grouped by run, runs in the order they first appear, newest run first.
std::vector<std::pair<std::string, std::vector<const Value*>>> ByRun(
    const std::vector<const Value*>& records) {
  std::vector<std::pair<std::string, std::vector<const Value*>>> runs;
  for (const Value* r : records) {
    std::string id = StrOf(*r, "run_id");
    auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& e) { return e.first == id; });
    if (it == runs.end())
      runs.push_back({id, {r}});
    else
      it->second.push_back(r);
  }
  std::reverse(runs.begin(), runs.end());
  return runs;
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::Io(what + " " + path + ": " + std::strerror(errno));
}

// The renders replace themselves as placement writes a file (node/placement.h).
Status WriteReplace(const std::string& path, const std::string& text) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return WriteFileDurable(dir, name, text, 0644, FileOwner{});
}

}  // namespace

const char* VerifyStrengthName(VerifyStrength s) {
  switch (s) {
    case VerifyStrength::kNone:
      return "none";
    case VerifyStrength::kShallow:
      return "shallow";
    case VerifyStrength::kPartial:
      return "partial";
    case VerifyStrength::kFull:
      return "full";
  }
  return "none";
}

VerifyStrength StrengthOfVerify(const Value& v) {
  const Value* verified = Member(v, "verified");
  if (!verified || !verified->IsBool()) return VerifyStrength::kNone;
  const Value* deep = Member(v, "deep");
  if (!deep || !deep->IsObject()) return VerifyStrength::kShallow;
  int64_t unreadable = 0;
  IntOf(Member(*deep, "unreadable"), &unreadable);
  if (unreadable > 0) return VerifyStrength::kPartial;
  const Value* st = Member(*deep, "status");
  if (st && st->IsString() && std::strcmp(st->GetString(), "ok") != 0)
    return VerifyStrength::kShallow;
  return verified->GetBool() ? VerifyStrength::kFull : VerifyStrength::kShallow;
}

Status BuildPairRecord(const Value& in, rapidjson::Document* rec) {
  if (!in.IsObject()) return Status::Invalid("the report record must be an object");
  rec->SetObject();
  JsonAlloc& a = rec->GetAllocator();
  auto put = [&](const char* k, Value v) { rec->AddMember(Value(k, a), v, a); };
  for (const char* k : {"pair", "run_id", "result", "msg", "source_group", "target_group",
                        "bundle_host", "target_leader"})
    put(k, Member(in, k) ? Str(StrOf(in, k), a) : Value());
  for (const char* k : {"source_hosts", "target_hosts", "source_candidates"})
    put(k, CopyOrNull(Member(in, k), a));

  double started = 0, finished = 0;
  bool has_start = NumOf(Member(in, "started"), &started);
  bool has_end = NumOf(Member(in, "finished"), &finished);
  put("started", has_start ? Str(Iso(started), a) : Value());
  put("finished", has_end ? Str(Iso(finished), a) : Value());
  put("seconds", has_start && has_end ? Round1(finished - started) : Value());

  // phases: {name: [start, end]} in the order the playbook recorded them
  Value phases(rapidjson::kArrayType);
  Value down;
  if (const Value* ph = Member(in, "phases"); ph && ph->IsObject()) {
    for (auto it = ph->MemberBegin(); it != ph->MemberEnd(); ++it) {
      const Value& span = it->value;
      double s = 0, e = 0;
      if (!span.IsArray() || span.Size() != 2 || !NumOf(&span[0], &s) || !NumOf(&span[1], &e))
        continue;
      Value p(rapidjson::kObjectType);
      p.AddMember("name", Value(it->name, a), a);
      p.AddMember("started", Str(Iso(s), a), a);
      p.AddMember("seconds", Round1(e - s), a);
      phases.PushBack(p, a);
      if (std::strcmp(it->name.GetString(), "source_down") == 0) down = Round1(e - s);
    }
  }
  put("phases", std::move(phases));
  put("source_down_seconds", std::move(down));

  const Value* m = Member(in, "manifest");
  int64_t last = 0, znodes = 0, bytes = 0;
  bool has_last = m && IntOf(Member(*m, "last_zxid"), &last);
  put("source_last_zxid", has_last ? Value(last) : Value());
  put("source_last_zxid_hex", has_last ? Str(Hex(last), a) : Value());
  put("znodes", m && IntOf(Member(*m, "znodes"), &znodes) ? Value(znodes) : Value());
  put("tree_digest", m ? CopyOrNull(Member(*m, "tree_digest"), a) : Value());
  put("bundle_mode", m ? CopyOrNull(Member(*m, "mode"), a) : Value());
  const Value* files = m ? Member(*m, "files") : nullptr;
  if (files && files->IsArray()) {
    for (const Value& f : files->GetArray()) {
      int64_t size = 0;
      if (IntOf(Member(f, "size"), &size)) bytes += size;
    }
    put("bytes_moved", Value(bytes));
    put("files", Value(static_cast<int64_t>(files->Size())));
  } else {
    put("bytes_moved", Value());
    put("files", Value());
  }

  Value ver(rapidjson::kArrayType);
  VerifyStrength deepest = VerifyStrength::kNone;
  bool any = false, all_ok = true;
  int64_t target_zxid = -1;
  if (const Value* vs = Member(in, "verification"); vs && vs->IsArray()) {
    for (const Value& v : vs->GetArray()) {
      VerifyStrength s = StrengthOfVerify(v);
      const Value* verified = Member(v, "verified");
      bool ok = verified && verified->IsBool() && verified->GetBool();
      any = true;
      all_ok = all_ok && ok;
      if (s > deepest) deepest = s;
      int64_t unreadable = 0;
      if (const Value* d = Member(v, "deep")) IntOf(Member(*d, "unreadable"), &unreadable);
      if (const Value* n = Member(v, "node")) {
        int64_t z = 0;
        if (IntOf(Member(*n, "zxid"), &z) && z > target_zxid) target_zxid = z;
      }
      Value e(rapidjson::kObjectType);
      // `host`, or `item` as an Ansible loop names the host a result came from
      e.AddMember("host", Str(Member(v, "host") ? StrOf(v, "host") : StrOf(v, "item"), a), a);
      e.AddMember("verified", Value(ok), a);
      e.AddMember("strength", Str(VerifyStrengthName(s), a), a);
      e.AddMember("unreadable", Value(unreadable), a);
      e.AddMember("msg", Str(StrOf(v, "msg"), a), a);
      ver.PushBack(e, a);
    }
  }
  // A failed check proves nothing, whatever it walked. Otherwise the run proved what
  // its deepest check proved: every other node matched the same manifest (zxid and
  // znode count), and ZAB nodes that agree on the zxid hold the same tree.
  VerifyStrength strength = !any || !all_ok ? VerifyStrength::kNone : deepest;
  put("verification_strength", Str(VerifyStrengthName(strength), a));
  put("verification", std::move(ver));
  put("target_zxid", target_zxid >= 0 ? Value(target_zxid) : Value());
  put("target_zxid_hex", target_zxid >= 0 ? Str(Hex(target_zxid), a) : Value());

  const Value* rb = Member(in, "rollback");
  if (rb && rb->IsObject()) {
    put("rollback", Value(*rb, a));
  } else {
    Value none(rapidjson::kObjectType);
    none.AddMember("performed", Value(false), a);
    put("rollback", std::move(none));
  }
  const Value* w = Member(in, "warnings");
  put("warnings", w && w->IsArray() ? Value(*w, a) : Value(rapidjson::kArrayType));
  return Status::Ok();
}

std::string RenderMarkdown(const std::vector<const Value*>& records) {
  std::string out = "# zkmigrate report\n";
  for (const auto& [run, recs] : ByRun(records)) {
    out += "\n## Run " + MdEscape(run.empty() ? "(no id)" : run) + "\n\n|";
    for (const Column& c : Columns()) out += std::string(" ") + c.title + " |";
    out += "\n|";
    for (size_t i = 0; i < Columns().size(); ++i) out += " --- |";
    out += "\n";
    for (const Value* r : recs) {
      out += "|";
      for (const Column& c : Columns()) out += " " + MdEscape(c.value(*r)) + " |";
      out += "\n";
    }
    out += "\n| pair | phase | started | seconds |\n| --- | --- | --- | --- |\n";
    for (const Value* r : recs) {
      const Value* ph = Member(*r, "phases");
      if (!ph || !ph->IsArray()) continue;
      for (const Value& p : ph->GetArray())
        out += "| " + MdEscape(Cell(*r, "pair")) + " | " + MdEscape(Cell(p, "name")) + " | " +
               Cell(p, "started") + " | " + Fixed1(Member(p, "seconds")) + " |\n";
    }
    out += "\n";
    for (const Value* r : recs) {
      std::string msg = Cell(*r, "msg");
      if (msg != "-" && !msg.empty())
        out += "- **" + MdEscape(Cell(*r, "pair")) + "**: " + MdEscape(msg) + "\n";
      const Value* w = Member(*r, "warnings");
      if (w && w->IsArray())
        for (const Value& s : w->GetArray())
          if (s.IsString()) out += "  - warning: " + MdEscape(s.GetString()) + "\n";
    }
  }
  return out;
}

std::string RenderHtml(const std::vector<const Value*>& records) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>zkmigrate report</title><style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
      "th,td{border:1px solid #999;padding:.3em .6em;text-align:left}th{background:#eee}"
      ".migrated,.unchanged{color:#060}.failed,.refused{color:#a00;font-weight:bold}"
      "</style></head><body>\n<h1>zkmigrate report</h1>\n";
  for (const auto& [run, recs] : ByRun(records)) {
    out += "<h2>Run " + HtmlEscape(run.empty() ? "(no id)" : run) + "</h2>\n<table><tr>";
    for (const Column& c : Columns()) out += "<th>" + HtmlEscape(c.title) + "</th>";
    out += "<th>message</th></tr>\n";
    for (const Value* r : recs) {
      std::string result = Cell(*r, "result");
      out += "<tr class=\"" + HtmlEscape(result) + "\">";
      for (const Column& c : Columns()) out += "<td>" + HtmlEscape(c.value(*r)) + "</td>";
      out += "<td>" + HtmlEscape(Cell(*r, "msg")) + "</td></tr>\n";
    }
    out +=
        "</table>\n<table><tr><th>pair</th><th>phase</th><th>started</th><th>seconds</th></tr>\n";
    for (const Value* r : recs) {
      const Value* ph = Member(*r, "phases");
      if (!ph || !ph->IsArray()) continue;
      for (const Value& p : ph->GetArray())
        out += "<tr><td>" + HtmlEscape(Cell(*r, "pair")) + "</td><td>" +
               HtmlEscape(Cell(p, "name")) + "</td><td>" + HtmlEscape(Cell(p, "started")) +
               "</td><td>" + Fixed1(Member(p, "seconds")) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</body></html>\n";
  return out;
}

std::vector<std::string> RenderSummary(const std::vector<const Value*>& records) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head;
  for (const Column& c : Columns()) head.push_back(c.title);
  rows.push_back(head);
  for (const Value* r : records) {
    std::vector<std::string> row;
    for (const Column& c : Columns()) row.push_back(c.value(*r));
    rows.push_back(row);
  }
  std::vector<size_t> width(head.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i] + std::string(width[i] - row[i].size(), ' ');
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

RunReportFiles ReportFilesFor(const std::string& report_file) {
  std::string base = report_file;
  for (const char* ext : {".jsonl", ".json"}) {
    size_t n = std::strlen(ext);
    if (base.size() > n && base.compare(base.size() - n, n, ext) == 0) {
      base.resize(base.size() - n);
      break;
    }
  }
  return {report_file, base + ".md", base + ".html"};
}

Status AppendPairRecord(const RunReportFiles& files, const Value& record,
                        rapidjson::Document* run_records) {
  int fd = ::open(files.json.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open the run file", files.json);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }  // also releases the lock
  } closer{fd};
  if (::flock(fd, LOCK_EX) != 0) return Errno("cannot lock", files.json);
  std::string line = Serialize(record, false) + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Errno("cannot append to", files.json);
  ::fsync(fd);

  std::string text;
  if (::lseek(fd, 0, SEEK_SET) < 0) return Errno("cannot read", files.json);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read", files.json);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  // Every line a record; a line that does not parse (an older format, a torn
  // write) is left in the file and out of the renders.
  std::vector<rapidjson::Document> docs;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    std::string one = text.substr(at, nl - at);
    at = nl + 1;
    rapidjson::Document d;
    if (one.empty() || !ParseJson(one, "a run file record", &d).ok() || !d.IsObject()) continue;
    docs.push_back(std::move(d));
  }
  std::vector<const Value*> all;
  for (const auto& d : docs) all.push_back(&d);
  if (Status st = WriteReplace(files.markdown, RenderMarkdown(all)); !st.ok()) return st;
  if (Status st = WriteReplace(files.html, RenderHtml(all)); !st.ok()) return st;

  run_records->SetArray();
  std::string run = StrOf(record, "run_id");
  for (const Value* r : all)
    if (StrOf(*r, "run_id") == run)
      run_records->PushBack(Value(*r, run_records->GetAllocator()), run_records->GetAllocator());
  return Status::Ok();
}

}  // namespace zkm
