#pragma once

/// \file
/// Boost.Beast adapter: building blocks for a session of one's own (a header lookup, the head
/// checks that also set the parser's body limit, the handling of a read request, the answer as a
/// Beast message), and `beast_session`, a ready-made keep-alive connection that serves one path.
///
///     auto early = megaport::webhooks::adapters::beast_check_head(receiver, parser);
///     // nothing early: read the body with the same parser, then
///     auto answer = megaport::webhooks::adapters::beast_handle(receiver, parser.get());
///     auto message = megaport::webhooks::adapters::beast_response(answer, version, keep_alive);

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "../request.hpp"
#include "../response.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace adapters {

/// Beast's string view as the standard one.
inline std::string_view beast_view(boost::beast::string_view text) noexcept {
  return {text.data(), text.size()};
}

/// The standard string view as Beast's.
inline boost::beast::string_view to_beast(std::string_view text) noexcept {
  return {text.data(), text.size()};
}

/// A header lookup over Beast's fields, which compare names without case and keep repeats.
template <class Fields = boost::beast::http::fields>
class beast_headers {
 public:
  explicit beast_headers(const Fields& fields) noexcept : fields_(&fields) {}

  header_match operator()(std::string_view name) const noexcept {
    header_match match;
    const auto range = fields_->equal_range(to_beast(name));
    for (auto it = range.first; it != range.second; ++it) {
      if (match.count++ == 0) match.value = beast_view(it->value());
    }
    return match;
  }

 private:
  const Fields* fields_;
};

/// The checks that need no body, on a parser that has read the header (`async_read_header`).
/// When they pass, the parser's body limit is set to the receiver's, so that a body without a
/// declared length stops being read as soon as it is too large; read the body with the same
/// parser. An answer returned here is final: send it and close the connection.
/// \note Beast's request parser starts with a body limit of its own (1 MiB), which it checks
/// against `Content-Length` while it reads the header: lift it (to the largest `uint64_t`; Boost
/// 1.74 finds every declared length over `boost::none`) before `async_read_header`, so that a
/// declared oversized body gets the receiver's 413 rather than a closed connection.
template <class Receiver, class Body, class Allocator>
std::optional<response> beast_check_head(
    Receiver& receiver, boost::beast::http::request_parser<Body, Allocator>& parser) {
  const auto& head = parser.get();
  const beast_headers<std::decay_t<decltype(head.base())>> headers(head.base());

  std::optional<std::size_t> declared;
  if (const auto length = parser.content_length()) {
    constexpr auto most = std::numeric_limits<std::size_t>::max();
    declared = *length > most ? most : static_cast<std::size_t>(*length);
  }

  auto early = receiver.check_head(beast_view(head.method_string()), headers, declared);
  if (!early) parser.body_limit(static_cast<std::uint64_t>(receiver.options().max_body));
  return early;
}

/// The answer when reading the body failed: 413 when the parser's body limit stopped it (the
/// receiver's observers hear of it), else 400 for a body that ended early.
template <class Receiver, class Body, class Allocator>
response beast_read_failed(Receiver& receiver,
                           boost::beast::http::request_parser<Body, Allocator>& parser,
                           const boost::beast::error_code& failure) {
  if (failure == boost::beast::http::error::body_limit) {
    const auto& head = parser.get();
    const beast_headers<std::decay_t<decltype(head.base())>> headers(head.base());
    const std::size_t over = receiver.options().max_body + 1;
    if (auto early = receiver.check_head(beast_view(head.method_string()), headers, over)) {
      return *early;
    }
  }
  return response(outcome::rejected, 400, {errc::incomplete_body});
}

/// Handles a request whose body has been read, without copying the body.
template <class Receiver, class Fields>
response beast_handle(
    Receiver& receiver,
    const boost::beast::http::request<boost::beast::http::string_body, Fields>& request) {
  const beast_headers<Fields> headers(request.base());
  return receiver.handle({beast_view(request.method_string()), headers, request.body()});
}

/// The receiver's answer as a Beast message.
inline boost::beast::http::response<boost::beast::http::string_body> beast_response(
    const response& answer, unsigned version, bool keep_alive) {
  namespace http = boost::beast::http;
  http::response<http::string_body> message{static_cast<http::status>(answer.status()), version};
  message.set(http::field::content_type, to_beast(response::content_type()));
  if (!answer.allow().empty()) message.set(http::field::allow, to_beast(answer.allow()));
  message.body().assign(answer.body().data(), answer.body().size());
  message.keep_alive(keep_alive);
  message.prepare_payload();
  return message;
}

/// Settings of `beast_session`.
struct beast_session_options {
  std::string path = "/webhooks/megaport";  ///< other paths answer 404
  /// How long a connection may take to send one request (and may stay idle between requests).
  /// The sender gives up after 5 s, so waiting longer only holds a connection.
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(5);
};

/// Serves one connection: keep-alive requests to `path` go to the receiver, other paths answer
/// 404, a stalled client is dropped after the timeout. Start it with
/// `std::make_shared<beast_session<R>>(std::move(socket), receiver, options)->run()`; it keeps
/// itself alive until the connection ends.
/// \note The receiver, and so the handlers, run on the thread that runs the socket's executor:
/// give the socket a strand when several threads run the io_context, and keep handlers short.
template <class Receiver>
class beast_session : public std::enable_shared_from_this<beast_session<Receiver>> {
 public:
  beast_session(boost::asio::ip::tcp::socket socket, Receiver& receiver,
                beast_session_options options)
      : stream_(std::move(socket)), receiver_(receiver), options_(std::move(options)) {}

  /// Starts reading the first request.
  void run() { read_header(); }

 private:
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_header() {
    parser_.emplace();
    // No limit while the head is read (the receiver's is set once the head is checked). Not
    // `boost::none`: Boost 1.74 finds every declared length over it.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(options_.timeout);
    boost::beast::http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t) {
          self->on_header(failure);
        });
  }

  void on_header(const boost::beast::error_code& failure) {
    if (failure == boost::beast::http::error::body_limit) {
      return send(beast_read_failed(receiver_, *parser_, failure), false);
    }
    if (failure) return close();

    const auto target = beast_view(parser_->get().target());
    if (target.substr(0, target.find('?')) != options_.path) {
      return send(response(outcome::rejected, 404), false);
    }
    if (auto early = beast_check_head(receiver_, *parser_)) return send(*early, false);

    boost::beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t) {
          self->on_body(failure);
        });
  }

  void on_body(const boost::beast::error_code& failure) {
    if (failure == boost::beast::http::error::body_limit) {
      return send(beast_read_failed(receiver_, *parser_, failure), false);
    }
    if (failure) return close();  // timed out or cut off: nobody is left to answer

    const auto& request = parser_->get();
    send(beast_handle(receiver_, request), request.keep_alive());
  }

  void send(const response& answer, bool keep_alive) {
    message_ = beast_response(answer, parser_->get().version(), keep_alive);
    boost::beast::http::async_write(stream_, message_,
                                    [self = this->shared_from_this(), keep_alive](
                                        boost::beast::error_code failure, std::size_t) {
                                      if (failure || !keep_alive) return self->close();
                                      self->read_header();
                                    });
  }

  // Ends the sending side, then reads and drops what the client still sends until it closes
  // (for a second at most): closing at once with unread bytes would reset the connection and
  // could destroy the answer before the client reads it.
  void close() {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(
        boost::asio::buffer(scratch_),
        [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t) {
          if (failure) return self->stream_.close();
          self->drain();
        });
  }

  boost::beast::tcp_stream stream_;
  Receiver& receiver_;
  beast_session_options options_;
  boost::beast::flat_buffer buffer_;
  std::optional<parser_type> parser_;
  boost::beast::http::response<boost::beast::http::string_body> message_;
  char scratch_[4096];
};

/// Accepts connections on `acceptor` until it is closed, each served by a `beast_session` on a
/// strand of its own, so that any number of threads may run the io_context.
template <class Receiver>
void beast_accept(boost::asio::ip::tcp::acceptor& acceptor, Receiver& receiver,
                  beast_session_options options = {}) {
  auto strand = boost::asio::make_strand(acceptor.get_executor());
  acceptor.async_accept(
      strand, [&acceptor, &receiver, options](boost::beast::error_code failure,
                                              boost::asio::ip::tcp::socket socket) {
        if (failure == boost::asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!failure) {
          std::make_shared<beast_session<Receiver>>(std::move(socket), receiver, options)->run();
        }
        beast_accept(acceptor, receiver, options);
      });
}

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
