#pragma once

/// \file
/// Where signature checking plugs into the receiver. The core ships only `no_signature`; the
/// Standard Webhooks verifier lives in `signature.hpp` with its own target.

#include <string_view>

#include "error.hpp"
#include "request.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A signature policy is any type with
///
///     error verify(std::string_view id, std::string_view timestamp, std::string_view body,
///                  const header_match& signature) const noexcept;
///
/// given the raw `webhook-id` and `webhook-timestamp` texts, the raw body bytes and the
/// `webhook-signature` header; it returns errc::missing_signature or errc::invalid_signature to
/// refuse (401), anything else to accept.
struct no_signature {
  [[nodiscard]] error verify(std::string_view, std::string_view, std::string_view,
                             const header_match&) const noexcept {
    return {};
  }
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
