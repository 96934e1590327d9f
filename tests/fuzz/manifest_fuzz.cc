// libFuzzer target: manifest.json (node/manifest.h): the bounded JSON reader and
// the manifest's member checks, and writing an accepted manifest back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  zkm::Result<zkm::Manifest> m = zkm::ParseManifest(in);
  if (!m.ok()) return 0;
  (void)m->Snapshot();
  (void)m->TotalBytes();
  // Not yet checked (open finding, tests/fuzz/findings/manifest-sha256-not-hex): a sha256 with
  // bytes that are not UTF-8 is accepted, written back as U+FFFD and then refused.
  (void)zkm::ManifestToJson(*m);
  return 0;
}
