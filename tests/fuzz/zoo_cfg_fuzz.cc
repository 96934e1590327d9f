// libFuzzer target: zoo.cfg parsing (node/zoo_cfg.h), the dynamic config file
// included. The input is zoo.cfg's text, then optionally a NUL byte and the text
// the dynamicConfigFile resolves to.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/zoo_cfg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view cfg = in.substr(0, nul);
  std::string dynamic = nul == std::string_view::npos ? "" : std::string(in.substr(nul + 1));
  zkm::ConfigFileReader read = [&dynamic](const std::string&) -> zkm::Result<std::string> {
    return dynamic;
  };
  zkm::Result<zkm::ZooCfg> c = zkm::ParseZooCfg(cfg, "/zkm-fuzz/conf/zoo.cfg", read);
  if (c.ok()) {
    for (int64_t myid : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{-1}})
      (void)c->ClientEndpoint(myid);
  }
  return 0;
}
