#include "module/module.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "base/json.h"
#include "format/byte_source.h"
#include "report/json_report.h"

namespace zkm {

using rapidjson::Value;

// ---- ModuleResult

void ModuleResult::Set(const char* key, Value value) {
  auto it = data.FindMember(key);
  if (it != data.MemberEnd()) {
    it->value = value;
    return;
  }
  data.AddMember(Value(key, alloc()), value, alloc());
}

void ModuleResult::SetString(const char* key, const std::string& value) {
  Set(key, Str(value, alloc()));
}

void ModuleResult::Fail(const std::string& message, const Status& cause) {
  failed = true;
  msg = message;
  if (!cause.ok()) Set("error", ToJson(cause, alloc()));
}

std::string ModuleResult::Render(bool include_diff) {
  Set("changed", Value(changed));
  Set("failed", Value(failed));
  SetString("msg", msg);
  if (!warnings.empty()) {
    Value w(rapidjson::kArrayType);
    for (const std::string& s : warnings) w.PushBack(Str(s, alloc()), alloc());
    Set("warnings", std::move(w));
  }
  if (include_diff && has_diff) {
    Value d(rapidjson::kObjectType);
    d.AddMember("before", diff_before, alloc());
    d.AddMember("after", diff_after, alloc());
    Set("diff", std::move(d));
  }
  return Serialize(data, false);
}

// ---- argument spec

namespace {

enum class Type { kStr, kPath, kBool, kInt, kList, kDict };

struct Option {
  const char* name;
  Type type;
  std::vector<std::string> choices;
  std::function<void(ModuleParams*, const std::string&, bool, int64_t)> set;
  // kList options: called with the parsed items instead of `set`.
  std::function<void(ModuleParams*, std::vector<std::string>)> set_list = {};
  // kDict options: called with a copy of the object instead of `set`.
  std::function<void(ModuleParams*, std::shared_ptr<const rapidjson::Document>)> set_dict = {};
};

const std::vector<std::string> kStates = {"facts",    "bundle", "place",  "verify",
                                          "rollback", "fleet",  "report", "plan"};

const std::vector<Option>& Spec() {
  static const std::vector<Option> spec = {
      {"state", Type::kStr, kStates,
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->state = s; }},
      {"config",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->config = s; }},
      {"dest",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->dest = s; }},
      {"src",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->src = s; }},
      {"mode",
       Type::kStr,
       {"consolidated", "raw"},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->mode = s; }},
      {"backup_dir",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->backup_dir = s; }},
      {"migration_id",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->migration_id = s; }},
      {"manifest",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->manifest = s; }},
      {"deep",
       Type::kBool,
       {},
       [](ModuleParams* p, const std::string&, bool b, int64_t) { p->deep = b; }},
      {"auth",
       Type::kList,
       {},
       nullptr,
       [](ModuleParams* p, std::vector<std::string> v) { p->auth = std::move(v); }},
      {"allow_running",
       Type::kBool,
       {},
       [](ModuleParams* p, const std::string&, bool b, int64_t) { p->allow_running = b; }},
      {"drop_sessions",
       Type::kBool,
       {},
       [](ModuleParams* p, const std::string&, bool b, int64_t) { p->drop_sessions = b; }},
      {"format",
       Type::kStr,
       {"3.4", "3.5", "3.6", "3.7", "3.8", "3.9"},
       [](ModuleParams* p, const std::string& s, bool, int64_t) {
         p->format = s;
         p->format_given = true;
       }},
      {"owner",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->owner = s; }},
      {"group",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->group = s; }},
      {"client",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->client = s; }},
      {"timeout",
       Type::kInt,
       {},
       [](ModuleParams* p, const std::string&, bool, int64_t i) { p->timeout = i; }},
      {"max_buffer",
       Type::kInt,
       {},
       [](ModuleParams* p, const std::string&, bool, int64_t i) { p->max_buffer = i; }},
      {"inventory",
       Type::kDict,
       {},
       nullptr,
       {},
       [](ModuleParams* p, std::shared_ptr<const rapidjson::Document> d) {
         p->inventory = std::move(d);
       }},
      {"report_file",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->report_file = s; }},
      {"record",
       Type::kDict,
       {},
       nullptr,
       {},
       [](ModuleParams* p, std::shared_ptr<const rapidjson::Document> d) {
         p->record = std::move(d);
       }},
      {"facts",
       Type::kDict,
       {},
       nullptr,
       {},
       [](ModuleParams* p, std::shared_ptr<const rapidjson::Document> d) {
         p->facts = std::move(d);
       }},
      {"source_hosts",
       Type::kList,
       {},
       nullptr,
       [](ModuleParams* p, std::vector<std::string> v) { p->source_hosts = std::move(v); }},
      {"target_hosts",
       Type::kList,
       {},
       nullptr,
       [](ModuleParams* p, std::vector<std::string> v) { p->target_hosts = std::move(v); }},
      {"source_group",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->source_group = s; }},
      {"target_group",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->target_group = s; }},
      {"phase",
       Type::kStr,
       {"preflight", "bundle"},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->phase = s; }},
      {"force",
       Type::kBool,
       {},
       [](ModuleParams* p, const std::string&, bool b, int64_t) { p->force = b; }},
      {"controller_dir",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->controller_dir = s; }},
      {"heap",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->heap = s; }},
      {"server_version",
       Type::kStr,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->server_version = s; }},
      {"work_dir",
       Type::kPath,
       {},
       [](ModuleParams* p, const std::string& s, bool, int64_t) { p->work_dir = s; }},
  };
  return spec;
}

// Options each state requires.
const std::map<std::string, std::vector<const char*>> kRequired = {
    {"bundle", {"dest"}},
    {"place", {"src"}},
    {"fleet", {"inventory"}},
    {"report", {"report_file", "record"}},
    {"plan", {"facts", "source_hosts", "target_hosts"}}};

std::string TypeName(Type t) {
  switch (t) {
    case Type::kStr:
      return "a string";
    case Type::kPath:
      return "a path";
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
      return "an integer";
    case Type::kList:
      return "a list of strings";
    case Type::kDict:
      return "a dictionary";
  }
  return "a value";
}

// AnsibleModule's boolean spellings.
bool ParseBool(const std::string& s, bool* out) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> yes = {"yes", "on", "1", "true", "y", "t"};
  static const std::set<std::string> no = {"no", "off", "0", "false", "n", "f"};
  if (yes.count(l)) return *out = true, true;
  if (no.count(l)) return *out = false, true;
  return false;
}

std::string ExpandUser(const std::string& p) {
  if (p.size() >= 1 && p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + p.substr(1);
  }
  return p;
}

}  // namespace

Status ParseModuleParams(const Value& args, ModuleParams* out) {
  if (!args.IsObject()) return Status::Invalid("the module arguments are not a JSON object");
  std::set<std::string> seen;
  std::vector<std::string> unknown;
  for (auto it = args.MemberBegin(); it != args.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const Value& v = it->value;
    if (key.compare(0, 9, "_ansible_") == 0) {
      bool b = false;
      if (v.IsBool()) b = v.GetBool();
      if (key == "_ansible_check_mode") out->check_mode = b;
      if (key == "_ansible_diff") out->diff = b;
      if (key == "_ansible_no_log") out->no_log = b;
      continue;
    }
    const Option* opt = nullptr;
    for (const Option& o : Spec())
      if (key == o.name) opt = &o;
    if (!opt) {
      unknown.push_back(key);
      continue;
    }
    if (v.IsNull()) continue;  // null means "not given", as in AnsibleModule
    seen.insert(key);
    std::string s;
    bool b = false;
    int64_t i = 0;
    std::string bad = "option " + key + " must be " + TypeName(opt->type);
    switch (opt->type) {
      case Type::kStr:
      case Type::kPath:
        if (v.IsString()) {
          s.assign(v.GetString(), v.GetStringLength());
        } else if (v.IsNumber() && opt->type == Type::kStr) {
          s = v.IsInt64() ? std::to_string(v.GetInt64()) : std::to_string(v.GetDouble());
          if (v.IsDouble()) {  // 3.6 written unquoted in YAML
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", v.GetDouble());
            s = buf;
          }
        } else {
          return Status::Invalid(bad);
        }
        if (opt->type == Type::kPath) {
          if (s.empty()) return Status::Invalid("option " + key + " must not be empty");
          s = ExpandUser(s);
        }
        if (!opt->choices.empty() &&
            std::find(opt->choices.begin(), opt->choices.end(), s) == opt->choices.end()) {
          std::string list;
          for (const std::string& c : opt->choices) list += (list.empty() ? "" : ", ") + c;
          return Status::Invalid("value of " + key + " must be one of: " + list + ", got: " + s);
        }
        break;
      case Type::kBool:
        if (v.IsBool()) {
          b = v.GetBool();
        } else if (v.IsString() && ParseBool(v.GetString(), &b)) {
        } else if (v.IsInt64() && (v.GetInt64() == 0 || v.GetInt64() == 1)) {
          b = v.GetInt64() == 1;
        } else {
          return Status::Invalid(bad + " (yes/no, true/false)");
        }
        break;
      case Type::kList: {
        // A YAML list, or a comma-separated string from `-a k=v`.
        std::vector<std::string> items;
        if (v.IsArray()) {
          for (const Value& e : v.GetArray()) {
            if (!e.IsString()) return Status::Invalid(bad);
            items.emplace_back(e.GetString(), e.GetStringLength());
          }
        } else if (v.IsString()) {
          std::string t(v.GetString(), v.GetStringLength());
          for (size_t at = 0; at <= t.size();) {
            size_t comma = t.find(',', at);
            if (comma == std::string::npos) comma = t.size();
            if (comma > at) items.push_back(t.substr(at, comma - at));
            at = comma + 1;
          }
        } else {
          return Status::Invalid(bad);
        }
        opt->set_list(out, std::move(items));
        continue;
      }
      case Type::kDict: {
        // A YAML mapping, or its JSON text (what `-a k=v` and some templating give).
        auto d = std::make_shared<rapidjson::Document>();
        if (v.IsObject()) {
          d->CopyFrom(v, d->GetAllocator());
        } else if (!v.IsString() ||
                   !ParseJson(std::string_view(v.GetString(), v.GetStringLength()), key, d.get())
                        .ok() ||
                   !d->IsObject()) {
          return Status::Invalid(bad);
        }
        opt->set_dict(out, std::move(d));
        continue;
      }
      case Type::kInt:
        if (v.IsInt64()) {
          i = v.GetInt64();
        } else if (v.IsString()) {
          char* end = nullptr;
          std::string t = v.GetString();
          i = std::strtoll(t.c_str(), &end, 10);
          if (t.empty() || !end || *end) return Status::Invalid(bad);
        } else {
          return Status::Invalid(bad);
        }
        if (i < 0) return Status::Invalid("option " + key + " must not be negative");
        break;
    }
    opt->set(out, s, b, i);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    std::string list, names;
    for (const std::string& u : unknown) list += (list.empty() ? "" : ", ") + u;
    for (const Option& o : Spec()) names += (names.empty() ? "" : ", ") + std::string(o.name);
    return Status::Invalid("Unsupported parameters for (zk_snapshot) module: " + list +
                           ". Supported parameters include: " + names + ".");
  }
  if (!seen.count("state")) return Status::Invalid("missing required arguments: state");
  auto req = kRequired.find(out->state);
  if (req != kRequired.end()) {
    for (const char* name : req->second) {
      if (!seen.count(name))
        return Status::Invalid("state is " + out->state +
                               " but all of the following are missing: " + name);
    }
  }
  if (out->timeout == 0) return Status::Invalid("option timeout must be at least 1 second");
  return Status::Ok();
}

bool IsModuleInvocation(int argc, char** argv) {
  if (argc != 2) return false;
  struct stat st;
  if (::stat(argv[1], &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::string head, tail;
  if (!ReadFileEnds(argv[1], 64, 0, &head, &tail).ok()) return false;
  for (char c : head) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}

int RunModule(const std::string& args_path) {
  ModuleResult result;
  bool diff = false;
  try {
    std::string text;
    auto f = FileSource::Open(args_path);
    Status st = f.ok() ? (*f)->ReadAll(&text, 64u << 20) : f.status();
    rapidjson::Document args;
    ModuleParams p;
    if (!st.ok()) {
      result.Fail("cannot read the module arguments file: " + st.ToString());
    } else if (Status js = ParseJson(text, "the module arguments", &args); !js.ok()) {
      result.Fail(js.message());
    } else if (Status ps = ParseModuleParams(args, &p); !ps.ok()) {
      result.Fail(ps.message());
    } else {
      diff = p.diff;
      result.Set("state", Str(p.state, result.alloc()));
      if (p.state == "facts")
        RunFacts(p, &result);
      else if (p.state == "bundle")
        RunBundle(p, &result);
      else if (p.state == "place")
        RunPlace(p, &result);
      else if (p.state == "verify")
        RunVerify(p, &result);
      else if (p.state == "rollback")
        RunRollback(p, &result);
      else if (p.state == "plan")
        RunPlan(p, &result);
      else if (p.state == "fleet")
        RunFleet(p, &result);
      else if (p.state == "report")
        RunReport(p, &result);
    }
  } catch (const std::exception& e) {
    result.changed = false;
    result.Fail(std::string("internal error in zk_snapshot: ") + e.what());
  } catch (...) {
    result.changed = false;
    result.Fail("internal error in zk_snapshot");
  }
  std::string out = result.Render(diff);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return result.failed ? 1 : 0;
}

}  // namespace zkm
