#include "base/java_compat.h"

namespace zkm {

bool ParseJavaLong(std::string_view s, int radix, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  const uint64_t limit = neg ? (uint64_t{1} << 63) : static_cast<uint64_t>(INT64_MAX);
  const auto r = static_cast<uint64_t>(radix);
  uint64_t mag = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (radix == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (radix == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return false;
    auto ud = static_cast<uint64_t>(d);
    if (mag > (limit - ud) / r) return false;
    mag = mag * r + ud;
  }
  *out = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return true;
}

// java.io.File's normalisation: repeated slashes collapse, a trailing one goes.
std::string NormaliseDir(const std::string& d) {
  std::string out;
  for (char c : d) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace zkm
