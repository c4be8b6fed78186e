#pragma once

/// \file
/// The delivery headers' grammars: `webhook-id`, `webhook-timestamp` and `Content-Type`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "request.hpp"
#include "result.hpp"
#include "uuid.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Which `webhook-id` values a receiver accepts.
enum class id_format : std::uint8_t {
  uuid,  ///< a UUID, as the provider sends (the default); case is folded to lowercase
  any,   ///< 1 to 255 visible ASCII characters, as some other senders use (`msg_...`)
};

/// Longest `webhook-id` accepted with `id_format::any`.
constexpr std::size_t max_id_size = 255;

/// A delivery id in canonical form: lowercase for UUIDs, as sent otherwise.
class delivery_id {
 public:
  std::string_view view() const noexcept { return {chars_.data(), size_}; }

  /// Checks `text` against `format` and stores its canonical form.
  [[nodiscard]] static result<delivery_id> parse(std::string_view text, id_format format) noexcept {
    delivery_id id;
    if (error e = id.assign(text, format)) return e;
    return id;
  }

  /// Checks `text` against `format` and makes this id its canonical form; unchanged on error.
  [[nodiscard]] error assign(std::string_view text, id_format format) noexcept {
    const error malformed{errc::malformed_header, {}, "webhook-id"};
    if (format == id_format::uuid) {
      // Lowercase text is canonical already; only an uppercase id is written out again.
      uuid parsed;
      if (detail::decode_uuid<false>(text, parsed)) {
        std::memcpy(chars_.data(), text.data(), text.size());
      } else if (detail::decode_uuid<true>(text, parsed)) {
        const auto canonical = parsed.text();
        std::memcpy(chars_.data(), canonical.chars.data(), canonical.chars.size());
      } else {
        return malformed;
      }
      size_ = text.size();
      return {};
    }

    if (text.empty() || text.size() > max_id_size) return malformed;
    for (char c : text) {
      if (c <= ' ' || c > '~') return malformed;
    }
    for (std::size_t i = 0; i < text.size(); ++i)
      chars_[i] = text[i];
    size_ = text.size();
    return {};
  }

 private:
  std::array<char, max_id_size> chars_;  // only the first `size_` are meaningful
  std::size_t size_ = 0;
};

/// Parses `webhook-timestamp`: unix seconds as 1 to 12 decimal digits, nothing else (no sign,
/// fraction, exponent, spaces or trailing text). Thirteen digits are refused with
/// `errc::timestamp_in_milliseconds`, since that is what they almost always are.
[[nodiscard]] constexpr result<std::int64_t> parse_unix_seconds(std::string_view text) noexcept {
  const error malformed{errc::malformed_header, {}, "webhook-timestamp"};
  if (text.empty()) return malformed;

  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return malformed;
    if (text.size() <= 12) value = value * 10 + (c - '0');
  }
  if (text.size() == 13) return error{errc::timestamp_in_milliseconds, {}, "webhook-timestamp"};
  if (text.size() > 12) return malformed;
  return value;
}

/// True for `application/json` and `application/*+json`, in any case, with or without
/// parameters such as `; charset=utf-8`.
constexpr bool is_json_media_type(std::string_view content_type) noexcept {
  const std::size_t semicolon = content_type.find(';');
  const std::string_view type = detail::trim(content_type.substr(0, semicolon));

  constexpr std::string_view application = "application/";
  if (type.size() <= application.size() ||
      !detail::iequals(type.substr(0, application.size()), application)) {
    return false;
  }
  const std::string_view subtype = type.substr(application.size());
  if (detail::iequals(subtype, "json")) return true;
  return subtype.size() > 5 && detail::iequals(subtype.substr(subtype.size() - 5), "+json");
}

MEGAPORT_WEBHOOKS_NAMESPACE_END
