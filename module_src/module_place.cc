// state: place (placeholder until its unit lands).
#include "module.h"

namespace zkm {
void RunPlace(const ModuleParams&, ModuleResult* r) { r->Fail("state place is not implemented yet"); }
}  // namespace zkm
