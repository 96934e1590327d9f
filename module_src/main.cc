// zk_snapshot: the operator CLI and (with one JSON-file argument) the Ansible module.
#include <cstdio>

int main() {
  std::puts("zk_snapshot " ZKM_VERSION);
  return 0;
}
