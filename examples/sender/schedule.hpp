#pragma once

/// \file
/// The sender's retry schedules: the provider's own, one a thousand times shorter for tests,
/// and a single attempt.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace sender {

/// Which retry schedule a delivery follows after a failed attempt.
enum class schedule {
  megaport,  ///< the provider's: 30 s, 5 min, 30 min, 2 h, 8 h, 24 h
  fast,      ///< the same shape, every wait divided by 1000
  none,      ///< one attempt, no retry
};

/// The names `parse_schedule` accepts, in the order `--help` lists them.
inline constexpr std::string_view schedule_names[] = {"megaport", "fast", "none"};

/// Reads a schedule name given on the command line; empty when the name is unknown.
inline std::optional<schedule> parse_schedule(std::string_view name) noexcept {
  if (name == "megaport") return schedule::megaport;
  if (name == "fast") return schedule::fast;
  if (name == "none") return schedule::none;
  return std::nullopt;
}

/// The wait before each retry, first retry first. A delivery makes one attempt more than this
/// holds.
inline std::vector<std::chrono::milliseconds> retry_delays(schedule which) {
  using namespace std::chrono;
  const std::vector<milliseconds> provider = {seconds(30), minutes(5), minutes(30),
                                              hours(2),    hours(8),   hours(24)};

  switch (which) {
    case schedule::megaport: return provider;
    case schedule::fast: {
      std::vector<milliseconds> shorter;
      for (const milliseconds delay : provider)
        shorter.push_back(delay / 1000);
      return shorter;
    }
    case schedule::none: break;
  }
  return {};
}

/// How many attempts a delivery gets before it is given up: 7 for the provider's schedule.
inline std::size_t attempt_count(schedule which) {
  return retry_delays(which).size() + 1;
}

}  // namespace sender
