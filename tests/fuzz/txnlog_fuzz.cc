// libFuzzer target: transaction log parsing (format/txnlog.h): the whole file
// through SummarizeTxnLog (header, every record's CRC, header and body decoding,
// multi sub-txns, the end of the data and the padding scan).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/byte_source.h"
#include "format/txnlog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  zkm::MemorySource src(in);
  zkm::TxnLogSummary s = zkm::SummarizeTxnLog(src, 1 << 20);
  (void)s;
  // The payload decoder on its own, as tools that carry payloads call it.
  zkm::TxnRecord rec;
  (void)zkm::DecodeTxnPayload(in, 0, &rec);
  return 0;
}
