// The signature policy inside the real receiver: the answers a sender sees in each mode.

#include <megaport/webhooks.hpp>
#include <megaport/webhooks/memory_store.hpp>
#include <megaport/webhooks/receiver.hpp>
#include <megaport/webhooks/signature.hpp>
#include <megaport/webhooks/testing.hpp>

#include <chrono>
#include <string>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using mw::testing::delivery_builder;
using std::chrono::seconds;

namespace {

const std::string secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const std::string retired = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

using signed_receiver =
    mw::receiver<mw::default_event_set, mw::tolerance_window, mw::signature_verifier>;

mw::signature_verifier make_verifier(mw::signature_mode mode) {
  mw::signature_verifier verifier(mode);
  REQUIRE_FALSE(verifier.add_secret(secret));
  REQUIRE_FALSE(verifier.add_secret(retired));
  return verifier;
}

struct fixture {
  mw::manual_clock clock;
  mw::memory_store store{store_options(clock)};
  signed_receiver receiver;
  int handled = 0;

  explicit fixture(mw::signature_mode mode)
      : receiver(store, {}, mw::tolerance_window(seconds(300), clock.function()),
                 make_verifier(mode)) {
    receiver.on<mw::login_failure>([this](const auto&, const mw::login_failure&) { ++handled; });
  }

  static mw::memory_store_options store_options(const mw::manual_clock& clock) {
    mw::memory_store_options options;
    options.clock = clock.function();
    return options;
  }

  mw::testing::test_request build(const delivery_builder& b) const { return b.build(clock.now()); }

  mw::response send(const mw::testing::test_request& request) {
    return receiver.handle(request.view());
  }
};

/// Signs `request` as a Standard Webhooks sender would, with `with`.
void sign(mw::testing::test_request& request, const std::string& with) {
  const auto entry = mw::sign_v1(with, request.header("webhook-id"),
                                 request.header("webhook-timestamp"), request.body);
  REQUIRE(entry);
  request.set_header("webhook-signature", *entry);
}

std::string body_of(const mw::response& r) {
  return std::string(r.body());
}

}  // namespace

TEST_CASE("mode off: signatures are not looked at", "[signature][receiver]") {
  fixture f(mw::signature_mode::off);
  auto unsigned_request = f.build(delivery_builder::login_failure());
  CHECK(f.send(unsigned_request).status() == 200);

  auto wrongly_signed = f.build(delivery_builder::login_failure());
  wrongly_signed.set_header("webhook-signature", "v1,AAAA");
  CHECK(f.send(wrongly_signed).status() == 200);
  CHECK(f.handled == 2);
}

TEST_CASE("mode verify_if_present: unsigned passes, a bad signature is 401",
          "[signature][receiver]") {
  fixture f(mw::signature_mode::verify_if_present);

  CHECK(f.send(f.build(delivery_builder::login_failure())).status() == 200);

  auto good = f.build(delivery_builder::login_failure());
  sign(good, secret);
  CHECK(f.send(good).status() == 200);

  auto bad = f.build(delivery_builder::login_failure());
  sign(bad, secret);
  bad.body.insert(bad.body.size() - 1, " ");
  const auto refused = f.send(bad);
  CHECK(refused.status() == 401);
  CHECK(body_of(refused) ==
        R"({"outcome":"rejected","reason":"webhook-signature: no signature matched"})");
  CHECK(f.handled == 2);

  // A refused delivery was not claimed: once correctly signed, the same id is processed.
  sign(bad, secret);
  CHECK(f.send(bad).status() == 200);
  CHECK(f.handled == 3);
}

TEST_CASE("mode required: missing is 401, signed with any current secret is 200",
          "[signature][receiver]") {
  fixture f(mw::signature_mode::required);

  const auto missing = f.send(f.build(delivery_builder::login_failure()));
  CHECK(missing.status() == 401);
  CHECK(body_of(missing) ==
        R"({"outcome":"rejected","reason":"webhook-signature: signature required"})");

  auto by_current = f.build(delivery_builder::login_failure());
  sign(by_current, secret);
  CHECK(f.send(by_current).status() == 200);

  auto by_retired = f.build(delivery_builder::login_failure());
  sign(by_retired, retired);
  CHECK(f.send(by_retired).status() == 200);

  auto by_stranger = f.build(delivery_builder::login_failure());
  const auto stranger = mw::generate_secret();
  REQUIRE(stranger);
  sign(by_stranger, *stranger);
  CHECK(f.send(by_stranger).status() == 401);
  CHECK(f.handled == 2);
}

TEST_CASE("required: tampering with a signed delivery is refused", "[signature][receiver]") {
  fixture f(mw::signature_mode::required);
  auto original = f.build(delivery_builder::login_failure());
  sign(original, secret);

  auto other_id = original;
  other_id.set_header("webhook-id", mw::testing::random_uuid());
  CHECK(f.send(other_id).status() == 401);

  auto other_time = original;
  const auto ts = std::stoll(std::string(original.header("webhook-timestamp")));
  other_time.set_header("webhook-timestamp", std::to_string(ts + 1));
  CHECK(f.send(other_time).status() == 401);

  auto other_body = original;
  other_body.body = delivery_builder::login_failure().data_field("attempts", "6").body();
  CHECK(f.send(other_body).status() == 401);

  CHECK(f.handled == 0);
  CHECK(f.send(original).status() == 200);
  CHECK(f.handled == 1);
}

TEST_CASE("required: checks before the signature still answer first", "[signature][receiver]") {
  fixture f(mw::signature_mode::required);

  // Stale: freshness comes before the signature, so a replayed signed delivery is a 400.
  auto stale = f.build(delivery_builder::login_failure().sent_at(f.clock.now() - seconds(301)));
  sign(stale, secret);
  CHECK(f.send(stale).status() == 400);

  // Correctly signed but malformed JSON: the signature passes, the body check answers 400.
  auto malformed = f.build(delivery_builder::login_failure().data_field("attempts", "[1,,2]"));
  sign(malformed, secret);
  CHECK(f.send(malformed).status() == 400);

  // Missing id: 400, whatever the signature says.
  auto no_id = f.build(delivery_builder::login_failure());
  sign(no_id, secret);
  no_id.remove_header("webhook-id");
  CHECK(f.send(no_id).status() == 400);
  CHECK(f.handled == 0);
}

TEST_CASE("required: the spec's three payloads and an unknown event, signed",
          "[signature][receiver]") {
  fixture f(mw::signature_mode::required);
  for (const auto& b :
       {delivery_builder::login_failure(), delivery_builder::user_registration(),
        delivery_builder::password_reset_request(), delivery_builder("portal.ping")}) {
    auto request = f.build(b);
    sign(request, secret);
    CHECK(f.send(request).status() == 200);
  }
}
