#include <megaport/webhooks.hpp>
#include <megaport/webhooks/memory_store.hpp>
#include <megaport/webhooks/receiver.hpp>
#include <megaport/webhooks/testing.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using mw::testing::delivery_builder;
using std::chrono::seconds;

namespace {

struct fixture {
  mw::manual_clock clock;
  mw::memory_store store{store_options(clock)};
  mw::receiver<> receiver{store, {}, mw::tolerance_window(seconds(300), clock.function())};
  std::vector<mw::report> reports;
  std::vector<std::string> report_ids;  // a report's views live only during the observer call
  std::vector<std::string> report_kinds;
  int handled = 0;

  static mw::memory_store_options store_options(const mw::manual_clock& clock) {
    mw::memory_store_options options;
    options.clock = clock.function();
    return options;
  }

  fixture() {
    receiver.on<mw::login_failure>([this](const auto&, const mw::login_failure&) { ++handled; });
    receiver.observe([this](const mw::report& r) {
      reports.push_back(r);
      report_ids.emplace_back(r.id);
      report_kinds.emplace_back(std::string(r.kind) + " " + std::string(r.type));
    });
  }

  mw::testing::test_request build(const delivery_builder& b) const { return b.build(clock.now()); }

  mw::response send(const mw::testing::test_request& request) {
    return receiver.handle(request.view());
  }
};

std::string body_of(const mw::response& r) {
  return std::string(r.body());
}

}  // namespace

TEST_CASE("a valid delivery is processed once and its retry acknowledged", "[receiver]") {
  fixture f;
  const auto request = f.build(delivery_builder::login_failure());

  const auto first = f.send(request);
  CHECK(first.status() == 200);
  CHECK(first.outcome() == mw::outcome::processed);
  CHECK(body_of(first) == R"({"outcome":"processed"})");

  const auto retry = f.send(request);
  CHECK(retry.status() == 200);
  CHECK(retry.outcome() == mw::outcome::duplicate);
  CHECK(f.handled == 1);
}

TEST_CASE("an id in uppercase is the same delivery as its lowercase text", "[receiver]") {
  fixture f;
  const std::string upper = "34EE661A-18F0-4C30-8A73-E2D7E0AB641D";
  const auto first = f.send(f.build(delivery_builder::login_failure().id(upper)));
  CHECK(first.outcome() == mw::outcome::processed);

  const auto retry =
      f.send(f.build(delivery_builder::login_failure().id("34ee661a-18F0-4c30-8a73-e2d7e0ab641d")));
  CHECK(retry.outcome() == mw::outcome::duplicate);
  CHECK(f.handled == 1);
}

TEST_CASE("framing that could hide a second request is refused", "[receiver]") {
  fixture f;
  auto both = f.build(delivery_builder::login_failure());
  both.set_header("Transfer-Encoding", "chunked").set_header("Content-Length", "300");
  CHECK(f.send(both).status() == 400);

  auto twice = f.build(delivery_builder::login_failure());
  twice.add_header("Transfer-Encoding", "chunked").add_header("Transfer-Encoding", "chunked");
  CHECK(f.send(twice).status() == 400);

  for (const char* coding : {"gzip, chunked", "gzip", "xchunked", "chunked, identity"}) {
    auto other = f.build(delivery_builder::login_failure());
    other.set_header("Transfer-Encoding", coding);
    INFO(coding);
    CHECK(f.send(other).status() == 501);
  }
  CHECK(f.handled == 0);

  // Chunked alone is ordinary framing, whatever its case and spacing.
  auto chunked = f.build(delivery_builder::login_failure());
  chunked.set_header("Transfer-Encoding", " Chunked ");
  CHECK(f.send(chunked).status() == 200);
  CHECK(f.handled == 1);
}

TEST_CASE("delivery ids are kept in canonical form", "[receiver][headers]") {
  using mw::id_format;
  const auto lower =
      mw::delivery_id::parse("0123abcd-4567-89ef-abcd-fedcba987654", id_format::uuid);
  REQUIRE(lower);
  CHECK(lower->view() == "0123abcd-4567-89ef-abcd-fedcba987654");

  const auto upper =
      mw::delivery_id::parse("0123ABCD-4567-89EF-aBcD-FEDCBA987654", id_format::uuid);
  REQUIRE(upper);
  CHECK(upper->view() == "0123abcd-4567-89ef-abcd-fedcba987654");

  for (const char* bad :
       {"", "0123abcd-4567-89ef-abcd-fedcba98765", "0123abcd_4567-89ef-abcd-fedcba987654",
        "0123abcg-4567-89ef-abcd-fedcba987654", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"}) {
    INFO(bad);
    CHECK_FALSE(mw::delivery_id::parse(bad, id_format::uuid));
  }
  const auto any = mw::delivery_id::parse("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", id_format::any);
  REQUIRE(any);
  CHECK(any->view() == "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
}

TEST_CASE("a retry with a fresh timestamp is still a duplicate", "[receiver]") {
  fixture f;
  auto builder = delivery_builder::login_failure().id("d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8");
  CHECK(f.send(f.build(builder)).status() == 200);

  f.clock.advance(std::chrono::hours(8));
  const auto retry = f.send(f.build(builder));
  CHECK(retry.outcome() == mw::outcome::duplicate);
  CHECK(f.handled == 1);
}

TEST_CASE("unknown types, the portal's ping among them, are acknowledged", "[receiver]") {
  fixture f;
  const auto code = GENERATE(std::string("service.provisioned"), std::string("ping"),
                             std::string("webhook.test"), std::string(""));
  const auto answer = f.send(f.build(delivery_builder(code).data(R"({"anything":[1,2,{}]})")));
  CHECK(answer.status() == 200);
  CHECK(answer.outcome() == mw::outcome::ignored);
}

TEST_CASE("a known type without a handler is acknowledged as ignored", "[receiver]") {
  fixture f;
  const auto answer = f.send(f.build(delivery_builder::user_registration()));
  CHECK(answer.status() == 200);
  CHECK(answer.outcome() == mw::outcome::ignored);
}

TEST_CASE("methods other than POST answer 405 with Allow", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());
  request.method = GENERATE(std::string("GET"), std::string("PUT"), std::string("DELETE"),
                            std::string("post"), std::string("PATCH"));
  const auto answer = f.send(request);
  CHECK(answer.status() == 405);
  CHECK(answer.allow() == "POST");
  CHECK(f.handled == 0);
}

TEST_CASE("content types other than JSON answer 415", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());
  const auto type = GENERATE(std::string("text/plain"), std::string("application/jsonx"),
                             std::string("application/x-www-form-urlencoded"), std::string(""),
                             std::string("json"), std::string("text/json"));
  request.set_header("Content-Type", type);
  CHECK(f.send(request).status() == 415);
}

TEST_CASE("a missing content type answers 415", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());
  request.remove_header("content-type");
  CHECK(f.send(request).status() == 415);
}

TEST_CASE("JSON content types with parameters and in any case are accepted", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());
  const auto type =
      GENERATE(std::string("application/json; charset=utf-8"), std::string("APPLICATION/JSON"),
               std::string(" application/json "), std::string("application/cloudevents+json"),
               std::string("Application/Json;charset=UTF-8"));
  request.set_header("Content-Type", type);
  CHECK(f.send(request).status() == 200);
}

TEST_CASE("a body over the limit answers 413 before anything else is read", "[receiver]") {
  mw::manual_clock clock;
  mw::memory_store_options options;
  options.clock = clock.function();
  mw::memory_store store(options);
  mw::receiver_options limits;
  limits.max_body = 64;
  mw::receiver<> receiver(store, limits, mw::tolerance_window(seconds(300), clock.function()));

  const auto request = delivery_builder::login_failure().build(clock.now());
  REQUIRE(request.body.size() > 64);
  CHECK(receiver.handle(request.view()).status() == 413);
  CHECK(receiver.check_head("POST", request.view().headers, std::size_t{65})->status() == 413);
  CHECK_FALSE(receiver.check_head("POST", request.view().headers, std::size_t{64}));
}

TEST_CASE("missing, repeated and malformed ids answer 400", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());

  SECTION("missing") {
    request.remove_header("webhook-id");
    const auto answer = f.send(request);
    CHECK(answer.status() == 400);
    CHECK(body_of(answer).find("webhook-id: missing") != std::string::npos);
  }
  SECTION("repeated") {
    request.add_header("Webhook-Id", "00000000-0000-4000-8000-000000000001");
    CHECK(f.send(request).status() == 400);
  }
  SECTION("malformed") {
    const auto id = GENERATE(std::string("msg_p5jXN8AQM9LWM0D4loKWxJek"), std::string(""),
                             std::string("{d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8}"),
                             std::string("d4f5a6b7c8d94e0fa1b2c3d4e5f6a7b8"),
                             std::string("d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7bg"));
    request.set_header("webhook-id", id);
    const auto answer = f.send(request);
    CHECK(answer.status() == 400);
    CHECK(body_of(answer).find("webhook-id") != std::string::npos);
  }
  CHECK(f.handled == 0);
}

TEST_CASE("ids in any case are one id", "[receiver]") {
  fixture f;
  CHECK(
      f.send(f.build(delivery_builder::login_failure().id("D4F5A6B7-C8D9-4E0F-A1B2-C3D4E5F6A7B8")))
          .outcome() == mw::outcome::processed);
  CHECK(
      f.send(f.build(delivery_builder::login_failure().id("d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8")))
          .outcome() == mw::outcome::duplicate);
}

TEST_CASE("non-UUID ids are accepted when the receiver is told so", "[receiver]") {
  mw::manual_clock clock;
  mw::memory_store_options options;
  options.clock = clock.function();
  mw::memory_store store(options);
  mw::receiver_options any;
  any.ids = mw::id_format::any;
  mw::receiver<> receiver(store, any, mw::tolerance_window(seconds(300), clock.function()));

  const auto request =
      delivery_builder::login_failure().id("msg_p5jXN8AQM9LWM0D4loKWxJek").build(clock.now());
  CHECK(receiver.handle(request.view()).outcome() == mw::outcome::ignored);
  CHECK(receiver.handle(request.view()).outcome() == mw::outcome::duplicate);

  auto spaced = request;
  spaced.set_header("webhook-id", "msg with spaces");
  CHECK(receiver.handle(spaced.view()).status() == 400);
}

TEST_CASE("malformed timestamps answer 400", "[receiver]") {
  fixture f;
  const auto value =
      GENERATE(std::string("+1767225600"), std::string("-1767225600"), std::string("1767225600.0"),
               std::string("1.7e9"), std::string("1767225600s"), std::string("0x6956b580"),
               std::string(""), std::string("now"), std::string("17672256000000"));
  const auto answer = f.send(f.build(delivery_builder::login_failure().timestamp_header(value)));
  CHECK(answer.status() == 400);
  CHECK(body_of(answer).find("webhook-timestamp") != std::string::npos);
  CHECK(f.handled == 0);
}

TEST_CASE("a timestamp in milliseconds gets an error that says so", "[receiver]") {
  fixture f;
  const auto seconds_now =
      std::chrono::duration_cast<seconds>(f.clock.now().time_since_epoch()).count();
  const auto answer = f.send(f.build(
      delivery_builder::login_failure().timestamp_header(std::to_string(seconds_now * 1000))));
  CHECK(answer.status() == 400);
  CHECK(body_of(answer).find("milliseconds") != std::string::npos);
}

TEST_CASE("missing and repeated timestamps answer 400", "[receiver]") {
  fixture f;
  auto request = f.build(delivery_builder::login_failure());
  SECTION("missing") {
    request.remove_header("webhook-timestamp");
  }
  SECTION("repeated") {
    request.add_header("webhook-timestamp", request.header("webhook-id"));
  }
  CHECK(f.send(request).status() == 400);
}

TEST_CASE("stale and future attempts answer 400; the window's edges are inside", "[receiver]") {
  fixture f;
  const auto offset = GENERATE(-301, -302, -3600, -86400, 301, 302, 86400);
  const auto answer =
      f.send(f.build(delivery_builder::login_failure().sent_at(f.clock.now() + seconds(offset))));
  CHECK(answer.status() == 400);
  CHECK(body_of(answer).find(offset < 0 ? "old" : "ahead") != std::string::npos);

  const auto edge = GENERATE(-300, 0, 300);
  CHECK(f.send(f.build(delivery_builder::login_failure().sent_at(f.clock.now() + seconds(edge))))
            .status() == 200);
}

TEST_CASE("freshness reads the header, never the body's event time", "[receiver]") {
  fixture f;
  const auto answer = f.send(
      f.build(delivery_builder::login_failure().field("timestamp", R"("2001-01-01T00:00:00Z")")));
  CHECK(answer.status() == 200);
}

TEST_CASE("header names are matched in any case", "[receiver]") {
  fixture f;
  const auto request = f.build(delivery_builder::login_failure());
  mw::testing::test_request shouted;
  shouted.body = request.body;
  shouted.add_header("CONTENT-TYPE", "application/json");
  shouted.add_header("Webhook-Id", request.header("webhook-id"));
  shouted.add_header("WEBHOOK-TIMESTAMP", request.header("webhook-timestamp"));
  CHECK(f.send(shouted).status() == 200);
}

TEST_CASE("malformed bodies answer 400 and never echo the payload", "[receiver]") {
  fixture f;
  auto builder = delivery_builder::login_failure();
  SECTION("wrong type") {
    builder.data_field("attempts", R"("5")");
  }
  SECTION("missing field") {
    builder.remove_data_field("email");
  }
  SECTION("malformed unknown field") {
    builder.field("extra", "[1,,2]");
  }
  SECTION("not an object") {
    builder.data("[]");
  }
  auto request = f.build(builder);
  const auto answer = f.send(request);
  CHECK(answer.status() == 400);
  CHECK(body_of(answer).find("user@example.com") == std::string::npos);
  CHECK(f.handled == 0);
}

TEST_CASE("a rejected delivery claims nothing: its retry can succeed", "[receiver]") {
  fixture f;
  auto builder = delivery_builder::login_failure().id("00000000-0000-4000-8000-000000000042");

  auto broken = builder;
  broken.data_field("attempts", "true");
  CHECK(f.send(f.build(broken)).status() == 400);
  auto stale = builder;
  stale.sent_at(f.clock.now() - seconds(1000));
  CHECK(f.send(f.build(stale)).status() == 400);

  CHECK(f.send(f.build(builder)).outcome() == mw::outcome::processed);
  CHECK(f.handled == 1);
}

TEST_CASE("a failing handler answers 500 and releases the claim", "[receiver]") {
  fixture f;
  int calls = 0;
  const int mode = GENERATE(0, 1);
  if (mode == 0) {
    f.receiver.on<mw::login_failure>(
        [&calls](const auto&, const mw::login_failure&) { return ++calls > 1; });
  } else {
    f.receiver.on<mw::login_failure>([&calls](const auto&, const mw::login_failure&) {
      return ++calls == 1 ? std::make_error_code(std::errc::io_error) : std::error_code();
    });
  }

  const auto request = f.build(delivery_builder::login_failure());
  const auto first = f.send(request);
  CHECK(first.status() == 500);
  CHECK(first.outcome() == mw::outcome::failed);

  const auto retry = f.send(request);
  CHECK(retry.status() == 200);
  CHECK(retry.outcome() == mw::outcome::processed);
  CHECK(calls == 2);
}

#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
TEST_CASE("a throwing handler answers 500 and releases the claim", "[receiver]") {
  fixture f;
  int calls = 0;
  f.receiver.on<mw::login_failure>([&calls](const auto&, const mw::login_failure&) {
    if (++calls == 1) throw std::runtime_error("database down");
  });
  const auto request = f.build(delivery_builder::login_failure());
  CHECK(f.send(request).status() == 500);
  CHECK(f.send(request).status() == 200);
  CHECK(calls == 2);
}
#endif

TEST_CASE("an id held by another worker answers 409; a crashed claim returns after its lease",
          "[receiver]") {
  fixture f;
  const auto request = f.build(delivery_builder::login_failure());
  auto held = f.store.claim(request.header("webhook-id"));
  REQUIRE(held);
  REQUIRE(held->status == mw::claim_status::claimed);

  const auto busy = f.send(request);
  CHECK(busy.status() == 409);
  CHECK(busy.outcome() == mw::outcome::busy);

  // The holder never commits nor releases: it crashed. Its lease runs out.
  f.clock.advance(seconds(31));
  const auto retry =
      f.send(f.build(delivery_builder::login_failure().id(request.header("webhook-id"))));
  CHECK(retry.outcome() == mw::outcome::processed);
  CHECK(f.handled == 1);
}

TEST_CASE("eight threads handing the same delivery at once run the handler once", "[receiver]") {
  mw::memory_store store;
  mw::receiver<> receiver(store);
  std::atomic<int> handled{0};
  receiver.on<mw::login_failure>([&handled](const auto&, const mw::login_failure&) {
    handled.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });

  for (int round = 0; round < 25; ++round) {
    const auto request = delivery_builder::login_failure().build();
    std::atomic<int> processed{0};
    std::atomic<int> others{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        while (!go.load())
          std::this_thread::yield();
        const auto answer = receiver.handle(request.view());
        if (answer.outcome() == mw::outcome::processed) {
          processed.fetch_add(1);
        } else if (answer.outcome() == mw::outcome::duplicate ||
                   answer.outcome() == mw::outcome::busy) {
          others.fetch_add(1);
        }
      });
    }
    go.store(true);
    for (auto& t : threads)
      t.join();
    CHECK(processed.load() == 1);
    CHECK(others.load() == 7);
  }
  CHECK(handled.load() == 25);
}

TEST_CASE("a store at its memory bound answers 503, and the sender's retry succeeds later",
          "[receiver]") {
  mw::manual_clock clock;
  mw::memory_store_options options;
  options.clock = clock.function();
  options.max_ids = 16;
  options.shards = 1;
  mw::memory_store store(options);
  mw::receiver<> receiver(store, {}, mw::tolerance_window(seconds(300), clock.function()));

  for (int i = 0; i < 16; ++i) {
    const auto filler = delivery_builder::login_failure().build(clock.now());
    REQUIRE(receiver.handle(filler.view()).status() == 200);
  }
  const auto request = delivery_builder::login_failure().build(clock.now());
  const auto full = receiver.handle(request.view());
  CHECK(full.status() == 503);
  CHECK(full.outcome() == mw::outcome::failed);

  clock.advance(std::chrono::hours(49));
  const auto later =
      delivery_builder::login_failure().id(request.header("webhook-id")).build(clock.now());
  CHECK(receiver.handle(later.view()).status() == 200);
}

TEST_CASE("observers hear of every answer with its outcome and reason", "[receiver]") {
  fixture f;
  const auto request = f.build(delivery_builder::login_failure());
  (void)f.send(request);
  (void)f.send(request);
  auto get = request;
  get.method = "GET";
  (void)f.send(get);

  REQUIRE(f.reports.size() == 3);
  CHECK(f.reports[0].outcome == mw::outcome::processed);
  CHECK(f.report_ids[0] == request.header("webhook-id"));
  CHECK(f.report_kinds[0] == "login_failure security.login.failed");
  CHECK(f.report_kinds[2] == " ");
  CHECK(f.reports[1].outcome == mw::outcome::duplicate);
  CHECK(f.reports[2].status == 405);
  CHECK(f.reports[2].reason.code == mw::errc::method_not_allowed);
}

TEST_CASE("a signature policy's refusal answers 401 after freshness", "[receiver]") {
  struct refuse_all {
    mw::error verify(std::string_view, std::string_view, std::string_view,
                     const mw::header_match& signature) const noexcept {
      return signature.count == 0 ? mw::error{mw::errc::missing_signature}
                                  : mw::error{mw::errc::invalid_signature};
    }
  };
  mw::manual_clock clock;
  mw::memory_store_options options;
  options.clock = clock.function();
  mw::memory_store store(options);
  mw::receiver<mw::default_event_set, mw::tolerance_window, refuse_all> receiver(
      store, {}, mw::tolerance_window(seconds(300), clock.function()));

  auto request = delivery_builder::login_failure().build(clock.now());
  CHECK(receiver.handle(request.view()).status() == 401);
  request.set_header("webhook-signature", "v1,AAAA");
  CHECK(receiver.handle(request.view()).status() == 401);

  auto stale = delivery_builder::login_failure().sent_at(clock.now() - seconds(999)).build();
  CHECK(receiver.handle(stale.view()).status() == 400);
}

TEST_CASE("a user binds codes at run time", "[receiver]") {
  fixture f;
  REQUIRE(f.receiver.events().bind("security.login.failed.v2", "login_failure"));
  CHECK(f.send(f.build(delivery_builder::login_failure().field("type",
                                                               R"("security.login.failed.v2")")))
            .outcome() == mw::outcome::processed);
  CHECK_FALSE(f.receiver.events().bind("x", "no_such_kind"));
}
