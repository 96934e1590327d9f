// zk_snapshot: the operator CLI, and (later) the Ansible module when called with
// the path of a JSON arguments file as its only argument.
#include "cli.h"

int main(int argc, char** argv) { return zkm::RunCli(argc, argv); }
