// How ZooKeeper's Java code reads numbers and paths, where a C++ reader must
// agree with it exactly: file-name zxids and epoch files (Long.parseLong), zoo.cfg
// numbers, and dataDir/dataLogDir comparison (java.io.File normalisation).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zkm {

// Long.parseLong(s, radix) for radix 10 or 16: an optional sign, then digits
// (either case for hex); false on anything else or on overflow.
bool ParseJavaLong(std::string_view s, int radix, int64_t* out);

// java.io.File's normalisation of a directory path: repeated slashes collapse,
// a trailing one goes (how ZooKeeper compares dataDir and dataLogDir).
std::string NormaliseDir(const std::string& d);

}  // namespace zkm
