// state: rollback (placeholder until its unit lands).
#include "module.h"

namespace zkm {
void RunRollback(const ModuleParams&, ModuleResult* r) { r->Fail("state rollback is not implemented yet"); }
}  // namespace zkm
