#pragma once

/// \file
/// Freshness policies: is a delivery attempt's `webhook-timestamp` recent enough to accept?
///
/// Freshness reads the header, never the body's `timestamp`: the body carries when the event
/// happened, and a retry a day later carries the same old value.

#include <chrono>
#include <cstdint>

#include "clock.hpp"
#include "error.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Accepts attempts sent within `tolerance` of now, in either direction (clocks drift both ways).
class tolerance_window {
 public:
  /// The provider's recommendation: five minutes.
  static constexpr std::chrono::seconds default_tolerance{300};

  explicit tolerance_window(std::chrono::seconds tolerance = default_tolerance,
                            clock_function clock = system_clock())
      : tolerance_(tolerance.count()), clock_(std::move(clock)) {}

  /// Checks an attempt sent at `sent_at` (unix seconds).
  [[nodiscard]] error check(std::int64_t sent_at) const noexcept {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
    error e;
    if (now - sent_at > tolerance_) {
      e = error{errc::stale_timestamp, {}, "webhook-timestamp"};
      e.figure = now - sent_at;
    } else if (sent_at - now > tolerance_) {
      e = error{errc::future_timestamp, {}, "webhook-timestamp"};
      e.figure = sent_at - now;
    }
    return e;
  }

  std::chrono::seconds tolerance() const noexcept { return std::chrono::seconds(tolerance_); }

 private:
  std::int64_t tolerance_;
  clock_function clock_;
};

/// Accepts any time. For replaying stored deliveries, never for a public endpoint: without a
/// window, an intercepted delivery can be replayed once its id leaves the dedupe store.
struct any_time {
  [[nodiscard]] error check(std::int64_t) const noexcept { return {}; }
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
