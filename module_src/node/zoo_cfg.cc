#include "node/zoo_cfg.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>
#include <utility>

#include "base/java_compat.h"
#include "format/byte_source.h"

namespace zkm {
namespace {

constexpr uint64_t kMaxConfigBytes = 16u << 20;  // a config file larger than this is not one

std::string Loc(const std::string& path, int line) {
  return path + ":" + std::to_string(line) + ": ";
}

// Java String.trim: drops every char <= ' ' at both ends.
std::string JavaTrim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return std::string(s.substr(b, e - b));
}

// Java String.split on one literal char: trailing empty strings are removed,
// and a string without the separator comes back whole (even if empty).
std::vector<std::string> JavaSplit(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.find(sep) == std::string_view::npos) return {std::string(s)};
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? s.npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// Java Long.parseLong(s, 10) restricted to [lo, hi].
bool ParseJavaLongIn(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  if (!ParseJavaLong(s, 10, &v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {  // lone surrogates too, as Java would keep them
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the 4 hex digits of a \u escape at s[i..]; -1 if malformed.
int32_t ReadU4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int d = HexDigit(s[i + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// Properties.loadConvert: resolves the escapes of a key or a value.
bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    char c = s[i++];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i == s.size()) break;  // a lone trailing backslash is dropped
    c = s[i++];
    switch (c) {
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        int32_t u = ReadU4(s, i);
        if (u < 0) return false;
        i += 4;
        auto cp = static_cast<uint32_t>(u);
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
          int32_t lo = ReadU4(s, i + 2);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        out->push_back(c);  // \\ \: \= \  \# and any other \x mean x
    }
  }
  return true;
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

struct RawLine {
  std::string text;  // the logical line, continuations joined, escapes intact
  int line;
};

// Properties.LineReader (JDK 9+): splits the text into logical lines. A `#` or
// `!` starts a comment wherever the logical line is still empty, so also right
// after a continuation that contributed nothing.
std::vector<RawLine> ReadLogicalLines(std::string_view in) {
  std::vector<RawLine> out;
  std::string buf;
  bool skip_ws = true, appended = false, backslash = false, skip_lf = false, comment = false;
  int line_no = 1, start_line = 1;
  char prev = 0;
  for (size_t i = 0;; ++i) {
    if (i == in.size()) {
      if (!buf.empty()) {
        if (backslash) buf.pop_back();
        out.push_back({buf, start_line});
      }
      return out;
    }
    const char c = in[i];
    const int this_line = line_no;
    const bool eol = c == '\n' || c == '\r';
    if (c == '\r' || (c == '\n' && prev != '\r')) ++line_no;
    prev = c;
    if (comment) {  // skip to the end of the line
      if (eol) {
        comment = false;
        skip_ws = true;
      }
      continue;
    }
    if (skip_lf) {
      skip_lf = false;
      if (c == '\n') continue;
    }
    if (skip_ws) {
      if (IsBlank(c) || (!appended && eol)) continue;
      skip_ws = appended = false;
    }
    if (buf.empty() && (c == '#' || c == '!')) {
      comment = true;
      continue;
    }
    if (!eol) {
      if (buf.empty()) start_line = this_line;
      buf.push_back(c);
      backslash = c == '\\' ? !backslash : false;
      continue;
    }
    if (buf.empty()) {
      skip_ws = true;
    } else if (backslash) {  // continuation: drop the backslash, join the next line
      buf.pop_back();
      if (i + 1 == in.size()) {  // Java returns the line, even an empty one
        out.push_back({buf, start_line});
        return out;
      }
      skip_ws = appended = true;
      backslash = false;
      skip_lf = c == '\r';
    } else {
      out.push_back({buf, start_line});
      buf.clear();
      skip_ws = true;
    }
  }
}

// server.N address parts (ConfigUtils.getHostAndPort): "[v6]:a:b" or "h:a:b".
Result<std::vector<std::string>> HostAndPort(const std::string& s, const std::string& loc) {
  if (s.empty() || s[0] != '[') return JavaSplit(s, ':');
  size_t close = s.find(']');
  if (close == std::string::npos)
    return Status::Invalid(loc + "'" + s + "' starts with '[' but has no matching ']'");
  std::vector<std::string> out{s.substr(1, close - 1)};
  if (close + 1 == s.size()) return out;
  if (s[close + 1] != ':' || close + 2 == s.size())
    return Status::Invalid(loc + "'" + s + "' needs ':port' after ']'");
  for (auto& p : JavaSplit(std::string_view(s).substr(close + 2), ':')) out.push_back(p);
  return out;
}

Result<int> ParsePort(const std::string& v, const std::string& what, const std::string& loc) {
  int64_t port = 0;
  if (!ParseJavaLongIn(v, INT32_MIN, INT32_MAX, &port))
    return Status::Invalid(loc + what + " '" + v + "' is not a number");
  if (port < 0 || port > 65535)
    return Status::Invalid(loc + what + " " + v + " is out of range (0-65535)");
  return static_cast<int>(port);
}

// QuorumPeer.QuorumServer: host:quorumPort:electionPort[:role][;[clientAddr:]clientPort],
// 3.6+ several addresses joined by '|'.
Result<ServerEntry> ParseServer(const std::string& key, const std::string& value,
                                const std::string& file, int line) {
  const std::string loc = Loc(file, line);
  const std::string form = loc + key + "=" + value +
                           ": expected host:quorumPort:electionPort[:participant|observer]"
                           "[;[clientAddress:]clientPort]";
  ServerEntry e;
  e.source = file;
  e.line = line;
  if (!ParseJavaLongIn(std::string_view(key).substr(7), INT64_MIN, INT64_MAX, &e.id))
    return Status::Invalid(loc + "the server id in '" + key + "' is not a number");
  std::vector<std::string> halves = JavaSplit(value, ';');
  if (halves.empty() || halves.size() > 2) return Status::Invalid(form);
  if (halves.size() == 2) {
    auto client = HostAndPort(halves[1], loc);
    if (!client.ok()) return client.status();
    if (client->empty() || client->size() > 2) return Status::Invalid(form);
    if (client->size() == 2) e.client_address = (*client)[0];
    auto port = ParsePort(client->back(), key + " client port", loc);
    if (!port.ok()) return port.status();
    e.client_port = *port;
  }
  std::vector<std::string> addrs = JavaSplit(halves[0], '|');
  if (addrs.empty()) return Status::Invalid(form);
  for (size_t i = 0; i < addrs.size(); ++i) {
    auto parts = HostAndPort(addrs[i], loc);
    if (!parts.ok()) return parts.status();
    if (parts->size() < 3 || parts->size() > 4) return Status::Invalid(form);
    if ((*parts)[0].empty()) return Status::Invalid(loc + key + ": the host is empty");
    auto quorum = ParsePort((*parts)[1], key + " quorum port", loc);
    if (!quorum.ok()) return quorum.status();
    auto election = ParsePort((*parts)[2], key + " election port", loc);
    if (!election.ok()) return election.status();
    if (*quorum == *election)
      return Status::Invalid(loc + key + ": the quorum and election ports must differ (both " +
                             (*parts)[1] + ")");
    if (parts->size() == 4) {
      std::string role = JavaTrim((*parts)[3]);
      std::transform(role.begin(), role.end(), role.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (role != "participant" && role != "observer")
        return Status::Invalid(loc + key + ": unknown role '" + (*parts)[3] +
                               "' (participant or observer)");
      e.role = role;
    }
    if (i == 0) {
      e.host = (*parts)[0];
      e.quorum_port = *quorum;
      e.election_port = *election;
    } else {
      e.more_addresses.push_back(addrs[i]);
    }
  }
  return e;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

Result<std::string> ReadFromDisk(const std::string& path) {
  auto f = FileSource::Open(path);
  if (!f.ok()) return f.status();
  std::string text;
  ZKM_RETURN_IF_ERROR((*f)->ReadAll(&text, kMaxConfigBytes));
  return text;
}

std::string EndpointHost(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::" || host == "[::]" || host == "0:0:0:0:0:0:0:0") return "[::1]";
  if (host.find(':') != std::string::npos && host[0] != '[') return "[" + host + "]";
  return host;
}

// Reads the dynamic file and returns its server lines.
Status LoadDynamicServers(const ZooCfg& cfg, int line, const ConfigFileReader& read_file,
                          std::vector<ServerEntry>* servers) {
  const std::string& dyn = cfg.dynamic_config_file;
  Result<std::string> text = read_file ? read_file(dyn) : ReadFromDisk(dyn);
  if (!text.ok())
    return Status(text.status().code(), Loc(cfg.path, line) + "cannot read dynamicConfigFile " +
                                            dyn + " (" + text.status().message() + ")");
  auto props = ParseJavaProperties(*text, dyn);
  if (!props.ok()) return props.status();
  std::map<int64_t, ServerEntry> by_id;  // a repeated server.N: the last one wins
  for (const PropertyLine& p : *props) {
    std::string key = JavaTrim(p.key);
    if (!StartsWith(key, "server.")) continue;  // version=, group.N, weight.N
    auto s = ParseServer(key, JavaTrim(p.value), dyn, p.line);
    if (!s.ok()) return s.status();
    by_id[s->id] = std::move(*s);
  }
  for (auto& kv : by_id) servers->push_back(std::move(kv.second));
  return Status::Ok();
}

}  // namespace

Result<std::vector<PropertyLine>> ParseJavaProperties(std::string_view text,
                                                      const std::string& path) {
  std::vector<PropertyLine> out;
  for (const RawLine& raw : ReadLogicalLines(text)) {
    const std::string& s = raw.text;
    size_t key_len = 0, value_start = s.size();
    bool has_sep = false, backslash = false;
    for (; key_len < s.size(); ++key_len) {
      char c = s[key_len];
      if ((c == '=' || c == ':') && !backslash) {
        value_start = key_len + 1;
        has_sep = true;
        break;
      }
      if (IsBlank(c) && !backslash) {
        value_start = key_len + 1;
        break;
      }
      backslash = c == '\\' ? !backslash : false;
    }
    for (; value_start < s.size(); ++value_start) {
      char c = s[value_start];
      if (IsBlank(c)) continue;
      if (!has_sep && (c == '=' || c == ':')) {
        has_sep = true;
        continue;
      }
      break;
    }
    PropertyLine p;
    p.line = raw.line;
    if (!Unescape(std::string_view(s).substr(0, key_len), &p.key) ||
        !Unescape(std::string_view(s).substr(value_start), &p.value))
      return Status::Invalid(Loc(path, raw.line) +
                             "malformed \\uXXXX escape (4 hex digits needed)");
    out.push_back(std::move(p));
  }
  return out;
}

std::string ZooCfg::ClientEndpoint(int64_t myid) const {
  if (!client_port_address.empty() && client_port > 0)
    return EndpointHost(client_port_address) + ":" + std::to_string(client_port);
  for (const ServerEntry& s : servers) {
    if (s.id == myid && s.client_port > 0)
      return EndpointHost(s.client_address) + ":" + std::to_string(s.client_port);
  }
  if (client_port > 0) return "127.0.0.1:" + std::to_string(client_port);
  return "";
}

Result<ZooCfg> ParseZooCfg(std::string_view text, const std::string& path,
                           ConfigFileReader read_file) {
  auto parsed = ParseJavaProperties(text, path);
  if (!parsed.ok()) return parsed.status();
  ZooCfg cfg;
  cfg.path = path;
  for (const PropertyLine& p : *parsed) {
    std::string key = JavaTrim(p.key);
    auto seen = cfg.lines.find(key);
    if (seen != cfg.lines.end())
      cfg.warnings.push_back(Loc(path, p.line) + key + " is set again (before at line " +
                             std::to_string(seen->second) + "); the last value wins");
    cfg.props[key] = JavaTrim(p.value);
    cfg.lines[key] = p.line;
  }

  // Handle the keys in file order so the first bad line is the one reported.
  std::vector<std::pair<int, std::string>> order;
  for (const auto& kv : cfg.lines) order.emplace_back(kv.second, kv.first);
  std::sort(order.begin(), order.end());

  const bool has_dynamic = cfg.props.count("dynamicConfigFile") > 0;
  std::map<int64_t, ServerEntry> static_servers;
  for (const auto& entry : order) {
    const int line = entry.first;
    const std::string& key = entry.second;
    const std::string& v = cfg.props[key];
    const std::string loc = Loc(path, line);
    auto int_value = [&](int* out) -> Status {
      int64_t n = 0;
      if (!ParseJavaLongIn(v, INT32_MIN, INT32_MAX, &n))
        return Status::Invalid(loc + key + " '" + v + "' is not a number");
      *out = static_cast<int>(n);
      return Status::Ok();
    };
    if (key == "dataDir" || key == "dataLogDir") {
      if (v.empty()) return Status::Invalid(loc + key + " is empty");
      std::string dir = NormaliseDir(v);
      if (dir[0] != '/')
        cfg.warnings.push_back(loc + key + " '" + v +
                               "' is relative: ZooKeeper resolves it against its working "
                               "directory, not zoo.cfg's");
      if (key == "dataDir") {
        cfg.data_dir = dir;
      } else {
        cfg.data_log_dir = dir;
        cfg.data_log_dir_explicit = true;
      }
    } else if (key == "clientPort" || key == "secureClientPort") {
      auto port = ParsePort(v, key, loc);
      if (!port.ok()) return port.status();
      (key == "clientPort" ? cfg.client_port : cfg.secure_client_port) = *port;
    } else if (key == "clientPortAddress") {
      cfg.client_port_address = v;
    } else if (key == "snapCount") {
      // A system property (zookeeper.snapCount) read with Integer.getInteger,
      // which silently falls back to the default on a bad value.
      int64_t n = 0;
      if (ParseJavaLongIn(v, INT32_MIN, INT32_MAX, &n))
        cfg.snap_count = n;
      else
        cfg.warnings.push_back(loc + "snapCount '" + v +
                               "' is not a number: ZooKeeper silently uses 100000");
    } else if (key == "autopurge.snapRetainCount") {
      ZKM_RETURN_IF_ERROR(int_value(&cfg.autopurge_snap_retain_count));
      if (cfg.autopurge_snap_retain_count < 3) {
        cfg.warnings.push_back(loc + "autopurge.snapRetainCount " + v +
                               " is below 3: ZooKeeper uses 3");
        cfg.autopurge_snap_retain_count = 3;
      }
    } else if (key == "autopurge.purgeInterval") {
      ZKM_RETURN_IF_ERROR(int_value(&cfg.autopurge_purge_interval));
    } else if (key == "4lw.commands.whitelist") {
      cfg.four_letter_whitelist_explicit = true;
      for (const std::string& w : JavaSplit(v, ',')) {
        std::string t = JavaTrim(w);
        if (!t.empty()) cfg.four_letter_whitelist.push_back(t);
      }
    } else if (key == "dynamicConfigFile") {
      cfg.dynamic_config_file = v;
      if (!v.empty() && v[0] != '/') {
        size_t slash = path.rfind('/');
        if (slash != std::string::npos) cfg.dynamic_config_file = path.substr(0, slash + 1) + v;
        cfg.warnings.push_back(loc + "dynamicConfigFile '" + v + "' is relative: read here as " +
                               cfg.dynamic_config_file +
                               ", but ZooKeeper opens it relative to its working directory");
      }
    } else if (has_dynamic && (StartsWith(key, "server.") || StartsWith(key, "group") ||
                               StartsWith(key, "weight"))) {
      return Status::Invalid(loc + key +
                             " must be in the dynamicConfigFile: ZooKeeper refuses it in zoo.cfg "
                             "when dynamicConfigFile is set");
    } else if (StartsWith(key, "server.")) {
      auto s = ParseServer(key, v, path, line);
      if (!s.ok()) return s.status();
      static_servers[s->id] = std::move(*s);
    }
  }

  if (cfg.data_dir.empty()) return Status::Invalid(path + ": dataDir is not set");
  if (!cfg.data_log_dir_explicit) cfg.data_log_dir = cfg.data_dir;

  if (has_dynamic) {
    ZKM_RETURN_IF_ERROR(
        LoadDynamicServers(cfg, cfg.lines["dynamicConfigFile"], read_file, &cfg.servers));
  } else {
    for (auto& kv : static_servers) cfg.servers.push_back(std::move(kv.second));
  }
  auto multi = cfg.props.find("multiAddress.enabled");
  const bool multi_on = multi != cfg.props.end() && multi->second == "true";
  for (const ServerEntry& e : cfg.servers) {
    if (!e.more_addresses.empty() && !multi_on)
      cfg.warnings.push_back(Loc(e.source, e.line) + "server." + std::to_string(e.id) +
                             " lists several addresses: ZooKeeper 3.6+ refuses that unless "
                             "multiAddress.enabled=true");
  }
  return cfg;
}

Result<ZooCfg> LoadZooCfg(const std::string& path) {
  auto text = ReadFromDisk(path);
  if (!text.ok()) return text.status();
  return ParseZooCfg(*text, path);
}

}  // namespace zkm
