#pragma once

/// \file
/// `memory_store`: a dedupe store in the process's memory. Bounded, sharded, expiring; lost on
/// restart, so it suits one receiver process whose restarts are rare.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <string_view>
#include <unordered_map>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "clock.hpp"
#include "dedupe_store.hpp"
#include "uuid.hpp"

/// Default for `memory_store_options::max_ids`: how many ids a store remembers at most.
/// UUID ids cost about 36 bytes each at the bound, so the default reserves about 36 MB (resident
/// from the start on Linux, see `memory_store_options::huge_pages`).
#ifndef MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_IDS
#define MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_IDS 1000000
#endif

/// Default for `memory_store_options::shards`: independently locked parts of a store.
#ifndef MEGAPORT_WEBHOOKS_MEMORY_STORE_SHARDS
#define MEGAPORT_WEBHOOKS_MEMORY_STORE_SHARDS 64
#endif

/// Default for `memory_store_options::max_id_length`: the longest id a store accepts, in bytes.
#ifndef MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_ID_LENGTH
#define MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_ID_LENGTH 256
#endif

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// How a `memory_store` is sized and timed.
struct memory_store_options {
  /// How long processed ids and leases last.
  retention_policy policy{};

  /// The memory bound: at most this many ids are remembered, processed or leased.
  /// \note The bound is split evenly over the shards and each shard refuses once its share is
  /// full, so with random ids the first refusal comes at about 98 % of `max_ids` (64 shards at
  /// one million ids). Size it a few percent above the ids one retention brings.
  std::size_t max_ids = MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_IDS;

  /// Number of shards, each with its own lock; rounded down to a power of two (at most 4096),
  /// and reduced for small `max_ids` so that every shard holds at least 256 ids.
  std::size_t shards = MEGAPORT_WEBHOOKS_MEMORY_STORE_SHARDS;

  /// Longer ids (and empty ones) are refused with `errc::malformed_header`.
  std::size_t max_id_length = MEGAPORT_WEBHOOKS_MEMORY_STORE_MAX_ID_LENGTH;

  /// Where the store reads the time; an empty function means the system clock.
  clock_function clock = system_clock();

  /// Asks Linux for transparent huge pages for the tables (elsewhere, or when the system
  /// refuses, ordinary pages are used). Claims land at random across tables far larger than the
  /// caches, and with 4 KiB pages nearly every claim also misses the TLB.
  /// \note The tables are then made resident when the store is built (about 36 bytes per
  /// `max_ids`, cleared by the kernel in some milliseconds per hundred megabytes), so that no
  /// claim waits for a page; without huge pages they become resident as ids arrive.
  bool huge_pages = true;
};

namespace detail {

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 store_wide_uint;

inline void multiply_wide(std::uint64_t a, std::uint64_t b, std::uint64_t& low,
                          std::uint64_t& high) noexcept {
  const store_wide_uint product = static_cast<store_wide_uint>(a) * b;
  low = static_cast<std::uint64_t>(product);
  high = static_cast<std::uint64_t>(product >> 64);
}
#else
inline void multiply_wide(std::uint64_t a, std::uint64_t b, std::uint64_t& low,
                          std::uint64_t& high) noexcept {
  const std::uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
  const std::uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;

  const std::uint64_t middle = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  low = (middle << 32) | (p00 & 0xffffffffu);
  high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
}
#endif

/// Both halves of the 128-bit product folded together: the mixing step of the keyed hash.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t low = 0, high = 0;
  multiply_wide(a, b, low, high);
  return low ^ high;
}

/// A number in [0, range) from a 64-bit hash, without a division.
inline std::size_t reduce_range(std::uint64_t hash, std::size_t range) noexcept {
  std::uint64_t low = 0, high = 0;
  multiply_wide(hash, range, low, high);
  return static_cast<std::size_t>(high);
}

/// A secret drawn per store, so that senders cannot choose ids that collide.
struct hash_seed {
  std::uint64_t k[4] = {0x243f6a8885a308d3u, 0x13198a2e03707344u, 0xa4093822299f31d0u,
                        0x082efa98ec4e6c89u};
};

/// The keyed hash of two 64-bit words (a UUID's bytes).
inline std::uint64_t hash_words(const hash_seed& seed, std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t state = seed.k[2] ^ 16u;
  state = fold_multiply(a ^ seed.k[0], state ^ seed.k[1]);
  state = fold_multiply(b ^ seed.k[0], state ^ seed.k[1]);
  return fold_multiply(state ^ seed.k[2], seed.k[3]);
}

/// The keyed hash of any bytes.
inline std::uint64_t hash_text(const hash_seed& seed, std::string_view text) noexcept {
  const char* data = text.data();
  std::size_t left = text.size();
  std::uint64_t state = seed.k[2] ^ text.size();

  while (left >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data, 8);
    state = fold_multiply(word ^ seed.k[0], state ^ seed.k[1]);
    data += 8;
    left -= 8;
  }

  if (left > 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, data, left);
    state = fold_multiply(word ^ seed.k[0], state ^ seed.k[1]);
  }
  return fold_multiply(state ^ seed.k[2], seed.k[3]);
}

/// `state` of an entry: 0 for an empty slot, else the lease's token, with this bit once done.
constexpr std::uint32_t store_done_bit = 0x80000000u;

/// One remembered UUID id: 24 bytes, so a table at two thirds load costs 36 bytes per id.
struct store_slot {
  std::uint64_t key[2];
  std::uint32_t expiry;  ///< seconds since the store's epoch; the entry is gone from then on
  std::uint32_t state;
};
static_assert(sizeof(store_slot) == 24, "store slots are meant to be 24 bytes");

/// One remembered id that is not a canonical UUID. `text` owns the bytes the map's key views.
struct store_text_entry {
  std::unique_ptr<char[]> text;
  std::uint32_t expiry = 0;
  std::uint32_t state = 0;
};

/// Hashes non-UUID ids with the store's seed.
struct store_text_hash {
  hash_seed seed;
  std::size_t operator()(std::string_view text) const noexcept {
    return static_cast<std::size_t>(hash_text(seed, text));
  }
};

using store_text_map = std::unordered_map<std::string_view, store_text_entry, store_text_hash>;

/// A part of the store with its own lock: an open-addressing table of UUID ids (linear probing,
/// backward-shift deletion) and a map of other ids.
struct alignas(64) store_shard {
  std::mutex mutex;
  store_slot* slots = nullptr;
  std::size_t slot_count = 0;
  std::size_t used = 0;  ///< slots in use
  std::size_t sweep_cursor = 0;
  std::uint32_t calls_since_sweep = 0;
  std::uint32_t next_token = 1;
  std::uint32_t next_expiry = 0;  ///< no entry expires earlier: a full sweep before it is useless
  store_text_map texts;
  std::atomic<std::size_t> remembered{0};  ///< slots in use plus texts, written under the lock

  store_shard() = default;
  store_shard(const store_shard&) = delete;
  store_shard& operator=(const store_shard&) = delete;
};

/// Zeroed memory for every shard's table, in one block that can be asked for huge pages.
class slot_arena {
 public:
  slot_arena() = default;
  slot_arena(const slot_arena&) = delete;
  slot_arena& operator=(const slot_arena&) = delete;
  ~slot_arena() { release(); }

  /// Replaces the block with `count` zeroed slots; false when they could not be had.
  bool allocate(std::size_t count, bool huge_pages) noexcept {
    release();
    if (count == 0 || count > SIZE_MAX / sizeof(store_slot) / 2) return false;
    const std::size_t bytes = count * sizeof(store_slot);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Mapped with room to start on a 2 MiB boundary, where a huge page can begin.
    constexpr std::size_t huge = std::size_t{2} << 20;
    if (huge_pages && bytes >= huge) {
      void* base =
          ::mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base == MAP_FAILED) return false;
      const auto start = (reinterpret_cast<std::uintptr_t>(base) + huge - 1) & ~(huge - 1);
      ::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);  // advice only

      // Touched now, so that no delivery waits for the kernel to clear a 2 MiB page.
      for (std::size_t offset = 0; offset < bytes; offset += 4096)
        static_cast<volatile char*>(reinterpret_cast<void*>(start))[offset] = 0;
      mapped_ = base;
      mapped_size_ = bytes + huge;
      slots_ = reinterpret_cast<store_slot*>(start);
      return true;
    }
#else
    static_cast<void>(huge_pages);
#endif
    slots_ = static_cast<store_slot*>(std::calloc(count, sizeof(store_slot)));
    return slots_ != nullptr;
  }

  store_slot* data() const noexcept {
    return slots_;
  }

 private:
  void release() noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (mapped_ != nullptr) {
      ::munmap(mapped_, mapped_size_);
      mapped_ = nullptr;
      slots_ = nullptr;
    }
#endif
    std::free(slots_);
    slots_ = nullptr;
  }

  store_slot* slots_ = nullptr;
  void* mapped_ = nullptr;  // the mapping, when the slots live in one
  std::size_t mapped_size_ = 0;
};

}  // namespace detail

/// A dedupe store in memory, for one process. UUID ids (the canonical lowercase text) are kept
/// as their 16 bytes; other ids, such as `msg_...`, as text at about 100 bytes plus their length.
///
/// Rules, all noexcept and without allocation for UUID ids:
/// - `claim`: a new id, an id whose lease expired, or one processed longer ago than the retention
///   is `claimed` with a fresh token and a lease until now + lease; an id under a live lease is
///   `busy`; a processed id within the retention is `done`.
/// - `commit` succeeds while the entry still carries the token, even past its lease if nobody
///   claimed the id since; repeating it with the same token succeeds. `release` forgets the id
///   if the entry still carries the token (a lease not yet committed).
/// - A token that no longer holds the id (someone else claimed it, it was released, committed
///   under another token, or forgotten) gets `errc::busy`: the lease is lost. Empty or over-long
///   ids get `errc::malformed_header`.
/// - The memory bound: when a shard's share of `max_ids` is full and nothing in it has expired,
///   `claim` refuses new ids with `errc::store_full` (the receiver answers 503 and the sender
///   retries later). An id within its retention is never forgotten to make room.
/// - Expired entries are swept a few slots per claim, and a full shard is swept once something
///   in it may have expired. Times are whole seconds rounded up: an entry lasts at least its
///   retention or lease and less than a second more.
///
/// \note Ids differing only in case are different ids, as in the other stores; an uppercase
/// UUID is kept as text.
/// \warning Forgotten on restart: a retry that comes after a restart is processed again. Use
/// `sqlite_store` where that matters.
class memory_store final : public dedupe_store {
 public:
  /// Reserves the tables for `options.max_ids` ids. When they could not be allocated, every
  /// UUID id is answered with `errc::store_unavailable`.
  explicit memory_store(memory_store_options options = {});

  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  [[nodiscard]] result<claim_outcome> claim(std::string_view id) noexcept override;
  [[nodiscard]] error commit(std::string_view id, std::uint64_t token) noexcept override;
  [[nodiscard]] error release(std::string_view id, std::uint64_t token) noexcept override;

  /// Ids remembered now, expired ones not yet swept included. Approximate under concurrency.
  std::size_t size() const noexcept;

  /// The most ids the store can remember: the shards' shares added up, at most `max_ids`.
  std::size_t capacity() const noexcept { return share_ * shard_count_; }

  /// Sweeps every shard now; returns how many expired ids were forgotten. Never needed for
  /// correctness: claims sweep as they go.
  std::size_t sweep() noexcept;

 private:
  struct uuid_key {
    std::uint64_t words[2];
  };

  // Every `sweep_interval`-th call on a shard examines `sweep_budget` slots in a row: four per
  // call on average, in runs the processor prefetches, instead of a cold line on every call.
  static constexpr std::size_t sweep_budget = 32;
  static constexpr std::uint32_t sweep_interval = 8;
  static constexpr std::size_t min_share = 256;

  bool parse_key(std::string_view id, uuid_key& key) const noexcept;
  std::uint64_t hash_key(const uuid_key& key) const noexcept;
  detail::store_shard& shard_for(std::uint64_t hash) const noexcept;
  std::size_t home_of(const detail::store_shard& shard, std::uint64_t hash) const noexcept;
  std::size_t probe(const detail::store_shard& shard, const uuid_key& key) const noexcept;

  std::uint32_t now_seconds() const noexcept;
  static std::uint32_t expiry_after(std::uint32_t now, std::chrono::seconds span) noexcept;
  static std::uint32_t take_token(detail::store_shard& shard) noexcept;
  error check_id(std::string_view id) const noexcept;

  void erase_slot(detail::store_shard& shard, std::size_t index) const noexcept;
  void sweep_some(detail::store_shard& shard, std::uint32_t now) const noexcept;
  std::size_t sweep_all(detail::store_shard& shard, std::uint32_t now) const noexcept;
  bool make_room(detail::store_shard& shard, std::uint32_t now) const noexcept;

  claim_outcome renew(std::uint32_t& expiry, std::uint32_t& state, detail::store_shard& shard,
                      std::uint32_t now) const noexcept;
  result<claim_outcome> claim_uuid(const uuid_key& key, std::uint32_t now) noexcept;
  result<claim_outcome> claim_text(std::string_view id, std::uint32_t now) noexcept;
  error settle(std::string_view id, std::uint64_t token, bool commit) noexcept;

  retention_policy policy_;
  std::size_t max_id_length_;
  clock_function clock_;
  time_point epoch_;
  detail::hash_seed seed_;
  std::size_t shard_count_ = 1;
  unsigned shard_bits_ = 0;
  std::size_t share_ = 1;
  std::unique_ptr<detail::store_shard[]> shards_;
  detail::slot_arena slots_;
};

inline memory_store::memory_store(memory_store_options options)
    : policy_(options.policy),
      max_id_length_(options.max_id_length),
      clock_(options.clock ? std::move(options.clock) : system_clock()) {
  epoch_ = clock_();

  std::random_device device;
  const auto salt = static_cast<std::uint64_t>(epoch_.time_since_epoch().count()) ^
                    reinterpret_cast<std::uintptr_t>(this);
  for (auto& word : seed_.k) {
    word ^= (static_cast<std::uint64_t>(device()) << 32 | device()) ^ salt;
  }

  const std::size_t max_ids = options.max_ids == 0              ? 1
                              : options.max_ids > SIZE_MAX / 64 ? SIZE_MAX / 64
                                                                : options.max_ids;
  const std::size_t wanted = options.shards > 4096 ? 4096 : options.shards;
  while ((shard_count_ << 1) <= wanted) {
    shard_count_ <<= 1;
    ++shard_bits_;
  }
  while (shard_count_ > 1 && max_ids / shard_count_ < min_share) {
    shard_count_ >>= 1;
    --shard_bits_;
  }
  share_ = max_ids / shard_count_;

  // Two thirds full at most, so probes stay short and one slot is always empty.
  const std::size_t per_shard = share_ + share_ / 2 + 1;
  const bool allocated = slots_.allocate(per_shard * shard_count_, options.huge_pages);

  shards_.reset(new detail::store_shard[shard_count_]);
  for (std::size_t i = 0; i < shard_count_; ++i) {
    auto& shard = shards_[i];
    shard.texts = detail::store_text_map(0, detail::store_text_hash{seed_});
    shard.next_expiry = UINT32_MAX;
    if (allocated) {
      shard.slots = slots_.data() + i * per_shard;
      shard.slot_count = per_shard;
    }
  }
}

inline bool memory_store::parse_key(std::string_view id, uuid_key& key) const noexcept {
  // Only the canonical lowercase text is kept as bytes; an uppercase UUID is another id.
  uuid parsed;
  if (!detail::decode_uuid<false>(id, parsed)) return false;
  std::memcpy(key.words, parsed.bytes.data(), 16);
  return true;
}

inline std::uint64_t memory_store::hash_key(const uuid_key& key) const noexcept {
  return detail::hash_words(seed_, key.words[0], key.words[1]);
}

inline detail::store_shard& memory_store::shard_for(std::uint64_t hash) const noexcept {
  return shards_[shard_bits_ == 0 ? 0 : static_cast<std::size_t>(hash >> (64 - shard_bits_))];
}

inline std::size_t memory_store::home_of(const detail::store_shard& shard,
                                         std::uint64_t hash) const noexcept {
  // The top bits chose the shard; the rest choose the slot.
  return detail::reduce_range(hash << shard_bits_, shard.slot_count);
}

/// The slot holding `key`, or the empty slot where it belongs.
inline std::size_t memory_store::probe(const detail::store_shard& shard,
                                       const uuid_key& key) const noexcept {
  std::size_t index = home_of(shard, hash_key(key));

  for (;;) {
    const auto& slot = shard.slots[index];
    if (slot.state == 0) return index;
    if (slot.key[0] == key.words[0] && slot.key[1] == key.words[1]) return index;
    if (++index == shard.slot_count) index = 0;
  }
}

inline std::uint32_t memory_store::now_seconds() const noexcept {
  const auto since = std::chrono::duration_cast<std::chrono::seconds>(clock_() - epoch_).count();
  if (since <= 0) return 0;
  if (since >= static_cast<std::int64_t>(UINT32_MAX / 2)) return UINT32_MAX / 2;
  return static_cast<std::uint32_t>(since);
}

inline std::uint32_t memory_store::expiry_after(std::uint32_t now,
                                                std::chrono::seconds span) noexcept {
  // Rounded up: the clock's fraction of a second was dropped from `now`.
  const std::int64_t seconds = span.count() < 0 ? 0 : span.count();
  const std::int64_t end = static_cast<std::int64_t>(now) + seconds + 1;
  return end >= static_cast<std::int64_t>(UINT32_MAX) ? UINT32_MAX
                                                      : static_cast<std::uint32_t>(end);
}

inline std::uint32_t memory_store::take_token(detail::store_shard& shard) noexcept {
  const std::uint32_t token = shard.next_token;
  shard.next_token = token + 1 >= detail::store_done_bit ? 1 : token + 1;
  return token;
}

inline error memory_store::check_id(std::string_view id) const noexcept {
  if (id.empty() || id.size() > max_id_length_) return {errc::malformed_header, {}, "webhook-id"};
  return {};
}

inline void memory_store::erase_slot(detail::store_shard& shard, std::size_t index) const noexcept {
  std::size_t hole = index;
  std::size_t next = index;

  // Pull back each later entry of the run that may live in the hole without passing its home.
  for (;;) {
    if (++next == shard.slot_count) next = 0;
    auto& slot = shard.slots[next];
    if (slot.state == 0) break;

    const std::size_t home = home_of(shard, detail::hash_words(seed_, slot.key[0], slot.key[1]));
    const bool stays = hole <= next ? (hole < home && home <= next) : (home > hole || home <= next);
    if (stays) continue;

    shard.slots[hole] = slot;
    hole = next;
  }

  shard.slots[hole] = detail::store_slot{};
  --shard.used;
  shard.remembered.store(shard.remembered.load(std::memory_order_relaxed) - 1,
                         std::memory_order_relaxed);
}

inline void memory_store::sweep_some(detail::store_shard& shard, std::uint32_t now) const noexcept {
  if (shard.used == 0 || ++shard.calls_since_sweep < sweep_interval) return;
  shard.calls_since_sweep = 0;

  for (std::size_t step = 0; step < sweep_budget; ++step) {
    const auto& slot = shard.slots[shard.sweep_cursor];
    if (slot.state != 0 && now >= slot.expiry) {
      erase_slot(shard, shard.sweep_cursor);  // the slot may now hold the next entry: look again
      continue;
    }
    if (++shard.sweep_cursor == shard.slot_count) shard.sweep_cursor = 0;
  }
}

inline std::size_t memory_store::sweep_all(detail::store_shard& shard,
                                           std::uint32_t now) const noexcept {
  std::size_t forgotten = 0;
  std::uint32_t earliest = UINT32_MAX;

  for (std::size_t index = 0; index < shard.slot_count; ++index) {
    auto& slot = shard.slots[index];
    while (slot.state != 0 && now >= slot.expiry) {
      erase_slot(shard, index);
      ++forgotten;
    }
    if (slot.state != 0 && slot.expiry < earliest) earliest = slot.expiry;
  }

  for (auto it = shard.texts.begin(); it != shard.texts.end();) {
    if (now < it->second.expiry) {
      if (it->second.expiry < earliest) earliest = it->second.expiry;
      ++it;
      continue;
    }
    it = shard.texts.erase(it);
    shard.remembered.store(shard.remembered.load(std::memory_order_relaxed) - 1,
                           std::memory_order_relaxed);
    ++forgotten;
  }

  shard.next_expiry = earliest;
  return forgotten;
}

/// Whether the shard may take one more id, sweeping it whole if it is full and something in it
/// may have expired.
inline bool memory_store::make_room(detail::store_shard& shard, std::uint32_t now) const noexcept {
  if (shard.remembered.load(std::memory_order_relaxed) < share_) return true;
  if (now < shard.next_expiry) return false;

  sweep_all(shard, now);
  return shard.remembered.load(std::memory_order_relaxed) < share_;
}

/// The answer for an entry already present, renewing its lease if the old one expired.
inline claim_outcome memory_store::renew(std::uint32_t& expiry, std::uint32_t& state,
                                         detail::store_shard& shard,
                                         std::uint32_t now) const noexcept {
  if (now < expiry) {
    return {(state & detail::store_done_bit) != 0 ? claim_status::done : claim_status::busy, 0};
  }

  state = take_token(shard);
  expiry = expiry_after(now, policy_.lease);
  if (expiry < shard.next_expiry) shard.next_expiry = expiry;
  return {claim_status::claimed, state};
}

inline result<claim_outcome> memory_store::claim_uuid(const uuid_key& key,
                                                      std::uint32_t now) noexcept {
  auto& shard = shard_for(hash_key(key));
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.slots == nullptr) return error{errc::store_unavailable};

  sweep_some(shard, now);
  std::size_t index = probe(shard, key);
  auto& found = shard.slots[index];
  if (found.state != 0) return renew(found.expiry, found.state, shard, now);

  if (shard.remembered.load(std::memory_order_relaxed) >= share_) {
    if (!make_room(shard, now)) return error{errc::store_full};
    index = probe(shard, key);  // the sweep moved entries
  }

  auto& slot = shard.slots[index];
  slot.key[0] = key.words[0];
  slot.key[1] = key.words[1];
  slot.state = take_token(shard);
  slot.expiry = expiry_after(now, policy_.lease);
  if (slot.expiry < shard.next_expiry) shard.next_expiry = slot.expiry;

  ++shard.used;
  shard.remembered.store(shard.remembered.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  return claim_outcome{claim_status::claimed, slot.state};
}

inline result<claim_outcome> memory_store::claim_text(std::string_view id,
                                                      std::uint32_t now) noexcept {
  auto& shard = shard_for(detail::hash_text(seed_, id));
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.slots == nullptr) return error{errc::store_unavailable};

  sweep_some(shard, now);
  const auto found = shard.texts.find(id);
  if (found != shard.texts.end())
    return renew(found->second.expiry, found->second.state, shard, now);

  if (!make_room(shard, now)) return error{errc::store_full};

  detail::store_text_entry entry;
  entry.text.reset(new (std::nothrow) char[id.size()]);
  if (!entry.text) return error{errc::store_unavailable};
  std::memcpy(entry.text.get(), id.data(), id.size());
  const std::string_view key(entry.text.get(), id.size());
  entry.state = take_token(shard);
  entry.expiry = expiry_after(now, policy_.lease);
  const claim_outcome outcome{claim_status::claimed, entry.state};
  const std::uint32_t expiry = entry.expiry;

#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
  try {
    shard.texts.emplace(key, std::move(entry));
  } catch (const std::bad_alloc&) {
    return error{errc::store_unavailable};
  }
#else
  shard.texts.emplace(key, std::move(entry));
#endif

  if (expiry < shard.next_expiry) shard.next_expiry = expiry;
  shard.remembered.store(shard.remembered.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  return outcome;
}

inline result<claim_outcome> memory_store::claim(std::string_view id) noexcept {
  if (const error invalid = check_id(id)) return invalid;

  const std::uint32_t now = now_seconds();
  uuid_key key{};
  if (parse_key(id, key)) return claim_uuid(key, now);
  return claim_text(id, now);
}

/// Commits or releases: the entry must still carry `token` as a lease, or, for a repeated commit,
/// as the token it was committed under.
inline error memory_store::settle(std::string_view id, std::uint64_t token, bool commit) noexcept {
  if (const error invalid = check_id(id)) return invalid;
  if (token == 0 || token >= detail::store_done_bit) return error{errc::busy};

  const auto lease = static_cast<std::uint32_t>(token);
  const std::uint32_t now = now_seconds();
  uuid_key key{};
  const bool is_uuid = parse_key(id, key);
  auto& shard = shard_for(is_uuid ? hash_key(key) : detail::hash_text(seed_, id));
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.slots == nullptr) return error{errc::store_unavailable};

  std::uint32_t* expiry = nullptr;
  std::uint32_t* state = nullptr;
  std::size_t index = 0;
  auto text = shard.texts.end();
  if (is_uuid) {
    index = probe(shard, key);
    if (shard.slots[index].state == 0) return error{errc::busy};
    expiry = &shard.slots[index].expiry;
    state = &shard.slots[index].state;
  } else {
    text = shard.texts.find(id);
    if (text == shard.texts.end()) return error{errc::busy};
    expiry = &text->second.expiry;
    state = &text->second.state;
  }

  if (commit && *state == (lease | detail::store_done_bit) && now < *expiry) return {};
  if (*state != lease) return error{errc::busy};

  if (commit) {
    *state = lease | detail::store_done_bit;
    *expiry = expiry_after(now, policy_.retention);
    return {};
  }

  if (is_uuid) {
    erase_slot(shard, index);
    return {};
  }
  shard.texts.erase(text);
  shard.remembered.store(shard.remembered.load(std::memory_order_relaxed) - 1,
                         std::memory_order_relaxed);
  return {};
}

inline error memory_store::commit(std::string_view id, std::uint64_t token) noexcept {
  return settle(id, token, true);
}

inline error memory_store::release(std::string_view id, std::uint64_t token) noexcept {
  return settle(id, token, false);
}

inline std::size_t memory_store::size() const noexcept {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    total += shards_[i].remembered.load(std::memory_order_relaxed);
  }
  return total;
}

inline std::size_t memory_store::sweep() noexcept {
  const std::uint32_t now = now_seconds();
  std::size_t forgotten = 0;

  for (std::size_t i = 0; i < shard_count_; ++i) {
    auto& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.slots != nullptr) forgotten += sweep_all(shard, now);
  }
  return forgotten;
}

MEGAPORT_WEBHOOKS_NAMESPACE_END
