#include <megaport/webhooks.hpp>

#include <chrono>
#include <string>

#include "catch.hpp"
#include "samples.hpp"
#include "schedule.hpp"

namespace mw = megaport::webhooks;
using namespace std::chrono_literals;

TEST_CASE("the megaport schedule waits as the provider does: 7 attempts", "[sender][schedule]") {
  const auto delays = sender::retry_delays(sender::schedule::megaport);
  const std::vector<std::chrono::milliseconds> expected = {30s, 5min, 30min, 2h, 8h, 24h};
  CHECK(delays == expected);
  CHECK(sender::attempt_count(sender::schedule::megaport) == 7);

  std::chrono::milliseconds total{0};
  for (const auto delay : delays)
    total += delay;
  CHECK(total == 34h + 35min + 30s);
}

TEST_CASE("the fast schedule is the megaport one a thousand times shorter", "[sender][schedule]") {
  const auto fast = sender::retry_delays(sender::schedule::fast);
  const std::vector<std::chrono::milliseconds> expected = {30ms,   300ms,   1800ms,
                                                           7200ms, 28800ms, 86400ms};
  CHECK(fast == expected);

  const auto real = sender::retry_delays(sender::schedule::megaport);
  REQUIRE(fast.size() == real.size());
  for (std::size_t i = 0; i < fast.size(); ++i)
    CHECK(fast[i] * 1000 == real[i]);
}

TEST_CASE("the none schedule makes one attempt", "[sender][schedule]") {
  CHECK(sender::retry_delays(sender::schedule::none).empty());
  CHECK(sender::attempt_count(sender::schedule::none) == 1);
}

TEST_CASE("schedule names parse, and only those", "[sender][schedule]") {
  CHECK(sender::parse_schedule("megaport") == sender::schedule::megaport);
  CHECK(sender::parse_schedule("fast") == sender::schedule::fast);
  CHECK(sender::parse_schedule("none") == sender::schedule::none);
  CHECK_FALSE(sender::parse_schedule("Megaport"));
  CHECK_FALSE(sender::parse_schedule(""));
  for (const auto name : sender::schedule_names)
    CHECK(sender::parse_schedule(name));
}

TEST_CASE("every sample parses with the library as its payload type", "[sender][samples]") {
  const mw::utc_time when = mw::utc_time(std::chrono::seconds(1'768'473'000));
  mw::delivery_parser parser;

  const auto login_body = sender::sample_body("login_failure", when);
  REQUIRE(login_body);
  const auto login = parser.parse(*login_body);
  REQUIRE(login);
  CHECK(login->type == "security.login.failed");
  CHECK(login->schema_version == "1");
  CHECK(login->timestamp == when);
  CHECK(std::string(login->company_uid.text().view()) == sender::sample_company_uid);
  const auto* failure = login->get<mw::login_failure>();
  REQUIRE(failure != nullptr);
  CHECK(std::string(failure->person_uid.text().view()) == sender::sample_person_uid);
  CHECK(failure->email == "user@example.com");
  CHECK(failure->attempts == 5);
  CHECK(failure->account_locked);

  const auto registration_body = sender::sample_body("user_registration", when);
  REQUIRE(registration_body);
  const auto registration = parser.parse(*registration_body);
  REQUIRE(registration);
  const auto* user = registration->get<mw::user_registration>();
  REQUIRE(user != nullptr);
  CHECK(user->position == "Company Admin");
  CHECK(user->first_name == "John");
  CHECK(user->last_name == "Smith");

  const auto reset_body = sender::sample_body("password_reset_request", when);
  REQUIRE(reset_body);
  const auto reset = parser.parse(*reset_body);
  REQUIRE(reset);
  const auto* request = reset->get<mw::password_reset_request>();
  REQUIRE(request != nullptr);
  CHECK(request->email == "user@example.com");
}

TEST_CASE("the unknown sample is a valid envelope of a type no payload binds",
          "[sender][samples]") {
  const auto body = sender::sample_body("unknown", mw::utc_time(std::chrono::seconds(0)));
  REQUIRE(body);

  mw::delivery_parser parser;
  const auto event = parser.parse(*body);
  REQUIRE(event);
  CHECK(event->type == sender::unknown_event_code);
  CHECK(event->kind() == "unknown");
  CHECK(event->get<mw::unknown_payload>() != nullptr);
}

TEST_CASE("the event time is written in whole UTC seconds", "[sender][samples]") {
  const auto when = mw::utc_time(std::chrono::seconds(1'768'473'000) + 750ms);
  const auto body = sender::sample_body("password_reset_request", when);
  REQUIRE(body);
  CHECK(body->find("\"timestamp\":\"2026-01-15T10:30:00Z\"") != std::string::npos);
}

TEST_CASE("an unknown sample kind gives no body", "[sender][samples]") {
  CHECK_FALSE(sender::sample_body("service_provisioned", mw::utc_time{}));
  for (const auto kind : sender::event_kinds)
    CHECK(sender::sample_body(kind, mw::utc_time{}));
}
