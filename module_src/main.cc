// zk_snapshot: the operator CLI, and the Ansible module when called with the path
// of a JSON arguments file as its only argument (ANSIBLE-NOTES.md 1.2).
#include "cli.h"
#include "module.h"

int main(int argc, char** argv) {
  if (zkm::IsModuleInvocation(argc, argv)) return zkm::RunModule(argv[1]);
  return zkm::RunCli(argc, argv);
}
