#pragma once

/// \file
/// cpp-httplib adapter: serves a receiver on an `httplib::Server` (or `SSLServer`) route.
/// Include `<httplib.h>` first, with whatever options the program builds it with.
///
///     megaport::webhooks::adapters::httplib_route(server, "/webhooks/megaport", receiver);

#include <httplib.h>

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "../request.hpp"
#include "../response.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace adapters {

/// A header lookup over httplib's headers, names compared without case.
class httplib_headers {
 public:
  explicit httplib_headers(const httplib::Headers& headers) noexcept : headers_(&headers) {}

  header_match operator()(std::string_view name) const noexcept {
    // A scan of the few headers a request has, rather than `equal_range`, whose key would be a
    // std::string built (and, past 15 characters, allocated) for every look-up.
    header_match match;
    for (const auto& header : *headers_) {
      if (!detail::iequals(header.first, name)) continue;
      if (match.count++ == 0) match.value = header.second;
    }
    return match;
  }

 private:
  const httplib::Headers* headers_;
};

/// Copies the receiver's answer into httplib's response.
inline void write_response(const response& answer, httplib::Response& out) {
  out.status = answer.status();
  if (!answer.allow().empty()) out.set_header("Allow", std::string(answer.allow()));
  out.set_content(answer.body().data(), answer.body().size(),
                  std::string(response::content_type()).c_str());
}

/// Handles one request whose body httplib has not read yet: head checks first, then the body is
/// read up to the receiver's limit, then the whole delivery is handled.
template <class Receiver>
void handle(Receiver& receiver, const httplib::Request& request, httplib::Response& out,
            const httplib::ContentReader& read_body) {
  const httplib_headers headers(request.headers);
  std::optional<std::size_t> declared;
  const header_match length = headers("Content-Length");
  std::size_t value = 0;
  const char* end = length.value.data() + length.value.size();
  if (length.count == 1 && std::from_chars(length.value.data(), end, value).ptr == end) {
    declared = value;
  }
  if (auto early = receiver.check_head(request.method, headers, declared)) {
    write_response(*early, out);
    return;
  }

  // One buffer per thread: its capacity is kept from one delivery to the next. Reading stops
  // one byte past the limit, which is enough for the receiver to answer 413.
  static thread_local std::string body;
  body.clear();
  const std::size_t limit = receiver.options().max_body;
  const bool complete = read_body([&](const char* data, std::size_t size) {
    const std::size_t room = limit + 1 - body.size();
    body.append(data, size < room ? size : room);
    return body.size() <= limit;
  });
  if (!complete && body.size() <= limit) {
    write_response(response(outcome::rejected, 400, {errc::incomplete_body}), out);
    return;
  }

  write_response(receiver.handle({request.method, headers, body}), out);
}

/// Routes every method on `path` to `receiver` (methods other than POST answer 405).
/// \note Give the server a payload limit above the receiver's (`set_payload_max_length(
/// max_body + 1)` or more), so that the receiver, not httplib, answers oversized bodies.
template <class Server, class Receiver>
void httplib_route(Server& server, const std::string& path, Receiver& receiver) {
  server.Post(path, [&receiver](const httplib::Request& request, httplib::Response& out,
                                const httplib::ContentReader& read_body) {
    handle(receiver, request, out, read_body);
  });

  auto other = [&receiver](const httplib::Request& request, httplib::Response& out) {
    const httplib_headers headers(request.headers);
    write_response(receiver.handle({request.method, headers, request.body}), out);
  };
  server.Get(path, other);
  server.Put(path, other);
  server.Patch(path, other);
  server.Delete(path, other);
  server.Options(path, other);
}

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
