#pragma once

/// \file
/// The dedupe-store interface: claim a delivery id, then commit it once processed or release it
/// so that the sender's retry can try again.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "result.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// What a claim found.
enum class claim_status : std::uint8_t {
  claimed,  ///< the id is new (or its lease expired): the caller holds it and must process it
  done,     ///< the id was processed already: acknowledge and skip
  busy,     ///< another worker holds a live lease on the id: answer so the sender retries
};

/// The answer to a claim. `token` names the lease, for `commit` and `release`.
struct claim_outcome {
  claim_status status = claim_status::busy;
  std::uint64_t token = 0;
};

/// How long a store keeps what it knows.
struct retention_policy {
  /// How long a processed id is remembered. The sender's retries span 34 h 35 min 30 s, plus up
  /// to seven 5 s timeouts, so the default of 48 h outlives them.
  /// \warning Shorter than about 35 h lets a late retry be processed a second time.
  std::chrono::seconds retention = std::chrono::hours(48);

  /// How long a claim holds an id before it returns to the pool, so that a crashed worker's ids
  /// come back. Longer than any handler may run; the sender gives up on an answer after 5 s.
  std::chrono::seconds lease = std::chrono::seconds(30);
};

/// Remembers which delivery ids were processed. Implementations: `memory_store` here,
/// `sqlite_store` and `redis_store` in their own headers.
///
/// Every member is thread-safe. Ids are the canonical text of `webhook-id`.
class dedupe_store {
 public:
  virtual ~dedupe_store() = default;

  /// Claims `id`. An error means the store could not answer (the receiver answers 503).
  [[nodiscard]] virtual result<claim_outcome> claim(std::string_view id) noexcept = 0;

  /// Marks `id` processed, keeping it for the retention. `token` comes from `claim`.
  [[nodiscard]] virtual error commit(std::string_view id, std::uint64_t token) noexcept = 0;

  /// Gives `id` back, if `token` still holds its lease, so that a retry can claim it.
  [[nodiscard]] virtual error release(std::string_view id, std::uint64_t token) noexcept = 0;
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
