#pragma once

/// \file
/// What the receiver needs from an HTTP request, filled by any framework without copying: the
/// method, a case-insensitive header lookup and the body bytes.

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "version.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A header's value and how many times the header was sent. `count == 0`: absent.
struct header_match {
  std::string_view value;  ///< the first occurrence's value
  std::size_t count = 0;
};

namespace detail {

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

constexpr std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace detail

/// Looks headers up by name, ignoring case. Refers to a callable it does not own: the callable
/// must outlive the lookup. Cheap to copy.
class header_lookup {
 public:
  /// A lookup that finds nothing.
  header_lookup() noexcept = default;

  /// Wraps `find`, a callable `header_match(std::string_view name)` that ignores case.
  template <class Find,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<Find>, header_lookup>>>
  header_lookup(const Find& find) noexcept  // NOLINT(google-explicit-constructor)
      : target_(&find), call_([](const void* target, std::string_view name) noexcept {
          return (*static_cast<const Find*>(target))(name);
        }) {}

  header_match operator()(std::string_view name) const noexcept {
    return call_ ? call_(target_, name) : header_match{};
  }

 private:
  const void* target_ = nullptr;
  header_match (*call_)(const void*, std::string_view) noexcept = nullptr;
};

/// One header as sent.
struct header_field {
  std::string_view name;
  std::string_view value;
};

/// A header lookup over a sequence of `header_field`s (or anything with `.name` and `.value`),
/// for frameworks that hand headers over as a list.
template <class Range>
class header_list {
 public:
  explicit header_list(const Range& fields) noexcept : fields_(&fields) {}

  header_match operator()(std::string_view name) const noexcept {
    header_match match;
    for (const auto& field : *fields_) {
      if (!detail::iequals(field.name, name)) continue;
      if (match.count++ == 0) match.value = field.value;
    }
    return match;
  }

 private:
  const Range* fields_;
};

/// The request as the receiver sees it. Views only: the adapter keeps the request alive while
/// the receiver handles it.
struct request_view {
  std::string_view method;  ///< "POST", "GET", ... as sent
  header_lookup headers;
  std::string_view body;  ///< the raw body bytes
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
