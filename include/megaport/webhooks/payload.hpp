#pragma once

/// \file
/// How a payload type describes itself to the parser: its kind, its default event code and its
/// fields. Specialise `payload_traits` to add a payload type of your own.

#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>

#include "timestamp.hpp"
#include "uuid.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A JSON value kept as its text, validated but not interpreted.
struct raw_json {
  std::string_view text;  ///< the value exactly as sent, e.g. `{"product_uid":"..."}`
};

/// The payload of an event whose type code is bound to no payload type: `data` kept raw.
struct unknown_payload {
  raw_json data;
};

/// One field of a payload: its JSON name and the member it is read into.
///
/// Member types the parser reads: `std::string_view`, `std::int64_t`, `bool`, `double`, `uuid`,
/// `utc_time` (from an RFC 3339 string), `raw_json` (any value, kept as text), and
/// `std::optional` of any of these (absent or `null` leaves it empty). Every field that is not
/// an `std::optional` is required.
template <class Payload, class Member>
struct field_spec {
  std::string_view name;
  Member Payload::*member;
};

/// Names a payload field: `field("email", &login_failure::email)`.
template <class Payload, class Member>
constexpr field_spec<Payload, Member> field(std::string_view name, Member Payload::*member) {
  return {name, member};
}

/// Describes a payload type. Specialise it for each payload type, with:
///
///     static constexpr std::string_view kind = "login_failure";          // stable name
///     static constexpr std::string_view default_code = "security.login.failed";
///     static constexpr auto fields = std::make_tuple(field("email", &login_failure::email), ...);
template <class Payload>
struct payload_traits;

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class Payload>
constexpr std::size_t field_count = std::tuple_size_v<
    std::remove_cv_t<std::remove_reference_t<decltype(payload_traits<Payload>::fields)>>>;

}  // namespace detail

MEGAPORT_WEBHOOKS_NAMESPACE_END
