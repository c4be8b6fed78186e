#pragma once

/// \file
/// UUIDs in the `8-4-4-4-12` hexadecimal form, parsed into bytes and written back lowercase.

#include <array>
#include <cstdint>
#include <string_view>

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

MEGAPORT_WEBHOOKS_NAMESPACE_END
