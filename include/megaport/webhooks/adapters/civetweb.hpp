#pragma once

/// \file
/// CivetWeb adapter: serves a receiver from a CivetWeb request handler (the C API). The head
/// checks run on the request line and headers, before any of the body is read.
///
///     megaport::webhooks::adapters::civetweb_route(context, "/webhooks/megaport", receiver);

#include <civetweb.h>

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "../request.hpp"
#include "../response.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace adapters {

/// A header lookup over CivetWeb's header array, which keeps repeated headers.
class civetweb_headers {
 public:
  explicit civetweb_headers(const mg_request_info& info) noexcept : info_(&info) {}

  header_match operator()(std::string_view name) const noexcept {
    header_match match;
    for (int i = 0; i < info_->num_headers; ++i) {
      const mg_header& field = info_->http_headers[i];
      if (field.name == nullptr || !detail::iequals(field.name, name)) continue;
      if (match.count++ == 0) match.value = field.value ? field.value : "";
    }
    return match;
  }

 private:
  const mg_request_info* info_;
};

/// Sends the receiver's answer on `connection` and returns its status, as CivetWeb request
/// handlers do.
inline int civetweb_write(mg_connection* connection, const response& answer) noexcept {
  const std::string_view type = response::content_type();
  const std::string_view allow = answer.allow();
  const std::string_view body = answer.body();
  char length[24];
  std::snprintf(length, sizeof length, "%zu", body.size());

  mg_response_header_start(connection, answer.status());
  mg_response_header_add(connection, "Content-Type", type.data(), static_cast<int>(type.size()));
  if (!allow.empty()) {
    mg_response_header_add(connection, "Allow", allow.data(), static_cast<int>(allow.size()));
  }
  mg_response_header_add(connection, "Content-Length", length, -1);
  mg_response_header_send(connection);
  mg_write(connection, body.data(), body.size());
  return answer.status();
}

/// Handles one request from a CivetWeb request handler: head checks first, then the body is read
/// up to one byte past the receiver's limit (enough for it to answer 413), then the delivery is
/// handled. Returns the status sent.
template <class Receiver>
int civetweb_handle(Receiver& receiver, mg_connection* connection) {
  const mg_request_info& info = *mg_get_request_info(connection);
  const civetweb_headers headers(info);
  const std::string_view method = info.request_method ? info.request_method : "";

  std::optional<std::size_t> declared;
  if (info.content_length >= 0) declared = static_cast<std::size_t>(info.content_length);
  if (auto early = receiver.check_head(method, headers, declared)) {
    return civetweb_write(connection, *early);
  }

  // One buffer per worker thread: its capacity is kept from one delivery to the next.
  static thread_local std::string body;
  body.clear();
  const std::size_t limit = receiver.options().max_body;
  int got = 1;
  while (got > 0 && body.size() <= limit) {
    const std::size_t before = body.size();
    const std::size_t want = limit + 1 - before < 16384 ? limit + 1 - before : 16384;
    body.resize(before + want);
    got = mg_read(connection, &body[before], want);
    body.resize(before + (got > 0 ? static_cast<std::size_t>(got) : 0));
  }

  // mg_read answers 0 at the end of the body and also when the client went away early.
  const bool cut = got < 0 || (declared && body.size() < *declared);
  if (cut && body.size() <= limit) {
    return civetweb_write(connection, response(outcome::rejected, 400, {errc::incomplete_body}));
  }
  return civetweb_write(connection, receiver.handle({method, headers, body}));
}

/// Routes requests for exactly `path` (any method) to `receiver`; other paths are left to
/// CivetWeb (404 without a document root).
/// \note Set CivetWeb's `request_timeout_ms` (5000 matches the sender's patience): a stalled
/// client holds one worker thread until then.
template <class Receiver>
void civetweb_route(mg_context* context, const std::string& path, Receiver& receiver) {
  mg_set_request_handler(
      context, (path + "$").c_str(),
      [](mg_connection* connection, void* data) {
        return civetweb_handle(*static_cast<Receiver*>(data), connection);
      },
      &receiver);
}

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
