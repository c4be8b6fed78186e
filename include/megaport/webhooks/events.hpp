#pragma once

/// \file
/// The payloads the provider documents today, with their event codes.
///
/// Only `security.login.failed` is a documented code. The provider documents the registration and
/// password-reset payloads without naming their codes; `user.registered` and
/// `security.password_reset.requested` are this library's assumptions. Bind the real codes with
/// `event_set::bind` when they differ.

#include <cstdint>
#include <string_view>
#include <tuple>

#include "payload.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A person registered in the company's account.
struct user_registration {
  uuid person_uid;
  std::string_view position;
  std::string_view email;
  std::string_view first_name;
  std::string_view last_name;
};

/// A failed login to the company's account.
struct login_failure {
  uuid person_uid;
  std::string_view email;
  std::int64_t attempts = 0;
  bool account_locked = false;
};

/// A password reset asked for.
struct password_reset_request {
  uuid person_uid;
  std::string_view email;
};

template <>
struct payload_traits<user_registration> {
  static constexpr std::string_view kind = "user_registration";
  static constexpr std::string_view default_code = "user.registered";  // assumed, not documented
  static constexpr auto fields = std::make_tuple(
      field("person_uid", &user_registration::person_uid),
      field("position", &user_registration::position), field("email", &user_registration::email),
      field("first_name", &user_registration::first_name),
      field("last_name", &user_registration::last_name));
};

template <>
struct payload_traits<login_failure> {
  static constexpr std::string_view kind = "login_failure";
  static constexpr std::string_view default_code = "security.login.failed";  // documented
  static constexpr auto fields = std::make_tuple(
      field("person_uid", &login_failure::person_uid), field("email", &login_failure::email),
      field("attempts", &login_failure::attempts),
      field("account_locked", &login_failure::account_locked));
};

template <>
struct payload_traits<password_reset_request> {
  static constexpr std::string_view kind = "password_reset_request";
  // Assumed, not documented by the provider.
  static constexpr std::string_view default_code = "security.password_reset.requested";
  static constexpr auto fields =
      std::make_tuple(field("person_uid", &password_reset_request::person_uid),
                      field("email", &password_reset_request::email));
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
