#include <megaport/webhooks/redis_store.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

extern char** environ;

namespace mw = megaport::webhooks;
using namespace std::chrono_literals;

namespace {

/// The port of the redis-server that the CTest fixture started for these tests.
std::uint16_t shared_port() {
  std::ifstream file(MEGAPORT_WEBHOOKS_TEST_REDIS_DIR "/redis.port");
  int port = 0;
  file >> port;
  REQUIRE(port > 0);
  return static_cast<std::uint16_t>(port);
}

/// A key prefix of its own for each test, so that tests sharing the server never meet.
std::string fresh_prefix() {
  static std::atomic<int> counter{0};
  return "megaport-webhooks-test:" + std::to_string(getpid()) + ":" + std::to_string(++counter) +
         ":";
}

mw::redis_store_options options_for_test() {
  mw::redis_store_options options;
  options.key_prefix = fresh_prefix();
  return options;
}

mw::redis_address shared_address() {
  mw::redis_address address;
  address.port = shared_port();
  return address;
}

/// A raw hiredis connection for looking behind the store's back.
class raw_redis {
 public:
  explicit raw_redis(std::uint16_t port) {
    context_ = redisConnectWithTimeout("127.0.0.1", port, timeval{2, 0});
    REQUIRE(context_ != nullptr);
    REQUIRE(context_->err == 0);
  }
  ~raw_redis() { redisFree(context_); }

  long long integer(const char* command, const std::string& key) {
    auto* reply = static_cast<redisReply*>(redisCommand(context_, command, key.c_str()));
    REQUIRE(reply != nullptr);
    REQUIRE(reply->type == REDIS_REPLY_INTEGER);
    const long long value = reply->integer;
    freeReplyObject(reply);
    return value;
  }

  std::string get(const std::string& key) {
    auto* reply = static_cast<redisReply*>(redisCommand(context_, "GET %s", key.c_str()));
    REQUIRE(reply != nullptr);
    std::string value = reply->type == REDIS_REPLY_STRING ? std::string(reply->str, reply->len)
                                                          : std::string("(nil)");
    freeReplyObject(reply);
    return value;
  }

 private:
  redisContext* context_ = nullptr;
};

bool answers_ping(std::uint16_t port) {
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeval{0, 200000});
  bool pong = false;
  if (context != nullptr && context->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
           std::string(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (context != nullptr) redisFree(context);
  return pong;
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

/// A redis-server of this test's own, which the test may stop, pause and restart.
class private_redis {
 public:
  private_redis() : port_(free_port()) { start(); }
  ~private_redis() { stop(SIGKILL); }

  std::uint16_t port() const { return port_; }

  void start() {
    const std::string port = std::to_string(port_);
    const char* argv[] = {MEGAPORT_WEBHOOKS_TEST_REDIS_SERVER,
                          "--bind",
                          "127.0.0.1",
                          "--port",
                          port.c_str(),
                          "--save",
                          "",
                          "--appendonly",
                          "no",
                          "--daemonize",
                          "no",
                          nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int spawned =
        posix_spawn(&pid_, argv[0], &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);

    for (int i = 0; i < 100 && !answers_ping(port_); ++i)
      std::this_thread::sleep_for(50ms);
    REQUIRE(answers_ping(port_));
  }

  void stop(int signal_number) {
    if (pid_ <= 0) return;
    kill(pid_, signal_number);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void pause() { kill(pid_, SIGSTOP); }
  void resume() { kill(pid_, SIGCONT); }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

template <class Call>
std::chrono::steady_clock::duration timed(Call&& call) {
  const auto start = std::chrono::steady_clock::now();
  call();
  return std::chrono::steady_clock::now() - start;
}

const char* const first_id = "7d0c2a9e-51f4-4b8e-8c1a-2f6d9b3e4a01";
const char* const second_id = "7d0c2a9e-51f4-4b8e-8c1a-2f6d9b3e4a02";

}  // namespace

TEST_CASE("redis: urls name host, port and database", "[redis]") {
  const auto plain = mw::parse_redis_url("redis://127.0.0.1:6380/2");
  REQUIRE(plain);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6380);
  CHECK(plain->database == 2);

  const auto defaults = mw::parse_redis_url("redis://cache.internal");
  REQUIRE(defaults);
  CHECK(defaults->host == "cache.internal");
  CHECK(defaults->port == 6379);
  CHECK(defaults->database == 0);

  const auto v6 = mw::parse_redis_url("redis://[::1]:7000/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 7000);

  for (const char* bad : {"", "redis://", "http://127.0.0.1:6379", "rediss://127.0.0.1",
                          "redis://127.0.0.1:", "redis://127.0.0.1:0", "redis://127.0.0.1:65536",
                          "redis://127.0.0.1:63x9", "redis://127.0.0.1/1/2",
                          "redis://user:secret@127.0.0.1", "redis://[::1", "redis://a b:1",
                          "redis://127.0.0.1:6379/db", "redis://127.0.0.1?timeout=1"}) {
    INFO(bad);
    const auto parsed = mw::parse_redis_url(bad);
    CHECK_FALSE(parsed);
  }
}

TEST_CASE("redis: a new id is claimed, committed, then done, and kept for 48 h", "[redis]") {
  auto options = options_for_test();
  mw::redis_store store(shared_address(), options);

  const auto first = store.claim(first_id);
  REQUIRE(first);
  CHECK(first->status == mw::claim_status::claimed);
  CHECK(first->token != 0);
  REQUIRE_FALSE(store.commit(first_id, first->token));

  const auto again = store.claim(first_id);
  REQUIRE(again);
  CHECK(again->status == mw::claim_status::done);

  raw_redis raw(shared_port());
  CHECK(raw.get(options.key_prefix + first_id) == "done");
  const long long ttl_ms = raw.integer("PTTL %s", options.key_prefix + first_id);
  CHECK(ttl_ms > (48h - 1min) / 1ms);
  CHECK(ttl_ms <= 48h / 1ms);

  const auto other = store.claim(second_id);
  REQUIRE(other);
  CHECK(other->status == mw::claim_status::claimed);
  CHECK(other->token != first->token);
  const long long lease_ms = raw.integer("PTTL %s", options.key_prefix + second_id);
  CHECK(lease_ms > 29'000);
  CHECK(lease_ms <= 30'000);
}

TEST_CASE("redis: a held id is busy, and a released one can be claimed again", "[redis]") {
  mw::redis_store store(shared_address(), options_for_test());

  const auto first = store.claim(first_id);
  REQUIRE(first);
  REQUIRE(first->status == mw::claim_status::claimed);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  REQUIRE_FALSE(store.release(first_id, first->token));
  const auto after = store.claim(first_id);
  REQUIRE(after);
  CHECK(after->status == mw::claim_status::claimed);
  CHECK(after->token != first->token);
}

TEST_CASE("redis: a lapsed lease returns the id, and its stale token can do nothing", "[redis]") {
  auto options = options_for_test();
  options.lease = 200ms;
  mw::redis_store store(shared_address(), options);

  const auto crashed = store.claim(first_id);
  REQUIRE(crashed);
  REQUIRE(crashed->status == mw::claim_status::claimed);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  std::this_thread::sleep_for(300ms);
  const auto retry = store.claim(first_id);
  REQUIRE(retry);
  REQUIRE(retry->status == mw::claim_status::claimed);
  CHECK(retry->token != crashed->token);

  CHECK(store.commit(first_id, crashed->token).code == mw::errc::busy);
  CHECK(store.release(first_id, crashed->token).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::busy);

  REQUIRE_FALSE(store.commit(first_id, retry->token));
  CHECK(store.commit(first_id, retry->token).code == mw::errc::busy);
  CHECK(store.release(first_id, retry->token).code == mw::errc::busy);
  CHECK(store.claim(first_id)->status == mw::claim_status::done);

  const auto slow = store.claim(second_id);
  REQUIRE(slow);
  std::this_thread::sleep_for(300ms);
  CHECK(store.commit(second_id, slow->token).code == mw::errc::busy);
  CHECK(store.claim(second_id)->status == mw::claim_status::claimed);
}

TEST_CASE("redis: a processed id is forgotten after the retention", "[redis]") {
  auto options = options_for_test();
  options.retention = 300ms;
  mw::redis_store store(shared_address(), options);

  const auto first = store.claim(first_id);
  REQUIRE(first);
  REQUIRE_FALSE(store.commit(first_id, first->token));
  CHECK(store.claim(first_id)->status == mw::claim_status::done);

  std::this_thread::sleep_for(400ms);
  CHECK(store.claim(first_id)->status == mw::claim_status::claimed);
}

TEST_CASE("redis: open() parses the url and checks that the server answers", "[redis]") {
  const std::string url = "redis://127.0.0.1:" + std::to_string(shared_port()) + "/3";
  auto options = options_for_test();
  auto opened = mw::redis_store::open(url, options);
  REQUIRE(opened);

  const auto first = (*opened)->claim(first_id);
  REQUIRE(first);
  REQUIRE_FALSE((*opened)->commit(first_id, first->token));

  // Database 3 holds the key; database 0 does not.
  raw_redis raw(shared_port());
  CHECK(raw.integer("EXISTS %s", options.key_prefix + first_id) == 0);

  const auto nobody = mw::redis_store::open("redis://127.0.0.1:" + std::to_string(free_port()));
  REQUIRE_FALSE(nobody);
  CHECK(nobody.failure().code == mw::errc::store_unavailable);

  const auto malformed = mw::redis_store::open("redis://127.0.0.1:port");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.failure().code == mw::errc::malformed_header);
}

TEST_CASE("redis: two replicas claiming the same ids at once claim each exactly once", "[redis]") {
  const auto options = options_for_test();
  mw::redis_store replica_a(shared_address(), options);
  mw::redis_store replica_b(shared_address(), options);
  constexpr int rounds = 500;

  std::vector<std::atomic<int>> claims(rounds);
  std::atomic<int> failures{0};
  std::atomic<int> arrived{0};
  const auto replica = [&](mw::redis_store& store) {
    for (int r = 0; r < rounds; ++r) {
      // Both replicas start each round together, so that their claims race.
      ++arrived;
      while (arrived.load() < 2 * (r + 1))
        std::this_thread::yield();
      const std::string id = "round-" + std::to_string(r);
      for (;;) {
        const auto outcome = store.claim(id);
        if (!outcome) {
          ++failures;
          break;
        }
        if (outcome->status == mw::claim_status::busy) continue;
        if (outcome->status == mw::claim_status::claimed) {
          ++claims[r];
          if (store.commit(id, outcome->token)) ++failures;
        }
        break;
      }
    }
  };
  std::thread a(replica, std::ref(replica_a));
  std::thread b(replica, std::ref(replica_b));
  a.join();
  b.join();

  CHECK(failures == 0);
  int wrong = 0;
  for (auto& count : claims)
    wrong += count.load() != 1;
  CHECK(wrong == 0);
}

TEST_CASE("redis: many threads on one store share its connections", "[redis]") {
  auto options = options_for_test();
  options.connections = 3;
  mw::redis_store store(shared_address(), options);
  constexpr int thread_count = 8;
  constexpr int id_count = 200;

  std::vector<std::atomic<int>> claims(id_count);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t) {
    workers.emplace_back([&, t] {
      for (int n = 0; n < id_count; ++n) {
        const int i = (n + t * 29) % id_count;
        const std::string id = "thread-" + std::to_string(i);
        for (;;) {
          const auto outcome = store.claim(id);
          if (!outcome) {
            ++failures;
            break;
          }
          if (outcome->status == mw::claim_status::busy) continue;
          if (outcome->status == mw::claim_status::claimed) {
            ++claims[i];
            if (store.commit(id, outcome->token)) ++failures;
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

TEST_CASE("redis: a paused server makes calls fail within the timeout, then they recover",
          "[redis]") {
  private_redis server;
  auto options = options_for_test();
  options.connect_timeout = 200ms;
  options.command_timeout = 200ms;
  mw::redis_store store({"127.0.0.1", server.port(), 0}, options);
  REQUIRE(store.claim(first_id)->status == mw::claim_status::claimed);

  server.pause();
  mw::result<mw::claim_outcome> frozen;
  const auto waited = timed([&] { frozen = store.claim(second_id); });
  REQUIRE_FALSE(frozen);
  CHECK(frozen.failure().code == mw::errc::store_unavailable);
  CHECK(waited >= 150ms);
  CHECK(waited < 1s);
  CHECK(store.commit(first_id, 1).code == mw::errc::store_unavailable);
  server.resume();

  const auto back = store.claim("after-pause");
  REQUIRE(back);
  CHECK(back->status == mw::claim_status::claimed);
  REQUIRE_FALSE(store.commit("after-pause", back->token));
}

TEST_CASE("redis: a killed server makes calls fail fast, and a restart on its port heals the store",
          "[redis]") {
  private_redis server;
  auto options = options_for_test();
  options.connect_timeout = 200ms;
  options.command_timeout = 200ms;
  options.connections = 2;
  mw::redis_store store({"127.0.0.1", server.port(), 0}, options);
  const auto held = store.claim(first_id);
  REQUIRE(held);
  REQUIRE(held->status == mw::claim_status::claimed);

  server.stop(SIGKILL);
  for (int i = 0; i < 3; ++i) {
    mw::result<mw::claim_outcome> down;
    const auto waited = timed([&] { down = store.claim(second_id); });
    REQUIRE_FALSE(down);
    CHECK(down.failure().code == mw::errc::store_unavailable);
    CHECK(waited < 1s);
  }
  CHECK(store.commit(first_id, held->token).code == mw::errc::store_unavailable);
  CHECK(store.release(first_id, held->token).code == mw::errc::store_unavailable);
  CHECK(store.ping().code == mw::errc::store_unavailable);

  server.start();
  const auto back = store.claim(second_id);
  REQUIRE(back);
  CHECK(back->status == mw::claim_status::claimed);
  REQUIRE_FALSE(store.commit(second_id, back->token));
  CHECK(store.claim(second_id)->status == mw::claim_status::done);

  // A restart between two calls leaves idle connections to the dead server: the store notices
  // the closed connection and retries once on a new one, so the first call already succeeds.
  server.stop(SIGKILL);
  server.start();
  const auto fresh = store.claim("after-silent-restart");
  REQUIRE(fresh);
  CHECK(fresh->status == mw::claim_status::claimed);
  REQUIRE_FALSE(store.commit("after-silent-restart", fresh->token));
  CHECK_FALSE(store.ping());
}
