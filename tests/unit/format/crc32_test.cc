// Crc32Update must equal zlib's crc32() for every length, offset and start value.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "format/jute.h"

namespace zkm {
namespace {

TEST(Crc32, EqualsZlibOnRandomInputs) {
  std::mt19937 rng(7);
  std::string buf(20000, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (int i = 0; i < 20000; ++i) {
    size_t off = rng() % 1000, n = rng() % 4000;
    uint32_t start = i % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
    uint32_t want = static_cast<uint32_t>(
        crc32(start, reinterpret_cast<const Bytef*>(buf.data() + off), static_cast<uInt>(n)));
    ASSERT_EQ(Crc32Update(start, std::string_view(buf).substr(off, n)), want)
        << "n=" << n << " off=" << off;
  }
}

TEST(Crc32, KnownValues) {
  EXPECT_EQ(Crc32Update(0, ""), 0u);
  EXPECT_EQ(Crc32Update(0, "123456789"), 0xCBF43926u);  // the CRC-32 check value
  std::string a(1000, 'a');
  EXPECT_EQ(Crc32Update(Crc32Update(0, a.substr(0, 333)), a.substr(333)), Crc32Update(0, a));
}

}  // namespace
}  // namespace zkm
