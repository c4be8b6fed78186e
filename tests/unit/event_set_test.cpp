// Event sets: binding codes to payload types, a payload type of the user's own, and unbinding.

#include <megaport/webhooks.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "catch.hpp"

namespace mw = megaport::webhooks;

namespace {

/// A payload type of the user's own, with every member type the parser reads.
struct port_change {
  std::string_view product_uid;
  std::int64_t speed_mbps = 0;
  mw::raw_json detail;
  std::optional<bool> up;
  std::optional<double> utilisation;
  std::optional<mw::uuid> requested_by;
  std::optional<mw::utc_time> effective_at;
  std::optional<std::string_view> note;
  std::optional<mw::raw_json> extra;
};

}  // namespace

template <>
struct megaport::webhooks::payload_traits<port_change> {
  static constexpr std::string_view kind = "port_change";
  static constexpr std::string_view default_code = "service.port.changed";
  static constexpr auto fields = std::make_tuple(
      field("product_uid", &port_change::product_uid),
      field("speed_mbps", &port_change::speed_mbps), field("detail", &port_change::detail),
      field("up", &port_change::up), field("utilisation", &port_change::utilisation),
      field("requested_by", &port_change::requested_by),
      field("effective_at", &port_change::effective_at), field("note", &port_change::note),
      field("extra", &port_change::extra));
};

namespace {

using my_set = mw::event_set<port_change, mw::login_failure>;

const std::string login_data =
    R"({"person_uid":"34ee661a-18f0-4c30-8a73-e2d7e0ab641d","email":"user@example.com",)"
    R"("attempts":5,"account_locked":true})";

std::string body_of(std::string_view type, const std::string& data) {
  return R"({"type":")" + std::string(type) +
         R"(","schema_version":"1","timestamp":"2026-01-15T10:30:00Z",)"
         R"("company_uid":"8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b","data":)" +
         data + "}";
}

std::string port_data(const std::string& more = "") {
  return R"({"product_uid":"p-1","speed_mbps":10000,"detail":{"from":1000})" + more + "}";
}

/// Parses `body` kept in a buffer until the next call: `data` views the body, and the parser's
/// views stay valid only until then too.
template <class Set>
mw::result<mw::event<Set>> parse_kept(mw::delivery_parser& parser, const Set& set,
                                      std::string body) {
  static std::string kept;
  kept = std::move(body);
  return parser.parse(set, kept);
}

}  // namespace

TEST_CASE("a default set binds the provider's payloads to their default codes", "[event_set]") {
  const mw::default_event_set set;
  CHECK(set.index_of("user.registered") == 1);
  CHECK(set.index_of("security.login.failed") == 2);
  CHECK(set.index_of("security.password_reset.requested") == 3);
  const std::string other = GENERATE(as<std::string>{}, "", "ping", "security.login.FAILED",
                                     "security.login.failed ", "user.registered.v2");
  CHECK(set.index_of(other) == 0);
  CHECK(mw::default_event_set::kinds[0] == "unknown");
  CHECK(mw::default_event_set::kinds[2] == "login_failure");
  CHECK(mw::default_event_set::index_of_type<mw::login_failure>() == 2);
  CHECK(mw::default_event_set::index_of_type<mw::unknown_payload>() == 0);
}

TEST_CASE("a payload type of the user's own parses with all its member types",
          "[event_set][custom]") {
  const my_set set;
  mw::delivery_parser parser;
  const std::string data = port_data(
      R"(,"up":false,"utilisation":0.75,"requested_by":"D4F5A6B7-C8D9-4E0F-A1B2-C3D4E5F6A7B8",)"
      R"("effective_at":"2026-01-15T20:30:00+10:00","note":"n\u00e9","extra":[ 1 , "two" ])");
  const auto event = parse_kept(parser, set, body_of("service.port.changed", data));
  REQUIRE(event);
  CHECK(event->kind() == "port_change");
  const auto* port = event->get<port_change>();
  REQUIRE(port != nullptr);
  CHECK(port->product_uid == "p-1");
  CHECK(port->speed_mbps == 10000);
  CHECK(port->detail.text == R"({"from":1000})");
  REQUIRE(port->up.has_value());
  CHECK_FALSE(*port->up);
  REQUIRE(port->utilisation.has_value());
  CHECK(*port->utilisation == 0.75);
  REQUIRE(port->requested_by.has_value());
  CHECK(port->requested_by->text().view() == "d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8");
  REQUIRE(port->effective_at.has_value());
  CHECK(*port->effective_at == *mw::parse_timestamp("2026-01-15T10:30:00Z"));
  REQUIRE(port->note.has_value());
  CHECK(*port->note == "n\xc3\xa9");
  REQUIRE(port->extra.has_value());
  CHECK(port->extra->text == R"([ 1 , "two" ])");
  CHECK(event->data.text == data);
}

TEST_CASE("optional fields absent or null are empty", "[event_set][custom]") {
  const std::string more = GENERATE(as<std::string>{}, "",
                                    R"(,"up":null,"utilisation":null,"requested_by":null,)"
                                    R"("effective_at":null,"note":null,"extra":null)",
                                    R"(,"note":null)", R"(,"unrelated":{"up":true})");
  const my_set set;
  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of("service.port.changed", port_data(more)));
  REQUIRE(event);
  const auto* port = event->get<port_change>();
  REQUIRE(port != nullptr);
  CHECK_FALSE(port->up);
  CHECK_FALSE(port->utilisation);
  CHECK_FALSE(port->requested_by);
  CHECK_FALSE(port->effective_at);
  CHECK_FALSE(port->note);
  CHECK_FALSE(port->extra);
}

TEST_CASE("a raw_json member keeps any value exactly as sent", "[event_set][custom]") {
  const std::string value =
      GENERATE(as<std::string>{}, "1", "-2.5e10", "184467440737095516160", "true", "false", "null",
               R"("text")", R"("esc\"aped")", "[]", "{}", R"({"a":[1,{"b":null}]})", "[ 1 ,\n 2 ]");
  const std::string gap = GENERATE(as<std::string>{}, "", " ", "\n\t");
  const std::string last = GENERATE(as<std::string>{}, "", R"(,"note":"after")");
  const std::string data =
      R"({"product_uid":"p","speed_mbps":1,"detail":)" + gap + value + gap + last + "}";
  const my_set set;
  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of("service.port.changed", data));
  REQUIRE(event);
  CHECK(event->get<port_change>()->detail.text == value);
}

TEST_CASE("a custom payload's fields are checked like the provider's", "[event_set][custom]") {
  auto [data, code, message] = GENERATE(table<std::string, mw::errc, std::string>({
      {R"({"speed_mbps":1,"detail":1})", mw::errc::missing_field, "data.product_uid: missing"},
      {R"({"product_uid":"p","detail":1})", mw::errc::missing_field, "data.speed_mbps: missing"},
      {R"({"product_uid":"p","speed_mbps":1})", mw::errc::missing_field, "data.detail: missing"},
      {port_data(R"(,"up":"yes")"), mw::errc::wrong_type,
       "data.up: expected a boolean, got a string"},
      {port_data(R"(,"utilisation":"0.5")"), mw::errc::wrong_type,
       "data.utilisation: expected a number, got a string"},
      {port_data(R"(,"utilisation":1e400)"), mw::errc::out_of_range,
       "data.utilisation: number out of range"},
      {port_data(R"(,"requested_by":"nope")"), mw::errc::invalid_uuid,
       "data.requested_by: not a UUID"},
      {port_data(R"(,"effective_at":"2026-02-30T00:00:00Z")"), mw::errc::invalid_timestamp,
       "data.effective_at: not an RFC 3339 date-time with a zone"},
      {port_data(R"(,"effective_at":1)"), mw::errc::wrong_type,
       "data.effective_at: expected an RFC 3339 date-time, got a number"},
      {port_data(R"(,"note":5)"), mw::errc::wrong_type,
       "data.note: expected a string, got a number"},
      {port_data(R"(,"note":nul)"), mw::errc::invalid_json, "data.note: malformed JSON"},
      {port_data(R"(,"extra":[1,,2])"), mw::errc::invalid_json, "data.extra: malformed JSON"},
      {port_data(R"(,"note":null,"note":"x")"), mw::errc::duplicate_field,
       "data.note: appears more than once"},
      {port_data(R"(,"detail":2)"), mw::errc::duplicate_field,
       "data.detail: appears more than once"},
  }));
  const my_set set;
  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of("service.port.changed", data));
  REQUIRE_FALSE(event);
  CHECK(event.failure().code == code);
  CHECK(event.failure().message() == message);
}

TEST_CASE("any code binds to a payload type, by type or by kind", "[event_set][bind]") {
  const std::string code = GENERATE(as<std::string>{}, "port.updated", "x", "", "user.registered",
                                    "security.login.failed.v2");
  const bool by_kind = GENERATE(true, false);
  my_set set;
  if (by_kind) {
    REQUIRE(set.bind(code, "port_change"));
  } else {
    set.bind<port_change>(code);
  }
  CHECK(set.index_of(code) == 1);
  CHECK(set.index_of("service.port.changed") == 1);

  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of(code, port_data()));
  REQUIRE(event);
  CHECK(event->kind() == "port_change");
  CHECK(event->get<port_change>()->speed_mbps == 10000);
}

TEST_CASE("binding a code again replaces its payload type", "[event_set][bind]") {
  my_set set;
  set.bind<port_change>("changed");
  set.bind<mw::login_failure>("changed");
  CHECK(set.index_of("changed") == 2);
  mw::delivery_parser parser;
  const auto as_login = parse_kept(parser, set, body_of("changed", login_data));
  REQUIRE(as_login);
  CHECK(as_login->get<mw::login_failure>() != nullptr);

  // The port payload under a login code now misses the login fields.
  const auto mismatch = parse_kept(parser, set, body_of("changed", port_data()));
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.failure().message() == "data.person_uid: missing");
}

TEST_CASE("a code unbound to \"unknown\" parses as unknown with raw data", "[event_set][bind]") {
  const std::string code =
      GENERATE(as<std::string>{}, "service.port.changed", "security.login.failed");
  const bool by_kind = GENERATE(true, false);
  my_set set;
  if (by_kind) {
    REQUIRE(set.bind(code, "unknown"));
  } else {
    set.bind<mw::unknown_payload>(code);
  }
  CHECK(set.index_of(code) == 0);

  // Unbound, a body that would fail its payload type's checks is acknowledged as it is.
  const std::string data = R"({"whatever":[1,2,3]})";
  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of(code, data));
  REQUIRE(event);
  CHECK(event->kind() == "unknown");
  CHECK(event->get<mw::unknown_payload>()->data.text == data);
}

TEST_CASE("binding to a kind the set lacks binds nothing", "[event_set][bind]") {
  const std::string kind = GENERATE(as<std::string>{}, "user_registration", "Port_Change", "",
                                    "port_change ", "login-failure", "Unknown");
  my_set set;
  CHECK_FALSE(set.bind("security.login.failed", kind));
  CHECK(set.index_of("security.login.failed") == 2);
  CHECK_FALSE(set.bind("new.code", kind));
  CHECK(set.index_of("new.code") == 0);
}

TEST_CASE("a set without the login payload treats its code as unknown", "[event_set]") {
  const mw::event_set<port_change> set;
  CHECK(mw::event_set<port_change>::size == 1);
  mw::delivery_parser parser;
  const auto event = parse_kept(parser, set, body_of("security.login.failed", login_data));
  REQUIRE(event);
  CHECK(event->kind() == "unknown");
  CHECK(event->data.text == login_data);
}
