// state: facts (placeholder until its unit lands).
#include "module.h"

namespace zkm {
void RunFacts(const ModuleParams&, ModuleResult* r) { r->Fail("state facts is not implemented yet"); }
}  // namespace zkm
