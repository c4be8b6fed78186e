// Errors as values: messages, truncation, std::error_code and result<T>.

#include <megaport/webhooks/error.hpp>
#include <megaport/webhooks/result.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <set>
#include <string>
#include <system_error>

#include "catch.hpp"

namespace mw = megaport::webhooks;

TEST_CASE("every error code has its own description", "[error]") {
  std::set<std::string> seen;
  for (int value = 0; value <= static_cast<int>(mw::errc::handler_failed); ++value) {
    const std::string text(mw::describe(static_cast<mw::errc>(value)));
    INFO(value);
    CHECK_FALSE(text.empty());
    CHECK(text != "unknown error");
    seen.insert(text);
  }
  // "missing" serves both headers and fields; every other description is unique.
  CHECK(seen.size() == static_cast<std::size_t>(mw::errc::handler_failed));
  CHECK(mw::describe(static_cast<mw::errc>(9999)) == "unknown error");
}

TEST_CASE("messages name scope, subject and what went wrong", "[error]") {
  auto [failure, message] = GENERATE(table<mw::error, std::string>({
      {mw::error{mw::errc::invalid_json}, "malformed JSON"},
      {mw::error{mw::errc::missing_field, {}, "type"}, "type: missing"},
      {mw::error{mw::errc::missing_field, "data", "email"}, "data.email: missing"},
      {mw::error{mw::errc::invalid_json, "data", {}}, "data: malformed JSON"},
      {mw::error{mw::errc::missing_header, {}, "webhook-id"}, "webhook-id: missing"},
      {mw::error::mismatch("an integer", mw::json_kind::string),
       "expected an integer, got a string"},
  }));
  CHECK(failure.message() == message);
}

TEST_CASE("type mismatches name every JSON kind", "[error]") {
  auto [kind, name] = GENERATE(table<mw::json_kind, std::string>({
      {mw::json_kind::null, "null"},
      {mw::json_kind::boolean, "a boolean"},
      {mw::json_kind::number, "a number"},
      {mw::json_kind::string, "a string"},
      {mw::json_kind::array, "an array"},
      {mw::json_kind::object, "an object"},
      {mw::json_kind::none, "nothing"},
  }));
  mw::error failure = mw::error::mismatch("a UUID", kind);
  failure.scope = "data";
  failure.subject = "person_uid";
  CHECK(failure.code == mw::errc::wrong_type);
  CHECK(failure.message() == "data.person_uid: expected a UUID, got " + name);
}

TEST_CASE("timestamp errors carry how far off they are", "[error]") {
  auto [code, figure, message] = GENERATE(table<mw::errc, std::int64_t, std::string>({
      {mw::errc::stale_timestamp, 301, "webhook-timestamp: 301 s old, more than the tolerance"},
      {mw::errc::future_timestamp, 86400,
       "webhook-timestamp: 86400 s ahead, more than the tolerance"},
      {mw::errc::stale_timestamp, 0, "webhook-timestamp: 0 s old, more than the tolerance"},
      {mw::errc::stale_timestamp, INT64_MAX,
       "webhook-timestamp: 9223372036854775807 s old, more than the tolerance"},
      {mw::errc::future_timestamp, INT64_MIN,
       "webhook-timestamp: -9223372036854775808 s ahead, more than the tolerance"},
  }));
  mw::error failure{code, {}, "webhook-timestamp"};
  failure.figure = figure;
  CHECK(failure.message() == message);
}

TEST_CASE("format truncates to the room it is given", "[error]") {
  const mw::error failure{mw::errc::missing_field, "data", "account_locked"};
  const std::string full = "data.account_locked: missing";
  const std::size_t capacity = GENERATE(0u, 1u, 4u, 5u, 27u, 28u, 29u, 200u);
  char buffer[256];
  std::fill(std::begin(buffer), std::end(buffer), '#');
  const std::size_t size = failure.format(buffer, capacity);
  CHECK(size == std::min(capacity, full.size()));
  CHECK(std::string(buffer, size) == full.substr(0, size));
  CHECK(buffer[size] == '#');
}

TEST_CASE("errc works as a std::error_code", "[error]") {
  const mw::errc code = GENERATE(mw::errc::invalid_json, mw::errc::stale_timestamp, mw::errc::busy,
                                 mw::errc::handler_failed);
  const std::error_code ec = code;
  CHECK(ec.category().name() == std::string("megaport-webhooks"));
  CHECK(ec.value() == static_cast<int>(code));
  CHECK(ec.message() == std::string(mw::describe(code)));
  CHECK(ec == mw::make_error_code(code));
  CHECK(ec != std::make_error_code(std::errc::invalid_argument));
  CHECK(&ec.category() == &mw::error_category());
  CHECK(mw::error{code}.error_code() == ec);
  CHECK(static_cast<bool>(ec));
  CHECK_FALSE(static_cast<bool>(std::error_code(mw::errc::ok)));
}

TEST_CASE("an error is false when ok and true otherwise", "[error]") {
  CHECK_FALSE(static_cast<bool>(mw::error{}));
  CHECK_FALSE(static_cast<bool>(mw::error{mw::errc::ok}));
  CHECK(static_cast<bool>(mw::error{mw::errc::too_deep}));
}

TEST_CASE("a result holds a value or an error", "[error][result]") {
  const mw::result<int> value = 42;
  REQUIRE(value);
  CHECK(value.has_value());
  CHECK(*value == 42);
  CHECK(value.failure().code == mw::errc::ok);

  const mw::result<std::string> text = std::string("kept");
  CHECK(text->size() == 4);

  const mw::errc code = GENERATE(mw::errc::invalid_json, mw::errc::missing_field);
  const mw::result<int> failed = mw::error{code, {}, "type"};
  CHECK_FALSE(failed);
  CHECK_FALSE(failed.has_value());
  CHECK(failed.failure().code == code);
  CHECK(failed.failure().subject == "type");
}
