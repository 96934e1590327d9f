// JSON helpers every layer may use (RapidJSON): one string conversion that keeps
// JSON valid UTF-8, and one serialiser. Reports of engine results are rendered
// in report/json_report.h; this header knows no engine type.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zkm {

using JsonAlloc = rapidjson::Document::AllocatorType;

// A JSON string of `s`; bytes that are not valid UTF-8 become U+FFFD (paths
// and ACL ids are opaque bytes on disk, JSON text must be UTF-8).
rapidjson::Value Str(const std::string& s, JsonAlloc& a);
// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string ValidUtf8(const std::string& s);
// Serialises with two-space indentation (pretty) or compactly.
std::string Serialize(const rapidjson::Value& v, bool pretty);

// The deepest nesting of objects and arrays any JSON input may have. Every JSON
// document this tool reads (manifest, backup record, module arguments) is a few
// levels deep; the bound keeps hostile input from exhausting the stack.
inline constexpr size_t kMaxJsonDepth = 64;

// The one way the engine reads JSON text: `text` is parsed into `*doc`. Nesting deeper than
// `max_depth` is refused before anything is built (Invalid, naming the byte of the bracket that
// goes too deep), and the parse is RapidJSON's iterative one, which does not recurse. A syntax
// error is Invalid with RapidJSON's sentence and its byte offset in the message. `what` names the
// input in messages
// ("manifest", "the module arguments"). On error `*doc` holds nothing useful.
Status ParseJson(std::string_view text, const std::string& what, rapidjson::Document* doc,
                 size_t max_depth = kMaxJsonDepth);

}  // namespace zkm
