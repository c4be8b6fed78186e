// pipeline/*: the receiver's whole handling of a delivery, from request view to answer, with a
// fresh id each time. dedupe/*: one claim and its commit, per store.

#include <benchmark/benchmark.h>
#include <megaport/webhooks/memory_store.hpp>
#include <megaport/webhooks/receiver.hpp>

#if MEGAPORT_WEBHOOKS_BENCH_SQLITE
#include <megaport/webhooks/sqlite_store.hpp>
#endif
#if MEGAPORT_WEBHOOKS_BENCH_REDIS
#include <megaport/webhooks/redis_store.hpp>
#endif

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_payloads.hpp"

namespace mw = megaport::webhooks;

namespace {

/// Far more ids than one run claims, so that no run fills the store (the default is 1 M).
mw::memory_store_options roomy_store() {
  mw::memory_store_options options;
  options.max_ids = 4'000'000;
  return options;
}

void pipeline_memory(benchmark::State& state, const std::string& body, unsigned prefix) {
  mw::memory_store store(roomy_store());
  mw::receiver<> receiver(store);
  receiver.on<mw::login_failure>([](const auto&, const auto&) {})
      .on<mw::user_registration>([](const auto&, const auto&) {})
      .on<mw::password_reset_request>([](const auto&, const auto&) {})
      .on_unknown([](const auto&, const auto&) {});

  // The headers the provider sends, as a framework would list them; the id changes in place.
  bench::id_counter ids(prefix);
  const std::string sent_at =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  const std::string length = std::to_string(body.size());
  std::string& id = ids.current();
  const std::vector<mw::header_field> fields = {
      {"Host", "127.0.0.1:8080"}, {"User-Agent", "Megaport-Webhooks/1.0"},
      {"Content-Length", length}, {"Content-Type", "application/json"},
      {"webhook-id", id},         {"webhook-timestamp", sent_at},
  };
  const mw::header_list<std::vector<mw::header_field>> lookup(fields);
  const mw::request_view request{"POST", lookup, body};

  for (auto _ : state) {
    ids.next();
    const mw::response answer = receiver.handle(request);
    if (answer.status() != 200) {
      state.SkipWithError("the receiver did not answer 200");
      break;
    }
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

/// One claim and its commit per iteration, each id new.
void claim_commit(benchmark::State& state, mw::dedupe_store& store, unsigned prefix) {
  bench::id_counter ids(prefix + static_cast<unsigned>(state.thread_index()));
  for (auto _ : state) {
    const std::string& id = ids.next();
    auto claimed = store.claim(id);
    if (!claimed || claimed->status != mw::claim_status::claimed) {
      state.SkipWithError("the claim of a new id failed");
      break;
    }
    if (store.commit(id, claimed->token)) {
      state.SkipWithError("the commit failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 36));
}

// Each run gets new id prefixes, so that no run meets another's ids in a shared store.
unsigned next_prefix() {
  static unsigned prefix = static_cast<unsigned>(::getpid()) << 12;
  prefix += 16;
  return prefix;
}

// The store of the dedupe run in progress, made by its Setup before any of its threads starts.
std::unique_ptr<mw::dedupe_store> store;
std::string store_problem;
unsigned store_prefix = 0;

void drop_store(const benchmark::State&) {
  store.reset();
  store_problem.clear();
}

void dedupe(benchmark::State& state) {
  if (!store) {
    state.SkipWithError(store_problem.c_str());
    for (auto _ : state) {
    }
    return;
  }
  claim_commit(state, *store, store_prefix);
}

void open_memory(const benchmark::State&) {
  store = std::make_unique<mw::memory_store>(roomy_store());
  store_prefix = next_prefix();
}

#if MEGAPORT_WEBHOOKS_BENCH_SQLITE
std::string sqlite_dir;

void open_sqlite(const benchmark::State&) {
  char pattern[] = "/tmp/megaport-webhooks-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    store_problem = "cannot make a temporary directory";
    return;
  }
  sqlite_dir = pattern;
  auto opened = mw::sqlite_store::open(sqlite_dir + "/dedupe.sqlite");
  if (!opened) {
    store_problem = "cannot open the SQLite store in " + sqlite_dir;
    return;
  }
  store = std::move(*opened);
  store_prefix = next_prefix();
}

void close_sqlite(const benchmark::State& state) {
  drop_store(state);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    ::unlink((sqlite_dir + "/dedupe.sqlite" + suffix).c_str());
  }
  ::rmdir(sqlite_dir.c_str());
}
#endif

#if MEGAPORT_WEBHOOKS_BENCH_REDIS
void open_redis(const benchmark::State&) {
  const char* url = std::getenv("MEGAPORT_WEBHOOKS_BENCH_REDIS");
  if (url == nullptr || *url == '\0') {
    store_problem =
        "skipped: set MEGAPORT_WEBHOOKS_BENCH_REDIS=redis://127.0.0.1:PORT/0 to a Redis server "
        "of your own (its database gets one key per claim)";
    return;
  }
  auto opened = mw::redis_store::open(url);
  if (!opened) {
    store_problem = std::string("cannot open the Redis store at ") + url;
    return;
  }
  store = std::move(*opened);
  store_prefix = next_prefix();
}
#endif

const bool registered = [] {
  for (const auto& p : bench::payloads()) {
    const std::string& body = p.body;
    benchmark::RegisterBenchmark(
        ("pipeline/memory/" + p.name).c_str(),
        [&body](benchmark::State& s) { pipeline_memory(s, body, next_prefix()); });
  }

  benchmark::RegisterBenchmark("dedupe/memory/claim_commit", dedupe)
      ->Setup(open_memory)
      ->Teardown(drop_store)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime();
#if MEGAPORT_WEBHOOKS_BENCH_SQLITE
  benchmark::RegisterBenchmark("dedupe/sqlite/claim_commit", dedupe)
      ->Setup(open_sqlite)
      ->Teardown(close_sqlite)
      ->UseRealTime();
#endif
#if MEGAPORT_WEBHOOKS_BENCH_REDIS
  benchmark::RegisterBenchmark("dedupe/redis/claim_commit", dedupe)
      ->Setup(open_redis)
      ->Teardown(drop_store)
      ->UseRealTime();
#endif
  return true;
}();

}  // namespace
