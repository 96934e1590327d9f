// CRC-32 for the tree digest (docs/FORMATS.md 6). The tree digest hashes every
// znode, so on a large snapshot CRC-32 is about half of `check`'s CPU time.
// Debian 12's zlib computes it a byte slice at a time; on x86-64 CPUs with
// PCLMULQDQ this folds 64 bytes per step with carry-less multiplication (the
// method of Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ",
// with the reflected CRC-32 constants also used by Linux's crc32-pclmul), and
// hands the head, the tail and short inputs to zlib. Results equal zlib's exactly
// (tests/unit/crc32_test.cc compares them on random inputs).
#include <zlib.h>

#include <cstdint>
#include <string_view>

#include "format/jute.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ZKM_HAVE_PCLMUL 1
#endif

namespace zkm {

namespace {

// The bare CRC register update (no pre/post inversion), via zlib.
uint32_t ProcessZlib(uint32_t state, const unsigned char* p, size_t n) {
  return ~static_cast<uint32_t>(crc32(~state, p, static_cast<uInt>(n)));
}

#ifdef ZKM_HAVE_PCLMUL
#define ZKM_PCLMUL __attribute__((target("pclmul,sse4.1")))

ZKM_PCLMUL inline __m128i Load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// a*k.hi ^ a*k.lo folded onto `next` (one 128-bit fold step).
ZKM_PCLMUL inline __m128i Fold(__m128i a, __m128i next, __m128i k) {
  __m128i hi = _mm_clmulepi64_si128(a, k, 0x11);
  __m128i lo = _mm_clmulepi64_si128(a, k, 0x00);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// The register update over `len` bytes; len >= 64 and a multiple of 16.
ZKM_PCLMUL uint32_t ProcessPclmul(uint32_t state, const unsigned char* buf, size_t len) {
  const __m128i k1k2 = _mm_set_epi64x(0x00000001c6e41596LL, 0x0000000154442bd4LL);
  const __m128i k3k4 = _mm_set_epi64x(0x00000000ccaa009eLL, 0x00000001751997d0LL);
  const __m128i k5 = _mm_set_epi64x(0, 0x0000000163cd6124LL);
  const __m128i poly = _mm_set_epi64x(0x00000001F7011641LL, 0x00000001DB710641LL);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
  __m128i x1 = _mm_xor_si128(Load(buf), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x2 = Load(buf + 16), x3 = Load(buf + 32), x4 = Load(buf + 48);
  buf += 64;
  len -= 64;
  while (len >= 64) {
    x1 = Fold(x1, Load(buf), k1k2);
    x2 = Fold(x2, Load(buf + 16), k1k2);
    x3 = Fold(x3, Load(buf + 32), k1k2);
    x4 = Fold(x4, Load(buf + 48), k1k2);
    buf += 64;
    len -= 64;
  }
  x1 = Fold(x1, x2, k3k4);
  x1 = Fold(x1, x3, k3k4);
  x1 = Fold(x1, x4, k3k4);
  for (; len >= 16; buf += 16, len -= 16) x1 = Fold(x1, Load(buf), k3k4);
  // 128 -> 64 bits, then 64 -> 32, then Barrett reduction.
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(k3k4, x1, 0x01));
  __m128i rest = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00), rest);
  rest = x1;
  x1 = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10), mask32);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, poly, 0x00), rest);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

bool CpuHasPclmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}
#endif

}  // namespace

uint32_t Crc32Update(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint32_t state = ~crc;
#ifdef ZKM_HAVE_PCLMUL
  if (n >= 64 && CpuHasPclmul()) {
    size_t body = n & ~size_t{15};
    state = ProcessPclmul(state, p, body);
    p += body;
    n -= body;
  }
#endif
  return ~ProcessZlib(state, p, n);
}

}  // namespace zkm
