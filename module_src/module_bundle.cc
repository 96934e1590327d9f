// state: bundle (placeholder until its unit lands).
#include "module.h"

namespace zkm {
void RunBundle(const ModuleParams&, ModuleResult* r) { r->Fail("state bundle is not implemented yet"); }
}  // namespace zkm
