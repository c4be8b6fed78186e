#pragma once

/// \file
/// RFC 3339 date-times (the envelope's `timestamp`) to and from UTC time points.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "detail/words.hpp"
#include "result.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A UTC instant with nanosecond precision.
using utc_time = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

namespace detail {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil-days algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

constexpr bool is_leap_year(unsigned year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr unsigned days_in_month(unsigned year, unsigned month) noexcept {
  constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : lengths[month - 1];
}

// Pairs of decimal digits in a little-endian word: byte i of `pairs` becomes 10 × digit i +
// digit i + 1 for the digit bytes `mask` marks (0xff each); false when one is no digit. A
// digit's byte is 0 to 9 once '0' is taken away; adding 0x76 sets the top bit of any other.
inline bool decimal_pairs(std::uint64_t word, std::uint64_t mask, std::uint64_t& pairs) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101;
  const std::uint64_t digits = (word ^ ones * '0') & mask;
  if ((((digits + ones * 0x76) | digits) & ones * 0x80) != 0) return false;
  pairs = digits * 10 + (digits >> 8);
  return true;
}

// Reads exactly `count` decimal digits at `pos`; false if any is not a digit.
constexpr bool read_digits(std::string_view text, std::size_t pos, std::size_t count,
                           unsigned& out) noexcept {
  if (pos + count > text.size()) return false;
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace detail

namespace detail {

// `parse_timestamp` with a bool answer, which the JSON reader takes without a `result` in memory.
inline bool decode_timestamp(std::string_view text, utc_time& out) noexcept {
  constexpr bool invalid = false;
  if (text.size() < 20) return invalid;

  // The fixed part, `YYYY-MM-DDTHH:MM:SS`, as three overlapping words of eight bytes.
  const std::uint64_t date = load_little_endian(text.data(), 8);       // YYYY-MM-
  const std::uint64_t time = load_little_endian(text.data() + 8, 8);   // DDTHH:MM
  const std::uint64_t tail = load_little_endian(text.data() + 11, 8);  // HH:MM:SS
  constexpr std::uint64_t date_digits = 0x00ffff00ffffffff, time_digits = 0xffff00ffff00ffff;
  constexpr std::uint64_t tail_digits = 0xffff000000000000;
  std::uint64_t date_pairs = 0, time_pairs = 0, tail_pairs = 0;
  if (!decimal_pairs(date, date_digits, date_pairs) ||
      !decimal_pairs(time, time_digits, time_pairs) ||
      !decimal_pairs(tail, tail_digits, tail_pairs)) {
    return invalid;
  }

  const auto separator = static_cast<char>(time >> 16 & 0xff);
  const bool separators =
      (date & ~date_digits) == (std::uint64_t{'-'} << 32 | std::uint64_t{'-'} << 56) &&
      (time & ~time_digits & ~(std::uint64_t{0xff} << 16)) == std::uint64_t{':'} << 40 &&
      (tail >> 40 & 0xff) == ':' && (separator == 'T' || separator == 't' || separator == ' ');
  if (!separators) return invalid;

  auto pair = [](std::uint64_t pairs, int byte) noexcept {
    return static_cast<unsigned>(pairs >> (8 * byte) & 0xff);
  };
  const unsigned year = pair(date_pairs, 0) * 100 + pair(date_pairs, 2);
  const unsigned month = pair(date_pairs, 5);
  const unsigned day = pair(time_pairs, 0);
  const unsigned hour = pair(time_pairs, 3);
  const unsigned minute = pair(time_pairs, 6);
  const unsigned second = pair(tail_pairs, 6);

  if (month < 1 || month > 12 || day < 1 || day > detail::days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return invalid;
  }

  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    std::int64_t scale = 100000000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return invalid;
  }

  std::int64_t offset_seconds = 0;
  if (pos == text.size()) return invalid;
  const char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    ++pos;
  } else if (zone == '+' || zone == '-') {
    unsigned oh = 0, om = 0;
    if (!detail::read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !detail::read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return invalid;
    }
    offset_seconds = (zone == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return invalid;
  }
  if (pos != text.size()) return invalid;

  const std::int64_t days = detail::days_from_civil(year, month, day);
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;

  // Nanoseconds in 64 bits span about 1677 to 2262; anything outside would overflow.
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t max_seconds = max / 1000000000;
  if (seconds < -max_seconds || seconds > max_seconds) return invalid;
  const std::int64_t whole = seconds * 1000000000;
  if (whole > 0 && nanos > max - whole) return invalid;
  out = utc_time(std::chrono::nanoseconds(whole + nanos));
  return true;
}

}  // namespace detail

/// Parses an RFC 3339 date-time such as `2026-01-15T10:30:00Z` or
/// `2026-01-15T20:30:00.123+10:00` into a UTC instant.
///
/// The separator may be `T`, `t` or a space; the zone `Z`, `z` or `+hh:mm` / `-hh:mm`. Months,
/// day counts (leap years included), hours, minutes and seconds are checked. Fractions keep up
/// to nanoseconds; further digits are accepted and dropped.
/// \note A leap second (`:60`) is refused: the system clock cannot represent it.
/// \note A date-time without a zone is refused: its instant is unknowable.
/// \note Instants `utc_time` cannot hold (before 1677-09-21 or after 2262-04-11) are refused.
[[nodiscard]] inline result<utc_time> parse_timestamp(std::string_view text) noexcept {
  utc_time out;
  if (!detail::decode_timestamp(text, out)) return error{errc::invalid_timestamp};
  return out;
}

/// Room for the longest text `format_timestamp` writes.
constexpr std::size_t timestamp_text_size = 30;

/// Writes `when` as RFC 3339 in UTC (`2026-01-15T10:30:00Z`, with a fraction only when it is
/// not zero, trailing zeros trimmed) into `out`, which must hold `timestamp_text_size` bytes.
/// Returns the length written.
/// \note Years outside 0000 to 9999 are clamped to that range's four digits.
inline std::size_t format_timestamp(utc_time when, char* out) noexcept {
  // Whole seconds rounded down and the nanoseconds left, without converting back (which would
  // overflow at the bottom of the range).
  const std::int64_t count = when.time_since_epoch().count();
  std::int64_t total = count / 1000000000;
  std::int64_t nanos = count % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    total -= 1;
  }

  std::int64_t days = total / 86400;
  std::int64_t rest = total % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  const detail::civil_date date = detail::civil_from_days(days);
  const auto year = static_cast<unsigned>(date.year < 0 ? 0 : date.year > 9999 ? 9999 : date.year);

  auto put2 = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  put2(out, year / 100);
  put2(out + 2, year % 100);
  out[4] = '-';
  put2(out + 5, date.month);
  out[7] = '-';
  put2(out + 8, date.day);
  out[10] = 'T';
  put2(out + 11, static_cast<unsigned>(rest / 3600));
  out[13] = ':';
  put2(out + 14, static_cast<unsigned>(rest / 60 % 60));
  out[16] = ':';
  put2(out + 17, static_cast<unsigned>(rest % 60));

  std::size_t size = 19;
  if (nanos != 0) {
    out[size++] = '.';
    for (std::int64_t scale = 100000000; scale > 0 && nanos != 0; scale /= 10) {
      out[size++] = static_cast<char>('0' + nanos / scale);
      nanos %= scale;
    }
  }
  out[size++] = 'Z';
  return size;
}

MEGAPORT_WEBHOOKS_NAMESPACE_END
