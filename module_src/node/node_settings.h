// The ZooKeeper settings that must match between a source and a target
// (docs/FORMATS.md 11), resolved the way a server resolves them, with the place
// each value came from.
//
// Most of these are Java system properties `zookeeper.X`. A server gets them
// from three places, strongest first:
//   1. zoo.cfg: QuorumPeerConfig.parseProperties turns every key it does not know
//      into System.setProperty("zookeeper." + key, value) after the JVM started,
//      so `digest.enabled=false` in zoo.cfg beats a -D flag. (A key already
//      spelled `zookeeper.digest.enabled` becomes zookeeper.zookeeper.…: no effect.)
//   2. -D flags of the running JVM (/proc/<pid>/cmdline);
//   3. -D flags the start scripts would pass: SERVER_JVMFLAGS / JVMFLAGS /
//      JAVA_OPTS / JVM_OPTS in the conf dir's java.env or zookeeper-env.sh (the
//      values a restart would use; the running JVM's flags win while it runs).
// `jute.maxbuffer` is read by jute straight from the system property, so only
// 2 and 3 apply; a zoo.cfg line for it has no effect and is warned about.
// reconfigEnabled / standaloneEnabled are zoo.cfg keys proper.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/zoo_cfg.h"

namespace zkm {

// A -D flag and where it was seen ("<file>:<line>" or "cmdline of pid N").
struct JvmFlag {
  std::string value;
  std::string where;
};
using JvmFlags = std::map<std::string, JvmFlag>;

// -Dkey=value tokens on the lines of a shell env file that mention one of the
// JVM flag variables (comments skipped, quotes stripped). A bare -Dkey is "".
JvmFlags JvmFlagsFromEnvText(const std::string& text, const std::string& path);
// -D arguments of a command line (argv split on NUL), up to the main class.
JvmFlags JvmFlagsFromArgv(const std::vector<std::string>& argv, const std::string& where);

// A running JVM whose command line names this zoo.cfg.
struct ServerProcess {
  int pid = 0;
  std::vector<std::string> argv;
};

// Scans <proc_root>/*/cmdline for a process with a ZooKeeper main class
// (QuorumPeerMain / ZooKeeperServerMain) and an argument naming `cfg_path`
// (same string, or the same file once both are made canonical). Unreadable
// entries are skipped; no match is nullopt.
std::optional<ServerProcess> FindServerProcess(const std::string& cfg_path,
                                               const std::string& proc_root = "/proc");

struct SettingValue {
  std::string name;      // snake_case, e.g. "digest_enabled"
  std::string property;  // e.g. "zookeeper.digest.enabled" or "reconfigEnabled"
  std::string value;     // as the server would see it (secrets shown only as "set")
  std::string source;    // "zoo.cfg:12", "cmdline of pid 42", "<path>:3", "default"
};

struct NodeSettings {
  std::vector<SettingValue> values;  // in a fixed order
  // jute.maxbuffer + zookeeper.jute.maxbuffer.extrasize: the largest record the
  // server reads (BinaryInputArchive), for the readers' max_buffer.
  int64_t jute_limit = 0;
  std::vector<std::string> env_files;  // the env files that were read
  std::vector<std::string> warnings;

  const SettingValue* Find(const std::string& name) const;
};

// Resolves the settings. `process_flags` null: no running JVM was found.
NodeSettings ResolveSettings(const ZooCfg& cfg, const JvmFlags& env_flags,
                             const JvmFlags* process_flags);

// Reads java.env and zookeeper-env.sh beside zoo.cfg (those that exist and are
// readable) and returns their flags; the files read go to `files`.
JvmFlags ReadConfDirEnvFiles(const std::string& cfg_path, std::vector<std::string>* files);

// A JVM memory size as -Xmx and -XX:MaxHeapSize take it ("512m", "4G", "1048576",
// "64k"; a trailing "B"/"iB" is also accepted: "512MiB"). nullopt when it is not one.
std::optional<uint64_t> ParseJvmSize(const std::string& text);

// The maximum heap the JVM of `argv` runs with: the last -Xmx or -XX:MaxHeapSize=
// (the JVM takes the last one). nullopt when neither is given (the JVM then
// picks a default from the machine's memory, which is not read here).
std::optional<uint64_t> MaxHeapFromArgv(const std::vector<std::string>& argv);

}  // namespace zkm
