#pragma once

/// \file
/// The durable inbox: acknowledge a delivery as soon as it is stored, process it in the
/// background, and lose nothing. A 2xx is final for the sender, so "acknowledge first, process
/// later" is safe only when the delivery is on disk before the answer leaves.
///
/// Guarantee: at-least-once to the handler. A handler that records its effects keyed by the
/// delivery id gets exactly-once effects. The inbox is also the dedupe store: a second delivery
/// of an id it holds answers 200 `duplicate`.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "clock.hpp"
#include "result.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// What `inbox::put` did with a delivery.
enum class put_status : std::uint8_t {
  accepted,   ///< stored now, durably: answer 202
  duplicate,  ///< the inbox already holds this id: answer 200
};

/// A delivery taken from the inbox under a lease, owning its bytes.
struct stored_delivery {
  std::string id;
  std::int64_t sent_at = 0;  ///< `webhook-timestamp` of the attempt that was stored
  std::string body;
  std::uint32_t attempt = 0;  ///< 1 for the first processing attempt, 2 for its first retry, ...
  std::uint64_t token = 0;    ///< the lease, for `done` and `failed`
};

/// Where deliveries wait between the answer and their processing.
///
/// Every member is thread-safe.
class inbox {
 public:
  virtual ~inbox() = default;

  /// Stores a validated delivery; returns only once it is durable. An error: answer 503.
  [[nodiscard]] virtual result<put_status> put(std::string_view id, std::int64_t sent_at,
                                               std::string_view body) noexcept = 0;

  /// Takes up to `max` deliveries that are due, under one lease of `lease`; none when none is
  /// due.
  [[nodiscard]] virtual result<std::vector<stored_delivery>> take_batch(
      std::chrono::milliseconds lease, std::size_t max) noexcept = 0;

  /// Marks `count` taken deliveries processed, together. Their ids stay, for dedupe, and their
  /// bodies may go. A delivery whose lease was lost is left as it is.
  [[nodiscard]] virtual error done_batch(const stored_delivery* taken,
                                         std::size_t count) noexcept = 0;

  /// Takes the next delivery that is due, under a lease of `lease`; empty when none is due.
  [[nodiscard]] result<std::optional<stored_delivery>> take(
      std::chrono::milliseconds lease) noexcept {
    auto taken = take_batch(lease, 1);
    if (!taken) return taken.failure();
    if (taken->empty()) return std::optional<stored_delivery>{};
    return std::optional<stored_delivery>(std::move(taken->front()));
  }

  /// Marks one taken delivery processed; errc::busy when its lease was lost.
  [[nodiscard]] error done(const stored_delivery& taken) noexcept { return done_batch(&taken, 1); }

  /// Marks a taken delivery failed with `reason`: due again at `retry_at`, or, without one,
  /// dead-lettered until an operator retries it.
  [[nodiscard]] virtual error failed(const stored_delivery& taken, std::string_view reason,
                                     std::optional<time_point> retry_at) noexcept = 0;

  /// Waits up to `timeout` for a `put`, so that idle workers need not poll fast.
  virtual void wait_for_work(std::chrono::milliseconds timeout) noexcept {
    std::this_thread::sleep_for(timeout);
  }
};

/// How workers retry: exponential backoff from `first_retry`, doubling up to `longest_retry`,
/// dead-lettered after `max_attempts` attempts.
struct retry_policy {
  std::chrono::milliseconds first_retry = std::chrono::seconds(1);
  std::chrono::milliseconds longest_retry = std::chrono::minutes(10);
  std::uint32_t max_attempts = 10;

  /// When a delivery whose attempt `attempt` failed at `now` is due again; empty: dead-letter it.
  std::optional<time_point> next(std::uint32_t attempt, time_point now) const noexcept {
    if (attempt >= max_attempts) return std::nullopt;
    auto delay = first_retry;
    for (std::uint32_t i = 1; i < attempt && delay < longest_retry; ++i)
      delay *= 2;
    return now + std::min(delay, longest_retry);
  }
};

/// What became of one processing attempt of a stored delivery.
struct inbox_report {
  enum class result : std::uint8_t { processed, retrying, dead };

  result outcome = result::processed;
  std::string_view id;
  std::uint32_t attempt = 0;
  error reason;                         ///< why it failed, for `retrying` and `dead`
  std::chrono::nanoseconds elapsed{0};  ///< time spent processing it
};

/// The name of an inbox outcome: "processed", "retrying" or "dead".
constexpr std::string_view to_string(inbox_report::result value) noexcept {
  switch (value) {
    case inbox_report::result::processed: return "processed";
    case inbox_report::result::retrying: return "retrying";
    case inbox_report::result::dead: return "dead";
  }
  return "dead";
}

/// Settings of `inbox_workers`.
struct inbox_worker_options {
  unsigned workers = 2;                                        ///< threads taking deliveries
  std::chrono::milliseconds lease = std::chrono::seconds(60);  ///< longer than any handler runs
  std::chrono::milliseconds idle_wait{50};  ///< longest sleep when nothing is due
  std::size_t batch = 32;                   ///< deliveries taken at once, marked done together
  retry_policy retries{};
  clock_function clock = system_clock();

  /// Told of every processing attempt, from the worker's thread; must not throw. The report's
  /// views are valid during the call only.
  std::function<void(const inbox_report&)> observer;
};

/// Threads that take deliveries from an inbox and process them with a receiver's handlers
/// (`Receiver::process`), marking each done, due again, or dead.
///
/// \note Stopping (`stop` or the destructor) lets each worker finish the delivery it holds.
/// A worker that dies mid-delivery leaves a lease; when it expires the delivery is taken again.
template <class Receiver>
class inbox_workers {
 public:
  inbox_workers(inbox& source, Receiver& receiver, inbox_worker_options options = {})
      : inbox_(source), receiver_(receiver), options_(std::move(options)) {}

  inbox_workers(const inbox_workers&) = delete;
  inbox_workers& operator=(const inbox_workers&) = delete;
  ~inbox_workers() { stop(); }

  /// Starts the worker threads.
  void start() {
    stopping_.store(false);
    for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) {
      threads_.emplace_back([this] { run(); });
    }
  }

  /// Stops the workers once each has finished its current delivery.
  void stop() noexcept {
    stopping_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  /// Takes and processes a batch of due deliveries on the calling thread; false when none was
  /// due.
  bool run_once() noexcept {
    auto taken = inbox_.take_batch(options_.lease, std::max<std::size_t>(1, options_.batch));
    if (!taken || taken->empty()) return false;

    std::size_t processed = 0;  // the successes are moved to the front, then marked together
    for (auto& d : *taken) {
      if (process(d)) std::swap(d, (*taken)[processed++]);
    }
    (void)inbox_.done_batch(taken->data(), processed);  // a lost mark: processed once more
    return true;
  }

 private:
  // Processes one delivery; on failure marks it due again or dead. True on success.
  bool process(const stored_delivery& d) noexcept {
    const auto started = std::chrono::steady_clock::now();
    inbox_report note;
    note.id = d.id;
    note.attempt = d.attempt;
    note.reason = receiver_.process(d.id, d.sent_at, d.body, d.attempt);

    if (note.reason) {
      char reason[192];
      const std::string_view text(reason, note.reason.format(reason, sizeof reason));
      const auto retry_at = options_.retries.next(d.attempt, options_.clock());
      (void)inbox_.failed(d, text, retry_at);
      note.outcome = retry_at ? inbox_report::result::retrying : inbox_report::result::dead;
    }

    note.elapsed = std::chrono::steady_clock::now() - started;
    if (options_.observer) options_.observer(note);
    return !note.reason;
  }

  void run() noexcept {
    while (!stopping_.load()) {
      if (!run_once()) inbox_.wait_for_work(options_.idle_wait);
    }
  }

  inbox& inbox_;
  Receiver& receiver_;
  inbox_worker_options options_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
