// zoo.cfg: what a ZooKeeper server reads from its configuration file.
//
// The text is parsed with java.util.Properties rules (the way QuorumPeerConfig
// loads it), then the keys a migration needs are extracted with ZooKeeper's own
// rules (QuorumPeerConfig.parseProperties, QuorumPeer.QuorumServer). Keys and
// values are trimmed as ZooKeeper trims them (Java String.trim). Every error
// names the file and line, compiler style: "zoo.cfg:12: clientPort 'x' is not a
// number". This unit opens files only in LoadZooCfg and the default dynamic-file
// reader; ParseZooCfg itself is pure when given a read_file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zkm {

// One key=value pair of a properties file, after unescaping.
struct PropertyLine {
  std::string key;    // unescaped, as java.util.Properties stores it (not trimmed)
  std::string value;  // unescaped, not trimmed
  int line = 0;       // 1-based line where the logical line starts
};

// java.util.Properties.load: separators `=`, `:` or whitespace (the first
// unescaped one, whitespace around it skipped); `#`/`!` comment lines; blank
// lines; a line ending in an odd number of backslashes continues on the next one
// (whose leading whitespace is dropped); escapes \t \n \r \f \uXXXX (emitted as
// UTF-8, surrogate pairs joined) and \x -> x. Bytes >= 0x80 are kept as they are.
// Fails only on a malformed \u escape ("<path>:<line>: malformed \uXXXX escape").
Result<std::vector<PropertyLine>> ParseJavaProperties(std::string_view text,
                                                      const std::string& path);

// One `server.N=` line.
struct ServerEntry {
  int64_t id = 0;
  std::string host;  // without the brackets of an IPv6 literal
  int quorum_port = 0;
  int election_port = 0;
  std::string role = "participant";         // participant | observer (lower case)
  std::string client_address;               // from ";addr:port"; empty for ";port" (means 0.0.0.0)
  int client_port = 0;                      // 0 if the line has no client part
  std::vector<std::string> more_addresses;  // 3.6+ "a:1:2|b:1:2": those after the first
  std::string source;  // the file the line is in (zoo.cfg or its dynamicConfigFile)
  int line = 0;
};

struct ZooCfg {
  std::string path;  // the file it came from
  // Every key of zoo.cfg, trimmed, last occurrence wins; `lines` has its line.
  std::map<std::string, std::string> props;
  std::map<std::string, int> lines;

  std::string data_dir;      // trailing slashes removed; relative kept as written
  std::string data_log_dir;  // defaults to data_dir
  bool data_log_dir_explicit = false;
  std::string client_port_address;
  int client_port = 0;
  int secure_client_port = 0;
  std::vector<ServerEntry> servers;  // sorted by id; static lines or the dynamic file's
  std::string dynamic_config_file;   // as resolved (relative -> zoo.cfg's dir); empty if unset
  int64_t snap_count = 100000;
  int autopurge_snap_retain_count = 3;  // ZooKeeper raises values < 3 to 3
  int autopurge_purge_interval = 0;
  // 4lw.commands.whitelist split on commas, trimmed, empties dropped. Empty when
  // unset: ZooKeeper 3.5.3+ then allows only "srvr" (explicit tells them apart).
  std::vector<std::string> four_letter_whitelist;
  bool four_letter_whitelist_explicit = false;
  // Things ZooKeeper accepts but that deserve a look, each "<file>:<line>: ...".
  std::vector<std::string> warnings;

  // The client endpoint a probe should use, "host:port" ("[v6]:port" for IPv6):
  // clientPortAddress:clientPort, else the ";addr:port" of server.<myid>, else
  // 127.0.0.1:clientPort. A wildcard address (empty, 0.0.0.0, ::) becomes the
  // loopback address. Empty if the server has no client port at all.
  std::string ClientEndpoint(int64_t myid) const;
};

// Reads dynamicConfigFile; gets the resolved path. The default reads from disk.
using ConfigFileReader = std::function<Result<std::string>(const std::string&)>;

// Parses zoo.cfg text. `path` is used in messages and to resolve a relative
// dynamicConfigFile (against zoo.cfg's directory, see the warning it records).
// Errors (Code::kInvalidArgument unless reading a file failed): a malformed \u
// escape, a server line that does not parse, a non-numeric number, server.N in
// zoo.cfg when dynamicConfigFile is set, and "<path>: dataDir is not set".
Result<ZooCfg> ParseZooCfg(std::string_view text, const std::string& path,
                           ConfigFileReader read_file = {});

// Reads `path` (and its dynamic file) from disk and parses it.
Result<ZooCfg> LoadZooCfg(const std::string& path);

}  // namespace zkm
