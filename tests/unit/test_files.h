// What several unit tests need from files: the whole content of one, as bytes.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace zkm {

// The bytes of `path` ("" when it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace zkm
