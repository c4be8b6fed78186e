// Parses one login-failure delivery and checks what the library read from it.
#include <megaport/webhooks.hpp>

#include <cstdio>
#include <string_view>

int main() {
  constexpr std::string_view body =
      R"({"type":"security.login.failed","schema_version":"1",)"
      R"("timestamp":"2026-03-02T08:15:00Z","company_uid":"6f1d2c3b-4a59-4e68-8b7a-9c0d1e2f3a4b",)"
      R"("data":{"person_uid":"0b1c2d3e-4f50-4a61-9b72-c3d4e5f60718",)"
      R"("email":"ops@example.org","attempts":3,"account_locked":false}})";

  megaport::webhooks::delivery_parser parser;
  auto event = parser.parse(body);
  if (!event) return 1;

  const auto* login = event->get<megaport::webhooks::login_failure>();
  if (login == nullptr || login->attempts != 3 || login->account_locked) return 1;

  std::printf("megaport-webhooks %s: %.*s parsed\n", MEGAPORT_WEBHOOKS_VERSION_STRING,
              static_cast<int>(event->type.size()), event->type.data());
  return 0;
}
