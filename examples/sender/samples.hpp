#pragma once

/// \file
/// The sample delivery bodies `--event` sends: the provider's three documented payloads with
/// the field values its documentation shows, and one event of a type no receiver knows.

#include <megaport/webhooks/events.hpp>
#include <megaport/webhooks/timestamp.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sender {

/// The names `--event` accepts, in the order `--help` lists them.
inline constexpr std::string_view event_kinds[] = {"login_failure", "user_registration",
                                                   "password_reset_request", "unknown"};

/// The code of the `unknown` sample: a plausible provider event that no payload type binds.
inline constexpr std::string_view unknown_event_code = "service.provisioned";

/// The company every sample concerns.
inline constexpr std::string_view sample_company_uid = "5f0c3b2a-7d41-4e8b-9c6a-2b1d0e9f8a73";

/// The person the documented samples concern, as the provider's documentation shows it.
inline constexpr std::string_view sample_person_uid = "34ee661a-18f0-4c30-8a73-e2d7e0ab641d";

namespace detail {

namespace mw = megaport::webhooks;

// The `type` code and the `data` object of a sample, or empty codes for an unknown kind.
struct sample_parts {
  std::string_view code;
  std::string data;
};

inline sample_parts parts_of(std::string_view kind) {
  const std::string person = "\"person_uid\":\"" + std::string(sample_person_uid) + "\",";
  const std::string email = "\"email\":\"user@example.com\"";

  if (kind == "login_failure") {
    return {mw::payload_traits<mw::login_failure>::default_code,
            "{" + person + email + ",\"attempts\":5,\"account_locked\":true}"};
  }
  if (kind == "user_registration") {
    return {mw::payload_traits<mw::user_registration>::default_code,
            "{" + person + "\"position\":\"Company Admin\"," + email +
                ",\"first_name\":\"John\",\"last_name\":\"Smith\"}"};
  }
  if (kind == "password_reset_request") {
    return {mw::payload_traits<mw::password_reset_request>::default_code,
            "{" + person + email + "}"};
  }
  if (kind == "unknown") {
    return {unknown_event_code,
            "{\"service_uid\":\"c2b7e4d1-0a9f-4c3e-8b56-71d2f0e3a9c4\",\"product_type\":\"VXC\","
            "\"service_name\":\"Sample VXC\"}"};
  }
  return {};
}

}  // namespace detail

/// The body of a sample delivery of `kind` (one of `event_kinds`) for an event that happened
/// at `when`, as compact JSON; empty when `kind` is not one of them.
inline std::optional<std::string> sample_body(std::string_view kind,
                                              megaport::webhooks::utc_time when) {
  const detail::sample_parts parts = detail::parts_of(kind);
  if (parts.code.empty()) return std::nullopt;

  char stamp[megaport::webhooks::timestamp_text_size];
  const auto whole_seconds = std::chrono::floor<std::chrono::seconds>(when);
  const std::size_t stamp_size = megaport::webhooks::format_timestamp(whole_seconds, stamp);

  std::string body = "{\"type\":\"" + std::string(parts.code) + "\",\"schema_version\":\"1\",";
  body += "\"timestamp\":\"" + std::string(stamp, stamp_size) + "\",";
  body += "\"company_uid\":\"" + std::string(sample_company_uid) + "\",";
  body += "\"data\":" + parts.data + "}";
  return body;
}

}  // namespace sender
