#include <megaport/webhooks/memory_store.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using namespace std::chrono_literals;

namespace {

/// Ids shaped like the sender's: random version-4 UUIDs in canonical lowercase.
class id_source {
 public:
  explicit id_source(std::uint64_t seed) : engine_(seed) {}

  std::string next() {
    mw::uuid value;
    for (std::size_t i = 0; i < 16; i += 8) {
      const std::uint64_t word = engine_();
      for (std::size_t j = 0; j < 8; ++j)
        value.bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
    value.bytes[6] = static_cast<std::uint8_t>((value.bytes[6] & 0x0f) | 0x40);
    value.bytes[8] = static_cast<std::uint8_t>((value.bytes[8] & 0x3f) | 0x80);
    return std::string(value.text().view());
  }

 private:
  std::mt19937_64 engine_;
};

mw::memory_store_options options_with(const mw::manual_clock& clock) {
  mw::memory_store_options options;
  options.clock = clock.function();
  return options;
}

/// Lets a group of threads start a round together.
class spin_barrier {
 public:
  explicit spin_barrier(unsigned count) : count_(count) {}

  void arrive_and_wait() {
    const unsigned generation = generation_.load();
    if (arrived_.fetch_add(1) + 1 == count_) {
      arrived_.store(0);
      generation_.fetch_add(1);
      return;
    }
    while (generation_.load() == generation)
      std::this_thread::yield();
  }

 private:
  const unsigned count_;
  std::atomic<unsigned> arrived_{0};
  std::atomic<unsigned> generation_{0};
};

constexpr std::string_view first_id = "8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b";
constexpr std::string_view second_id = "34ee661a-18f0-4c30-8a73-e2d7e0ab641d";

}  // namespace

TEST_CASE("memory store: a new id is claimed, committed, then done", "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  const auto first = store.claim(first_id);
  REQUIRE(first);
  CHECK(first->status == mw::claim_status::claimed);
  CHECK(first->token != 0);

  REQUIRE_FALSE(store.commit(first_id, first->token));
  const auto again = store.claim(first_id);
  REQUIRE(again);
  CHECK(again->status == mw::claim_status::done);

  CHECK_FALSE(store.commit(first_id, first->token));  // repeating a commit is harmless
  CHECK(store.release(first_id, first->token).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::done);

  const auto other = store.claim(second_id);
  REQUIRE(other);
  CHECK(other->status == mw::claim_status::claimed);
  CHECK(store.size() == 2);
}

TEST_CASE("memory store: a released id can be claimed again, with a new token", "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  const auto first = store.claim(first_id);
  REQUIRE(first->status == mw::claim_status::claimed);
  REQUIRE_FALSE(store.release(first_id, first->token));
  CHECK(store.size() == 0);

  const auto second = store.claim(first_id);
  REQUIRE(second->status == mw::claim_status::claimed);
  CHECK(second->token != first->token);
  CHECK(store.release(first_id, first->token).code == mw::errc::busy);
  CHECK(store.commit(first_id, first->token).code == mw::errc::busy);
  CHECK_FALSE(store.commit(first_id, second->token));
}

TEST_CASE("memory store: an id under a live lease is busy", "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  REQUIRE(store.claim(first_id)->status == mw::claim_status::claimed);
  const auto busy = store.claim(first_id);
  REQUIRE(busy);
  CHECK(busy->status == mw::claim_status::busy);
  CHECK(busy->token == 0);

  clock.advance(29s);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);
}

TEST_CASE("memory store: a crashed worker's claim returns once its lease expires",
          "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.policy.lease = 10s;
  mw::memory_store store(options);

  const auto crashed = store.claim(first_id);
  REQUIRE(crashed->status == mw::claim_status::claimed);
  clock.advance(9s);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  clock.advance(2s);
  const auto retry = store.claim(first_id);
  REQUIRE(retry);
  CHECK(retry->status == mw::claim_status::claimed);
  CHECK(retry->token != crashed->token);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);
  CHECK(store.size() == 1);
}

TEST_CASE("memory store: a commit past the lease succeeds if nobody claimed the id since",
          "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.policy.lease = 5s;
  mw::memory_store store(options);

  const auto slow = store.claim(first_id);
  clock.advance(60s);
  REQUIRE_FALSE(store.commit(first_id, slow->token));
  CHECK(store.claim(first_id)->status == mw::claim_status::done);
}

TEST_CASE("memory store: a processed id is remembered for the retention, then forgotten",
          "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  const auto first = store.claim(first_id);
  REQUIRE_FALSE(store.commit(first_id, first->token));

  clock.advance(47h + 59min);
  CHECK(store.claim(first_id)->status == mw::claim_status::done);

  clock.advance(2min);
  const auto later = store.claim(first_id);
  REQUIRE(later);
  CHECK(later->status == mw::claim_status::claimed);
  CHECK(later->token != first->token);
}

TEST_CASE("memory store: a retention shorter than the default is honoured", "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.policy.retention = 1h;
  mw::memory_store store(options);

  REQUIRE_FALSE(store.commit(first_id, store.claim(first_id)->token));
  clock.advance(59min);
  CHECK(store.claim(first_id)->status == mw::claim_status::done);
  clock.advance(2min);
  CHECK(store.claim(first_id)->status == mw::claim_status::claimed);
}

TEST_CASE("memory store: a stale token can neither release nor commit another worker's lease",
          "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  const auto stale = store.claim(first_id);
  clock.advance(31s);
  const auto current = store.claim(first_id);
  REQUIRE(current->status == mw::claim_status::claimed);

  const auto released = store.release(first_id, stale->token);
  CHECK(released.code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  CHECK(store.commit(first_id, stale->token).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  REQUIRE_FALSE(store.commit(first_id, current->token));
  CHECK(store.commit(first_id, stale->token).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::done);
}

TEST_CASE("memory store: unknown ids and made-up tokens are errors, not crashes",
          "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  CHECK(store.commit(first_id, 1).code == mw::errc::busy);
  CHECK(store.release(first_id, 1).code == mw::errc::busy);
  CHECK(store.commit("msg_unknown", 1).code == mw::errc::busy);

  const auto held = store.claim(first_id);
  CHECK(store.commit(first_id, 0).code == mw::errc::busy);
  CHECK(store.commit(first_id, held->token + 1).code == mw::errc::busy);
  CHECK(store.release(first_id, ~std::uint64_t{0}).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  CHECK(store.claim("").failure().code == mw::errc::malformed_header);
  CHECK(store.claim(std::string(257, 'a')).failure().code == mw::errc::malformed_header);
  CHECK(store.commit("", 1).code == mw::errc::malformed_header);
  CHECK(store.claim(std::string(256, 'a'))->status == mw::claim_status::claimed);
}

TEST_CASE("memory store: ids that are not UUIDs work the same way", "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));
  const std::string id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

  const auto first = store.claim(id);
  REQUIRE(first);
  CHECK(first->status == mw::claim_status::claimed);
  CHECK(store.claim(id)->status == mw::claim_status::busy);
  CHECK(store.claim("msg_2KWPBgLlAfxdpx2AI54pPJ85f4X")->status == mw::claim_status::claimed);

  REQUIRE_FALSE(store.release(id, first->token));
  const auto second = store.claim(id);
  REQUIRE(second->status == mw::claim_status::claimed);
  CHECK(store.commit(id, first->token).code == mw::errc::busy);
  REQUIRE_FALSE(store.commit(id, second->token));
  CHECK(store.claim(id)->status == mw::claim_status::done);

  clock.advance(49h);
  CHECK(store.claim(id)->status == mw::claim_status::claimed);

  CHECK(store.claim("x")->status == mw::claim_status::claimed);
}

TEST_CASE("memory store: an uppercase UUID is a different id from its lowercase text",
          "[memory_store]") {
  mw::manual_clock clock;
  mw::memory_store store(options_with(clock));

  REQUIRE(store.claim(first_id)->status == mw::claim_status::claimed);
  CHECK(store.claim("8A3C2F1E-5B6D-4E7F-9A0B-1C2D3E4F5A6B")->status == mw::claim_status::claimed);
  CHECK(store.claim("8A3C2F1E-5B6D-4E7F-9A0B-1C2D3E4F5A6B")->status == mw::claim_status::busy);
}

TEST_CASE("memory store: at the memory bound new ids are refused until old ones expire",
          "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.max_ids = 100;
  options.shards = 1;
  mw::memory_store store(options);
  REQUIRE(store.capacity() == 100);

  id_source ids(1);
  std::vector<std::string> kept;
  for (int i = 0; i < 90; ++i) {
    kept.push_back(ids.next());
    const auto claimed = store.claim(kept.back());
    REQUIRE(claimed->status == mw::claim_status::claimed);
    REQUIRE_FALSE(store.commit(kept.back(), claimed->token));
  }
  for (int i = 0; i < 10; ++i) {
    kept.push_back("msg_" + std::to_string(i));
    REQUIRE(store.claim(kept.back())->status == mw::claim_status::claimed);
  }
  CHECK(store.size() == 100);

  const auto refused = store.claim(ids.next());
  CHECK(refused.failure().code == mw::errc::store_full);
  CHECK(store.claim("msg_new").failure().code == mw::errc::store_full);

  // The leases ran out, so those ten make room; the processed ids are kept.
  clock.advance(1min);
  for (int i = 0; i < 10; ++i)
    REQUIRE(store.claim(ids.next())->status == mw::claim_status::claimed);
  CHECK(store.claim(ids.next()).failure().code == mw::errc::store_full);
  for (int i = 0; i < 90; ++i)
    CHECK(store.claim(kept[i])->status == mw::claim_status::done);

  clock.advance(48h + 1min);
  for (int i = 0; i < 100; ++i) {
    const auto claimed = store.claim(ids.next());
    REQUIRE(claimed);
    CHECK(claimed->status == mw::claim_status::claimed);
  }
  CHECK(store.size() == 100);
}

TEST_CASE("memory store: a store with many shards divides its bound among them", "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.max_ids = 100'000;
  options.shards = 100;  // rounded down to 64
  mw::memory_store store(options);
  CHECK(store.capacity() == 64 * (100'000 / 64));

  id_source ids(2);
  std::size_t claimed = 0;
  std::size_t refused = 0;
  for (int i = 0; i < 200'000; ++i) {
    const auto outcome = store.claim(ids.next());
    if (outcome) ++claimed;
    if (!outcome && outcome.failure().code == mw::errc::store_full) ++refused;
  }
  CHECK(claimed == store.capacity());
  CHECK(refused == 200'000 - store.capacity());
  CHECK(store.size() == store.capacity());
}

TEST_CASE("memory store: a small bound is not split into tiny shards", "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.max_ids = 1000;
  mw::memory_store store(options);
  CHECK(store.capacity() == 1000);

  id_source ids(7);
  int claimed = 0;
  for (int i = 0; i < 1000; ++i)
    claimed += store.claim(ids.next()) ? 1 : 0;
  CHECK(claimed >= 900);
}

TEST_CASE("memory store: eight threads racing for one id: exactly one claims it each round",
          "[memory_store][threads]") {
  mw::memory_store store;
  constexpr unsigned threads = 8;
  constexpr int rounds = 2000;

  id_source ids(3);
  std::vector<std::string> round_ids;
  for (int i = 0; i < rounds; ++i)
    round_ids.push_back(ids.next());

  std::vector<std::atomic<int>> claimed(rounds);
  std::vector<std::atomic<int>> others(rounds);
  std::atomic<int> failures{0};
  spin_barrier barrier(threads);

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int r = 0; r < rounds; ++r) {
        barrier.arrive_and_wait();
        const auto outcome = store.claim(round_ids[r]);
        if (!outcome) {
          failures.fetch_add(1);
          continue;
        }
        if (outcome->status == mw::claim_status::claimed) {
          claimed[r].fetch_add(1);
          if (store.commit(round_ids[r], outcome->token)) failures.fetch_add(1);
        } else {
          others[r].fetch_add(1);
        }
      }
    });
  }
  for (auto& worker : workers)
    worker.join();

  CHECK(failures.load() == 0);
  int wrong_rounds = 0;
  for (int r = 0; r < rounds; ++r) {
    if (claimed[r].load() != 1 || others[r].load() != static_cast<int>(threads) - 1) ++wrong_rounds;
  }
  CHECK(wrong_rounds == 0);
  for (int r = 0; r < rounds; r += 97) {
    CHECK(store.claim(round_ids[r])->status == mw::claim_status::done);
  }
}

TEST_CASE("memory store: eight threads on distinct ids all claim and commit theirs",
          "[memory_store][threads]") {
  mw::memory_store_options options;
  options.max_ids = 200'000;
  mw::memory_store store(options);
  constexpr unsigned threads = 8;
  constexpr int per_thread = 5000;

  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      id_source ids(100 + t);
      std::vector<std::string> mine;
      for (int i = 0; i < per_thread; ++i) {
        mine.push_back(i % 10 == 0 ? "msg_" + std::to_string(t) + "_" + std::to_string(i)
                                   : ids.next());
        const auto outcome = store.claim(mine.back());
        if (!outcome || outcome->status != mw::claim_status::claimed) {
          failures.fetch_add(1);
          continue;
        }
        if (i % 3 == 0) {
          if (store.release(mine.back(), outcome->token)) failures.fetch_add(1);
        } else if (store.commit(mine.back(), outcome->token)) {
          failures.fetch_add(1);
        }
      }
      for (int i = 0; i < per_thread; ++i) {
        const auto outcome = store.claim(mine[i]);
        const auto expected = i % 3 == 0 ? mw::claim_status::claimed : mw::claim_status::done;
        if (!outcome || outcome->status != expected) failures.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers)
    worker.join();

  CHECK(failures.load() == 0);
  CHECK(store.size() == threads * per_thread);
}

TEST_CASE("memory store: 200,000 ids: probing, deletion and sweeping keep every answer right",
          "[memory_store][many]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.max_ids = 250'000;
  // Tables this size are mapped for huge pages unless told otherwise: both ways must hold.
  options.huge_pages = GENERATE(true, false);
  mw::memory_store store(options);
  constexpr int count = 200'000;

  id_source ids(4);
  std::vector<std::string> first;
  std::vector<std::uint64_t> tokens;
  for (int i = 0; i < count; ++i) {
    first.push_back(ids.next());
    const auto outcome = store.claim(first.back());
    REQUIRE(outcome);
    REQUIRE(outcome->status == mw::claim_status::claimed);
    tokens.push_back(outcome->token);
  }
  CHECK(store.size() == count);

  // Release every other id: backward-shift deletion must keep the rest
  // findable.
  int wrong = 0;
  for (int i = 0; i < count; i += 2) {
    if (store.release(first[i], tokens[i])) ++wrong;
  }
  for (int i = 1; i < count; i += 2) {
    if (store.commit(first[i], tokens[i])) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(store.size() == count / 2);

  for (int i = 0; i < count; ++i) {
    const auto outcome = store.claim(first[i]);
    const auto expected = i % 2 == 0 ? mw::claim_status::claimed : mw::claim_status::done;
    if (!outcome || outcome->status != expected) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(store.size() == count);

  // Past the retention every one of them expired; another 200,000 only fit if
  // they are swept.
  clock.advance(49h);
  for (int i = 0; i < count; ++i) {
    const auto id = ids.next();
    const auto outcome = store.claim(id);
    if (!outcome || outcome->status != mw::claim_status::claimed) {
      ++wrong;
      continue;
    }
    if (store.commit(id, outcome->token)) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(store.size() <= store.capacity());

  for (int i = 0; i < count; i += 7) {
    const auto outcome = store.claim(first[i]);
    if (!outcome || outcome->status != mw::claim_status::claimed) ++wrong;
  }
  CHECK(wrong == 0);
}

TEST_CASE("memory store: sweep forgets exactly the expired ids", "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.policy.retention = 1h;
  mw::memory_store store(options);

  id_source ids(5);
  std::vector<std::string> done;
  for (int i = 0; i < 1000; ++i) {
    done.push_back(ids.next());
    REQUIRE_FALSE(store.commit(done.back(), store.claim(done.back())->token));
  }
  for (int i = 0; i < 100; ++i)
    (void)store.claim("msg_" + std::to_string(i));
  clock.advance(31s);
  CHECK(store.sweep() == 100);
  CHECK(store.size() == 1000);

  clock.advance(1h);
  CHECK(store.sweep() == 1000);
  CHECK(store.size() == 0);
  CHECK(store.claim(done[0])->status == mw::claim_status::claimed);
}

TEST_CASE("memory store: claims sweep expired ids as they go, long before the store is full",
          "[memory_store]") {
  mw::manual_clock clock;
  auto options = options_with(clock);
  options.max_ids = 4000;
  options.shards = 1;
  mw::memory_store store(options);

  id_source ids(6);
  for (int i = 0; i < 1000; ++i)
    REQUIRE(store.claim(ids.next())->status == mw::claim_status::claimed);
  clock.advance(31s);

  // A few slots per claim: 2,000 claims pass over the whole table of 6,001 slots.
  for (int i = 0; i < 2000; ++i)
    REQUIRE(store.claim(ids.next())->status == mw::claim_status::claimed);
  CHECK(store.size() == 2000);
}
