#pragma once

/// \file
/// Lease tokens for the dedupe stores: 64-bit, never zero, distinct within one store and
/// unpredictable across stores and processes.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

#include "../version.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

namespace detail {

/// The splitmix64 finaliser: a bijection, so distinct inputs give distinct tokens.
constexpr std::uint64_t mix_token(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Hands out lease tokens from many threads without a lock.
class lease_tokens {
 public:
  lease_tokens() noexcept : next_(seed(this)) {}

  /// A fresh token, never zero (zero means "no lease" in `claim_outcome`).
  std::uint64_t next() noexcept {
    for (;;) {
      const std::uint64_t token = mix_token(next_.fetch_add(0x9e3779b97f4a7c15ULL));
      if (token != 0) return token;
    }
  }

 private:
  /// Entropy from the system, mixed with the time and this object's address so that two stores
  /// still differ where `std::random_device` is weak or unavailable.
  static std::uint64_t seed(const void* self) noexcept {
    std::uint64_t value =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    value ^= mix_token(reinterpret_cast<std::uintptr_t>(self));

#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    try {
      std::random_device device;
      value ^= mix_token((static_cast<std::uint64_t>(device()) << 32) ^ device());
    } catch (...) {
      value = mix_token(value);
    }
#else
    std::random_device device;
    value ^= mix_token((static_cast<std::uint64_t>(device()) << 32) ^ device());
#endif
    return mix_token(value);
  }

  std::atomic<std::uint64_t> next_;
};

}  // namespace detail

MEGAPORT_WEBHOOKS_NAMESPACE_END
