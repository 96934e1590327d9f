// JSON helpers every layer may use (RapidJSON): one string conversion that keeps
// JSON valid UTF-8, and one serialiser. Reports of engine results are rendered
// in report/json_report.h; this header knows no engine type.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace zkm {

using JsonAlloc = rapidjson::Document::AllocatorType;

// A JSON string of `s`; bytes that are not valid UTF-8 become U+FFFD (paths
// and ACL ids are opaque bytes on disk, JSON text must be UTF-8).
rapidjson::Value Str(const std::string& s, JsonAlloc& a);
// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string ValidUtf8(const std::string& s);
// Serialises with two-space indentation (pretty) or compactly.
std::string Serialize(const rapidjson::Value& v, bool pretty);

}  // namespace zkm
