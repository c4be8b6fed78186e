#pragma once

/// \file
/// The compile-time set of payload types a receiver knows, the run-time table that binds event
/// codes to them, and the parsed event: envelope plus one payload of the set.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "events.hpp"
#include "payload.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// The fields every delivery body has, whatever its type.
///
/// \note The views point into the request body (`data`) or into the parser that produced them
/// (strings, and `raw_json` fields of payloads); valid until that parser parses again or the
/// body is freed. Copy what you keep past the handler.
struct envelope {
  std::string_view type;            ///< the event code, e.g. `security.login.failed`
  std::string_view schema_version;  ///< "1" today
  utc_time timestamp{};             ///< when the event happened (not when it was sent)
  uuid company_uid;                 ///< the company the event concerns
  raw_json data;                    ///< the `data` object exactly as sent
};

/// A set of payload types, such as `event_set<login_failure, my_payload>`, and the event codes
/// bound to each. A code bound to none of them parses as `unknown_payload`.
///
/// Binding is for set-up: bind every code before the set is shared between threads.
template <class... Payloads>
class event_set {
  static_assert(sizeof...(Payloads) < 255, "an event set holds at most 254 payload types");

 public:
  /// One of the set's payloads, or `unknown_payload` at index 0.
  using payload_variant = std::variant<unknown_payload, Payloads...>;

  /// How many payload types the set holds.
  static constexpr std::size_t size = sizeof...(Payloads);

  /// The kind names, "unknown" first, then each payload type's in the set's order.
  static constexpr std::array<std::string_view, size + 1> kinds = {
      "unknown", payload_traits<Payloads>::kind...};

  /// A set with each payload type bound to its default code.
  event_set() { (bind<Payloads>(payload_traits<Payloads>::default_code), ...); }

  /// Binds `code` to `Payload`, replacing any earlier binding of the same code.
  template <class Payload>
  void bind(std::string_view code) {
    static_assert(index_of_type<Payload>() <= size,
                  "bind<Payload>: Payload is not in this event set (nor unknown_payload)");
    bind_index(code, index_of_type<Payload>());
  }

  /// Binds `code` to the payload type whose kind is `kind` ("unknown" unbinds it).
  /// Returns false, binding nothing, when no payload type of the set has that kind.
  [[nodiscard]] bool bind(std::string_view code, std::string_view kind) {
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      if (kinds[i] == kind) {
        bind_index(code, i);
        return true;
      }
    }
    return false;
  }

  /// The variant index for `code`: 0 for unknown, else 1 + the payload type's position.
  std::size_t index_of(std::string_view code) const noexcept {
    for (const auto& binding : bindings_) {
      if (binding.first == code) return binding.second;
    }
    return 0;
  }

  /// The variant index of `Payload`.
  template <class Payload>
  static constexpr std::size_t index_of_type() noexcept {
    constexpr bool matches[] = {std::is_same_v<Payload, unknown_payload>,
                                std::is_same_v<Payload, Payloads>...};
    for (std::size_t i = 0; i <= size; ++i) {
      if (matches[i]) return i;
    }
    return size + 1;
  }

 private:
  void bind_index(std::string_view code, std::size_t index) {
    for (auto& binding : bindings_) {
      if (binding.first == code) {
        binding.second = static_cast<std::uint8_t>(index);
        return;
      }
    }
    bindings_.emplace_back(std::string(code), static_cast<std::uint8_t>(index));
  }

  std::vector<std::pair<std::string, std::uint8_t>> bindings_;
};

/// The set of the provider's documented payloads, bound to their default codes.
using default_event_set = event_set<user_registration, login_failure, password_reset_request>;

/// A parsed delivery body: the envelope and the typed payload.
template <class Set = default_event_set>
struct event : envelope {
  typename Set::payload_variant payload;

  /// The payload kind's name: "login_failure", ..., or "unknown".
  std::string_view kind() const noexcept { return Set::kinds[payload.index()]; }

  /// The payload if it is a `Payload`, else null.
  template <class Payload>
  const Payload* get() const noexcept {
    return std::get_if<Payload>(&payload);
  }
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
