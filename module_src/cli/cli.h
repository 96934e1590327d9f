// The operator command line of zk_snapshot (docs/DESIGN.md "Names and interfaces").
//
//   zk_snapshot inspect PATH [--json]      what a snapshot, log, dataDir or zoo.cfg holds
//   zk_snapshot check PATH [--json]        validate it (every seal, CRC, gap, digest)
//   zk_snapshot consolidate (--config ZOO.CFG | --data-dir D [--log-dir L]) --out DIR
//   zk_snapshot diff A B [--json]          compare two snapshots / data dirs node by node
//   zk_snapshot probe HOST:PORT [--json]   a server's mode, zxid and node count (srvr)
//
// Exit codes: 0 ok, 1 problems found (damage, gap, mismatch, differences, a
// failed write), 2 usage error (unknown command or option, missing argument, a
// path that does not exist).
#pragma once

namespace zkm {

constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;
constexpr int kExitUsage = 2;

int RunCli(int argc, char** argv);

}  // namespace zkm
