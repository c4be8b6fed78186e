#include <megaport/webhooks.hpp>
#include <megaport/webhooks/inbox.hpp>
#include <megaport/webhooks/sqlite_inbox.hpp>
#include <megaport/webhooks/testing.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using mw::testing::delivery_builder;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

std::string temp_path() {
  char pattern[] = "/tmp/megaport-inbox-XXXXXX";
  const int fd = mkstemp(pattern);
  REQUIRE(fd >= 0);
  close(fd);
  std::remove(pattern);
  return pattern;
}

struct fixture {
  mw::manual_clock clock;
  std::string path = temp_path();
  std::unique_ptr<mw::sqlite_inbox> inbox = open();

  std::unique_ptr<mw::sqlite_inbox> open() {
    mw::sqlite_inbox_options options;
    options.clock = clock.function();
    auto opened = mw::sqlite_inbox::open(path, options);
    REQUIRE(opened);
    return std::move(*opened);
  }

  ~fixture() {
    inbox.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::remove((path + suffix).c_str());
  }
};

std::string body() {
  return delivery_builder::login_failure().body();
}

}  // namespace

TEST_CASE("a stored delivery is accepted once, then a duplicate", "[inbox]") {
  fixture f;
  const auto id = mw::testing::random_uuid();
  auto first = f.inbox->put(id, 1767225600, body());
  REQUIRE(first);
  CHECK(*first == mw::put_status::accepted);
  auto again = f.inbox->put(id, 1767225700, body());
  REQUIRE(again);
  CHECK(*again == mw::put_status::duplicate);
}

TEST_CASE("take leases a delivery with its bytes; done keeps the id and drops the body",
          "[inbox]") {
  fixture f;
  const auto id = mw::testing::random_uuid();
  REQUIRE(f.inbox->put(id, 1767225600, body()));

  auto taken = f.inbox->take(seconds(30));
  REQUIRE(taken);
  REQUIRE(taken->has_value());
  CHECK((*taken)->id == id);
  CHECK((*taken)->sent_at == 1767225600);
  CHECK((*taken)->body == body());
  CHECK((*taken)->attempt == 1);

  auto none = f.inbox->take(seconds(30));
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  CHECK_FALSE(f.inbox->done(**taken));
  auto entry = f.inbox->find(id);
  REQUIRE(entry);
  REQUIRE(entry->has_value());
  CHECK((*entry)->status == mw::inbox_entry::state::done);
  CHECK((*entry)->body.empty());
  CHECK(*f.inbox->put(id, 1767225600, body()) == mw::put_status::duplicate);
}

TEST_CASE("a crashed worker's lease returns the delivery; its stale token changes nothing",
          "[inbox]") {
  fixture f;
  REQUIRE(f.inbox->put(mw::testing::random_uuid(), 1767225600, body()));
  auto crashed = f.inbox->take(seconds(30));
  REQUIRE(crashed);
  REQUIRE(crashed->has_value());

  f.clock.advance(seconds(29));
  CHECK_FALSE(f.inbox->take(seconds(30))->has_value());
  f.clock.advance(seconds(2));
  auto again = f.inbox->take(seconds(30));
  REQUIRE(again);
  REQUIRE(again->has_value());
  CHECK((*again)->attempt == 2);

  CHECK(f.inbox->done(**crashed).code == mw::errc::busy);
  CHECK_FALSE(f.inbox->done(**again));
}

TEST_CASE("failures are retried at their time, then dead-lettered; retry brings one back",
          "[inbox]") {
  fixture f;
  const auto id = mw::testing::random_uuid();
  REQUIRE(f.inbox->put(id, 1767225600, body()));
  mw::retry_policy retries;
  retries.first_retry = seconds(1);
  retries.max_attempts = 3;

  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    auto taken = f.inbox->take(seconds(30));
    REQUIRE(taken);
    REQUIRE(taken->has_value());
    CHECK((*taken)->attempt == attempt);
    const auto next = retries.next(attempt, f.clock.now());
    CHECK(next.has_value() == (attempt < 3));
    CHECK_FALSE(f.inbox->failed(**taken, "database down", next));
    CHECK_FALSE(f.inbox->take(seconds(30))->has_value());
    f.clock.advance(seconds(1 << attempt));
  }

  auto dead = f.inbox->find(id);
  REQUIRE(dead);
  CHECK((*dead)->status == mw::inbox_entry::state::dead);
  CHECK((*dead)->last_error == "database down");
  f.clock.advance(std::chrono::hours(1));
  CHECK_FALSE(f.inbox->take(seconds(30))->has_value());

  CHECK(*f.inbox->retry(id) == 1);
  auto back = f.inbox->take(seconds(30));
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->attempt == 1);
}

TEST_CASE("retry_policy doubles from the first retry up to the longest", "[inbox]") {
  mw::retry_policy p;
  p.first_retry = seconds(1);
  p.longest_retry = seconds(5);
  p.max_attempts = 6;
  const mw::time_point t0{};
  CHECK(*p.next(1, t0) == t0 + seconds(1));
  CHECK(*p.next(2, t0) == t0 + seconds(2));
  CHECK(*p.next(3, t0) == t0 + seconds(4));
  CHECK(*p.next(4, t0) == t0 + seconds(5));
  CHECK(*p.next(5, t0) == t0 + seconds(5));
  CHECK_FALSE(p.next(6, t0));
}

TEST_CASE("deliveries survive closing and reopening the file", "[inbox]") {
  fixture f;
  const auto id = mw::testing::random_uuid();
  REQUIRE(f.inbox->put(id, 1767225600, body()));
  f.inbox.reset();
  f.inbox = f.open();
  auto taken = f.inbox->take(seconds(30));
  REQUIRE(taken);
  REQUIRE(taken->has_value());
  CHECK((*taken)->id == id);
}

TEST_CASE("eight threads putting at once are grouped and each answered right", "[inbox]") {
  fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 400; ++i)
    ids.push_back(mw::testing::random_uuid());

  std::atomic<int> accepted{0};
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // Every id is put by two threads: one of them must see a duplicate.
      for (int i = 0; i < 400; ++i) {
        if (i % 4 != t % 4) continue;
        auto status = f.inbox->put(ids[static_cast<std::size_t>(i)], 1767225600, body());
        if (status && *status == mw::put_status::accepted) accepted.fetch_add(1);
        if (status && *status == mw::put_status::duplicate) duplicates.fetch_add(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(accepted.load() == 400);
  CHECK(duplicates.load() == 400);

  auto rows = f.inbox->list();
  REQUIRE(rows);
  CHECK(rows->size() == 400);
}

TEST_CASE("four worker threads never process a delivery twice; every one is processed", "[inbox]") {
  const std::string path = temp_path();
  auto opened = mw::sqlite_inbox::open(path);
  REQUIRE(opened);
  auto& inbox = **opened;

  mw::receiver<> receiver(inbox);
  std::mutex mutex;
  std::multiset<std::string> processed;
  receiver.on<mw::login_failure>([&](const mw::delivery<>& d, const mw::login_failure&) {
    std::this_thread::sleep_for(milliseconds(1));
    const std::lock_guard<std::mutex> lock(mutex);
    processed.emplace(d.id);
  });

  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const auto request = delivery_builder::login_failure().build();
    const auto answer = receiver.handle(request.view());
    REQUIRE(answer.status() == 202);
    REQUIRE(answer.outcome() == mw::outcome::accepted);
    ids.emplace_back(request.header("webhook-id"));
    CHECK(receiver.handle(request.view()).outcome() == mw::outcome::duplicate);
  }

  mw::inbox_worker_options options;
  options.workers = 4;
  options.idle_wait = milliseconds(5);
  {
    mw::inbox_workers<mw::receiver<>> workers(inbox, receiver, options);
    workers.start();
    for (int i = 0; i < 1000; ++i) {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        if (processed.size() >= ids.size()) break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }

  CHECK(processed.size() == ids.size());
  for (const auto& id : ids)
    CHECK(processed.count(id) == 1);
  auto rows = inbox.list();
  REQUIRE(rows);
  for (const auto& row : *rows)
    CHECK(row.status == mw::inbox_entry::state::done);

  opened->reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());
}

TEST_CASE("a failing handler is retried by the workers until it succeeds", "[inbox]") {
  const std::string path = temp_path();
  auto opened = mw::sqlite_inbox::open(path);
  REQUIRE(opened);
  auto& inbox = **opened;

  mw::receiver<> receiver(inbox);
  std::atomic<int> calls{0};
  std::atomic<std::uint32_t> last_attempt{0};
  receiver.on<mw::login_failure>([&](const mw::delivery<>& d, const mw::login_failure&) {
    last_attempt.store(d.attempt);
    return calls.fetch_add(1) >= 2;  // fails twice
  });
  const auto request = delivery_builder::login_failure().build();
  REQUIRE(receiver.handle(request.view()).status() == 202);

  mw::inbox_worker_options options;
  options.workers = 1;
  options.idle_wait = milliseconds(5);
  options.retries.first_retry = milliseconds(20);
  mw::inbox_workers<mw::receiver<>> workers(inbox, receiver, options);
  workers.start();
  for (int i = 0; i < 300 && calls.load() < 3; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  workers.stop();

  CHECK(calls.load() == 3);
  CHECK(last_attempt.load() == 3);
  auto entry = inbox.find(request.header("webhook-id"));
  REQUIRE(entry);
  CHECK((*entry)->status == mw::inbox_entry::state::done);

  opened->reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());
}
