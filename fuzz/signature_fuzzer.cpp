// Fuzzes the `webhook-signature` side (include/megaport/webhooks/signature.hpp). The input is
//
//     signature header\n
//     body bytes
//
// checked by a verifier holding one `whsec_` secret and one ed25519 public key. Oracle: the
// header verifies exactly when one of its first entries (those with a comma) is, byte for byte,
// the entry the signing side makes for this id, timestamp and body. The first line is also
// tried as a secret and as a public key: whatever is accepted must sign and verify.

#include <cstddef>
#include <cstdint>
#include <megaport/webhooks/signature.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace mw = megaport::webhooks;

namespace {

constexpr std::string_view secret = "whsec_KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/";
constexpr std::string_view seed = "0123456789abcdef0123456789abcdef";  // ed25519 private key
constexpr std::string_view id = "00000000-0000-4000-8000-00000000f022";
constexpr std::string_view timestamp = "1767225600";

// True when an entry among the first `MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES` with a comma
// equals one of the expected entries exactly.
bool has_expected_entry(std::string_view header, const std::string& v1, const std::string& v1a) {
  std::size_t looked_at = 0;
  while (!header.empty() && looked_at < MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES) {
    const std::string_view entry = fuzz::take(header, ' ');
    if (entry.find(',') == std::string_view::npos) continue;
    ++looked_at;
    if (entry == v1 || entry == v1a) return true;
  }
  return false;
}

void check_key_text(std::string_view text, std::string_view body) {
  mw::signature_verifier verifier(mw::signature_mode::required);
  if (!verifier.add_secret(text)) {
    auto entry = mw::sign_v1(text, id, timestamp, body);
    FUZZ_CHECK(static_cast<bool>(entry));
    FUZZ_CHECK(verifier.matches(id, timestamp, body, entry.value));
    FUZZ_CHECK(static_cast<bool>(mw::decode_secret(text)));
  } else {
    FUZZ_CHECK(!mw::decode_secret(text));
  }

  mw::signature_verifier keys(mw::signature_mode::required);
  if (!keys.add_public_key(text)) FUZZ_CHECK(keys.public_key_count() == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto setup = [] {
    struct state {
      mw::signature_verifier verifier{mw::signature_mode::required};
      std::string public_key;
    } s;
    s.public_key = mw::public_key_of(seed).value;
    FUZZ_CHECK(!s.verifier.add_secret(secret));
    FUZZ_CHECK(!s.verifier.add_public_key(s.public_key));
    return s;
  }();

  const std::string bytes(fuzz::as_text(data, size));
  std::string_view rest = bytes;
  const std::string_view header = fuzz::take(rest, '\n');
  const std::string_view body = rest;

  const auto v1 = mw::sign_v1(secret, id, timestamp, body);
  const auto v1a = mw::sign_v1a(seed, id, timestamp, body);
  FUZZ_CHECK(v1 && v1a);

  const bool matched = setup.verifier.matches(id, timestamp, body, header);
  FUZZ_CHECK(matched == has_expected_entry(header, v1.value, v1a.value));

  const mw::header_match sent{header, 1};
  const mw::error answer = setup.verifier.verify(id, timestamp, body, sent);
  FUZZ_CHECK(static_cast<bool>(answer) == !matched);
  if (answer) FUZZ_CHECK(answer.code == mw::errc::invalid_signature);
  const mw::error missing = setup.verifier.verify(id, timestamp, body, mw::header_match{});
  FUZZ_CHECK(missing.code == mw::errc::missing_signature);

  check_key_text(header, body);
  return 0;
}
