#pragma once

/// \file
/// RESTinio adapter: a header lookup, the handling of a read request, the answer sent back,
/// `restinio_handler` (a request handler that serves one path) and `restinio_limits`, the
/// message limits that stop an oversized body before it is read.
///
///     restinio::server_settings_t<>{}
///         .incoming_http_msg_limits(megaport::webhooks::adapters::restinio_limits(receiver))
///         .request_handler(megaport::webhooks::adapters::restinio_handler(receiver));
///
/// \note RESTinio calls its handler once the whole request is read, so the head checks run after
/// the read; the body limit is RESTinio's own (`restinio_limits`), which closes the connection
/// of a request that declares or sends a larger body, without an answer.

#include <restinio/all.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "../request.hpp"
#include "../response.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace adapters {

/// A header lookup over RESTinio's header fields, which keep repeated headers.
class restinio_headers {
 public:
  explicit restinio_headers(const restinio::http_request_header_t& header) noexcept
      : header_(&header) {}

  header_match operator()(std::string_view name) const noexcept {
    header_match match;
    header_->for_each_field([&](const restinio::http_header_field_t& field) noexcept {
      if (!detail::iequals(field.name(), name)) return;
      if (match.count++ == 0) match.value = field.value();
    });
    return match;
  }

 private:
  const restinio::http_request_header_t* header_;
};

/// Message limits for the server settings: a body one byte over the receiver's limit still
/// reaches the receiver (which answers 413); RESTinio drops larger ones before reading them.
template <class Receiver>
restinio::incoming_http_msg_limits_t restinio_limits(const Receiver& receiver) {
  const auto most = static_cast<std::uint64_t>(receiver.options().max_body) + 1;
  return restinio::incoming_http_msg_limits_t{}.max_body_size(most);
}

/// Handles a request RESTinio has read, without copying the body.
template <class Receiver, class Request>
response restinio_handle(Receiver& receiver, const Request& request) {
  const restinio_headers headers(request.header());
  return receiver.handle({request.header().method().c_str(), headers, request.body()});
}

/// The reason phrase sent with each status the receiver answers.
constexpr const char* restinio_reason(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

/// Sends the receiver's answer for `request` (a RESTinio request handle).
template <class Handle>
restinio::request_handling_status_t restinio_write(const response& answer, const Handle& request) {
  const auto code = restinio::http_status_code_t{static_cast<std::uint16_t>(answer.status())};
  auto out = request->create_response(
      restinio::http_status_line_t{code, restinio_reason(answer.status())});
  out.append_header(restinio::http_field::content_type, std::string(response::content_type()));
  if (!answer.allow().empty()) {
    out.append_header(restinio::http_field::allow, std::string(answer.allow()));
  }
  out.set_body(std::string(answer.body()));
  return out.done();
}

/// A request handler for the server settings: `path` (any method) goes to `receiver`, other
/// paths answer 404. The receiver must outlive the server.
/// \note It runs on RESTinio's io threads: a slow event handler delays other connections.
template <class Receiver>
auto restinio_handler(Receiver& receiver, std::string path = "/webhooks/megaport") {
  return [&receiver, path = std::move(path)](const restinio::request_handle_t& request) {
    if (request->header().path() != path) {
      return restinio_write(response(outcome::rejected, 404), request);
    }
    return restinio_write(restinio_handle(receiver, *request), request);
  };
}

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
