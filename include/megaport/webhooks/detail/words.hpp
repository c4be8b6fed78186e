#pragma once

// Loads and stores of little-endian words at any address, for decoders that test eight bytes
// at once. One instruction each where the host is little-endian, a byte loop elsewhere.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../version.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || defined(_M_X64) || \
    defined(_M_IX86) || defined(_M_ARM64)
#define MEGAPORT_WEBHOOKS_LITTLE_ENDIAN 1
#else
#define MEGAPORT_WEBHOOKS_LITTLE_ENDIAN 0
#endif

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace detail {

// `count` (4 or 8) bytes as a little-endian word: one load where the host is little-endian.
inline std::uint64_t load_little_endian(const char* bytes, std::size_t count) noexcept {
#if MEGAPORT_WEBHOOKS_LITTLE_ENDIAN
  if (count == 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes, 8);
    return word;
  }
  std::uint32_t half;
  std::memcpy(&half, bytes, 4);
  return half;
#else
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < count; ++i)
    word |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return word;
#endif
}

// Four bytes, lowest first: one store where the host is little-endian.
inline void store_little_endian32(std::uint32_t word, std::uint8_t* out) noexcept {
#if MEGAPORT_WEBHOOKS_LITTLE_ENDIAN
  std::memcpy(out, &word, 4);
#else
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<std::uint8_t>(word >> (8 * i));
#endif
}

}  // namespace detail
MEGAPORT_WEBHOOKS_NAMESPACE_END
