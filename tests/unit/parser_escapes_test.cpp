// Values and keys written with JSON escapes mean what they spell: the parser reads plain ones
// in place and must fall back to unescaping for the others, with the same result.

#include <megaport/webhooks.hpp>
#include <megaport/webhooks/testing.hpp>

#include <string>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using mw::testing::delivery_builder;

namespace {

mw::result<mw::event<>> parse(const std::string& body) {
  static mw::delivery_parser parser;
  return parser.parse(body);
}

// The builder quotes names itself, so escaped keys are put in by editing its body.
std::string with_key(std::string body, const std::string& plain, const std::string& written) {
  const std::string from = "\"" + plain + "\":";
  const auto at = body.find(from);
  REQUIRE(at != std::string::npos);
  return body.replace(at, from.size(), "\"" + written + "\":");
}

}  // namespace

TEST_CASE("escaped keys of payload fields name those fields", "[parser][escapes]") {
  const std::string key =
      GENERATE(as<std::string>{}, "\\u0061ttempts", "attempt\\u0073", "att\\u0065mpts");
  auto builder = delivery_builder::login_failure();
  builder.data_field("attempts", "9");
  const auto event = parse(with_key(builder.body(), "attempts", key));
  REQUIRE(event);
  CHECK(event->get<mw::login_failure>()->attempts == 9);
}

TEST_CASE("escaped envelope keys name those fields", "[parser][escapes]") {
  auto builder = delivery_builder::login_failure();
  builder.field("schema_version", "\"7\"");
  const auto event = parse(with_key(builder.body(), "schema_version", "schema_\\u0076ersion"));
  REQUIRE(event);
  CHECK(event->schema_version == "7");
}

TEST_CASE("UUIDs and timestamps written with escapes parse as their plain text",
          "[parser][escapes]") {
  auto builder = delivery_builder::login_failure();
  builder.field("company_uid", R"("\u0038a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b")")
      .field("timestamp", R"("2026-01-15T10:30:00\u005a")")
      .data_field("person_uid", R"("34ee661a\u002d18f0-4c30-8a73-e2d7e0ab641d")");
  const auto event = parse(builder.body());
  REQUIRE(event);
  CHECK(event->company_uid.text().view() == "8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b");
  CHECK(event->get<mw::login_failure>()->person_uid.text().view() ==
        "34ee661a-18f0-4c30-8a73-e2d7e0ab641d");
  CHECK(event->timestamp == *mw::parse_timestamp("2026-01-15T10:30:00Z"));
}

TEST_CASE("keys that merely start like a known name are other fields", "[parser][escapes]") {
  const std::string key = GENERATE(as<std::string>{}, "types", "typ", "type ", "data2", "emails");
  auto builder = delivery_builder::login_failure();
  builder.field(key, "[1,{\"a\":null}]").data_field(key, "\"x\"");
  const auto event = parse(builder.body());
  REQUIRE(event);
  CHECK(event->type == "security.login.failed");
  CHECK(event->get<mw::login_failure>()->email == "user@example.com");
}

TEST_CASE("a bad escape in a key is malformed JSON", "[parser][escapes]") {
  const std::string key = GENERATE(as<std::string>{}, "typ\\x65", "\\u00zz", "em\\ail");
  auto builder = delivery_builder::login_failure();
  builder.data_field("extra", "1");
  const auto event = parse(with_key(builder.body(), "extra", key));
  REQUIRE_FALSE(event);
}

TEST_CASE("a bad escape in a string nobody reads is malformed JSON", "[parser][escapes]") {
  // Bodies without a backslash skip decoding their unread strings; one bad escape must not.
  const std::string bad = GENERATE(as<std::string>{}, R"("\x41")", R"("\u12")", R"("a\")",
                                   R"("\uZZZZ")", R"(["ok", {"k": "\q"}])");
  auto builder = delivery_builder::login_failure();
  builder.field("extra", bad);
  CHECK_FALSE(parse(builder.body()));

  auto unknown = delivery_builder::login_failure();
  unknown.field("type", "\"some.new.event\"").data_field("deep", "{\"list\":[" + bad + "]}");
  CHECK_FALSE(parse(unknown.body()));
}

TEST_CASE("good escapes in strings nobody reads are accepted", "[parser][escapes]") {
  const std::string good = GENERATE(as<std::string>{}, R"("\"")", R"("\\")", R"("\u00e9\n\t")",
                                    R"("\ud83d\ude00")", R"({"k\u0041": ["\/"]})");
  auto builder = delivery_builder::login_failure();
  builder.field("extra", good).data_field("note", good);
  const auto event = parse(builder.body());
  REQUIRE(event);
  CHECK(event->get<mw::login_failure>()->attempts == 5);
}
