#pragma once

/// \file
/// The receiver's answer: an HTTP status, an outcome, and a small JSON body that names them.
/// The body never echoes the payload.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "error.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// What became of a delivery.
enum class outcome : std::uint8_t {
  processed,  ///< handled now (200)
  accepted,   ///< stored in a durable inbox for later (202)
  duplicate,  ///< already processed; acknowledged and skipped (200)
  ignored,    ///< no handler for its type; acknowledged (200)
  rejected,   ///< invalid: wrong method, media type, size, headers, timestamp, signature, body
  busy,       ///< the same id is being processed right now (409)
  failed,     ///< the handler failed or the store could not answer (500, 503)
};

/// The outcome's name as it appears in response bodies and reports.
constexpr std::string_view to_string(outcome value) noexcept {
  switch (value) {
    case outcome::processed: return "processed";
    case outcome::accepted: return "accepted";
    case outcome::duplicate: return "duplicate";
    case outcome::ignored: return "ignored";
    case outcome::rejected: return "rejected";
    case outcome::busy: return "busy";
    case outcome::failed: return "failed";
  }
  return "failed";
}

/// The HTTP status for a rejection or failure of the given kind.
constexpr int status_for(errc code) noexcept {
  switch (code) {
    case errc::ok: return 200;
    case errc::method_not_allowed: return 405;
    case errc::unsupported_media_type: return 415;
    case errc::body_too_large: return 413;
    case errc::missing_signature:
    case errc::invalid_signature: return 401;
    case errc::busy: return 409;
    case errc::store_unavailable:
    case errc::store_full: return 503;
    case errc::handler_failed: return 500;
    default: return 400;
  }
}

/// An answer ready to send: status, content type, `Allow` when needed, and the JSON body.
class response {
 public:
  response() noexcept { compose(); }

  /// An answer for `result`, with `reason` (errc::ok for none) spelled out in the body.
  response(webhooks::outcome result, int status, const error& reason = {}) noexcept
      : status_(status), outcome_(result), reason_(reason) {
    compose();
  }

  int status() const noexcept { return status_; }
  webhooks::outcome outcome() const noexcept { return outcome_; }
  const error& reason() const noexcept { return reason_; }

  /// Always `application/json`.
  static constexpr std::string_view content_type() noexcept { return "application/json"; }

  /// The value of the `Allow` header to send, or empty when none is due.
  std::string_view allow() const noexcept { return status_ == 405 ? "POST" : ""; }

  /// `{"outcome":"...","reason":"..."}`; the reason is omitted when there is none.
  std::string_view body() const noexcept { return {body_, size_}; }

 private:
  void compose() noexcept {
    detail::text_sink sink{body_, sizeof body_};
    sink.put(R"({"outcome":")");
    sink.put(to_string(outcome_));
    if (reason_) {
      sink.put(R"(","reason":")");
      char text[192];
      const std::size_t length = reason_.format(text, sizeof text);
      for (std::size_t i = 0; i < length; ++i)
        put_escaped(sink, text[i]);
    }
    sink.put(R"("})");
    size_ = sink.size;
  }

  static void put_escaped(detail::text_sink& sink, char c) noexcept {
    if (c == '"' || c == '\\') {
      const char pair[2] = {'\\', c};
      sink.put(std::string_view(pair, 2));
    } else if (static_cast<unsigned char>(c) < 0x20) {
      sink.put("?");
    } else {
      sink.put(std::string_view(&c, 1));
    }
  }

  int status_ = 200;
  webhooks::outcome outcome_ = webhooks::outcome::processed;
  error reason_;
  char body_[448];  // room for the longest reason, every character escaped
  std::size_t size_ = 0;
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
