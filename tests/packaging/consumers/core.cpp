// Parses the spec's login-failure delivery, taken from the project's fixture file, and checks
// each field against what the fixture expects. Built against the package, however it was found.
#include <megaport/webhooks.hpp>

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace mw = megaport::webhooks;

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "consumer core: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: consumer_core FIXTURE.json");
  if (std::string_view(MEGAPORT_WEBHOOKS_VERSION_STRING) != CONSUMER_EXPECTED_VERSION) {
    return fail("the header's version is not the package's");
  }

  simdjson::dom::parser json;
  simdjson::dom::element fixture;
  if (json.load(argv[1]).get(fixture)) return fail("cannot read the fixture");

  std::string_view body;
  simdjson::dom::element expected;
  if (fixture["steps"].at(0)["body"].get(body)) return fail("fixture without a body");
  if (fixture["expect_events"].at(0).get(expected)) return fail("fixture without an event");
  const std::string body_copy(body);

  mw::delivery_parser parser;
  auto parsed = parser.parse(body_copy);
  if (!parsed) return fail("the delivery did not parse");

  const auto* login = parsed->get<mw::login_failure>();
  if (login == nullptr) return fail("not parsed as a login failure");

  std::string_view kind;
  std::string_view type;
  std::string_view email;
  std::int64_t attempts = 0;
  bool locked = false;
  if (expected["kind"].get(kind) || expected["type"].get(type) ||
      expected["data"]["email"].get(email) || expected["data"]["attempts"].get(attempts) ||
      expected["data"]["account_locked"].get(locked)) {
    return fail("fixture event without its fields");
  }

  if (parsed->kind() != kind) return fail("wrong kind");
  if (parsed->type != type) return fail("wrong type");
  if (login->email != email) return fail("wrong email");
  if (login->attempts != attempts) return fail("wrong attempts");
  if (login->account_locked != locked) return fail("wrong account_locked");

  std::printf("consumer core: %.*s parsed, %lld attempts\n", static_cast<int>(type.size()),
              type.data(), static_cast<long long>(login->attempts));
  return 0;
}
