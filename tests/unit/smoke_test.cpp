#include <megaport/webhooks.hpp>

#include "catch.hpp"

namespace mw = megaport::webhooks;

TEST_CASE("a login failure from the spec parses into its payload", "[parser]") {
  mw::delivery_parser parser;
  const auto event = parser.parse(
      R"({"type":"security.login.failed","schema_version":"1","timestamp":"2026-01-15T10:30:00Z",)"
      R"("company_uid":"8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b","data":{"person_uid":)"
      R"("34ee661a-18f0-4c30-8a73-e2d7e0ab641d","email":"user@example.com","attempts":5,)"
      R"("account_locked":true}})");
  REQUIRE(event);
  const auto* login = event->get<mw::login_failure>();
  REQUIRE(login != nullptr);
  CHECK(login->attempts == 5);
  CHECK(login->account_locked);
  CHECK(login->email == "user@example.com");
}
