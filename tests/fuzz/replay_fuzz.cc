// libFuzzer target: replay of a transaction log onto a snapshot (tree/replay.h),
// the way node/analysis.cc replays a data dir. The first input byte picks one of
// the committed fixture snapshots (loaded once); the rest is the log, read with
// TxnLogReader and applied record by record, then the replay is finished and the
// orphan ephemerals dropped.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "format/byte_source.h"
#include "format/txnlog.h"
#include "tree/data_tree.h"
#include "tree/replay.h"
#include "tree/snapshot.h"

namespace {

struct Base {
  std::string bytes;  // plain (uncompressed) snapshot file
  int64_t zxid;
};

// Plain snapshots of the fixtures (tests/fixtures/README.md), by their name zxid.
std::vector<Base>& Snapshots() {
  static std::vector<Base> v = [] {
    std::vector<Base> out;
    const std::string dir = ZKM_FIXTURES_DIR;
    const std::pair<const char*, int64_t> files[] = {
        {"/standalone-plain/data/version-2/snapshot.0", 0x0},
        {"/standalone-plain/data/version-2/snapshot.13", 0x13},
        {"/standalone-plain/data/version-2/snapshot.1e", 0x1e},
        {"/standalone-plain/data/version-2/snapshot.2f", 0x2f},
        {"/standalone-nodigest/data/version-2/snapshot.14", 0x14},
        {"/fuzzy-digest/data/version-2/snapshot.100000047", 0x100000047},
    };
    for (const auto& [name, zxid] : files) {
      std::ifstream f(dir + name, std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      if (!f || ss.str().empty()) {
        std::fprintf(stderr, "replay_fuzz: cannot read fixture %s%s\n", dir.c_str(), name);
        std::abort();
      }
      out.push_back({ss.str(), zxid});
    }
    return out;
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Snapshots();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Base& base = Snapshots()[data[0] % Snapshots().size()];
  std::string_view log(reinterpret_cast<const char*>(data) + 1, size - 1);

  zkm::DataTree tree;
  zkm::MemorySource snap(base.bytes);
  zkm::SnapshotReadOptions so;
  so.name_zxid = base.zxid;
  zkm::SnapshotSummary ss = zkm::LoadSnapshot(snap, so, &tree);
  if (!ss.status.ok()) std::abort();  // a committed fixture: must load
  tree.last_processed_zxid = base.zxid;

  zkm::Replayer replayer(&tree, zkm::ReplayOptions::ForSnapshot(base.zxid, ss));

  zkm::MemorySource src(log);
  zkm::TxnLogReader reader(src, 1 << 20);
  if (!reader.ReadFileHeader().ok()) return 0;
  zkm::TxnRecord rec;
  while (reader.Next(&rec)) {
    if (!replayer.Apply(rec).ok()) return 0;
  }
  (void)replayer.Finish();
  (void)zkm::DropOrphanEphemerals(&tree, replayer.stats().last_zxid);
  (void)tree.digest();
  (void)tree.EphemeralOwners();
  return 0;
}
