#pragma once

/// \file
/// A durable inbox in an SQLite file. Deliveries are written in groups: concurrent `put` calls
/// share one transaction (group commit), so the disk is not asked for one sync per request.
/// Link `megaport::webhooks_sqlite`.

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "clock.hpp"
#include "detail/lease_token.hpp"
#include "inbox.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// What an acknowledged delivery survives.
enum class durability : std::uint8_t {
  process_crash,  ///< WAL with `synchronous=NORMAL`: a crash of the process loses nothing
  power_loss,     ///< `synchronous=FULL`: a power cut loses nothing, at one fsync per group
};

/// Settings of a `sqlite_inbox`.
struct sqlite_inbox_options {
  durability level = durability::process_crash;

  /// How long done ids are kept for dedupe (48 h: longer than the sender's retries).
  /// \warning Shorter than about 35 h lets a late retry of the sender be processed twice.
  std::chrono::milliseconds retention = std::chrono::hours(48);

  /// How long a call waits for another process's write lock before failing.
  std::chrono::milliseconds busy_timeout{5000};

  /// The most deliveries one group transaction writes.
  std::size_t max_group = 256;

  clock_function clock = system_clock();
};

/// One row of the inbox, as the operator sees it.
struct inbox_entry {
  enum class state : std::uint8_t { ready = 0, leased = 1, done = 2, dead = 3 };

  std::string id;
  state status = state::ready;
  std::uint32_t attempts = 0;
  std::int64_t sent_at = 0;
  std::int64_t received_ms = 0;  ///< unix milliseconds when it was stored
  std::int64_t next_ms = 0;      ///< when it is due (ready), or its lease ends (leased)
  std::string last_error;
  std::string body;  ///< empty once done
};

/// The name of an entry's state: "ready", "leased", "done" or "dead".
constexpr std::string_view to_string(inbox_entry::state value) noexcept {
  switch (value) {
    case inbox_entry::state::ready: return "ready";
    case inbox_entry::state::leased: return "leased";
    case inbox_entry::state::done: return "done";
    case inbox_entry::state::dead: return "dead";
  }
  return "unknown";
}

/// A durable inbox in one table of an SQLite database file (created if missing, WAL mode).
///
/// \note Thread-safe: one connection guarded by a mutex. Several processes may share the file
/// on a local file system; each takes deliveries under leases, so none is processed by two at
/// once while its lease runs.
class sqlite_inbox final : public inbox {
 public:
  using options = sqlite_inbox_options;

  /// Opens or creates the inbox at `path`. Any failure: `store_unavailable`.
  [[nodiscard]] static result<std::unique_ptr<sqlite_inbox>> open(const std::string& path,
                                                                  options settings = {}) noexcept {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return error{errc::store_unavailable, {}, "inbox"};
    }
    std::unique_ptr<sqlite_inbox> self(new (std::nothrow) sqlite_inbox(db, std::move(settings)));
    if (!self) {
      sqlite3_close(db);
      return error{errc::store_unavailable, {}, "inbox"};
    }
    if (error e = self->prepare()) return e;
    if (error e = self->start_checkpoints(path)) return e;
    return self;
  }

  ~sqlite_inbox() override {
    {
      const std::lock_guard<std::mutex> lock(checkpoint_mutex_);
      closing_ = true;
    }
    checkpoint_wake_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    sqlite3_close(checkpoint_db_);
    for (auto* statement : statements_) {
      sqlite3_finalize(statement);
    }
    sqlite3_close(db_);
  }

  sqlite_inbox(const sqlite_inbox&) = delete;
  sqlite_inbox& operator=(const sqlite_inbox&) = delete;

  [[nodiscard]] result<put_status> put(std::string_view id, std::int64_t sent_at,
                                       std::string_view body) noexcept override {
    pending_put request;
    request.id = id;
    request.sent_at = sent_at;
    request.body = body;
    std::unique_lock<std::mutex> lock(group_mutex_);
    queue_.push_back(&request);

    // The first caller to find no group being written leads: it writes every queued request,
    // including those that arrive while it writes, in groups of up to `max_group`.
    while (!request.finished) {
      if (!leading_) {
        lead(lock);
      } else {
        request.written.wait(lock);  // woken by the leader once its group is committed
      }
    }
    lock.unlock();

    if (request.failure) return request.failure;
    return request.status;
  }

  [[nodiscard]] result<std::vector<stored_delivery>> take_batch(std::chrono::milliseconds lease,
                                                                std::size_t max) noexcept override {
    const std::lock_guard<std::mutex> lock(db_mutex_);
    const std::int64_t now = now_ms();
    const std::uint64_t token = tokens_.next();

    sqlite3_stmt* statement = statements_[take_sql];
    sqlite3_reset(statement);
    sqlite3_bind_int64(statement, 1, static_cast<sqlite3_int64>(token));
    sqlite3_bind_int64(statement, 2, now + lease.count());
    sqlite3_bind_int64(statement, 3, now);
    sqlite3_bind_int64(statement, 4, static_cast<sqlite3_int64>(max));

    std::vector<stored_delivery> taken;
    int step = SQLITE_ROW;
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    try {
#endif
      while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        taken.push_back(read_taken(statement, token));
      }
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    } catch (...) {
      step = SQLITE_NOMEM;
    }
#endif
    sqlite3_reset(statement);
    if (step != SQLITE_DONE) return error{errc::store_unavailable, {}, "inbox"};
    return taken;
  }

  [[nodiscard]] error done_batch(const stored_delivery* taken,
                                 std::size_t count) noexcept override {
    if (count == 0) return {};
    const std::lock_guard<std::mutex> lock(db_mutex_);
    if (count > 1 && !run(statements_[begin_sql])) return fail();

    sqlite3_stmt* statement = statements_[done_sql];
    const std::int64_t until = now_ms() + settings_.retention.count();
    int changed = 0;
    bool ok = true;
    for (std::size_t i = 0; ok && i < count; ++i) {
      sqlite3_reset(statement);
      bind_text(statement, 1, taken[i].id);
      sqlite3_bind_int64(statement, 2, static_cast<sqlite3_int64>(taken[i].token));
      sqlite3_bind_int64(statement, 3, until);
      ok = sqlite3_step(statement) == SQLITE_DONE;
      changed += sqlite3_changes(db_);
    }
    sqlite3_reset(statement);

    if (count > 1 && !(ok && run(statements_[commit_sql]))) {
      run(statements_[rollback_sql]);
      return fail();
    }
    if (!ok) return fail();
    // Fewer rows than deliveries: some leases were lost (they ran out and another worker took
    // those deliveries).
    return changed == static_cast<int>(count) ? error{} : error{errc::busy, {}, "inbox"};
  }

  [[nodiscard]] error failed(const stored_delivery& taken, std::string_view reason,
                             std::optional<time_point> retry_at) noexcept override {
    const std::lock_guard<std::mutex> lock(db_mutex_);
    sqlite3_stmt* statement = statements_[failed_sql];
    sqlite3_reset(statement);
    bind_text(statement, 1, taken.id);
    sqlite3_bind_int64(statement, 2, static_cast<sqlite3_int64>(taken.token));
    bind_text(statement, 3, reason);
    sqlite3_bind_int(statement, 4, retry_at ? 0 : 3);
    sqlite3_bind_int64(statement, 5, retry_at ? to_ms(*retry_at) : now_ms());
    return finish_change(statement);
  }

  void wait_for_work(std::chrono::milliseconds timeout) noexcept override {
    std::unique_lock<std::mutex> lock(group_mutex_);
    work_ready_.wait_for(lock, timeout);
  }

  /// Every entry, oldest first, without bodies; for operators.
  [[nodiscard]] result<std::vector<inbox_entry>> list() noexcept {
    return select(
        "SELECT id, state, attempts, sent_at, received_ms, next_ms, last_error, ''"
        " FROM megaport_webhooks_inbox ORDER BY received_ms, id",
        {});
  }

  /// One entry with its body, or an empty result when the id is unknown.
  [[nodiscard]] result<std::optional<inbox_entry>> find(std::string_view id) noexcept {
    auto rows = select(
        "SELECT id, state, attempts, sent_at, received_ms, next_ms, last_error,"
        " COALESCE(body, '') FROM megaport_webhooks_inbox WHERE id = ?1",
        id);
    if (!rows) return rows.failure();
    if (rows->empty()) return std::optional<inbox_entry>{};
    return std::optional<inbox_entry>(std::move(rows->front()));
  }

  /// Makes a dead (or ready) entry due now, with its attempts reset; returns how many changed.
  [[nodiscard]] result<int> retry(std::string_view id) noexcept {
    return execute(
        "UPDATE megaport_webhooks_inbox SET state = 0, attempts = 0, next_ms = ?2"
        " WHERE id = ?1 AND state IN (0, 3)",
        id);
  }

  /// Makes every dead entry due now; returns how many.
  [[nodiscard]] result<int> retry_dead() noexcept {
    return execute(
        "UPDATE megaport_webhooks_inbox SET state = 0, attempts = 0, next_ms = ?2"
        " WHERE state = 3",
        {});
  }

  /// Deletes done entries past the retention; returns how many.
  [[nodiscard]] result<int> purge_done() noexcept {
    return execute("DELETE FROM megaport_webhooks_inbox WHERE state = 2 AND next_ms <= ?2", {});
  }

 private:
  enum statement_index : std::size_t {
    insert_sql,
    take_sql,
    done_sql,
    failed_sql,
    begin_sql,
    commit_sql,
    rollback_sql,
    count
  };

  struct pending_put {
    std::string_view id;
    std::int64_t sent_at = 0;
    std::string_view body;
    put_status status = put_status::accepted;
    error failure;
    bool finished = false;
    std::condition_variable written;
  };

  sqlite_inbox(sqlite3* db, options settings) noexcept : db_(db), settings_(std::move(settings)) {}

  error prepare() noexcept {
    sqlite3_busy_timeout(db_, static_cast<int>(settings_.busy_timeout.count()));
    // Checkpoints run on a thread of their own (`start_checkpoints`), so that their syncs never
    // hold up the commit of a group, and with it the answers waiting on that group.
    const std::string pragmas =
        std::string("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; PRAGMA synchronous=") +
        (settings_.level == durability::power_loss ? "FULL;" : "NORMAL;");
    if (sqlite3_exec(db_, pragmas.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return fail();

    // Times are unix milliseconds. `next_ms` is when a ready row is due, when a leased row's
    // lease ends, and when a done row may be purged.
    const char* schema =
        "CREATE TABLE IF NOT EXISTS megaport_webhooks_inbox ("
        " id TEXT PRIMARY KEY NOT NULL, sent_at INTEGER NOT NULL, body BLOB,"
        " received_ms INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL,"
        " next_ms INTEGER NOT NULL, token INTEGER NOT NULL, last_error TEXT NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS megaport_webhooks_inbox_due"
        " ON megaport_webhooks_inbox (state, next_ms);";
    if (sqlite3_exec(db_, schema, nullptr, nullptr, nullptr) != SQLITE_OK) return fail();

    const char* sql[count] = {
        "INSERT INTO megaport_webhooks_inbox"
        " (id, sent_at, body, received_ms, state, attempts, next_ms, token, last_error)"
        " VALUES (?1, ?2, ?3, ?4, 0, 0, ?4, 0, '') ON CONFLICT (id) DO NOTHING",
        // The next due row: ready and due, or leased with its lease run out (a crashed worker).
        "UPDATE megaport_webhooks_inbox SET state = 1, token = ?1, next_ms = ?2,"
        " attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM megaport_webhooks_inbox"
        "  WHERE state IN (0, 1) AND next_ms <= ?3 ORDER BY next_ms LIMIT ?4)"
        " RETURNING id, sent_at, body, attempts",
        "UPDATE megaport_webhooks_inbox SET state = 2, body = NULL, next_ms = ?3"
        " WHERE id = ?1 AND token = ?2 AND state = 1",
        "UPDATE megaport_webhooks_inbox SET state = ?4, next_ms = ?5, last_error = ?3"
        " WHERE id = ?1 AND token = ?2 AND state = 1",
        "BEGIN IMMEDIATE",
        "COMMIT",
        "ROLLBACK",
    };
    for (std::size_t i = 0; i < count; ++i) {
      if (sqlite3_prepare_v2(db_, sql[i], -1, &statements_[i], nullptr) != SQLITE_OK) {
        return fail();
      }
    }
    return {};
  }

  // A second connection that moves the log into the database file every 50 ms, without taking
  // the write lock from the connection that commits groups.
  error start_checkpoints(const std::string& path) noexcept {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &checkpoint_db_, flags, nullptr) != SQLITE_OK) return fail();
    sqlite3_busy_timeout(checkpoint_db_, static_cast<int>(settings_.busy_timeout.count()));
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    try {
      checkpointer_ = std::thread([this] { checkpoint_loop(); });
    } catch (...) {
      return fail();
    }
#else
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
#endif
    return {};
  }

  void checkpoint_loop() noexcept {
    std::unique_lock<std::mutex> lock(checkpoint_mutex_);
    while (!closing_) {
      checkpoint_wake_.wait_for(lock, std::chrono::milliseconds(50));
      if (closing_) break;
      lock.unlock();
      sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
      lock.lock();
    }
  }

  // Writes queued requests in groups until the queue is empty. Called with `lock` held.
  void lead(std::unique_lock<std::mutex>& lock) noexcept {
    leading_ = true;
    while (!queue_.empty()) {
      std::vector<pending_put*> group;
      const std::size_t take = std::min(queue_.size(), settings_.max_group);
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));

      lock.unlock();
      write_group(group);
      lock.lock();

      for (auto* request : group) {
        request->finished = true;
        request->written.notify_one();
      }
      work_ready_.notify_all();
    }
    leading_ = false;
  }

  void write_group(const std::vector<pending_put*>& group) noexcept {
    const std::lock_guard<std::mutex> db_lock(db_mutex_);
    const std::int64_t now = now_ms();

    error failure;
    if (!run(statements_[begin_sql])) failure = fail();
    sqlite3_stmt* statement = statements_[insert_sql];
    for (std::size_t i = 0; !failure && i < group.size(); ++i) {
      sqlite3_reset(statement);
      bind_text(statement, 1, group[i]->id);
      sqlite3_bind_int64(statement, 2, group[i]->sent_at);
      sqlite3_bind_blob64(statement, 3, group[i]->body.data(), group[i]->body.size(),
                          SQLITE_STATIC);
      sqlite3_bind_int64(statement, 4, now);
      if (sqlite3_step(statement) != SQLITE_DONE) {
        failure = fail();
        break;
      }
      group[i]->status = sqlite3_changes(db_) == 1 ? put_status::accepted : put_status::duplicate;
    }
    sqlite3_reset(statement);

    // A duplicate within one group: the second insert already saw the first, so it says so.
    if (!failure && !run(statements_[commit_sql])) failure = fail();
    if (failure) {
      run(statements_[rollback_sql]);
      for (auto* request : group)
        request->failure = failure;
    }
  }

  static stored_delivery read_taken(sqlite3_stmt* statement, std::uint64_t token) {
    stored_delivery d;
    d.id = column_text(statement, 0);
    d.sent_at = sqlite3_column_int64(statement, 1);
    d.body = column_text(statement, 2);
    d.attempt = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 3));
    d.token = token;
    return d;
  }

  result<std::vector<inbox_entry>> select(const char* sql, std::string_view id) noexcept {
    const std::lock_guard<std::mutex> lock(db_mutex_);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) return fail();
    if (!id.empty()) bind_text(statement, 1, id);

    std::vector<inbox_entry> rows;
    int step = SQLITE_ROW;
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    try {
#endif
      while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        inbox_entry row;
        row.id = column_text(statement, 0);
        row.status = static_cast<inbox_entry::state>(sqlite3_column_int(statement, 1));
        row.attempts = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 2));
        row.sent_at = sqlite3_column_int64(statement, 3);
        row.received_ms = sqlite3_column_int64(statement, 4);
        row.next_ms = sqlite3_column_int64(statement, 5);
        row.last_error = column_text(statement, 6);
        row.body = column_text(statement, 7);
        rows.push_back(std::move(row));
      }
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    } catch (...) {
      step = SQLITE_NOMEM;
    }
#endif
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE) return error{errc::store_unavailable, {}, "inbox"};
    return rows;
  }

  result<int> execute(const char* sql, std::string_view id) noexcept {
    const std::lock_guard<std::mutex> lock(db_mutex_);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) return fail();
    if (!id.empty()) bind_text(statement, 1, id);
    sqlite3_bind_int64(statement, 2, now_ms());
    const int step = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE) return fail();
    return sqlite3_changes(db_);
  }

  // Runs a prepared statement that returns no rows; true on success.
  static bool run(sqlite3_stmt* statement) noexcept {
    const int step = sqlite3_step(statement);
    sqlite3_reset(statement);
    return step == SQLITE_DONE;
  }

  error finish_change(sqlite3_stmt* statement) noexcept {
    const int step = sqlite3_step(statement);
    const int changed = sqlite3_changes(db_);
    sqlite3_reset(statement);
    if (step != SQLITE_DONE) return fail();
    // No row changed: the lease was lost (it ran out and another worker took the delivery).
    return changed == 1 ? error{} : error{errc::busy, {}, "inbox"};
  }

  static void bind_text(sqlite3_stmt* statement, int index, std::string_view text) noexcept {
    sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  }

  static std::string column_text(sqlite3_stmt* statement, int index) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, index));
    const int size = sqlite3_column_bytes(statement, index);
    return bytes ? std::string(bytes, static_cast<std::size_t>(size)) : std::string();
  }

  std::int64_t now_ms() const noexcept {
    return to_ms(settings_.clock());
  }

  static std::int64_t to_ms(time_point when) noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(when.time_since_epoch()).count();
  }

  error fail(sqlite3_stmt* statement = nullptr) noexcept {
    if (statement) sqlite3_reset(statement);
    return {errc::store_unavailable, {}, "inbox"};
  }

  sqlite3* db_;
  sqlite3_stmt* statements_[count] = {};
  options settings_;
  detail::lease_tokens tokens_;
  std::mutex db_mutex_;

  std::mutex group_mutex_;
  std::condition_variable work_ready_;
  std::vector<pending_put*> queue_;
  bool leading_ = false;

  sqlite3* checkpoint_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool closing_ = false;
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
