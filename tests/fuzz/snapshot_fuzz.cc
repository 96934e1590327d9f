// libFuzzer target: snapshot parsing (tree/snapshot.h) as the engine reads a
// snapshot file: ZooKeeper's precheck on the raw bytes, the decompressing source
// the file's kind calls for (gzip and snappy-java by their magic, else plain),
// then LoadSnapshot into a DataTree, whose digest is computed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "format/byte_source.h"
#include "tree/data_tree.h"
#include "tree/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  zkm::Compression c = zkm::Compression::kPlain;
  if (in.size() >= 2 && in.substr(0, 2) == "\x1f\x8b")
    c = zkm::Compression::kGzip;
  else if (in.size() >= 8 && in.substr(0, 8) == std::string_view("\x82SNAPPY\0", 8))
    c = zkm::Compression::kSnappy;
  (void)zkm::SnapshotPrecheck(c, in.substr(0, 16), in.size() >= 5 ? in.substr(in.size() - 5) : in);
  zkm::MemorySource raw(in);
  std::unique_ptr<zkm::ByteSource> plain = zkm::Decompress(c, raw);
  zkm::SnapshotReadOptions opts;
  opts.max_buffer = 1 << 20;  // keeps single allocations small; the bound is what is tested
  opts.name_zxid = 0x13;
  zkm::DataTree tree;
  zkm::SnapshotSummary s = zkm::LoadSnapshot(*plain, opts, &tree);
  (void)s.seals_ok();
  (void)tree.digest();
  (void)tree.digest_ascii();
  return 0;
}
