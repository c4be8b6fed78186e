// The delivery parser against the whole-body rules: every rule with several inputs of its class.

#include <megaport/webhooks.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;

namespace {

constexpr std::string_view company = "8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b";
constexpr std::string_view person = "34ee661a-18f0-4c30-8a73-e2d7e0ab641d";

/// An object whose members keep the order they are given, written as compact JSON text.
struct object_text {
  std::vector<std::pair<std::string, std::string>> members;  // name, raw JSON value

  object_text& set(const std::string& name, const std::string& raw) {
    for (auto& member : members) {
      if (member.first == name) {
        member.second = raw;
        return *this;
      }
    }
    members.emplace_back(name, raw);
    return *this;
  }

  object_text& add(const std::string& name, const std::string& raw) {
    members.emplace_back(name, raw);
    return *this;
  }

  object_text& insert(std::size_t at, const std::string& name, const std::string& raw) {
    members.insert(members.begin() + static_cast<std::ptrdiff_t>(std::min(at, members.size())),
                   {name, raw});
    return *this;
  }

  object_text& remove(const std::string& name) {
    members.erase(std::remove_if(members.begin(), members.end(),
                                 [&](const auto& member) { return member.first == name; }),
                  members.end());
    return *this;
  }

  std::string text() const {
    std::string out = "{";
    for (const auto& member : members) {
      if (out.size() > 1) out += ",";
      out += "\"" + member.first + "\":" + member.second;
    }
    return out + "}";
  }
};

std::string json_string(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

object_text login_data() {
  return object_text{}
      .add("person_uid", json_string(person))
      .add("email", "\"user@example.com\"")
      .add("attempts", "5")
      .add("account_locked", "true");
}

object_text registration_data() {
  return object_text{}
      .add("person_uid", json_string(person))
      .add("position", "\"Company Admin\"")
      .add("email", "\"user@example.com\"")
      .add("first_name", "\"John\"")
      .add("last_name", "\"Smith\"");
}

object_text reset_data() {
  return object_text{}.add("person_uid", json_string(person)).add("email", "\"user@example.com\"");
}

object_text envelope_of(std::string_view type, const std::string& data) {
  return object_text{}
      .add("type", json_string(type))
      .add("schema_version", "\"1\"")
      .add("timestamp", "\"2026-01-15T10:30:00Z\"")
      .add("company_uid", json_string(company))
      .add("data", data);
}

object_text login_body() {
  return envelope_of("security.login.failed", login_data().text());
}
object_text unknown_body(const std::string& data = R"({"product_uid":"p-1"})") {
  return envelope_of("service.provisioned", data);
}

std::string nested(std::size_t levels, char open = '[', char close = ']') {
  return std::string(levels, open) + std::string(levels, close);
}

/// `levels` objects, each holding the next under "a": `{"a":{"a":1}}` is two levels.
std::string nested_objects(std::size_t levels) {
  std::string out;
  for (std::size_t i = 0; i < levels; ++i)
    out += "{\"a\":";
  out += "1";
  out += std::string(levels, '}');
  return out;
}

/// Parses a copy of `body`. Like the parser's own results, each one's views (into the parser and
/// into the body) stay valid until the next call.
mw::result<mw::event<>> parse(const std::string& body) {
  static mw::delivery_parser parser;
  static std::string kept;
  kept = body;
  return parser.parse(kept);
}

std::string message_of(const std::string& body) {
  return parse(body).failure().message();
}

/// The body's JSON with the invalid bytes placed where the caller asks, per location.
enum class place {
  envelope_key,
  envelope_unknown,
  type_value,
  payload_key,
  payload_value,
  payload_unknown,
  unknown_type_data,
  data_before_type
};

std::string body_with(place where, const std::string& raw_value, const std::string& key = "x") {
  switch (where) {
    case place::envelope_key: return login_body().insert(2, key, raw_value).text();
    case place::envelope_unknown: return login_body().insert(1, "extra", raw_value).text();
    case place::type_value: return login_body().set("type", raw_value).text();
    case place::payload_key:
      return envelope_of("security.login.failed", login_data().insert(1, key, raw_value).text())
          .text();
    case place::payload_value:
      return envelope_of("security.login.failed", login_data().set("email", raw_value).text())
          .text();
    case place::payload_unknown:
      return envelope_of("security.login.failed", login_data().add("extra", raw_value).text())
          .text();
    case place::unknown_type_data:
      return unknown_body(object_text{}.add("a", "1").add("extra", raw_value).text()).text();
    case place::data_before_type: {
      object_text body = login_body();
      std::string data = login_data().add("extra", raw_value).text();
      body.remove("data").insert(0, "data", data);
      return body.text();
    }
  }
  return {};
}

const std::array<place, 8> every_place = {place::envelope_key,      place::envelope_unknown,
                                          place::type_value,        place::payload_key,
                                          place::payload_value,     place::payload_unknown,
                                          place::unknown_type_data, place::data_before_type};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The three payloads the spec documents.

TEST_CASE("a login failure parses into its typed payload", "[parser][spec]") {
  auto [attempts_text, attempts, locked_text, locked, email] =
      GENERATE(table<std::string, std::int64_t, std::string, bool, std::string>({
          {"5", 5, "true", true, "user@example.com"},
          {"1", 1, "false", false, "a@b.c"},
          {"0", 0, "false", false, ""},
          {"-3", -3, "true", true, "x\\u00e9y"},
          {"9223372036854775807", INT64_MAX, "false", false, "name+tag@example.org"},
      }));
  const std::string data = login_data()
                               .set("attempts", attempts_text)
                               .set("account_locked", locked_text)
                               .set("email", json_string(email))
                               .text();
  const std::string body = envelope_of("security.login.failed", data).text();

  mw::delivery_parser parser;
  const auto event = parser.parse(body);
  REQUIRE(event);
  CHECK(event->kind() == "login_failure");
  CHECK(event->type == "security.login.failed");
  CHECK(event->schema_version == "1");
  CHECK(event->company_uid.text().view() == company);
  CHECK(event->timestamp == *mw::parse_timestamp("2026-01-15T10:30:00Z"));
  CHECK(event->data.text == data);

  const auto* login = event->get<mw::login_failure>();
  REQUIRE(login != nullptr);
  CHECK(login->person_uid.text().view() == person);
  CHECK(login->attempts == attempts);
  CHECK(login->account_locked == locked);
  if (email == "x\\u00e9y") {
    CHECK(login->email == "x\xc3\xa9y");
  } else {
    CHECK(login->email == email);
  }
  CHECK(event->get<mw::user_registration>() == nullptr);
  CHECK(event->get<mw::unknown_payload>() == nullptr);
}

TEST_CASE("a user registration parses into its typed payload", "[parser][spec]") {
  auto [position, first, last] = GENERATE(table<std::string, std::string, std::string>({
      {"Company Admin", "John", "Smith"},
      {"Technical Admin", "Zo\\u00eb", "O'Brien"},
      {"", "A", "B"},
      {"Finance \\\"lead\\\"", "Jean-Luc", "Picard"},
  }));
  const std::string data = registration_data()
                               .set("position", json_string(position))
                               .set("first_name", json_string(first))
                               .set("last_name", json_string(last))
                               .text();
  const auto event = parse(envelope_of("user.registered", data).text());
  REQUIRE(event);
  CHECK(event->kind() == "user_registration");
  CHECK(event->data.text == data);

  const auto* user = event->get<mw::user_registration>();
  REQUIRE(user != nullptr);
  CHECK(user->person_uid.text().view() == person);
  CHECK(user->email == "user@example.com");
  if (position == "Finance \\\"lead\\\"") {
    CHECK(user->position == "Finance \"lead\"");
  } else {
    CHECK(user->position == position);
  }
  if (first == "Zo\\u00eb") {
    CHECK(user->first_name == "Zo\xc3\xab");
  } else {
    CHECK(user->first_name == first);
  }
  CHECK(user->last_name == last);
}

TEST_CASE("a password reset request parses into its typed payload", "[parser][spec]") {
  const std::string email = GENERATE(as<std::string>{}, "user@example.com", "b@c.d", "\\/slash");
  const std::string data = reset_data().set("email", json_string(email)).text();
  const auto event = parse(envelope_of("security.password_reset.requested", data).text());
  REQUIRE(event);
  CHECK(event->kind() == "password_reset_request");
  const auto* reset = event->get<mw::password_reset_request>();
  REQUIRE(reset != nullptr);
  CHECK(reset->person_uid.text().view() == person);
  CHECK(reset->email == (email == "\\/slash" ? "/slash" : email));
}

TEST_CASE("the spec's pretty-printed layout parses like the compact one", "[parser][spec]") {
  const std::string layout = GENERATE(as<std::string>{}, " ", "\n", "\r\n", "\t", "\n    ", "");
  const std::string data = "{" + layout + "\"person_uid\" : \"" + std::string(person) + "\"," +
                           layout + "\"email\"     : \"user@example.com\"," + layout +
                           "\"attempts\" : 5," + layout + "\"account_locked\"  : true" + layout +
                           "}";
  const std::string body = "{" + layout + "\"type\": \"security.login.failed\"," + layout +
                           "\"schema_version\": \"1\"," + layout +
                           "\"timestamp\": \"2026-01-15T10:30:00Z\"," + layout +
                           "\"company_uid\": \"" + std::string(company) + "\"," + layout +
                           "\"data\": " + data + layout + "}" + layout;
  const auto event = parse(body);
  REQUIRE(event);
  CHECK(event->data.text == data);
  const auto* login = event->get<mw::login_failure>();
  REQUIRE(login != nullptr);
  CHECK(login->attempts == 5);
  CHECK(login->account_locked);
}

// ---------------------------------------------------------------------------------------------
// Unknown types.

TEST_CASE("an unknown type keeps its data text byte for byte", "[parser][unknown]") {
  const std::string type = GENERATE(as<std::string>{}, "service.provisioned", "ping", "",
                                    "security.login.failed.v2", "SECURITY.LOGIN.FAILED");
  const std::string data =
      GENERATE(as<std::string>{}, "{}", "{ }", R"({"product_uid":"p-1"})",
               "{\n  \"a\" : [ 1, 2.50, -0, 1e400 ],\n  \"b\":{\"c\":null}\n}",
               R"({"text":"caf\u00e9 \"quoted\" \\ \/","n":184467440737095516160})",
               R"({"deep":[[[[{"x":[true,false,null]}]]]]})");
  const std::string body = envelope_of(type, data).text();

  mw::delivery_parser parser;
  const auto event = parser.parse(body);
  REQUIRE(event);
  CHECK(event->kind() == "unknown");
  CHECK(event->type == type);
  CHECK(event->data.text == data);
  const auto* unknown = event->get<mw::unknown_payload>();
  REQUIRE(unknown != nullptr);
  CHECK(unknown->data.text == data);

  // The view is of the caller's bytes, not of a copy.
  const std::less_equal<const char*> at_most;
  const bool inside_body =
      at_most(body.data(), unknown->data.text.data()) &&
      at_most(unknown->data.text.data() + unknown->data.text.size(), body.data() + body.size());
  CHECK(inside_body);
}

TEST_CASE("whitespace around an unknown type's data is not part of its text", "[parser][unknown]") {
  const std::string gap = GENERATE(as<std::string>{}, " ", "\n\t ", "\r\n");
  const std::string data = R"({"a":1})";
  const std::string body = "{\"type\":\"x.y\",\"data\":" + gap + data + gap +
                           ",\"schema_version\":\"1\",\"timestamp\":\"2026-01-15T10:30:00Z\"," +
                           "\"company_uid\":\"" + std::string(company) + "\"}";
  const auto event = parse(body);
  REQUIRE(event);
  CHECK(event->data.text == data);
}

TEST_CASE("an unknown type's data must still be an object", "[parser][unknown]") {
  auto [data, got] = GENERATE(table<std::string, std::string>({
      {"[]", "an array"},
      {"\"text\"", "a string"},
      {"5", "a number"},
      {"null", "null"},
      {"true", "a boolean"},
  }));
  const auto event = parse(unknown_body(data).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::not_an_object);
  CHECK(event.failure().message() == "data: expected an object, got " + got);
}

// ---------------------------------------------------------------------------------------------
// Field order.

TEST_CASE("envelope fields parse in every order, known and unknown types", "[parser][order]") {
  const bool known = GENERATE(true, false);
  const object_text canonical = known ? login_body() : unknown_body();
  std::array<std::size_t, 5> order = {0, 1, 2, 3, 4};

  std::size_t permutations = 0;
  do {
    object_text body;
    for (std::size_t i : order) {
      body.add(canonical.members[i].first, canonical.members[i].second);
    }
    INFO(body.text());
    const auto event = parse(body.text());
    REQUIRE(event);
    CHECK(event->schema_version == "1");
    CHECK(event->company_uid.text().view() == company);
    CHECK(event->data.text == canonical.members[4].second);
    if (known) {
      const auto* login = event->get<mw::login_failure>();
      REQUIRE(login != nullptr);
      CHECK(login->attempts == 5);
      CHECK(login->email == "user@example.com");
    } else {
      REQUIRE(event->get<mw::unknown_payload>() != nullptr);
      CHECK(event->get<mw::unknown_payload>()->data.text == canonical.members[4].second);
    }
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 120);
}

TEST_CASE("payload fields parse in every order", "[parser][order]") {
  const object_text canonical = registration_data();
  std::array<std::size_t, 5> order = {0, 1, 2, 3, 4};
  do {
    object_text data;
    for (std::size_t i : order) {
      data.add(canonical.members[i].first, canonical.members[i].second);
    }
    const auto event = parse(envelope_of("user.registered", data.text()).text());
    REQUIRE(event);
    const auto* user = event->get<mw::user_registration>();
    REQUIRE(user != nullptr);
    CHECK(user->person_uid.text().view() == person);
    CHECK(user->position == "Company Admin");
    CHECK(user->email == "user@example.com");
    CHECK(user->first_name == "John");
    CHECK(user->last_name == "Smith");
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("data before type still reads every envelope field", "[parser][order]") {
  // The second pass over the body must not leave views into the first pass's strings.
  const std::string type = GENERATE(as<std::string>{}, "security.login.failed", "service.other");
  object_text body = envelope_of(type, login_data().text());
  body.remove("data").insert(0, "data", login_data().text()).add("zzz", "\"trailing unknown\"");
  const auto event = parse(body.text());
  REQUIRE(event);
  CHECK(event->type == type);
  CHECK(event->schema_version == "1");
  CHECK(event->company_uid.text().view() == company);
  CHECK(event->data.text == login_data().text());
  CHECK(event->kind() == (type == "service.other" ? "unknown" : "login_failure"));
}

// ---------------------------------------------------------------------------------------------
// Unknown fields.

TEST_CASE("unknown fields anywhere are ignored", "[parser][unknown-fields]") {
  const std::string value =
      GENERATE(as<std::string>{}, "1", "-2.5e-3", "184467440737095516160", "1e400", "\"text\"",
               "null", "true", "false", "[]", "{}", R"({"nested":{"deeper":[1,{"x":[null,"y"]}]}})",
               R"([[1,2],[3,[4,[5]]],{"k":"v"}])", R"("with \"escapes\" \u00e9 \ud83d\ude00")",
               R"({"type":"not the envelope's","data":{"attempts":"not the payload's"}})");
  const std::size_t at = GENERATE(0u, 2u, 5u);
  INFO("value " << value << " at " << at);

  SECTION("in the envelope of a known type") {
    const auto event = parse(login_body().insert(at, "future_field", value).text());
    REQUIRE(event);
    REQUIRE(event->get<mw::login_failure>() != nullptr);
    CHECK(event->get<mw::login_failure>()->attempts == 5);
    CHECK(event->type == "security.login.failed");
  }
  SECTION("in the payload of a known type") {
    const std::string data = login_data().insert(at, "future_field", value).text();
    const auto event = parse(envelope_of("security.login.failed", data).text());
    REQUIRE(event);
    REQUIRE(event->get<mw::login_failure>() != nullptr);
    CHECK(event->get<mw::login_failure>()->attempts == 5);
    CHECK(event->data.text == data);
  }
  SECTION("in the envelope and data of an unknown type") {
    const std::string data = object_text{}.add("a", "1").insert(at, "b", value).text();
    const auto event = parse(unknown_body(data).insert(at, "future_field", value).text());
    REQUIRE(event);
    CHECK(event->kind() == "unknown");
    CHECK(event->data.text == data);
  }
}

// ---------------------------------------------------------------------------------------------
// Trailing content and second values.

TEST_CASE("whitespace after the object is fine", "[parser][trailing]") {
  const std::string tail = GENERATE(as<std::string>{}, " ", "\n", "\r\n", "\t \n ", "   \n\n");
  CHECK(parse(login_body().text() + tail));
}

TEST_CASE("a second top-level value is trailing content", "[parser][trailing]") {
  const std::string tail = GENERATE(as<std::string>{}, "{}", " {}", "\n{\"a\":1}",
                                    login_body().text(), "\n" + login_body().text(), " }");
  const auto event = parse(login_body().text() + tail);
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::trailing_content);
  CHECK(event.failure().message() == "content after the JSON value");
}

TEST_CASE("any other content after the object is an error", "[parser][trailing]") {
  const std::string tail = GENERATE(as<std::string>{}, "x", " x", "1", " \"s\"", "null", "[]", ",",
                                    "]", ":", "//comment", "\x01", " true", "{");
  const auto event = parse(login_body().text() + tail);
  REQUIRE_FALSE(event);
  CHECK((event.failure().code == mw::errc::trailing_content ||
         event.failure().code == mw::errc::invalid_json));
}

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8.

TEST_CASE("invalid UTF-8 anywhere is an error", "[parser][utf8]") {
  const std::string bytes = GENERATE(as<std::string>{},
                                     "\xff",                  // never valid
                                     "\x80",                  // lone continuation byte
                                     "\xc0\xaf",              // overlong '/'
                                     "\xe2\x82",              // truncated sequence
                                     "\xed\xa0\x80",          // an encoded surrogate
                                     "\xf4\x90\x80\x80",      // past U+10FFFF
                                     "\xf8\x88\x80\x80\x80",  // five-byte form
                                     "ok\xfe");
  const place where = GENERATE(from_range(every_place));
  const std::string value = json_string("a" + bytes + "b");
  const std::string body = where == place::envelope_key || where == place::payload_key
                               ? body_with(where, "1", "k" + bytes)
                               : body_with(where, value);
  INFO("place " << static_cast<int>(where));
  const auto event = parse(body);
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::invalid_utf8);
  CHECK(event.failure().message() == "invalid UTF-8");
}

TEST_CASE("valid multi-byte UTF-8 is kept as sent", "[parser][utf8]") {
  const std::string email = GENERATE(as<std::string>{}, "caf\xc3\xa9@example.com",
                                     "\xe2\x82\xac@example.com", "\xf0\x9f\x98\x80@example.com");
  const auto event = parse(
      envelope_of("security.login.failed", login_data().set("email", json_string(email)).text())
          .text());
  REQUIRE(event);
  CHECK(event->get<mw::login_failure>()->email == email);
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON.

TEST_CASE("malformed JSON is an error wherever it is, read or not", "[parser][malformed]") {
  const std::string value =
      GENERATE(as<std::string>{}, "[1,,2]", "[1,]", "[,1]", "[1 2]", R"({"a" 1})", R"({"a":1,})",
               R"({"a":1 "b":2})", R"({1:2})", R"({"a"})", R"("\x")", R"("\u12")", R"("\ud800")",
               R"("\udc00")", R"("\ud800\u0041")", "nul", "nulx", "tru", "fals", "truee", "01",
               "-01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "'single'",
               "\"tab\tinside\"", "\"newline\ninside\"", "\"ctl\x01\"");
  const place where = GENERATE(place::envelope_unknown, place::payload_unknown,
                               place::unknown_type_data, place::data_before_type);
  INFO("value " << value << " place " << static_cast<int>(where));
  const auto event = parse(body_with(where, value));
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::invalid_json);
}

TEST_CASE("malformed JSON in a known field is an error", "[parser][malformed]") {
  const std::string value = GENERATE(as<std::string>{}, "nul", "tru", "fals", "-", "01", "1.",
                                     R"("\x")", R"("\ud800")", "\"ctl\x01\"", "[1,,2]");
  const std::string field =
      GENERATE(as<std::string>{}, "email", "attempts", "account_locked", "person_uid");
  INFO(field << " = " << value);
  const auto event =
      parse(envelope_of("security.login.failed", login_data().set(field, value).text()).text());
  REQUIRE_FALSE(event);
  const auto code = event.failure().code;
  // A broken container behind a known field may be named as the wrong type: either is an error.
  CHECK((code == mw::errc::invalid_json || (value == "[1,,2]" && code == mw::errc::wrong_type)));
}

TEST_CASE("a malformed envelope is an error", "[parser][malformed]") {
  const std::string full = login_body().text();
  const std::string body =
      GENERATE_COPY(as<std::string>{}, R"({"type" "security.login.failed"})",
                    R"({"type":"security.login.failed" "schema_version":"1"})",
                    R"({"type":,"a":1})", R"({,"type":"x"})", R"({"type":"x",})", R"({type:"x"})",
                    R"({'type':'x'})", R"({"type":"unterminated})", R"({"type":"x"]})",
                    R"({"a":[}]})", full.substr(0, full.size() - 1) + ",}",
                    full.substr(0, full.size() - 2) + "}", "{\"type\":\"security.login.failed\",");
  INFO(body);
  const auto event = parse(body);
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::invalid_json);
}

TEST_CASE("every truncation of a valid body is an error", "[parser][malformed]") {
  const std::string full = GENERATE(login_body().text(), unknown_body().text());
  mw::delivery_parser parser;
  for (std::size_t size = 0; size < full.size(); ++size) {
    const auto event = parser.parse(std::string_view(full.data(), size));
    if (event) FAIL("a prefix of " << size << " bytes parsed: " << full.substr(0, size));
  }
  CHECK(parser.parse(full));
}

// ---------------------------------------------------------------------------------------------
// The top-level value.

TEST_CASE("a top-level value that is not an object is refused", "[parser][top-level]") {
  auto [body, got] = GENERATE(table<std::string, std::string>({
      {"[]", "an array"},
      {"[{\"type\":\"security.login.failed\"}]", "an array"},
      {"\"security.login.failed\"", "a string"},
      {"5", "a number"},
      {"-1.5e3", "a number"},
      {"null", "null"},
      {"true", "a boolean"},
      {"false", "a boolean"},
      {"  [1, 2]  ", "an array"},
  }));
  const auto event = parse(body);
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::not_an_object);
  CHECK(event.failure().message() == "expected an object, got " + got);
}

TEST_CASE("an empty or blank body is malformed JSON", "[parser][top-level]") {
  const std::string body = GENERATE(as<std::string>{}, "", " ", "\n", "\r\n\t  ", "        ");
  const auto event = parse(body);
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::invalid_json);
  CHECK(event.failure().message() == "malformed JSON");
}

TEST_CASE("an empty view with no data behind it is malformed JSON", "[parser][top-level]") {
  // A framework may hand an absent body over as a null view: nothing may read through it.
  mw::delivery_parser parser;
  const auto event = parser.parse(std::string_view{});
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::invalid_json);
}

// ---------------------------------------------------------------------------------------------
// Missing fields.

TEST_CASE("each missing envelope field is named", "[parser][missing]") {
  const std::string name =
      GENERATE(as<std::string>{}, "type", "schema_version", "timestamp", "company_uid", "data");
  const bool known = GENERATE(true, false);
  const auto event = parse((known ? login_body() : unknown_body()).remove(name).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::missing_field);
  CHECK(event.failure().message() == name + ": missing");
}

TEST_CASE("an empty object misses the first envelope field", "[parser][missing]") {
  const std::string body = GENERATE(as<std::string>{}, "{}", " { } ", R"({"unrelated":1})");
  CHECK(message_of(body) == "type: missing");
}

TEST_CASE("each missing payload field is named", "[parser][missing]") {
  auto [type, data] = GENERATE(table<std::string, object_text>({
      {"security.login.failed", login_data()},
      {"user.registered", registration_data()},
      {"security.password_reset.requested", reset_data()},
  }));
  for (const auto& member : data.members) {
    object_text without = data;
    without.remove(member.first);
    const auto event = parse(envelope_of(type, without.text()).text());
    REQUIRE_FALSE(event);
    CHECK(event.failure().code == mw::errc::missing_field);
    CHECK(event.failure().message() == "data." + member.first + ": missing");
  }
  const auto empty = parse(envelope_of(type, "{}").text());
  REQUIRE_FALSE(empty);
  CHECK(empty.failure().message() == "data." + data.members.front().first + ": missing");
}

// ---------------------------------------------------------------------------------------------
// Wrong types and values.

TEST_CASE("an envelope field of the wrong type names field, expectation and value",
          "[parser][wrong-type]") {
  auto [name, value, message] = GENERATE(table<std::string, std::string, std::string>({
      {"type", "5", "type: expected a string, got a number"},
      {"type", "null", "type: expected a string, got null"},
      {"type", "[\"security.login.failed\"]", "type: expected a string, got an array"},
      {"schema_version", "1", "schema_version: expected a string, got a number"},
      {"schema_version", "true", "schema_version: expected a string, got a boolean"},
      {"timestamp", "1736942400", "timestamp: expected an RFC 3339 date-time, got a number"},
      {"timestamp", "null", "timestamp: expected an RFC 3339 date-time, got null"},
      {"company_uid", "{}", "company_uid: expected a UUID, got an object"},
      {"company_uid", "12345", "company_uid: expected a UUID, got a number"},
  }));
  const auto event = parse(login_body().set(name, value).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::wrong_type);
  CHECK(event.failure().subject == name);
  CHECK(event.failure().message() == message);
}

TEST_CASE("data that is not an object is named", "[parser][wrong-type]") {
  auto [value, got] = GENERATE(table<std::string, std::string>({
      {"[]", "an array"},
      {"null", "null"},
      {"\"{}\"", "a string"},
      {"0", "a number"},
      {"false", "a boolean"},
  }));
  const auto event = parse(login_body().set("data", value).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::not_an_object);
  CHECK(event.failure().message() == "data: expected an object, got " + got);
}

TEST_CASE("a payload field of the wrong type names field, expectation and value",
          "[parser][wrong-type]") {
  auto [name, value, message] = GENERATE(table<std::string, std::string, std::string>({
      {"attempts", "\"5\"", "data.attempts: expected an integer, got a string"},
      {"attempts", "null", "data.attempts: expected an integer, got null"},
      {"attempts", "true", "data.attempts: expected an integer, got a boolean"},
      {"attempts", "[5]", "data.attempts: expected an integer, got an array"},
      {"attempts", "{\"n\":5}", "data.attempts: expected an integer, got an object"},
      {"account_locked", "\"true\"", "data.account_locked: expected a boolean, got a string"},
      {"account_locked", "1", "data.account_locked: expected a boolean, got a number"},
      {"account_locked", "null", "data.account_locked: expected a boolean, got null"},
      {"email", "{}", "data.email: expected a string, got an object"},
      {"email", "5", "data.email: expected a string, got a number"},
      {"email", "[\"user@example.com\"]", "data.email: expected a string, got an array"},
      {"email", "null", "data.email: expected a string, got null"},
      {"email", "false", "data.email: expected a string, got a boolean"},
      {"person_uid", "7", "data.person_uid: expected a UUID, got a number"},
      {"person_uid", "null", "data.person_uid: expected a UUID, got null"},
  }));
  const auto event =
      parse(envelope_of("security.login.failed", login_data().set(name, value).text()).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::wrong_type);
  CHECK(event.failure().scope == "data");
  CHECK(event.failure().subject == name);
  CHECK(event.failure().message() == message);
}

TEST_CASE("strings that are not UUIDs or timestamps are named", "[parser][wrong-type]") {
  auto [name, value, code,
        message] = GENERATE(table<std::string, std::string, mw::errc, std::string>({
      {"company_uid", "\"your-company-uuid\"", mw::errc::invalid_uuid, "company_uid: not a UUID"},
      {"company_uid", "\"{8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b}\"", mw::errc::invalid_uuid,
       "company_uid: not a UUID"},
      {"company_uid", "\"\"", mw::errc::invalid_uuid, "company_uid: not a UUID"},
      {"timestamp", "\"2026-01-15\"", mw::errc::invalid_timestamp,
       "timestamp: not an RFC 3339 date-time with a zone"},
      {"timestamp", "\"2026-01-15T10:30:00\"", mw::errc::invalid_timestamp,
       "timestamp: not an RFC 3339 date-time with a zone"},
      {"timestamp", "\"1736942400\"", mw::errc::invalid_timestamp,
       "timestamp: not an RFC 3339 date-time with a zone"},
  }));
  const auto event = parse(login_body().set(name, value).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == code);
  CHECK(event.failure().message() == message);

  const std::string payload_value =
      GENERATE(as<std::string>{}, "\"xyz\"", "\"\"", "\"34ee661a18f04c308a73e2d7e0ab641d\"");
  const auto payload = parse(
      envelope_of("security.login.failed", login_data().set("person_uid", payload_value).text())
          .text());
  REQUIRE_FALSE(payload);
  CHECK(payload.failure().code == mw::errc::invalid_uuid);
  CHECK(payload.failure().message() == "data.person_uid: not a UUID");
}

// ---------------------------------------------------------------------------------------------
// Integer range and fractions.

TEST_CASE("integers at the edges of 64 bits are read exactly", "[parser][range]") {
  auto [text, value] = GENERATE(table<std::string, std::int64_t>({
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"0", 0},
      {"-0", 0},
      {"4294967296", 4294967296},
  }));
  const auto event =
      parse(envelope_of("security.login.failed", login_data().set("attempts", text).text()).text());
  REQUIRE(event);
  CHECK(event->get<mw::login_failure>()->attempts == value);
}

TEST_CASE("integers beyond 64 bits are out of range", "[parser][range]") {
  const std::string text =
      GENERATE(as<std::string>{}, "9223372036854775808", "-9223372036854775809",
               "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999",
               "-99999999999999999999999999999999");
  const auto event =
      parse(envelope_of("security.login.failed", login_data().set("attempts", text).text()).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::out_of_range);
  CHECK(event.failure().message() == "data.attempts: number out of range");
}

TEST_CASE("fractions and exponents are not integers", "[parser][range]") {
  const std::string text =
      GENERATE(as<std::string>{}, "5.5", "5.0", "-0.5", "1e2", "1E2", "0.1e1", "1e400", "-1e400");
  const auto event =
      parse(envelope_of("security.login.failed", login_data().set("attempts", text).text()).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::wrong_type);
  CHECK(event.failure().message() == "data.attempts: expected an integer, got a number");
}

// ---------------------------------------------------------------------------------------------
// Duplicates.

TEST_CASE("a known envelope field sent twice is refused", "[parser][duplicate]") {
  const std::string name =
      GENERATE(as<std::string>{}, "type", "schema_version", "timestamp", "company_uid", "data");
  const bool same_value = GENERATE(true, false);
  object_text body = login_body();
  std::string second = body.members[0].second;
  for (const auto& member : body.members) {
    if (member.first == name) second = member.second;
  }
  if (!same_value) {
    second = name == "data"          ? reset_data().text()
             : name == "timestamp"   ? "\"2026-01-16T00:00:00Z\""
             : name == "company_uid" ? "\"00000000-0000-4000-8000-000000000001\""
                                     : "\"other\"";
  }
  const std::size_t at = GENERATE(0u, 5u);
  body.insert(at, name, second);
  INFO(body.text());
  const auto event = parse(body.text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::duplicate_field);
  CHECK(event.failure().message() == name + ": appears more than once");
}

TEST_CASE("a known payload field sent twice is refused", "[parser][duplicate]") {
  const std::string name =
      GENERATE(as<std::string>{}, "person_uid", "email", "attempts", "account_locked");
  object_text data = login_data();
  std::string value;
  for (const auto& member : data.members) {
    if (member.first == name) value = member.second;
  }
  data.add(name, value);
  const auto event = parse(envelope_of("security.login.failed", data.text()).text());
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::duplicate_field);
  CHECK(event.failure().message() == "data." + name + ": appears more than once");
}

TEST_CASE("an escaped key names the same field", "[parser][duplicate]") {
  auto [key, message] = GENERATE(table<std::string, std::string>({
      {"typ\\u0065", "type: appears more than once"},
      {"\\u0074ype", "type: appears more than once"},
      {"d\\u0061ta", "data: appears more than once"},
  }));
  CHECK(message_of(login_body().add(key, "\"x\"").text()) == message);
}

TEST_CASE("unknown fields sent twice are still ignored", "[parser][duplicate]") {
  const std::string value = GENERATE(as<std::string>{}, "1", "\"x\"", "{}", "[1]");
  const auto event =
      parse(login_body().add("extra", value).add("extra", value).insert(0, "extra", "0").text());
  CHECK(event);
}

// ---------------------------------------------------------------------------------------------
// Nesting depth.

TEST_CASE("hostile nesting is an error, not a crash", "[parser][depth]") {
  const std::size_t levels = GENERATE(100u, 1000u, 100000u);
  const std::string shape = GENERATE(as<std::string>{}, "arrays", "objects", "unclosed");
  const std::string value = shape == "arrays"    ? nested(levels)
                            : shape == "objects" ? nested_objects(levels)
                                                 : std::string(levels, '[');
  const place where = GENERATE(place::envelope_unknown, place::payload_unknown,
                               place::unknown_type_data, place::data_before_type);
  INFO(levels << " levels of " << shape << " at place " << static_cast<int>(where));
  const auto event = parse(body_with(where, value));
  REQUIRE_FALSE(event);
  const auto code = event.failure().code;
  if (shape == "unclosed") {
    CHECK((code == mw::errc::too_deep || code == mw::errc::invalid_json));
  } else {
    CHECK(code == mw::errc::too_deep);
  }
}

TEST_CASE("a whole body nested too deeply is an error", "[parser][depth]") {
  const std::size_t levels = GENERATE(100u, 1000u, 100000u);
  CHECK_FALSE(parse(nested(levels)));
  CHECK_FALSE(parse(nested_objects(levels)));
  CHECK_FALSE(parse(std::string(levels, '{')));
}

TEST_CASE("the depth limit counts from the top-level object", "[parser][depth]") {
  // The top-level object is depth 1; a member's value is depth 2; inside data, depth 3.
  constexpr std::size_t limit = MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH;
  auto [where, value_depth] = GENERATE(table<place, std::size_t>({
      {place::envelope_unknown, 2},
      {place::payload_unknown, 3},
      {place::unknown_type_data, 3},
      {place::data_before_type, 3},
  }));
  const std::size_t deepest_allowed = limit - value_depth + 1;
  const std::string shape = GENERATE(as<std::string>{}, "arrays", "objects");
  auto value = [&](std::size_t levels) {
    return shape == "arrays" ? nested(levels) : nested_objects(levels);
  };
  INFO("place " << static_cast<int>(where) << " of " << shape);
  CHECK(parse(body_with(where, value(deepest_allowed))));
  const auto event = parse(body_with(where, value(deepest_allowed + 1)));
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == mw::errc::too_deep);
}

// ---------------------------------------------------------------------------------------------
// The parser as an object.

TEST_CASE("one parser parses many bodies, good and bad, each on its own", "[parser][reuse]") {
  mw::delivery_parser parser;
  const std::string big = unknown_body("{\"blob\":\"" + std::string(100000, 'x') + "\"}").text();
  const std::string small = login_body().text();
  for (int round = 0; round < 3; ++round) {
    CHECK(parser.parse(small)->kind() == "login_failure");
    CHECK(parser.parse("{\"type\":").failure().code == mw::errc::invalid_json);
    const auto large = parser.parse(big);
    REQUIRE(large);
    CHECK(large->data.text.size() == 100000 + 11);
    CHECK(parser.parse("[]").failure().code == mw::errc::not_an_object);
    const auto again = parser.parse(small);
    REQUIRE(again);
    CHECK(again->get<mw::login_failure>()->attempts == 5);
  }
}

TEST_CASE("the body need not be padded or terminated", "[parser][reuse]") {
  // A view into the middle of a larger buffer: the parser must stop at the view's end.
  const std::string body = login_body().text();
  const std::string tail = GENERATE(as<std::string>{}, " {}", "garbage", "\xff\xff", "}}}}");
  const std::string buffer = body + tail;
  mw::delivery_parser parser;
  const auto event = parser.parse(std::string_view(buffer.data(), body.size()));
  REQUIRE(event);
  CHECK(event->data.text == login_data().text());
}

TEST_CASE("a moved parser keeps working", "[parser][reuse]") {
  mw::delivery_parser first;
  CHECK(first.parse(login_body().text()));
  mw::delivery_parser second = std::move(first);
  CHECK(second.parse(login_body().text()));
  mw::delivery_parser third;
  third = std::move(second);
  CHECK(third.parse(unknown_body().text())->kind() == "unknown");
}
