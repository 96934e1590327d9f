// Renders reports as RapidJSON values: the one place where result structs
// become JSON (docs/STYLE.md habit 9). Field names are snake_case; zxids are integers
// with a "_hex" twin where people read them; digests are signed 64-bit integers.
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "base/json.h"
#include "format/txnlog.h"
#include "node/analysis.h"
#include "node/consolidate.h"
#include "node/datadir.h"
#include "tree/snapshot.h"
#include "tree/tree_diff.h"

namespace zkm {

rapidjson::Value ToJson(const Status& st, JsonAlloc& a);
rapidjson::Value ToJson(const DataFile& f, JsonAlloc& a);
rapidjson::Value ToJson(const DataDirScan& s, JsonAlloc& a);
rapidjson::Value ToJson(const SnapshotSummary& s, JsonAlloc& a);
rapidjson::Value ToJson(const TxnLogSummary& s, JsonAlloc& a);
rapidjson::Value ToJson(const ReplayStats& s, JsonAlloc& a);
rapidjson::Value ToJson(const DataDirReport& r, JsonAlloc& a);
rapidjson::Value ToJson(const ConsolidateReport& r, JsonAlloc& a);
rapidjson::Value ToJson(const TreeDiff& d, JsonAlloc& a);

const char* DigestCheckName(SnapshotSummary::DigestCheck c);

}  // namespace zkm
