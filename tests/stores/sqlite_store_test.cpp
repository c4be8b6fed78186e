#include <megaport/webhooks/sqlite_store.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;
using namespace std::chrono_literals;

namespace {

/// A fresh database path in a private temporary directory, removed afterwards.
class temp_database {
 public:
  temp_database() {
    char pattern[] = "/tmp/megaport-webhooks-sqlite-XXXXXX";
    const char* made = mkdtemp(pattern);
    REQUIRE(made != nullptr);
    dir_ = made;
  }
  ~temp_database() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((path() + suffix).c_str());
    }
    rmdir(dir_.c_str());
  }

  std::string path() const { return dir_ + "/dedupe.sqlite"; }

 private:
  std::string dir_;
};

std::unique_ptr<mw::sqlite_store> open_store(const std::string& path,
                                             mw::sqlite_store_options options = {}) {
  auto opened = mw::sqlite_store::open(path, std::move(options));
  REQUIRE(opened);
  return std::move(*opened);
}

/// Counts the rows of the store's table through a connection of its own.
long long row_count(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM megaport_webhooks_dedupe", -1, &statement,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const long long rows = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

std::string journal_mode(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return mode;
}

const char* const first_id = "4f1f6a52-0c2e-4d4e-9b43-6a1d2a6c1b01";
const char* const second_id = "4f1f6a52-0c2e-4d4e-9b43-6a1d2a6c1b02";

}  // namespace

TEST_CASE("sqlite: a new id is claimed, committed, then reported done", "[sqlite]") {
  temp_database file;
  auto store = open_store(file.path());

  const auto first = store->claim(first_id);
  REQUIRE(first);
  CHECK(first->status == mw::claim_status::claimed);
  CHECK(first->token != 0);
  REQUIRE_FALSE(store->commit(first_id, first->token));

  const auto again = store->claim(first_id);
  REQUIRE(again);
  CHECK(again->status == mw::claim_status::done);

  const auto other = store->claim(second_id);
  REQUIRE(other);
  CHECK(other->status == mw::claim_status::claimed);
  CHECK(other->token != first->token);
  CHECK(journal_mode(file.path()) == "wal");
}

TEST_CASE("sqlite: a held id is busy, and a released one can be claimed again", "[sqlite]") {
  temp_database file;
  auto store = open_store(file.path());

  const auto first = store->claim(first_id);
  REQUIRE(first);
  REQUIRE(first->status == mw::claim_status::claimed);

  const auto during = store->claim(first_id);
  REQUIRE(during);
  CHECK(during->status == mw::claim_status::busy);

  REQUIRE_FALSE(store->release(first_id, first->token));
  const auto after = store->claim(first_id);
  REQUIRE(after);
  CHECK(after->status == mw::claim_status::claimed);
  CHECK(after->token != first->token);
}

TEST_CASE("sqlite: a lapsed lease returns the id, and its stale token can do nothing", "[sqlite]") {
  temp_database file;
  mw::manual_clock clock;
  mw::sqlite_store_options options;
  options.lease = 30s;
  options.clock = clock.function();
  auto store = open_store(file.path(), options);

  const auto crashed = store->claim(first_id);
  REQUIRE(crashed);
  REQUIRE(crashed->status == mw::claim_status::claimed);

  clock.advance(29s);
  const auto before = store->claim(first_id);
  REQUIRE(before);
  CHECK(before->status == mw::claim_status::busy);

  clock.advance(1s);
  const auto retry = store->claim(first_id);
  REQUIRE(retry);
  REQUIRE(retry->status == mw::claim_status::claimed);
  CHECK(retry->token != crashed->token);

  CHECK(store->commit(first_id, crashed->token).code == mw::errc::busy);
  CHECK(store->release(first_id, crashed->token).code == mw::errc::busy);
  const auto held = store->claim(first_id);
  REQUIRE(held);
  CHECK(held->status == mw::claim_status::busy);

  REQUIRE_FALSE(store->commit(first_id, retry->token));
  CHECK(store->commit(first_id, retry->token).code == mw::errc::busy);
  CHECK(store->release(first_id, retry->token).code == mw::errc::busy);
  const auto done = store->claim(first_id);
  REQUIRE(done);
  CHECK(done->status == mw::claim_status::done);
}

TEST_CASE("sqlite: a lease that lapsed unclaimed cannot be committed late", "[sqlite]") {
  temp_database file;
  mw::manual_clock clock;
  mw::sqlite_store_options options;
  options.clock = clock.function();
  auto store = open_store(file.path(), options);

  const auto slow = store->claim(first_id);
  REQUIRE(slow);
  clock.advance(31s);
  CHECK(store->commit(first_id, slow->token).code == mw::errc::busy);
  const auto next = store->claim(first_id);
  REQUIRE(next);
  CHECK(next->status == mw::claim_status::claimed);
}

TEST_CASE("sqlite: a processed id is remembered for the retention, 48 h by default", "[sqlite]") {
  temp_database file;
  mw::manual_clock clock;
  mw::sqlite_store_options options;
  options.clock = clock.function();
  options.sweep_every = 1;
  auto store = open_store(file.path(), options);

  const auto first = store->claim(first_id);
  REQUIRE(first);
  REQUIRE_FALSE(store->commit(first_id, first->token));

  clock.advance(48h - 1s);
  const auto late_retry = store->claim(first_id);
  REQUIRE(late_retry);
  CHECK(late_retry->status == mw::claim_status::done);

  clock.advance(1s);
  const auto forgotten = store->claim(first_id);
  REQUIRE(forgotten);
  CHECK(forgotten->status == mw::claim_status::claimed);
}

TEST_CASE("sqlite: the retention comes from the options", "[sqlite]") {
  temp_database file;
  mw::manual_clock clock;
  mw::retention_policy policy;
  policy.retention = 36h;
  mw::sqlite_store_options options;
  options.retention = policy.retention;
  options.clock = clock.function();
  auto store = open_store(file.path(), options);

  const auto first = store->claim(first_id);
  REQUIRE(first);
  REQUIRE_FALSE(store->commit(first_id, first->token));
  clock.advance(36h - 1ms);
  CHECK(store->claim(first_id)->status == mw::claim_status::done);
  clock.advance(1ms);
  CHECK(store->claim(first_id)->status == mw::claim_status::claimed);
}

TEST_CASE("sqlite: what was committed survives closing and reopening the file", "[sqlite]") {
  temp_database file;
  std::uint64_t open_token = 0;
  {
    auto store = open_store(file.path());
    const auto first = store->claim(first_id);
    REQUIRE(first);
    REQUIRE_FALSE(store->commit(first_id, first->token));
    const auto second = store->claim(second_id);
    REQUIRE(second);
    open_token = second->token;
  }

  auto reopened = open_store(file.path());
  CHECK(reopened->claim(first_id)->status == mw::claim_status::done);
  CHECK(reopened->claim(second_id)->status == mw::claim_status::busy);
  REQUIRE_FALSE(reopened->release(second_id, open_token));
  CHECK(reopened->claim(second_id)->status == mw::claim_status::claimed);
}

TEST_CASE("sqlite: expired rows are swept in bounded batches as claims go by", "[sqlite]") {
  temp_database file;
  mw::manual_clock clock;
  mw::sqlite_store_options options;
  options.clock = clock.function();
  options.retention = 1h;
  options.sweep_every = 10;
  options.sweep_batch = 25;
  auto store = open_store(file.path(), options);

  for (int i = 0; i < 100; ++i) {
    const std::string id = "old-" + std::to_string(i);
    const auto claimed = store->claim(id);
    REQUIRE(claimed);
    REQUIRE_FALSE(store->commit(id, claimed->token));
  }
  CHECK(row_count(file.path()) == 100);

  clock.advance(2h);
  for (int i = 0; i < 10; ++i)
    REQUIRE(store->claim("new-" + std::to_string(i)));
  CHECK(row_count(file.path()) == 100 + 10 - 25);

  const auto swept = store->sweep(1000);
  REQUIRE(swept);
  CHECK(*swept == 75);
  CHECK(row_count(file.path()) == 10);
}

TEST_CASE("sqlite: a file that cannot be opened is store_unavailable", "[sqlite]") {
  const auto opened = mw::sqlite_store::open("/nonexistent-directory/megaport/dedupe.sqlite");
  REQUIRE_FALSE(opened);
  CHECK(opened.failure().code == mw::errc::store_unavailable);
}

TEST_CASE("sqlite: a file locked by another writer past busy_timeout is store_unavailable",
          "[sqlite]") {
  temp_database file;
  mw::sqlite_store_options options;
  options.busy_timeout = 100ms;
  auto store = open_store(file.path(), options);

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(file.path().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

  const auto start = std::chrono::steady_clock::now();
  const auto blocked = store->claim(first_id);
  const auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(blocked);
  CHECK(blocked.failure().code == mw::errc::store_unavailable);
  CHECK(waited >= 90ms);
  CHECK(waited < 2s);
  CHECK_FALSE(store->diagnostic().empty());

  REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  const auto free = store->claim(first_id);
  REQUIRE(free);
  CHECK(free->status == mw::claim_status::claimed);
}

TEST_CASE("sqlite: many threads on one store claim each id exactly once", "[sqlite]") {
  temp_database file;
  auto store = open_store(file.path());
  constexpr int thread_count = 8;
  constexpr int id_count = 400;

  std::vector<std::atomic<int>> claims(id_count);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t) {
    workers.emplace_back([&, t] {
      for (int n = 0; n < id_count; ++n) {
        const int i = (n + t * 37) % id_count;
        const std::string id = "thread-id-" + std::to_string(i);
        for (;;) {
          const auto outcome = store->claim(id);
          if (!outcome) {
            ++failures;
            break;
          }
          if (outcome->status == mw::claim_status::busy) continue;
          if (outcome->status == mw::claim_status::claimed) {
            ++claims[i];
            if (store->commit(id, outcome->token)) ++failures;
          }
          break;
        }
      }
    });
  }
  for (auto& worker : workers)
    worker.join();

  CHECK(failures == 0);
  int wrong = 0;
  for (auto& count : claims)
    wrong += count.load() != 1;
  CHECK(wrong == 0);
}

TEST_CASE("sqlite: two processes on one file claim each id exactly once", "[sqlite]") {
  temp_database file;
  { open_store(file.path()); }
  constexpr int id_count = 300;
  constexpr int rounds = 3;

  // Each child reports the ids it claimed, one per line, through a pipe of its own.
  std::vector<std::pair<pid_t, int>> children;
  for (int c = 0; c < 2; ++c) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      auto opened = mw::sqlite_store::open(file.path());
      if (!opened) _exit(2);
      std::string claimed;
      for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < id_count; ++i) {
          const std::string id = std::to_string(r) + "-" + std::to_string(i);
          for (;;) {
            const auto outcome = (*opened)->claim(id);
            if (!outcome) _exit(3);
            if (outcome->status == mw::claim_status::busy) continue;
            if (outcome->status == mw::claim_status::claimed) {
              if ((*opened)->commit(id, outcome->token)) _exit(4);
              claimed += id + "\n";
            }
            break;
          }
        }
      }
      const char* data = claimed.data();
      std::size_t left = claimed.size();
      while (left > 0) {
        const ssize_t wrote = write(fds[1], data, left);
        if (wrote <= 0) _exit(5);
        data += wrote;
        left -= static_cast<std::size_t>(wrote);
      }
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }

  std::map<std::string, int> claims;
  std::vector<int> per_child;
  for (auto& [pid, fd] : children) {
    std::string text;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0)
      text.append(buffer, std::size_t(got));
    close(fd);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    int mine = 0;
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      ++claims[text.substr(start, end - start)];
      ++mine;
    }
    per_child.push_back(mine);
  }

  CHECK(claims.size() == std::size_t(id_count * rounds));
  int repeated = 0;
  for (const auto& [id, count] : claims)
    repeated += count != 1;
  CHECK(repeated == 0);
  INFO("claims per process: " << per_child[0] << ", " << per_child[1]);
  CHECK(per_child[0] + per_child[1] == id_count * rounds);
}
