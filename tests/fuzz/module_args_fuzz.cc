// libFuzzer target: the module's arguments file (module/module.h) as RunModule
// reads it: the bounded JSON reader, then the option spec (types, coercion of
// `-a k=v` strings, dict options given as JSON text, required options). The states
// that only compute (plan, fleet) are run on what was accepted; the others touch
// the node's files and are not run. The result is rendered as the module prints it.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/json.h"
#include "module/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  zkm::ModuleResult result;
  rapidjson::Document args;
  zkm::ModuleParams p;
  if (zkm::Status js = zkm::ParseJson(in, "the module arguments", &args); !js.ok()) {
    result.Fail(js.message());
  } else if (zkm::Status ps = zkm::ParseModuleParams(args, &p); !ps.ok()) {
    result.Fail(ps.message());
  } else if (p.state == "plan") {
    zkm::RunPlan(p, &result);
  } else if (p.state == "fleet") {
    zkm::RunFleet(p, &result);
  }
  (void)result.Render(true);
  return 0;
}
