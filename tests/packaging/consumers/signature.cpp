// Signs a small delivery with a fresh secret, verifies it, and refuses it once changed.
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/signature.hpp>

#include <cstdio>
#include <string>

namespace mw = megaport::webhooks;

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "consumer signature: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  auto secret = mw::generate_secret();
  if (!secret) return fail("no secret");

  const char* id = "00000000-0000-4000-8000-000000000100";
  const char* timestamp = "1767000000";
  const std::string body = R"({"type":"ping"})";
  auto header = mw::sign_v1(*secret, id, timestamp, body);
  if (!header) return fail("signing failed");

  mw::signature_verifier verifier(mw::signature_mode::required);
  if (verifier.add_secret(*secret)) return fail("the secret was refused");
  if (!verifier.matches(id, timestamp, body, *header)) return fail("own signature refused");
  if (verifier.matches(id, timestamp, body + " ", *header)) return fail("changed body accepted");

  std::printf("consumer signature: signed and verified\n");
  return 0;
}
