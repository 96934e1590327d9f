// zk_snapshot: the operator CLI, and the Ansible module when called with the path
// of a JSON arguments file as its only argument (docs/ANSIBLE.md 1.2).
#include "cli/cli.h"
#include "module/module.h"

int main(int argc, char** argv) {
  if (zkm::IsModuleInvocation(argc, argv)) return zkm::RunModule(argv[1]);
  return zkm::RunCli(argc, argv);
}
