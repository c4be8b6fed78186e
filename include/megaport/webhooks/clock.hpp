#pragma once

/// \file
/// The clock the policies and stores read, injectable so that tests can move time.

#include <atomic>
#include <chrono>
#include <functional>

#include "version.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Wall-clock time as the library reads it.
using time_point = std::chrono::system_clock::time_point;

/// Where the library reads the time from. Default: `std::chrono::system_clock::now`.
using clock_function = std::function<time_point()>;

/// The system clock.
inline clock_function system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

/// A clock that moves only when told to, for tests. Thread-safe; copies share nothing, so hand
/// out `function()`, which refers to this object and must not outlive it.
class manual_clock {
 public:
  explicit manual_clock(time_point start = time_point(std::chrono::seconds(1'767'225'600)))
      : now_(start.time_since_epoch().count()) {}

  time_point now() const noexcept { return time_point(time_point::duration(now_.load())); }
  void set(time_point when) noexcept { now_.store(when.time_since_epoch().count()); }
  void advance(std::chrono::nanoseconds step) noexcept {
    now_.fetch_add(std::chrono::duration_cast<time_point::duration>(step).count());
  }

  /// A `clock_function` reading this clock.
  clock_function function() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<time_point::rep> now_;
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
