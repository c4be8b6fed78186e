#pragma once

/// \file
/// A dedupe store in Redis, shared by every replica of a receiver. Uses hiredis (0.14 or 1.x);
/// link `megaport::webhooks_redis`.

#include <hiredis/hiredis.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <ctime>

#include <pthread.h>
#define MEGAPORT_WEBHOOKS_REDIS_GUARD_SIGPIPE 1
#else
#define MEGAPORT_WEBHOOKS_REDIS_GUARD_SIGPIPE 0
#endif

#include "dedupe_store.hpp"
#include "detail/lease_token.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

namespace detail {
struct redis_command;
}  // namespace detail

/// Where a Redis server listens.
struct redis_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  unsigned database = 0;  ///< the number given to SELECT
};

/// Parses "redis://HOST[:PORT][/DB]": HOST a name, an IPv4 address or a bracketed IPv6 address,
/// PORT 1 to 65535 (default 6379), DB a decimal number (default 0).
/// \note Passwords, TLS ("rediss://") and Unix sockets are not supported and are rejected.
[[nodiscard]] inline result<redis_address> parse_redis_url(std::string_view url);

/// Settings of a `redis_store`; every field has a usable default.
struct redis_store_options {
  /// Put before every id to make its key, so that several users can share one Redis.
  std::string key_prefix = "megaport-webhooks:";

  /// How long a claim holds an id. Seconds from `retention_policy` convert implicitly.
  std::chrono::milliseconds lease = retention_policy{}.lease;

  /// How long a processed id is remembered (48 h by default, see `retention_policy`).
  /// \warning Shorter than about 35 h lets a late retry of the sender be processed twice.
  std::chrono::milliseconds retention = retention_policy{}.retention;

  /// Bound on opening a connection.
  std::chrono::milliseconds connect_timeout{500};

  /// Bound on each command's send and reply.
  std::chrono::milliseconds command_timeout{500};

  /// The most connections open at once; callers beyond it wait for one to come free.
  std::size_t connections = 4;
};

/// A dedupe store in Redis: one key per id, holding the lease token or "done".
///
/// A claim is `SET key token NX PX lease`, pipelined with a `GET` that tells done from busy
/// when the key exists. Commit and release are Lua scripts that act only if the key still holds
/// the caller's token: commit sets "done" with the retention as its expiry, release deletes.
/// Leases and retention are timed by the Redis server's clock.
///
/// \note Thread-safe: a small pool of connections (`connections`), each used by one call at a
/// time. Connections open lazily; a connection that failed is closed and the next call opens a
/// new one, so the store recovers by itself once Redis answers again.
/// \note When Redis does not answer within the timeouts, every call returns `store_unavailable`
/// (the receiver answers 503). A call takes at most about `connect_timeout` plus two
/// `command_timeout`s. A claim that timed out may still have reached Redis; its id then stays
/// busy until the lease lapses, which the sender's retry schedule absorbs.
/// \note A commit or release succeeds only while the token's lease is live; otherwise both
/// answer `errc::busy` and change nothing.
class redis_store final : public dedupe_store {
 public:
  using options = redis_store_options;

  /// A store for the server at `address`. Opens no connection yet.
  explicit redis_store(redis_address address, options settings = {});

  /// Parses `url` (see `parse_redis_url`), then checks that the server answers a PING.
  [[nodiscard]] static result<std::unique_ptr<redis_store>> open(std::string_view url,
                                                                 options settings = {});

  ~redis_store() override;

  redis_store(const redis_store&) = delete;
  redis_store& operator=(const redis_store&) = delete;

  [[nodiscard]] result<claim_outcome> claim(std::string_view id) noexcept override;
  [[nodiscard]] error commit(std::string_view id, std::uint64_t token) noexcept override;
  [[nodiscard]] error release(std::string_view id, std::uint64_t token) noexcept override;

  /// Asks the server for a PONG: a health check for start-up and readiness probes.
  [[nodiscard]] error ping() noexcept;

  /// The key under which `id` is kept.
  std::string key(std::string_view id) const { return settings_.key_prefix + std::string(id); }

 private:
  using reply_ptr = std::unique_ptr<redisReply, void (*)(void*)>;

  redisContext* open_connection() noexcept;
  redisContext* acquire(bool& fresh) noexcept;
  void give_back(redisContext* context) noexcept;

  /// Sends `commands` (each a list of arguments) in one round trip; fills `replies` or fails.
  error exchange(const detail::redis_command* commands, std::size_t count,
                 reply_ptr* replies) noexcept;
  error run_script(std::string_view script, std::string_view id, std::uint64_t token,
                   std::chrono::milliseconds ttl) noexcept;

  redis_address address_;
  options settings_;
  detail::lease_tokens tokens_;

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<redisContext*> idle_;
  std::size_t open_ = 0;
};

namespace detail {

/// One command's arguments, as views that must outlive the call.
struct redis_command {
  const char* argv[8];
  std::size_t lengths[8];
  int argc = 0;

  redis_command(std::initializer_list<std::string_view> arguments) noexcept {
    for (std::string_view argument : arguments) {
      if (argc == 8) break;
      argv[argc] = argument.data();
      lengths[argc++] = argument.size();
    }
  }
};

inline const char* const redis_commit_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) return 1 end return 0";

inline const char* const redis_release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('DEL', KEYS[1]) return 1 end return 0";

/// The error every failure to get an answer from Redis becomes.
constexpr error redis_unavailable() noexcept {
  return error{errc::store_unavailable, "", "redis"};
}

inline timeval to_timeval(std::chrono::milliseconds span) noexcept {
  const long long ms = span.count() < 1 ? 1 : span.count();
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms % 1000) * 1000);
  return tv;
}

/// Decimal text of a number, in a buffer on the stack.
struct decimal {
  char digits[24];
  std::size_t size = 0;

  explicit decimal(std::uint64_t value) noexcept {
    char reversed[24];
    std::size_t n = 0;
    do {
      reversed[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0)
      digits[size++] = reversed[--n];
  }

  std::string_view view() const noexcept { return {digits, size}; }
};

/// Blocks SIGPIPE on this thread while hiredis writes to a socket the server closed, and
/// swallows the signal that write raised, so that a vanished server cannot kill the process.
class sigpipe_guard {
 public:
#if MEGAPORT_WEBHOOKS_REDIS_GUARD_SIGPIPE
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }

  ~sigpipe_guard() {
    if (!blocked_) return;
    if (!was_pending_) {
      const int saved = errno;
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
      errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
#endif

 public:
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;
};

/// Whether a failed connection died cleanly (closed or reset by the far end) rather than by a
/// timeout: then the command never ran, and one retry on a fresh connection is safe.
inline bool closed_by_peer(const redisContext* context, int saved_errno) noexcept {
  if (context->err == REDIS_ERR_EOF) return true;
  return context->err == REDIS_ERR_IO && (saved_errno == ECONNRESET || saved_errno == EPIPE);
}

}  // namespace detail

inline result<redis_address> parse_redis_url(std::string_view url) {
  const error malformed{errc::malformed_header, "", "redis url"};
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) return malformed;
  std::string_view rest = url.substr(scheme.size());

  redis_address address;
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return malformed;
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
  } else {
    const std::size_t end = rest.find_first_of(":/");
    host = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }

  if (host.empty()) return malformed;
  for (char c : host) {
    const bool fits = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_' || c == ':';
    if (!fits) return malformed;
  }
  address.host = std::string(host);

  const auto read_number = [&](std::uint64_t most, std::uint64_t& out) {
    std::size_t n = 0;
    out = 0;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      out = out * 10 + static_cast<std::uint64_t>(rest[n] - '0');
      if (out > most) return false;
      ++n;
    }
    rest = rest.substr(n);
    return n > 0;
  };

  std::uint64_t number = 0;
  if (!rest.empty() && rest.front() == ':') {
    rest = rest.substr(1);
    if (!read_number(65535, number) || number == 0) return malformed;
    address.port = static_cast<std::uint16_t>(number);
  }
  if (!rest.empty() && rest.front() == '/') {
    rest = rest.substr(1);
    if (!rest.empty()) {
      if (!read_number(2147483647, number)) return malformed;
      address.database = static_cast<unsigned>(number);
    }
  }
  if (!rest.empty()) return malformed;
  return address;
}

inline redis_store::redis_store(redis_address address, options settings)
    : address_(std::move(address)), settings_(std::move(settings)) {
  if (settings_.connections == 0) settings_.connections = 1;
  idle_.reserve(settings_.connections);
}

inline result<std::unique_ptr<redis_store>> redis_store::open(std::string_view url,
                                                              options settings) {
  auto address = parse_redis_url(url);
  if (!address) return address.failure();

  std::unique_ptr<redis_store> store(new (std::nothrow)
                                         redis_store(std::move(*address), std::move(settings)));
  if (!store) return detail::redis_unavailable();
  if (const error failure = store->ping()) return failure;
  return store;
}

inline redis_store::~redis_store() {
  for (redisContext* context : idle_)
    redisFree(context);
}

inline redisContext* redis_store::open_connection() noexcept {
  redisContext* context = redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                                  detail::to_timeval(settings_.connect_timeout));
  if (context == nullptr) return nullptr;
  if (context->err != 0 ||
      redisSetTimeout(context, detail::to_timeval(settings_.command_timeout)) != REDIS_OK) {
    redisFree(context);
    return nullptr;
  }

  if (address_.database != 0) {
    const detail::decimal number(address_.database);
    const char* argv[] = {"SELECT", number.digits};
    const std::size_t lengths[] = {6, number.size};
    detail::sigpipe_guard guard;
    auto* reply = static_cast<redisReply*>(redisCommandArgv(context, 2, argv, lengths));
    const bool selected = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!selected) {
      redisFree(context);
      return nullptr;
    }
  }
  return context;
}

inline redisContext* redis_store::acquire(bool& fresh) noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < settings_.connections; });

  if (!idle_.empty()) {
    redisContext* context = idle_.back();
    idle_.pop_back();
    fresh = false;
    return context;
  }

  ++open_;
  lock.unlock();
  redisContext* context = open_connection();
  fresh = true;
  if (context == nullptr) {
    lock.lock();
    --open_;
    available_.notify_one();
  }
  return context;
}

inline void redis_store::give_back(redisContext* context) noexcept {
  const bool broken = context->err != 0;
  if (broken) redisFree(context);

  // A broken connection usually means the server went away: the idle ones are as dead.
  std::vector<redisContext*> dead;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (broken) {
      --open_;
      dead.swap(idle_);
      open_ -= dead.size();
      idle_.reserve(settings_.connections);
    } else {
      idle_.push_back(context);
    }
  }
  for (redisContext* stale : dead)
    redisFree(stale);
  available_.notify_all();
}

inline error redis_store::exchange(const detail::redis_command* commands, std::size_t count,
                                   reply_ptr* replies) noexcept {
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    redisContext* context = acquire(fresh);
    if (context == nullptr) return detail::redis_unavailable();

    bool sent = true;
    int saved_errno = 0;
    {
      detail::sigpipe_guard guard;
      for (std::size_t i = 0; i < count && sent; ++i) {
        const detail::redis_command& command = commands[i];
        // hiredis declares `const char**` but does not write through it.
        auto** argv = const_cast<const char**>(command.argv);
        sent = redisAppendCommandArgv(context, command.argc, argv, command.lengths) == REDIS_OK;
      }
      for (std::size_t i = 0; i < count && sent; ++i) {
        void* raw = nullptr;
        errno = 0;
        sent = redisGetReply(context, &raw) == REDIS_OK && raw != nullptr;
        saved_errno = errno;
        replies[i].reset(static_cast<redisReply*>(raw));
      }
    }

    const bool retry = !sent && !fresh && detail::closed_by_peer(context, saved_errno);
    give_back(context);
    if (sent) return {};
    if (!retry) return detail::redis_unavailable();
    for (std::size_t i = 0; i < count; ++i)
      replies[i].reset();
  }
  return detail::redis_unavailable();
}

inline result<claim_outcome> redis_store::claim(std::string_view id) noexcept {
  const std::uint64_t token = tokens_.next();
  const detail::decimal token_text(token);
  const detail::decimal lease_ms(
      static_cast<std::uint64_t>(settings_.lease.count() < 1 ? 1 : settings_.lease.count()));

#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  try {
#endif
    const std::string key_text = key(id);
    const detail::redis_command commands[2] = {
        {"SET", key_text, token_text.view(), "NX", "PX", lease_ms.view()},
        {"GET", key_text},
    };

    // The key can vanish between SET and GET (released or lapsed): then try again.
    for (int round = 0; round < 3; ++round) {
      reply_ptr replies[2] = {{nullptr, freeReplyObject}, {nullptr, freeReplyObject}};
      if (const error failure = exchange(commands, 2, replies)) return failure;

      const redisReply* set = replies[0].get();
      const redisReply* get = replies[1].get();
      if (set->type == REDIS_REPLY_STATUS) return claim_outcome{claim_status::claimed, token};
      if (set->type != REDIS_REPLY_NIL) return detail::redis_unavailable();

      if (get->type == REDIS_REPLY_NIL) continue;
      if (get->type != REDIS_REPLY_STRING) return detail::redis_unavailable();
      const std::string_view value(get->str, get->len);
      return claim_outcome{value == "done" ? claim_status::done : claim_status::busy, 0};
    }
    return claim_outcome{claim_status::busy, 0};
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  } catch (...) {
    return detail::redis_unavailable();
  }
#endif
}

inline error redis_store::run_script(std::string_view script, std::string_view id,
                                     std::uint64_t token, std::chrono::milliseconds ttl) noexcept {
  const detail::decimal token_text(token);
  const detail::decimal ttl_ms(static_cast<std::uint64_t>(ttl.count() < 1 ? 1 : ttl.count()));

#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  try {
#endif
    const std::string key_text = key(id);
    const detail::redis_command command = {"EVAL",       script, "1", key_text, token_text.view(),
                                           ttl_ms.view()};
    reply_ptr reply{nullptr, freeReplyObject};
    if (const error failure = exchange(&command, 1, &reply)) return failure;
    if (reply->type != REDIS_REPLY_INTEGER) return detail::redis_unavailable();
    return reply->integer == 1 ? error{} : error{errc::busy};
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  } catch (...) {
    return detail::redis_unavailable();
  }
#endif
}

inline error redis_store::commit(std::string_view id, std::uint64_t token) noexcept {
  return run_script(detail::redis_commit_script, id, token, settings_.retention);
}

inline error redis_store::release(std::string_view id, std::uint64_t token) noexcept {
  return run_script(detail::redis_release_script, id, token, settings_.lease);
}

inline error redis_store::ping() noexcept {
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  try {
#endif
    const detail::redis_command command = {"PING"};
    reply_ptr reply{nullptr, freeReplyObject};
    if (const error failure = exchange(&command, 1, &reply)) return failure;
    const bool pong =
        reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str, reply->len) == "PONG";
    return pong ? error{} : detail::redis_unavailable();
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  } catch (...) {
    return detail::redis_unavailable();
  }
#endif
}

MEGAPORT_WEBHOOKS_NAMESPACE_END

#undef MEGAPORT_WEBHOOKS_REDIS_GUARD_SIGPIPE
