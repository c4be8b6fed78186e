// Parses Redis URLs and makes a store; no server is needed, since a store connects lazily.
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/redis_store.hpp>

#include <cstdio>

namespace mw = megaport::webhooks;

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "consumer redis: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  auto address = mw::parse_redis_url("redis://127.0.0.1:6380/3");
  if (!address) return fail("a good URL did not parse");
  if (address->host != "127.0.0.1" || address->port != 6380 || address->database != 3) {
    return fail("the URL's parts are wrong");
  }
  if (mw::parse_redis_url("rediss://127.0.0.1")) return fail("TLS URL accepted");

  mw::redis_store store(*address);
  std::printf("consumer redis: URL parsed, store made for %s:%u\n", address->host.c_str(),
              static_cast<unsigned>(address->port));
  return 0;
}
