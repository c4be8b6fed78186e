// RFC 3339 date-times: what parse_timestamp accepts and refuses, and format_timestamp's output.

#include <megaport/webhooks/timestamp.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "catch.hpp"

namespace mw = megaport::webhooks;

namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

std::int64_t unix_seconds(const mw::utc_time& when) {
  return std::chrono::duration_cast<seconds>(when.time_since_epoch()).count();
}

std::int64_t nanos_since_epoch(const mw::utc_time& when) {
  return when.time_since_epoch().count();
}

std::string formatted(mw::utc_time when) {
  char text[mw::timestamp_text_size];
  return std::string(text, mw::format_timestamp(when, text));
}

}  // namespace

TEST_CASE("UTC date-times map to unix seconds", "[timestamp]") {
  auto [text, expected] = GENERATE(table<std::string, std::int64_t>({
      {"1970-01-01T00:00:00Z", 0},
      {"2026-01-15T10:30:00Z", 1768473000},
      {"2025-01-15T12:00:00Z", 1736942400},
      {"2000-03-01T00:00:00Z", 951868800},
      {"1969-12-31T23:59:59Z", -1},
      {"2262-04-11T23:47:16Z", 9223372036},
      {"1677-09-22T00:00:00Z", -9223286400},
  }));
  const auto parsed = mw::parse_timestamp(text);
  REQUIRE(parsed);
  CHECK(unix_seconds(*parsed) == expected);
}

TEST_CASE("zone designators and separators", "[timestamp]") {
  // Every one of these is the instant 2026-01-15T10:30:00Z.
  const std::string text = GENERATE(
      as<std::string>{}, "2026-01-15T10:30:00Z", "2026-01-15T10:30:00z", "2026-01-15t10:30:00Z",
      "2026-01-15 10:30:00Z", "2026-01-15T20:30:00+10:00", "2026-01-15T05:00:00-05:30",
      "2026-01-15T10:30:00+00:00", "2026-01-15T10:30:00-00:00", "2026-01-16T10:29:00+23:59",
      "2026-01-14T10:31:00-23:59");
  const auto parsed = mw::parse_timestamp(text);
  REQUIRE(parsed);
  CHECK(unix_seconds(*parsed) == 1768473000);
}

TEST_CASE("fractions of a second keep up to nanoseconds", "[timestamp]") {
  auto [fraction, nanos] = GENERATE(table<std::string, std::int64_t>({
      {".1", 100000000},
      {".12", 120000000},
      {".123", 123000000},
      {".1234", 123400000},
      {".12345", 123450000},
      {".123456", 123456000},
      {".1234567", 123456700},
      {".12345678", 123456780},
      {".123456789", 123456789},
      {".1234567891", 123456789},
      {".123456789999999", 123456789},
      {".000000001", 1},
      {".0", 0},
      {".999999999", 999999999},
  }));
  const std::string zone = GENERATE(as<std::string>{}, "Z", "+01:00");
  const auto parsed = mw::parse_timestamp("2026-01-15T10:30:00" + fraction + zone);
  REQUIRE(parsed);
  const std::int64_t base = zone == "Z" ? 1768473000 : 1768473000 - 3600;
  CHECK(nanos_since_epoch(*parsed) == base * 1000000000 + nanos);
}

TEST_CASE("leap days exist only in leap years", "[timestamp]") {
  auto [date, valid] = GENERATE(table<std::string, bool>({
      {"2024-02-29", true},
      {"2000-02-29", true},
      {"2096-02-29", true},
      {"2028-02-29", true},
      {"2023-02-29", false},
      {"1900-02-29", false},
      {"2100-02-29", false},
      {"2025-02-29", false},
      {"2024-02-30", false},
      {"2023-02-28", true},
  }));
  CHECK(static_cast<bool>(mw::parse_timestamp(date + "T00:00:00Z")) == valid);
}

TEST_CASE("each month has its own length", "[timestamp]") {
  const unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const unsigned month = GENERATE(range(1u, 13u));
  char date[32];
  std::snprintf(date, sizeof date, "2025-%02u-%02uT12:00:00Z", month, lengths[month - 1]);
  CHECK(mw::parse_timestamp(date));
  std::snprintf(date, sizeof date, "2025-%02u-%02uT12:00:00Z", month, lengths[month - 1] + 1);
  CHECK_FALSE(mw::parse_timestamp(date));
  std::snprintf(date, sizeof date, "2025-%02u-00T12:00:00Z", month);
  CHECK_FALSE(mw::parse_timestamp(date));
}

TEST_CASE("months, hours, minutes and seconds out of range are refused", "[timestamp]") {
  const std::string text = GENERATE(
      as<std::string>{}, "2026-00-15T10:30:00Z", "2026-13-15T10:30:00Z", "2026-01-32T10:30:00Z",
      "2026-01-15T24:00:00Z", "2026-01-15T25:30:00Z", "2026-01-15T10:60:00Z",
      "2026-01-15T10:99:00Z", "2026-01-15T10:30:60Z", "2026-01-15T10:30:61Z",
      "2026-01-15T10:30:00+24:00", "2026-01-15T10:30:00+10:60", "2026-01-15T10:30:00-99:00");
  const auto parsed = mw::parse_timestamp(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.failure().code == mw::errc::invalid_timestamp);
}

TEST_CASE("a date-time without a zone is refused", "[timestamp]") {
  const std::string text =
      GENERATE(as<std::string>{}, "2026-01-15T10:30:00", "2026-01-15T10:30:00.123",
               "2026-01-15T10:30:00.", "2026-01-15T10:30", "2026-01-15", "2026-01-15T10:30:00 ");
  CHECK(mw::parse_timestamp(text).failure().code == mw::errc::invalid_timestamp);
}

TEST_CASE("malformed date-times are refused", "[timestamp]") {
  const std::string text =
      GENERATE(as<std::string>{}, "", "Z", "garbage", "1736942400", "2026/01/15T10:30:00Z",
               "2026-1-15T10:30:00Z", "2026-01-5T10:30:00Z", "26-01-15T10:30:00Z",
               "+2026-01-15T10:30:00Z", "2026-01-15X10:30:00Z", "2026-01-15T10-30-00Z",
               "2026-01-15T10:30:00.Z", "2026-01-15T10:30:00ZZ", "2026-01-15T10:30:00Z ",
               " 2026-01-15T10:30:00Z", "2026-01-15T10:30:00+10", "2026-01-15T10:30:00+1000",
               "2026-01-15T10:30:00+10:0", "2026-01-15T10:30:00+10:00:00", "2026-01-15T10:30:00UTC",
               "2026-01-15T10:30:00.1a2Z", "2026-01-15T10:3a:00Z", "abcd-01-15T10:30:00Z",
               "2026-01-15T10:30:00\xffZ", "Thu, 15 Jan 2026 10:30:00 GMT");
  INFO(text);
  const auto parsed = mw::parse_timestamp(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.failure().code == mw::errc::invalid_timestamp);
  CHECK(parsed.failure().message() == "not an RFC 3339 date-time with a zone");
}

TEST_CASE("format_timestamp writes UTC with a trimmed fraction", "[timestamp]") {
  auto [since_epoch, text] = GENERATE(table<std::int64_t, std::string>({
      {0, "1970-01-01T00:00:00Z"},
      {1768473000LL * 1000000000, "2026-01-15T10:30:00Z"},
      {1768473000LL * 1000000000 + 500000000, "2026-01-15T10:30:00.5Z"},
      {1768473000LL * 1000000000 + 123456789, "2026-01-15T10:30:00.123456789Z"},
      {1768473000LL * 1000000000 + 1, "2026-01-15T10:30:00.000000001Z"},
      {1768473000LL * 1000000000 + 120000000, "2026-01-15T10:30:00.12Z"},
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {-1000000000, "1969-12-31T23:59:59Z"},
      {951782400LL * 1000000000, "2000-02-29T00:00:00Z"},
  }));
  CHECK(formatted(mw::utc_time(nanoseconds(since_epoch))) == text);
}

TEST_CASE("parse and format round trip", "[timestamp]") {
  const std::string text =
      GENERATE(as<std::string>{}, "2026-01-15T10:30:00Z", "2024-02-29T23:59:59.999999999Z",
               "1999-12-31T23:59:59.5Z", "2000-01-01T00:00:00.000000001Z", "1970-01-01T00:00:00Z",
               "1900-03-01T01:02:03.04Z", "2262-04-11T23:47:16.854775807Z", "1677-09-22T00:00:00Z");
  const auto parsed = mw::parse_timestamp(text);
  REQUIRE(parsed);
  CHECK(formatted(*parsed) == text);
  CHECK(*mw::parse_timestamp(formatted(*parsed)) == *parsed);
}

TEST_CASE("an offset round trips to the same instant in UTC", "[timestamp]") {
  auto [with_offset, in_utc] = GENERATE(table<std::string, std::string>({
      {"2026-01-15T20:30:00+10:00", "2026-01-15T10:30:00Z"},
      {"2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"},
      {"2024-02-28T22:00:00-02:00", "2024-02-29T00:00:00Z"},
      {"2026-03-01T00:00:00.25+00:01", "2026-02-28T23:59:00.25Z"},
  }));
  const auto parsed = mw::parse_timestamp(with_offset);
  REQUIRE(parsed);
  CHECK(formatted(*parsed) == in_utc);
}

TEST_CASE("instants a utc_time cannot hold are refused, not overflowed", "[timestamp]") {
  const std::string text =
      GENERATE(as<std::string>{}, "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
               "1677-09-21T00:00:00Z", "2262-04-11T23:47:16.854775808Z", "2262-04-12T00:00:00Z",
               "9999-12-31T23:59:59Z", "2262-04-11T23:47:16-00:01");
  INFO(text);
  CHECK(mw::parse_timestamp(text).failure().code == mw::errc::invalid_timestamp);
}

TEST_CASE("format_timestamp fits the documented size", "[timestamp]") {
  auto [nanos, text] = GENERATE(table<std::int64_t, std::string>({
      {INT64_MAX, "2262-04-11T23:47:16.854775807Z"},
      {INT64_MIN, "1677-09-21T00:12:43.145224192Z"},
  }));
  const std::string written = formatted(mw::utc_time(nanoseconds(nanos)));
  CHECK(written.size() <= mw::timestamp_text_size);
  CHECK(written == text);
}

TEST_CASE("every byte of the fixed part is checked, whatever it is replaced with", "[timestamp]") {
  // Each position of `2024-02-29T23:59:58Z` takes each byte value. A character-by-character
  // reading decides what must happen: digits only where digits stand, the separators the
  // grammar allows, and the calendar's and the clock's ranges.
  const std::string base = "2024-02-29T23:59:58Z";
  auto reference = [](const std::string& text) {
    for (std::size_t i = 0; i < 19; ++i) {
      const char c = text[i];
      const bool digit = c >= '0' && c <= '9';
      if (i == 4 || i == 7) {
        if (c != '-') return false;
      } else if (i == 10) {
        if (c != 'T' && c != 't' && c != ' ') return false;
      } else if (i == 13 || i == 16) {
        if (c != ':') return false;
      } else if (!digit) {
        return false;
      }
    }
    auto number = [&text](std::size_t at, std::size_t count) {
      return std::stoi(text.substr(at, count));
    };
    const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int lengths[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    // A utc_time holds 1677-09-21 to 2262-04-11; no year these changes make is on either edge.
    return year >= 1678 && year <= 2261 && month >= 1 && month <= 12 && day >= 1 &&
           day <= lengths[month - 1] && number(11, 2) <= 23 && number(14, 2) <= 59 &&
           number(17, 2) <= 59;
  };

  for (std::size_t pos = 0; pos < 19; ++pos) {
    for (int c = 0; c < 256; ++c) {
      std::string text = base;
      text[pos] = static_cast<char>(c);
      INFO("position " << pos << ", byte " << c);
      REQUIRE(mw::parse_timestamp(text).has_value() == reference(text));
    }
  }
}
