// The Beast session writes its answers without Beast's serialiser: the bytes must be those that
// beast_response serialises, for every status, both HTTP versions and both connection modes.

#include <megaport/webhooks/adapters/beast.hpp>

#include <sstream>
#include <string>

#include "catch.hpp"

namespace mw = megaport::webhooks;
namespace http = boost::beast::http;

namespace {

std::string serialised(const mw::response& answer, unsigned version, bool keep_alive) {
  std::ostringstream out;
  out << mw::adapters::beast_response(answer, version, keep_alive);
  return out.str();
}

}  // namespace

TEST_CASE("a session's answer is the bytes of beast_response", "[beast]") {
  const mw::response answers[] = {
      mw::response(mw::outcome::processed, 200),
      mw::response(mw::outcome::accepted, 202),
      mw::response(mw::outcome::rejected, 400, {mw::errc::malformed_header}),
      mw::response(mw::outcome::rejected, 401, {mw::errc::invalid_signature}),
      mw::response(mw::outcome::rejected, 404),
      mw::response(mw::outcome::rejected, 405, {mw::errc::method_not_allowed}),
      mw::response(mw::outcome::busy, 409, {mw::errc::busy}),
      mw::response(mw::outcome::rejected, 413, {mw::errc::body_too_large}),
      mw::response(mw::outcome::rejected, 431, {mw::errc::malformed_header}),
      mw::response(mw::outcome::failed, 500, {mw::errc::handler_failed}),
      mw::response(mw::outcome::failed, 503, {mw::errc::store_unavailable}),
  };
  std::string reply;
  for (const auto& answer : answers) {
    for (const unsigned version : {10u, 11u}) {
      for (const bool keep_alive : {false, true}) {
        INFO(answer.status() << " HTTP " << version << " keep-alive " << keep_alive);
        mw::adapters::detail::beast_reply(answer, version, keep_alive, reply);
        CHECK(reply == serialised(answer, version, keep_alive));
      }
    }
  }
}
