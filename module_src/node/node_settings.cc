#include "node/node_settings.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "format/byte_source.h"

namespace zkm {

namespace {

struct Spec {
  const char* name;
  const char* property;
  const char* fallback;  // the server's default
  bool from_zoo_cfg;     // zoo.cfg `X` sets `zookeeper.X` (or is a zoo.cfg key proper)
  bool native;           // a zoo.cfg key proper (no system property)
};

// docs/FORMATS.md 11, plus what verify needs (standaloneEnabled).
const Spec kSpecs[] = {
    {"jute_maxbuffer", "jute.maxbuffer", "1048575", false, false},
    {"jute_maxbuffer_extrasize", "zookeeper.jute.maxbuffer.extrasize", "", true, false},
    {"digest_enabled", "zookeeper.digest.enabled", "true", true, false},
    {"extended_types_enabled", "zookeeper.extendedTypesEnabled", "false", true, false},
    {"emulate353_ttl_nodes", "zookeeper.emulate353TTLNodes", "false", true, false},
    {"snapshot_compression_method", "zookeeper.snapshot.compression.method", "", true, false},
    {"close_session_txn_enabled", "zookeeper.closeSessionTxn.enabled", "true", true, false},
    {"serialize_last_processed_zxid_enabled", "zookeeper.serializeLastProcessedZxid.enabled",
     "true", true, false},
    {"snapshot_trust_empty", "zookeeper.snapshot.trust.empty", "false", true, false},
    {"db_autocreate", "zookeeper.db.autocreate", "true", true, false},
    {"snap_count", "zookeeper.snapCount", "100000", true, false},
    {"four_letter_whitelist", "zookeeper.4lw.commands.whitelist", "srvr", true, false},
    {"digest_alg", "zookeeper.DigestAuthenticationProvider.digestAlg", "SHA1", true, false},
    {"super_digest", "zookeeper.DigestAuthenticationProvider.superDigest", "", true, false},
    {"reconfig_enabled", "reconfigEnabled", "false", true, true},
    {"standalone_enabled", "standaloneEnabled", "true", true, true},
};

const char* kZkPrefix = "zookeeper.";

bool StartsWith(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

std::string Canonical(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

int64_t ParseIntOr(const std::string& s, int64_t fallback) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  return (s.empty() || !end || *end) ? fallback : v;
}

void AddFlag(const std::string& token, const std::string& where, JvmFlags* out) {
  std::string kv = token.substr(2);
  size_t eq = kv.find('=');
  std::string key = kv.substr(0, eq);
  if (key.empty()) return;
  (*out)[key] = {eq == std::string::npos ? std::string() : kv.substr(eq + 1), where};
}

}  // namespace

const SettingValue* NodeSettings::Find(const std::string& name) const {
  for (const SettingValue& v : values)
    if (v.name == name) return &v;
  return nullptr;
}

JvmFlags JvmFlagsFromEnvText(const std::string& text, const std::string& path) {
  static const char* kVars[] = {"SERVER_JVMFLAGS", "JVMFLAGS", "JAVA_OPTS", "JVM_OPTS"};
  JvmFlags out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    std::string body = line.substr(b);
    if (StartsWith(body, "export ")) body = body.substr(7);
    size_t eq = body.find('=');
    if (eq == std::string::npos) continue;
    std::string var = body.substr(0, eq);
    if (std::find(std::begin(kVars), std::end(kVars), var) == std::end(kVars)) continue;
    std::string value = body.substr(eq + 1);
    value.erase(
        std::remove_if(value.begin(), value.end(), [](char c) { return c == '"' || c == '\''; }),
        value.end());
    std::istringstream tokens(value);
    std::string tok;
    while (tokens >> tok)
      if (StartsWith(tok, "-D")) AddFlag(tok, path + ":" + std::to_string(n), &out);
  }
  return out;
}

JvmFlags JvmFlagsFromArgv(const std::vector<std::string>& argv, const std::string& where) {
  JvmFlags out;
  for (size_t i = 1; i < argv.size(); i++) {
    const std::string& a = argv[i];
    if (StartsWith(a, "org.apache.zookeeper.")) break;  // the main class: its arguments follow
    if (StartsWith(a, "-D")) AddFlag(a, where, &out);
  }
  return out;
}

std::optional<ServerProcess> FindServerProcess(const std::string& cfg_path,
                                               const std::string& proc_root) {
  const std::string want = Canonical(cfg_path);
  DIR* d = ::opendir(proc_root.c_str());
  if (!d) return std::nullopt;
  std::optional<ServerProcess> found;
  while (dirent* e = ::readdir(d)) {
    std::string pid = e->d_name;
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    // A process can exit while it is read (ESRCH): FileSource reports that as a
    // Status where an ifstream would throw from underflow.
    auto f = FileSource::Open(proc_root + "/" + pid + "/cmdline");
    std::string raw;
    if (!f.ok() || !(*f)->ReadAll(&raw, 1 << 20).ok()) continue;
    std::vector<std::string> argv;
    std::string cur;
    for (char c : raw) {
      if (c) {
        cur += c;
      } else {
        argv.push_back(cur);
        cur.clear();
      }
    }
    if (!cur.empty()) argv.push_back(cur);
    bool main_class = false, names_cfg = false;
    std::string cwd;
    for (const std::string& a : argv) {
      if (a == "org.apache.zookeeper.server.quorum.QuorumPeerMain" ||
          a == "org.apache.zookeeper.server.ZooKeeperServerMain")
        main_class = true;
      else if (main_class && !names_cfg) {
        if (a == cfg_path) {
          names_cfg = true;
        } else if (!want.empty()) {
          std::string p = a;
          if (!p.empty() && p[0] != '/') {  // relative to the process's cwd
            if (cwd.empty()) cwd = Canonical(proc_root + "/" + pid + "/cwd");
            p = cwd + "/" + p;
          }
          names_cfg = Canonical(p) == want;
        }
      }
    }
    if (main_class && names_cfg) {
      found = ServerProcess{std::atoi(pid.c_str()), argv};
      break;
    }
  }
  ::closedir(d);
  return found;
}

JvmFlags ReadConfDirEnvFiles(const std::string& cfg_path, std::vector<std::string>* files) {
  size_t slash = cfg_path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : cfg_path.substr(0, slash);
  if (dir.empty()) dir = "/";
  JvmFlags out;
  // zkEnv.sh sources zookeeper-env.sh, then java.env; Debian keeps JAVA_OPTS in `environment`.
  for (const char* name : {"environment", "zookeeper-env.sh", "java.env"}) {
    std::string path = dir + "/" + name;
    auto f = FileSource::Open(path);
    std::string text;
    if (!f.ok() || !(*f)->ReadAll(&text, 1 << 20).ok()) continue;
    files->push_back(path);
    for (auto& kv : JvmFlagsFromEnvText(text, path)) out[kv.first] = kv.second;
  }
  return out;
}

NodeSettings ResolveSettings(const ZooCfg& cfg, const JvmFlags& env_flags,
                             const JvmFlags* process_flags) {
  NodeSettings out;
  auto cfg_source = [&](const std::string& key) {
    auto l = cfg.lines.find(key);
    return cfg.path + ":" + (l == cfg.lines.end() ? std::string("?") : std::to_string(l->second));
  };
  for (const Spec& s : kSpecs) {
    SettingValue v{s.name, s.property, s.fallback, "default"};
    std::string prop = s.property;
    std::string cfg_key = s.native ? prop : prop.substr(std::string(kZkPrefix).size());
    auto pf = process_flags ? process_flags->find(prop) : JvmFlags::const_iterator();
    bool in_process = process_flags && pf != process_flags->end();
    auto ef = env_flags.find(prop);
    bool in_env = ef != env_flags.end();
    auto c = cfg.props.find(cfg_key);
    if (s.from_zoo_cfg && c != cfg.props.end()) {
      v.value = c->second;
      v.source = cfg_source(cfg_key);
    } else if (in_process) {
      v.value = pf->second.value;
      v.source = pf->second.where;
    } else if (in_env) {
      v.value = ef->second.value;
      v.source = ef->second.where;
    }
    if (in_process && in_env && pf->second.value != ef->second.value &&
        v.source == pf->second.where)
      out.warnings.push_back("the running server has " + prop + "=" + pf->second.value + " but " +
                             ef->second.where + " sets " + ef->second.value +
                             ": a restart would change it");
    if (!s.native && cfg.props.count(prop))
      out.warnings.push_back(cfg_source(prop) + ": " + prop +
                             " in zoo.cfg has no effect (it becomes the " +
                             "system property zookeeper." + prop + "); set it as a -D flag" +
                             (s.from_zoo_cfg ? " or as " + cfg_key + " in zoo.cfg" : ""));
    if (v.name == std::string("super_digest") && !v.value.empty()) v.value = "set";  // a secret
    out.values.push_back(v);
  }
  // jute: extrasize defaults to maxbuffer and is at least 1024 (BinaryInputArchive).
  SettingValue* maxbuf = &out.values[0];
  SettingValue* extra = &out.values[1];
  int64_t mb = ParseIntOr(maxbuf->value, 1048575);
  if (extra->value.empty()) extra->value = std::to_string(mb);
  int64_t ex = std::max<int64_t>(1024, ParseIntOr(extra->value, mb));
  out.jute_limit = mb + ex;
  // authProvider.N (zoo.cfg) / zookeeper.authProvider.N (flags): names only.
  std::map<std::string, std::string> providers;
  for (const auto& kv : cfg.props)
    if (StartsWith(kv.first, "authProvider.")) providers[kv.second] = cfg_source(kv.first);
  for (const JvmFlags* flags : {&env_flags, process_flags}) {
    if (!flags) continue;
    for (const auto& kv : *flags)
      if (StartsWith(kv.first, "zookeeper.authProvider."))
        providers.emplace(kv.second.value, kv.second.where);
  }
  std::string names, sources;
  for (const auto& kv : providers) {
    names += (names.empty() ? "" : ",") + kv.first;
    sources += (sources.empty() ? "" : ", ") + kv.second;
  }
  out.values.push_back({"auth_providers", "zookeeper.authProvider.*", names,
                        providers.empty() ? "default" : sources});
  return out;
}

std::optional<uint64_t> ParseJvmSize(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  size_t start = t.find_first_not_of(" \t");
  if (start == std::string::npos) return std::nullopt;
  t = t.substr(start);
  // "512MiB" / "512MB" / "512m": strip "iB" / "B" after a unit letter.
  if (t.size() >= 3 &&
      (t.compare(t.size() - 2, 2, "iB") == 0 || t.compare(t.size() - 2, 2, "ib") == 0))
    t.resize(t.size() - 2);
  else if (t.size() >= 2 && (t.back() == 'B' || t.back() == 'b') &&
           std::isalpha(static_cast<unsigned char>(t[t.size() - 2])))
    t.pop_back();
  uint64_t mult = 1;
  if (!t.empty() && std::isalpha(static_cast<unsigned char>(t.back()))) {
    switch (std::tolower(static_cast<unsigned char>(t.back()))) {
      case 'k':
        mult = 1ull << 10;
        break;
      case 'm':
        mult = 1ull << 20;
        break;
      case 'g':
        mult = 1ull << 30;
        break;
      case 't':
        mult = 1ull << 40;
        break;
      default:
        return std::nullopt;
    }
    t.pop_back();
  }
  if (t.empty() || t.size() > 15) return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v == 0 || v > UINT64_MAX / mult) return std::nullopt;
  return v * mult;
}

std::optional<uint64_t> MaxHeapFromArgv(const std::vector<std::string>& argv) {
  std::optional<uint64_t> heap;
  for (const std::string& a : argv) {
    std::optional<uint64_t> v;
    if (a.rfind("-Xmx", 0) == 0)
      v = ParseJvmSize(a.substr(4));
    else if (a.rfind("-XX:MaxHeapSize=", 0) == 0)
      v = ParseJvmSize(a.substr(16));
    if (v) heap = v;
  }
  return heap;
}

}  // namespace zkm
