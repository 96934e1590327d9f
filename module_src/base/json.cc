#include "base/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace zkm {

using rapidjson::Value;

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0.
size_t Utf8Len(const std::string& s, size_t i) {
  auto u = static_cast<unsigned char>(s[i]);
  size_t n = u < 0x80 ? 1 : (u >> 5) == 6 ? 2 : (u >> 4) == 14 ? 3 : (u >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}
// Offset of the first '{' or '[' (outside strings) that opens level max+1, or -1.
// Brackets inside strings do not count; a malformed text is left to the parser.
int64_t TooDeepAt(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return static_cast<int64_t>(i);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return -1;
}
}  // namespace

Status ParseJson(std::string_view text, const std::string& what, rapidjson::Document* doc,
                 size_t max_depth) {
  if (int64_t at = TooDeepAt(text, max_depth); at >= 0)
    return Status::Invalid("nesting in " + what + " goes deeper than " + std::to_string(max_depth) +
                           " levels (at byte " + std::to_string(at) + ")");
  doc->Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc->HasParseError())
    return Status::Invalid(
        what + " is not valid JSON: " + rapidjson::GetParseError_En(doc->GetParseError()) +
        " (at byte " + std::to_string(doc->GetErrorOffset()) + ")");
  return Status::Ok();
}

std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8Len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD, as a Java reader decodes it
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

Value Str(const std::string& s, JsonAlloc& a) {
  // Paths and ACL ids are opaque bytes on disk (docs/FORMATS.md 2); JSON must be
  // UTF-8, so anything else is shown as U+FFFD.
  std::string v = ValidUtf8(s);
  return Value(v.data(), static_cast<rapidjson::SizeType>(v.size()), a);
}

std::string Serialize(const Value& v, bool pretty) {
  rapidjson::StringBuffer sb;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    w.SetIndent(' ', 2);
    v.Accept(w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
  }
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace zkm
