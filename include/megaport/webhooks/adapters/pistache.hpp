#pragma once

/// \file
/// Pistache adapter: a header lookup over Pistache's parsed headers, the handling of a request,
/// the answer written back, and `pistache_handler`, an `Http::Handler` that serves one path.
///
///     auto options = Pistache::Http::Endpoint::options()
///         .maxRequestSize(megaport::webhooks::adapters::pistache_max_request_size(receiver));
///     endpoint.setHandler(std::make_shared<
///         megaport::webhooks::adapters::pistache_handler<decltype(receiver)>>(receiver));
///
/// \note Pistache reads the whole request before its handler runs, so the body limit is its
/// `maxRequestSize` (it answers 413 itself past it), and the head checks run after the read.
/// \note Pistache keeps the first of repeated headers only, so a repeated `webhook-id` or
/// `webhook-timestamp` cannot be told from a single one.

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_headers.h>

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "../request.hpp"
#include "../response.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace adapters {

/// Room for the request line and headers on top of the receiver's body limit: Pistache's
/// `maxRequestSize` counts them too.
inline constexpr std::size_t pistache_head_room = 16 * 1024;

/// The `maxRequestSize` to give the endpoint: bodies just over the receiver's limit reach the
/// receiver (which answers 413), larger ones are stopped by Pistache before they are read.
template <class Receiver>
std::size_t pistache_max_request_size(const Receiver& receiver) noexcept {
  return receiver.options().max_body + pistache_head_room;
}

/// A header lookup over Pistache's headers. Pistache hands header values out as copies, so the
/// lookup keeps the values it found, valid while it lives.
class pistache_headers {
 public:
  explicit pistache_headers(const Pistache::Http::Header::Collection& headers) noexcept
      : headers_(&headers) {}

  header_match operator()(std::string_view name) const {
    const auto& raw = headers_->rawList();
    const auto it = raw.find(std::string(name));
    if (it == raw.end()) return {};
    found_.push_back(it->second.value());
    return {found_.back(), 1};
  }

 private:
  const Pistache::Http::Header::Collection* headers_;
  mutable std::list<std::string> found_;  // a list, so earlier values stay where they are
};

/// Handles a request Pistache has read, without copying the body.
template <class Receiver>
response pistache_handle(Receiver& receiver, const Pistache::Http::Request& request) {
  const pistache_headers headers(request.headers());
  const std::string_view method = Pistache::Http::methodString(request.method());
  return receiver.handle({method, headers, request.body()});
}

/// Sends the receiver's answer (its content type is always `application/json`).
inline void pistache_write(const response& answer, Pistache::Http::ResponseWriter& out) {
  if (!answer.allow().empty()) {  // the only method the receiver allows; Pistache sends typed
    out.headers().add<Pistache::Http::Header::Allow>(Pistache::Http::Method::Post);
  }
  out.send(static_cast<Pistache::Http::Code>(answer.status()), std::string(answer.body()),
           Pistache::Http::Mime::MediaType(Pistache::Http::Mime::Type::Application,
                                           Pistache::Http::Mime::Subtype::Json));
}

/// An endpoint handler that serves `path` (any method) and answers 404 elsewhere.
/// \note Handlers run on Pistache's reactor threads: a slow event handler delays the other
/// connections of its thread.
template <class Receiver>
class pistache_handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(pistache_handler)

  explicit pistache_handler(Receiver& receiver, std::string path = "/webhooks/megaport")
      : receiver_(&receiver), path_(std::move(path)) {}

  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter writer) override {
    if (request.resource() != path_)
      return pistache_write(response(outcome::rejected, 404), writer);
    pistache_write(pistache_handle(*receiver_, request), writer);
  }

 private:
  Receiver* receiver_;
  std::string path_;
};

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
