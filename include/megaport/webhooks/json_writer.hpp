#pragma once

/// \file
/// Writes payloads back out as JSON, field by field from their `payload_traits`, for event logs,
/// queues and tests.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "event_set.hpp"
#include "payload.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Appends `text` as a JSON string, quotes included. Control characters are escaped; other
/// bytes pass through, so valid UTF-8 stays valid.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

inline void append_json(std::string& out, std::string_view value) {
  append_json_string(out, value);
}
inline void append_json(std::string& out, std::int64_t value) {
  out += std::to_string(value);
}
inline void append_json(std::string& out, bool value) {
  out += value ? "true" : "false";
}
inline void append_json(std::string& out, const uuid& value) {
  append_json_string(out, value.text().view());
}
inline void append_json(std::string& out, const raw_json& value) {
  out += value.text;
}
inline void append_json(std::string& out, double value) {
  char text[32];
  const int size = std::snprintf(text, sizeof text, "%.17g", value);
  out.append(text, static_cast<std::size_t>(size > 0 ? size : 0));
}
inline void append_json(std::string& out, utc_time value) {
  char text[timestamp_text_size];
  append_json_string(out, std::string_view(text, format_timestamp(value, text)));
}
template <class T>
void append_json(std::string& out, const std::optional<T>& value) {
  if (value) {
    append_json(out, *value);
  } else {
    out += "null";
  }
}

namespace detail {

template <class Payload, std::size_t... I>
void append_fields(std::string& out, const Payload& payload, std::index_sequence<I...>) {
  constexpr auto& fields = payload_traits<Payload>::fields;
  bool first = true;
  auto one = [&](const auto& spec) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, spec.name);
    out += ':';
    append_json(out, payload.*(spec.member));
  };
  (one(std::get<I>(fields)), ...);
}

}  // namespace detail

/// Appends a payload as a JSON object of its known fields, in the order its traits list them.
template <class Payload>
auto append_json(std::string& out, const Payload& payload)
    -> decltype(payload_traits<Payload>::fields, void()) {
  out += '{';
  detail::append_fields(out, payload, std::make_index_sequence<detail::field_count<Payload>>{});
  out += '}';
}

/// Appends an unknown event's `data`, as sent.
inline void append_json(std::string& out, const unknown_payload& payload) {
  out += payload.data.text;
}

/// Appends a processed event as one JSON object, for event logs and queues: `webhook_id`, `type`,
/// `kind`, `company_uid`, `schema_version`, `timestamp` (UTC) and `data`: the payload's known
/// fields, or for an unknown event its `data` as sent. `Delivery` is a `delivery<Set>`.
template <class Delivery, class Payload>
void append_event_json(std::string& out, const Delivery& d, const Payload& payload) {
  out += "{\"webhook_id\":";
  append_json_string(out, d.id);
  out += ",\"type\":";
  append_json_string(out, d.type);
  out += ",\"kind\":";
  append_json_string(out, d.kind());
  out += ",\"company_uid\":";
  append_json(out, d.company_uid);
  out += ",\"schema_version\":";
  append_json_string(out, d.schema_version);
  out += ",\"timestamp\":";
  append_json(out, d.timestamp);
  out += ",\"data\":";
  append_json(out, payload);
  out += '}';
}

MEGAPORT_WEBHOOKS_NAMESPACE_END
