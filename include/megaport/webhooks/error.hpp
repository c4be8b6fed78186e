#pragma once

/// \file
/// Errors as values: what went wrong with a delivery, which field or header it concerns, and a
/// `std::error_category` for code that speaks `std::error_code`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "version.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Every way a delivery can fail, from the HTTP request down to the handler.
enum class errc : int {
  ok = 0,
  method_not_allowed,         ///< not a POST
  unsupported_media_type,     ///< Content-Type is missing or not JSON
  body_too_large,             ///< body over the configured limit
  incomplete_body,            ///< the connection ended before the whole body arrived
  missing_header,             ///< a required header is absent
  repeated_header,            ///< a header that must appear once appears more than once
  malformed_header,           ///< a header's value is not of the required form
  timestamp_in_milliseconds,  ///< webhook-timestamp has 13 digits: milliseconds, not seconds
  stale_timestamp,            ///< webhook-timestamp older than the tolerance
  future_timestamp,           ///< webhook-timestamp further ahead than the tolerance
  missing_signature,          ///< a signature is required and none was sent
  invalid_signature,          ///< no signature matched
  invalid_json,               ///< the body is not well-formed JSON
  invalid_utf8,               ///< the body is not valid UTF-8
  trailing_content,           ///< something follows the top-level value
  not_an_object,              ///< the top-level value, or `data`, is not an object
  too_deep,                   ///< nesting deeper than the limit
  missing_field,              ///< a required field is absent
  duplicate_field,            ///< a known field appears twice
  wrong_type,                 ///< a known field holds the wrong JSON type
  out_of_range,               ///< a number does not fit its field
  invalid_timestamp,          ///< a field is not an RFC 3339 date-time
  invalid_uuid,               ///< a field is not a UUID
  busy,                       ///< another worker holds this delivery's claim
  store_unavailable,          ///< the dedupe store or inbox could not answer
  store_full,                 ///< the dedupe store is at its memory bound
  handler_failed,             ///< the handler reported failure or threw
};

/// The JSON type of a value, for messages such as "expected an integer, got a string".
enum class json_kind : std::uint8_t { none, null, boolean, number, string, array, object };

/// Article and name of a JSON type, as used in error messages.
constexpr std::string_view describe(json_kind kind) noexcept {
  switch (kind) {
    case json_kind::null: return "null";
    case json_kind::boolean: return "a boolean";
    case json_kind::number: return "a number";
    case json_kind::string: return "a string";
    case json_kind::array: return "an array";
    case json_kind::object: return "an object";
    case json_kind::none: break;
  }
  return "nothing";
}

/// One-line description of an error code.
constexpr std::string_view describe(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::method_not_allowed: return "method not allowed, use POST";
    case errc::unsupported_media_type: return "content type must be application/json";
    case errc::body_too_large: return "body exceeds the size limit";
    case errc::incomplete_body: return "body ended before its declared length";
    case errc::missing_header: return "missing";
    case errc::repeated_header: return "sent more than once";
    case errc::malformed_header: return "malformed";
    case errc::timestamp_in_milliseconds:
      return "13 digits look like milliseconds; the header carries unix seconds";
    case errc::stale_timestamp: return "older than the tolerance";
    case errc::future_timestamp: return "further in the future than the tolerance";
    case errc::missing_signature: return "signature required";
    case errc::invalid_signature: return "no signature matched";
    case errc::invalid_json: return "malformed JSON";
    case errc::invalid_utf8: return "invalid UTF-8";
    case errc::trailing_content: return "content after the JSON value";
    case errc::not_an_object: return "expected an object";
    case errc::too_deep: return "nested too deeply";
    case errc::missing_field: return "missing";
    case errc::duplicate_field: return "appears more than once";
    case errc::wrong_type: return "wrong type";
    case errc::out_of_range: return "number out of range";
    case errc::invalid_timestamp: return "not an RFC 3339 date-time with a zone";
    case errc::invalid_uuid: return "not a UUID";
    case errc::busy: return "being processed by another worker";
    case errc::store_unavailable: return "store unavailable";
    case errc::store_full: return "store at its memory bound";
    case errc::handler_failed: return "handler failed";
  }
  return "unknown error";
}

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "megaport-webhooks"; }
  std::string message(int value) const override {
    return std::string(describe(static_cast<errc>(value)));
  }
};

}  // namespace detail

/// The category of `errc` values inside `std::error_code`.
inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

/// Makes `errc` usable as a `std::error_code`.
inline std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

/// An error with its context: the field or header it concerns and, for type errors, what was
/// expected and what came. Holds only views of static text, so it is cheap to return.
struct error {
  errc code = errc::ok;
  std::string_view scope;     ///< "data" for payload fields, empty for the envelope
  std::string_view subject;   ///< field or header name; may be empty
  std::string_view expected;  ///< for wrong_type: "a string", "an integer", ...
  json_kind got = json_kind::none;
  std::int64_t figure = 0;  ///< for timestamps: how many seconds off

  constexpr error() noexcept = default;
  constexpr error(errc value) noexcept : code(value) {}
  constexpr error(errc value, std::string_view in, std::string_view name) noexcept
      : code(value), scope(in), subject(name) {}

  /// A type mismatch: `expected` is "a string", "an integer", ...
  static constexpr error mismatch(std::string_view expected, json_kind got) noexcept {
    error e{errc::wrong_type};
    e.expected = expected;
    e.got = got;
    return e;
  }

  constexpr explicit operator bool() const noexcept { return code != errc::ok; }
  std::error_code error_code() const noexcept { return make_error_code(code); }

  /// Writes the message into `out` (at most `capacity` bytes, truncated); returns its length.
  std::size_t format(char* out, std::size_t capacity) const noexcept;

  /// The message, e.g. "data.attempts: expected an integer, got a string".
  std::string message() const {
    char buffer[256];
    return std::string(buffer, format(buffer, sizeof buffer));
  }
};

namespace detail {

struct text_sink {
  char* out;
  std::size_t capacity;
  std::size_t size = 0;

  void put(std::string_view text) noexcept {
    for (char c : text) {
      if (size == capacity) return;
      out[size++] = c;
    }
  }

  void put(std::int64_t value) noexcept {
    char digits[24];
    std::size_t n = 0;
    std::uint64_t magnitude =
        value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    do {
      digits[n++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) put("-");
    while (n > 0)
      put(std::string_view(&digits[--n], 1));
  }
};

}  // namespace detail

inline std::size_t error::format(char* out, std::size_t capacity) const noexcept {
  detail::text_sink sink{out, capacity};

  if (!scope.empty()) {
    sink.put(scope);
    if (!subject.empty()) sink.put(".");
  }
  sink.put(subject);
  if (!scope.empty() || !subject.empty()) sink.put(": ");

  switch (code) {
    case errc::not_an_object:
      if (got == json_kind::none) {
        sink.put(describe(code));
        break;
      }
      [[fallthrough]];
    case errc::wrong_type:
      sink.put("expected ");
      sink.put(expected);
      sink.put(", got ");
      sink.put(describe(got));
      break;
    case errc::stale_timestamp:
    case errc::future_timestamp:
      sink.put(figure);
      sink.put(code == errc::stale_timestamp ? " s old" : " s ahead");
      sink.put(", more than the tolerance");
      break;
    default: sink.put(describe(code));
  }
  return sink.size;
}

MEGAPORT_WEBHOOKS_NAMESPACE_END

namespace std {
template <>
struct is_error_code_enum<megaport::webhooks::errc> : true_type {};
}  // namespace std
