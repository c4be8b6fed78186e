#pragma once

// What the fuzz harnesses share: a check that aborts with a message (so that libFuzzer and the
// replay driver both stop at the first broken invariant, in any build mode) and a splitter that
// turns fuzz bytes into pieces.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                      \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      (void)std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

namespace fuzz {

// The fuzz input as text, NUL bytes and all.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

// Cuts `text` at the first `separator`: returns what comes before it and leaves the rest in
// `text` (all of it, and `text` empty, when there is no separator).
inline std::string_view take(std::string_view& text, char separator) noexcept {
  const std::size_t at = text.find(separator);
  const std::string_view piece = text.substr(0, at);
  text = at == std::string_view::npos ? std::string_view() : text.substr(at + 1);
  return piece;
}

}  // namespace fuzz
