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
  // What was accepted is written back and read again (regress/manifest/sha256-not-hex was
  // accepted, written as U+FFFD and then refused).
  std::string again = zkm::ManifestToJson(*m);
  zkm::Result<zkm::Manifest> m2 = zkm::ParseManifest(again);
  if (!m2.ok()) {
    std::fprintf(stderr, "an accepted manifest does not read back: %s\n",
                 m2.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
