#include "base/json.h"

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
}  // namespace

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
