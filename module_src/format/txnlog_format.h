// Constants of the ZooKeeper transaction-log file (prose spec: docs/FORMATS.md
// section 5; the shared records in section 3).
//
//   file    := FileHeader(magic "ZKLG", version 2, dbid 0) record* zero-padding
//   record  := crc:long len:int payload[len] eor:byte
//   payload := TxnHeader(32) body [TxnDigest(12), 3.6+]
//
// `crc` is Adler-32 over the payload only (not len, not the EOR byte), zero-extended to a long.
// A record with len == 0 is where the preallocated zero padding starts: the end of the data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zkm {

constexpr int32_t kLogMagic = 0x5A4B4C47;  // "ZKLG"
constexpr int32_t kLogVersion = 2;         // always written, never checked by ZooKeeper
constexpr size_t kLogFileHeaderSize = 16;  // int magic, int version, long dbid

constexpr size_t kRecordCrcSize = 8;                      // long; high 4 bytes always 0
constexpr size_t kRecordPrefixSize = kRecordCrcSize + 4;  // crc + int len
constexpr uint8_t kEndOfRecord = 0x42;                    // 'B'

constexpr size_t kTxnHeaderSize = 32;  // long clientId, int cxid, long zxid, long time, int type
constexpr size_t kTxnDigestSize = 12;  // int version (2), long treeDigest

// Txn type codes (ZooKeeper's ZooDefs.OpCode); which body each carries is docs/FORMATS.md 5.5.
enum TxnType : int32_t {
  kTxnCreate = 1,
  kTxnDelete = 2,
  kTxnSetData = 5,
  kTxnSetAcl = 7,
  kTxnCheck = 13,  // only inside a multi; a top-level 13 is rejected by ZooKeeper
  kTxnMulti = 14,
  kTxnCreate2 = 15,
  kTxnReconfig = 16,  // a SetDataTxn on /zookeeper/config
  kTxnCreateContainer = 19,
  kTxnDeleteContainer = 20,
  kTxnCreateTtl = 21,
  kTxnError = -1,
  kTxnCreateSession = -10,
  kTxnCloseSession = -11,
};

// "create", "create2", "multi", "closeSession", ...; "unknown" for any other code.
const char* TxnTypeName(int32_t type);

}  // namespace zkm
