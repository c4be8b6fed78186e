#pragma once

/// \file
/// UUIDs in the `8-4-4-4-12` hexadecimal form, parsed into bytes and written back lowercase.

#include <array>
#include <cstdint>
#include <string_view>

#include "detail/words.hpp"
#include "result.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A UUID as its 16 bytes. Any version and variant; compares bytewise.
struct uuid {
  std::array<std::uint8_t, 16> bytes{};

  /// The canonical text: 36 lowercase characters, `8-4-4-4-12`.
  struct text_type {
    std::array<char, 36> chars{};
    constexpr std::string_view view() const noexcept { return {chars.data(), chars.size()}; }
  };

  /// Writes the canonical lowercase text.
  constexpr text_type text() const noexcept {
    constexpr char hex[] = "0123456789abcdef";
    text_type out;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out.chars[pos++] = '-';
      out.chars[pos++] = hex[bytes[i] >> 4];
      out.chars[pos++] = hex[bytes[i] & 0xf];
    }
    return out;
  }

  friend constexpr bool operator==(const uuid& a, const uuid& b) noexcept {
    for (std::size_t i = 0; i < 16; ++i) {
      if (a.bytes[i] != b.bytes[i]) return false;
    }
    return true;
  }
  friend constexpr bool operator!=(const uuid& a, const uuid& b) noexcept { return !(a == b); }
};

namespace detail {

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace detail

/// Parses exactly `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits in any case). Braces, a
/// `urn:uuid:` prefix, missing dashes and surrounding spaces are all refused.
[[nodiscard]] constexpr result<uuid> parse_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return error{errc::invalid_uuid};

  uuid out;
  std::size_t byte = 0;
  for (std::size_t pos = 0; pos < 36;) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
      if (text[pos] != '-') return error{errc::invalid_uuid};
      ++pos;
      continue;
    }
    const int high = detail::hex_value(text[pos]);
    const int low = detail::hex_value(text[pos + 1]);
    if (high < 0 || low < 0) return error{errc::invalid_uuid};
    out.bytes[byte++] = static_cast<std::uint8_t>(high << 4 | low);
    pos += 2;
  }
  return out;
}

namespace detail {

// Eight hex digits, read as one little-endian word, to their four bytes; false if any byte is
// not a hex digit (with `AnyCase` false, not a digit or a lowercase letter). Every byte is tested
// at once: with the top bit clear, adding a constant to a byte sets its top bit exactly when the
// byte reaches a bound, and carries nothing onward.
template <bool AnyCase>
inline bool decode_hex8(std::uint64_t word, std::uint8_t* out) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101;
  constexpr std::uint64_t tops = ones * 0x80;
  const std::uint64_t lower = AnyCase ? word | ones * 0x20 : word;
  const std::uint64_t digit = (word + ones * (0x80 - '0')) & ~(word + ones * (0x7f - '9'));
  const std::uint64_t letter = (lower + ones * (0x80 - 'a')) & ~(lower + ones * (0x7f - 'f'));
  if ((word & tops) != 0 || ((digit | letter) & tops) != tops) return false;

  // A letter's value is its low nibble plus 9; then pairs of nibbles, then pairs of bytes.
  std::uint64_t value = (word & ones * 0x0f) + (letter >> 7 & ones) * 9;
  value = (value << 4 | value >> 8) & 0x00ff00ff00ff00ff;
  value = (value | value >> 8) & 0x0000ffff0000ffff;
  value = value | value >> 16;
  store_little_endian32(static_cast<std::uint32_t>(value), out);
  return true;
}

// The grammar of `parse_uuid` (8-4-4-4-12 hex digits, nothing else), decoded eight digits at a
// time: the groups 4-4 in the middle are joined into words of eight. `parse_uuid` stays the
// reference, usable at compile time; `AnyCase` false refuses uppercase letters.
template <bool AnyCase = true>
inline bool decode_uuid(std::string_view text, uuid& out) noexcept {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return false;
  }
  const char* p = text.data();
  const std::uint64_t words[4] = {
      load_little_endian(p, 8),
      load_little_endian(p + 9, 4) | load_little_endian(p + 14, 4) << 32,
      load_little_endian(p + 19, 4) | load_little_endian(p + 24, 4) << 32,
      load_little_endian(p + 28, 8),
  };
  std::uint8_t* bytes = out.bytes.data();
  return decode_hex8<AnyCase>(words[0], bytes) && decode_hex8<AnyCase>(words[1], bytes + 4) &&
         decode_hex8<AnyCase>(words[2], bytes + 8) && decode_hex8<AnyCase>(words[3], bytes + 12);
}

}  // namespace detail

MEGAPORT_WEBHOOKS_NAMESPACE_END
