// Renders reports as RapidJSON values: the one place where result structs
// become JSON (STYLE.md habit 9). Field names are snake_case; zxids are integers
// with a "_hex" twin where people read them; digests are signed 64-bit integers.
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "analysis.h"
#include "consolidate.h"
#include "datadir.h"
#include "snapshot.h"
#include "tree_diff.h"
#include "txnlog.h"

namespace zkm {

using JsonAlloc = rapidjson::Document::AllocatorType;

rapidjson::Value ToJson(const Status& st, JsonAlloc& a);
rapidjson::Value ToJson(const DataFile& f, JsonAlloc& a);
rapidjson::Value ToJson(const DataDirScan& s, JsonAlloc& a);
rapidjson::Value ToJson(const SnapshotSummary& s, JsonAlloc& a);
rapidjson::Value ToJson(const TxnLogSummary& s, JsonAlloc& a);
rapidjson::Value ToJson(const ReplayStats& s, JsonAlloc& a);
rapidjson::Value ToJson(const DataDirReport& r, JsonAlloc& a);
rapidjson::Value ToJson(const ConsolidateReport& r, JsonAlloc& a);
rapidjson::Value ToJson(const TreeDiff& d, JsonAlloc& a);

rapidjson::Value Str(const std::string& s, JsonAlloc& a);
// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string ValidUtf8(const std::string& s);
// Serialises with two-space indentation (pretty) or compactly.
std::string Serialize(const rapidjson::Value& v, bool pretty);

const char* DigestCheckName(SnapshotSummary::DigestCheck c);

}  // namespace zkm
