// Resident memory a memory_store spends per remembered id: claims and commits one million random
// UUID ids and divides the growth of the resident set (from /proc/self/statm) by their number.

#include <megaport/webhooks/memory_store.hpp>

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace mw = megaport::webhooks;

namespace {

/// Resident bytes of this process, or 0 where /proc is missing.
std::size_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;

  unsigned long total_pages = 0;
  unsigned long resident_pages = 0;
  const int read = std::fscanf(statm, "%lu %lu", &total_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return 0;
  return static_cast<std::size_t>(resident_pages) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// A random version-4 UUID in canonical text, written into `out` (36 characters).
void random_id(std::mt19937_64& engine, char* out) {
  mw::uuid value;
  const std::uint64_t high = engine();
  const std::uint64_t low = engine();
  for (std::size_t i = 0; i < 8; ++i) {
    value.bytes[i] = static_cast<std::uint8_t>(high >> (8 * i));
    value.bytes[8 + i] = static_cast<std::uint8_t>(low >> (8 * i));
  }
  value.bytes[6] = static_cast<std::uint8_t>((value.bytes[6] & 0x0f) | 0x40);
  value.bytes[8] = static_cast<std::uint8_t>((value.bytes[8] & 0x3f) | 0x80);

  const auto text = value.text();
  for (std::size_t i = 0; i < 36; ++i)
    out[i] = text.chars[i];
}

}  // namespace

int main() {
  constexpr std::size_t ids = 1'000'000;

  // Sized with headroom: each shard refuses at its share of the bound, and shares fill unevenly.
  mw::memory_store_options options;
  options.max_ids = ids + ids / 20;

  const std::size_t before = resident_bytes();
  mw::memory_store store(options);

  std::mt19937_64 engine(20260101);
  char id[36];
  std::size_t refused = 0;
  for (std::size_t i = 0; i < ids; ++i) {
    random_id(engine, id);
    const std::string_view view(id, sizeof id);
    const auto outcome = store.claim(view);
    if (!outcome || outcome->status != mw::claim_status::claimed ||
        store.commit(view, outcome->token)) {
      ++refused;
    }
  }

  const std::size_t after = resident_bytes();
  if (refused != 0 || store.size() != ids || after < before) {
    std::fprintf(stderr, "memory_per_id: %zu ids refused, %zu remembered\n", refused, store.size());
    return 1;
  }

  std::printf("memory/per_id/%zu %.1f bytes\n", ids, static_cast<double>(after - before) / ids);
  return 0;
}
