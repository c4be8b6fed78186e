// UUIDs: the one accepted form, in any case, and its canonical lowercase text.

#include <megaport/webhooks/uuid.hpp>

#include <string>

#include "catch.hpp"

namespace mw = megaport::webhooks;

TEST_CASE("UUIDs in any case parse and come back lowercase", "[uuid]") {
  auto [text, canonical] = GENERATE(table<std::string, std::string>({
      {"34ee661a-18f0-4c30-8a73-e2d7e0ab641d", "34ee661a-18f0-4c30-8a73-e2d7e0ab641d"},
      {"34EE661A-18F0-4C30-8A73-E2D7E0AB641D", "34ee661a-18f0-4c30-8a73-e2d7e0ab641d"},
      {"34Ee661A-18f0-4C30-8a73-E2d7E0aB641d", "34ee661a-18f0-4c30-8a73-e2d7e0ab641d"},
      {"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"},
      {"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
      {"d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8", "d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8"},
      {"01234567-89ab-cdef-0123-456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef"},
  }));
  const auto parsed = mw::parse_uuid(text);
  REQUIRE(parsed);
  CHECK(parsed->text().view() == canonical);
  CHECK(*mw::parse_uuid(canonical) == *parsed);
}

TEST_CASE("a UUID's bytes are in text order", "[uuid]") {
  const auto parsed = mw::parse_uuid("00112233-4455-6677-8899-aabbccddeeff");
  REQUIRE(parsed);
  for (std::size_t i = 0; i < 16; ++i) {
    CHECK(parsed->bytes[i] == static_cast<std::uint8_t>(i * 0x11));
  }
}

TEST_CASE("UUIDs compare by their bytes", "[uuid]") {
  const auto a = *mw::parse_uuid("34ee661a-18f0-4c30-8a73-e2d7e0ab641d");
  const auto b = *mw::parse_uuid("34EE661A-18F0-4C30-8A73-E2D7E0AB641D");
  const auto c = *mw::parse_uuid("34ee661a-18f0-4c30-8a73-e2d7e0ab641e");
  CHECK(a == b);
  CHECK_FALSE(a != b);
  CHECK(a != c);
  CHECK(mw::uuid{} == *mw::parse_uuid("00000000-0000-0000-0000-000000000000"));
}

TEST_CASE("anything but the 8-4-4-4-12 form is refused", "[uuid]") {
  const std::string text =
      GENERATE(as<std::string>{}, "",                            // empty
               "34ee661a-18f0-4c30-8a73-e2d7e0ab641",            // 35 characters
               "34ee661a-18f0-4c30-8a73-e2d7e0ab641d0",          // 37 characters
               "34ee661a18f04c308a73e2d7e0ab641d",               // no dashes
               "34ee661a-18f04c30-8a73-e2d7e0ab641d-",           // a dash moved to the end
               "34ee661-a18f0-4c30-8a73-e2d7e0ab641d",           // a dash misplaced
               "34ee661a_18f0_4c30_8a73_e2d7e0ab641d",           // other separators
               "{34ee661a-18f0-4c30-8a73-e2d7e0ab641d}",         // braces
               "urn:uuid:34ee661a-18f0-4c30-8a73-e2d7e0ab641d",  // URN prefix
               " 34ee661a-18f0-4c30-8a73-e2d7e0ab641d",          // leading space
               "34ee661a-18f0-4c30-8a73-e2d7e0ab641d ",          // trailing space
               "34ee661g-18f0-4c30-8a73-e2d7e0ab641d",           // g is not hex
               "34ee661a-18f0-4c30-8a73-e2d7e0ab641z",           // nor is z
               "34ee661a-18f0-4c30-8a73-e2d7e0ab64 d",           // nor a space
               "34ee661a-18f0-4c30-8a73-e2d7e0ab64\xc3\xa9",     // nor a multi-byte letter
               "-34ee661a-18f0-4c30-8a73-e2d7e0ab641",           // dash first
               "------------------------------------",           // dashes only
               "your-company-uuid");
  INFO(text);
  const auto parsed = mw::parse_uuid(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.failure().code == mw::errc::invalid_uuid);
  CHECK(parsed.failure().message() == "not a UUID");
}

TEST_CASE("the canonical text is available at compile time", "[uuid]") {
  constexpr mw::uuid zero{};
  static_assert(zero.text().view() == "00000000-0000-0000-0000-000000000000", "canonical text");
  CHECK(zero.text().view().size() == 36);
}

TEST_CASE("the parser's word-at-a-time decoder agrees with parse_uuid on every byte", "[uuid]") {
  // Every byte value at every position of a valid UUID, upper and lower case around it.
  const std::string base = GENERATE(std::string("0123abcd-4567-89ef-ABCD-fedcba987654"),
                                    std::string("ffffffff-0000-9999-aaaa-FFFFFFFFFFFF"));
  for (std::size_t pos = 0; pos < base.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      std::string text = base;
      text[pos] = static_cast<char>(c);
      const auto expected = mw::parse_uuid(text);
      mw::uuid decoded;
      const bool ok = mw::detail::decode_uuid(text, decoded);
      INFO("position " << pos << ", byte " << c);
      REQUIRE(ok == expected.has_value());
      if (ok) REQUIRE(decoded == *expected);
    }
  }
}

TEST_CASE("the lowercase-only decoder refuses exactly the uppercase letters", "[uuid]") {
  const std::string lower = "0123abcd-4567-89ef-abcd-fedcba987654";
  mw::uuid decoded;
  CHECK(mw::detail::decode_uuid<false>(lower, decoded));
  CHECK(decoded == *mw::parse_uuid(lower));
  for (std::size_t pos = 0; pos < lower.size(); ++pos) {
    if (lower[pos] == '-') continue;
    for (char c : std::string("ABCDEF")) {
      std::string text = lower;
      text[pos] = c;
      INFO(text);
      CHECK_FALSE(mw::detail::decode_uuid<false>(text, decoded));
      CHECK(mw::detail::decode_uuid<true>(text, decoded));
    }
  }
}
