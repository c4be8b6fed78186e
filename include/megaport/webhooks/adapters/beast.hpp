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

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
/// parser. An answer returned here is final: send it and close the connection. A
/// `Transfer-Encoding` whose last coding is not `chunked` answers 400, one with another coding
/// besides `chunked` 501: Beast would read the first as a request without a body.
/// \note Beast's request parser starts with a body limit of its own (1 MiB), which it checks
/// against `Content-Length` while it reads the header: lift it (to the largest `uint64_t`; Boost
/// 1.74 finds every declared length over `boost::none`) before `async_read_header`, so that a
/// declared oversized body gets the receiver's 413 rather than a closed connection.
template <class Receiver, class Body, class Allocator>
std::optional<response> beast_check_head(
    Receiver& receiver, boost::beast::http::request_parser<Body, Allocator>& parser) {
  namespace http = boost::beast::http;
  const auto& head = parser.get();
  const beast_headers<std::decay_t<decltype(head.base())>> headers(head.base());

  // Beast reads a request whose last transfer coding is not `chunked` as one without a body,
  // which would leave that body to be read as the next request: such framing is refused.
  if (head.count(http::field::transfer_encoding) != 0) {
    const error framing{errc::malformed_header, {}, "transfer-encoding"};
    if (!parser.chunked()) return response(outcome::rejected, 400, framing);
    if (!boost::beast::iequals(head[http::field::transfer_encoding], "chunked")) {
      return response(outcome::rejected, 501, framing);  // a coding other than chunked
    }
  }

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

/// The answer to a head that Beast could not parse: 431 when it is over the parser's header
/// limit, 400 for any other malformed syntax (a NUL in a value, a bad request line...); nothing
/// when the failure is not the client's syntax (the connection ended, a timeout), since then
/// nobody is left to answer. Send the answer and close the connection.
inline std::optional<response> beast_refusal(const boost::beast::error_code& failure) {
  namespace http = boost::beast::http;
  if (!failure || failure.category() != make_error_code(http::error::bad_value).category()) {
    return std::nullopt;
  }
  if (failure == http::error::end_of_stream || failure == http::error::partial_message ||
      failure == http::error::need_more || failure == http::error::need_buffer ||
      failure == http::error::body_limit) {
    return std::nullopt;
  }
  const int status = failure == http::error::header_limit ? 431 : 400;
  return response(outcome::rejected, status, {errc::malformed_header});
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

namespace detail {

// Whether a stream speaks TLS: Beast's TLS stream, like Asio's, names the server's handshake.
template <class Stream, class = void>
struct beast_is_tls : std::false_type {};

template <class Stream>
struct beast_is_tls<Stream, std::void_t<decltype(Stream::server)>> : std::true_type {};

// Appends `number` in decimal.
inline void append_decimal(std::string& out, std::size_t number) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

// The answer as the bytes `beast_response` would serialise, written straight into `out` (whose
// capacity a session reuses): a short answer needs none of Beast's serialiser machinery.
inline void beast_reply(const response& answer, unsigned version, bool keep_alive,
                        std::string& out) {
  namespace http = boost::beast::http;
  const auto status = static_cast<http::status>(answer.status());
  out.assign(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_decimal(out, static_cast<std::size_t>(answer.status()));
  out += ' ';
  out += beast_view(http::obsolete_reason(status));
  out += "\r\nContent-Type: ";
  out += response::content_type();
  if (!answer.allow().empty()) {
    out += "\r\nAllow: ";
    out += answer.allow();
  }
  // Only what differs from the version's default, as Beast's keep_alive() writes it.
  if (version == 10 && keep_alive) out += "\r\nConnection: keep-alive";
  if (version != 10 && !keep_alive) out += "\r\nConnection: close";
  out += "\r\nContent-Length: ";
  append_decimal(out, answer.body().size());
  out += "\r\n\r\n";
  out += answer.body();
}

}  // namespace detail

/// Serves one connection: keep-alive requests to `path` go to the receiver, other paths answer
/// 404, a stalled client is dropped after the timeout. Start it with
/// `std::make_shared<beast_session<R>>(std::move(socket), receiver, options)->run()`; it keeps
/// itself alive until the connection ends.
///
/// `Stream` is `boost::beast::tcp_stream` or a TLS stream over it
/// (`boost::beast::ssl_stream<boost::beast::tcp_stream>`, from `<boost/beast/ssl.hpp>`, which
/// needs OpenSSL), whose server handshake the session makes first.
/// \note The receiver, and so the handlers, run on the thread that runs the socket's executor:
/// give the socket a strand when several threads run the io_context, and keep handlers short.
template <class Receiver, class Stream = boost::beast::tcp_stream>
class beast_session : public std::enable_shared_from_this<beast_session<Receiver, Stream>> {
 public:
  /// A session over `stream`, a connected TCP stream or a TLS stream over one.
  beast_session(Stream stream, Receiver& receiver, beast_session_options options)
      : stream_(std::move(stream)), receiver_(receiver), options_(std::move(options)) {}

  /// A session over a plain TCP connection.
  beast_session(boost::asio::ip::tcp::socket socket, Receiver& receiver,
                beast_session_options options)
      : beast_session(Stream(std::move(socket)), receiver, std::move(options)) {}

  /// Starts the TLS handshake, if any, then reads the first request.
  void run() {
    if constexpr (detail::beast_is_tls<Stream>::value) {
      idle_ = true;
      lowest().expires_after(options_.timeout);
      stream_.async_handshake(Stream::server,
                              [self = this->shared_from_this()](boost::beast::error_code failure) {
                                self->idle_ = false;
                                if (failure || self->stopping_) return self->lowest().close();
                                self->wait_request();
                              });
    } else {
      wait_request();
    }
  }

  /// Ends the session gracefully; callable from any thread. A connection waiting for a request
  /// (or in its TLS handshake) closes now; a request being read or handled is answered with
  /// `Connection: close`.
  void stop() {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (self->idle_) self->lowest().cancel();
    });
  }

 private:
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // Enough for the whole of a usual delivery: the head and body are then parsed with no more
  // reads.
  static constexpr std::size_t first_read = 4096;

  boost::beast::tcp_stream& lowest() noexcept { return boost::beast::get_lowest_layer(stream_); }

  // Waits for the first bytes of the next request, apart from reading it, so that a stop can
  // tell an idle connection (closed at once) from a request under way (answered).
  void wait_request() {
    if (buffer_.size() > 0) return read_header();  // the client sent it already
    if (stopping_) return close();

    idle_ = true;
    lowest().expires_after(options_.timeout);
    stream_.async_read_some(
        buffer_.prepare(first_read),
        [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t size) {
          self->idle_ = false;
          if (failure) return self->close();
          self->buffer_.commit(size);
          self->read_header();
        });
  }

  void read_header() {
    parser_.emplace();
    // No limit while the head is read (the receiver's is set once the head is checked). Not
    // `boost::none`: Boost 1.74 finds every declared length over it.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(options_.timeout);
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
    if (auto refused = beast_refusal(failure)) return send(*refused, false);
    if (failure) return close();

    const auto target = beast_view(parser_->get().target());
    if (target.substr(0, target.find('?')) != options_.path) {
      return send(response(outcome::rejected, 404), false);
    }
    if (auto early = beast_check_head(receiver_, *parser_)) return send(*early, false);

    // A client that asked to hear first that its body is wanted gets the interim answer now.
    const auto& head = parser_->get();
    if (head.version() >= 11 &&
        boost::beast::iequals(head[boost::beast::http::field::expect], "100-continue")) {
      static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      return boost::asio::async_write(
          stream_, boost::asio::buffer(go_on.data(), go_on.size()),
          [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t) {
            if (failure) return self->close();
            self->read_body();
          });
    }
    read_body();
  }

  void read_body() {
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
    if (auto refused = beast_refusal(failure)) return send(*refused, false);  // bad chunking
    if (failure) return close();  // timed out or cut off: nobody is left to answer

    const auto& request = parser_->get();
    send(beast_handle(receiver_, request), request.keep_alive());
  }

  void send(const response& answer, bool keep_alive) {
    keep_alive = keep_alive && !stopping_;
    // A request line that failed to parse leaves no version: answer in HTTP/1.1.
    const unsigned version = parser_->get().version() == 10 ? 10 : 11;
    detail::beast_reply(answer, version, keep_alive, reply_);
    boost::asio::async_write(stream_, boost::asio::buffer(reply_),
                             [self = this->shared_from_this(), keep_alive](
                                 boost::beast::error_code failure, std::size_t) {
                               if (failure || !keep_alive) return self->close();
                               self->wait_request();
                             });
  }

  // Ends the sending side (TLS: with its close_notify), then reads and drops what the client
  // still sends until it closes (for a second at most): closing at once with unread bytes would
  // reset the connection and could destroy the answer before the client reads it.
  void close() {
    lowest().expires_after(std::chrono::seconds(1));
    if constexpr (detail::beast_is_tls<Stream>::value) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](boost::beast::error_code) { self->lowest().close(); });
    } else {
      boost::beast::error_code ignored;
      lowest().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      drain();
    }
  }

  void drain() {
    stream_.async_read_some(
        boost::asio::buffer(scratch_),
        [self = this->shared_from_this()](boost::beast::error_code failure, std::size_t) {
          if (failure) return self->lowest().close();
          self->drain();
        });
  }

  Stream stream_;
  Receiver& receiver_;
  beast_session_options options_;
  boost::beast::flat_buffer buffer_;
  std::optional<parser_type> parser_;
  std::string reply_;
  bool idle_ = false;      // waiting for a request or in the TLS handshake: a stop closes now
  bool stopping_ = false;  // no request after the one under way
  char scratch_[4096];
};

/// How long accepting pauses after a failed accept, such as one out of file descriptors.
inline constexpr std::chrono::milliseconds accept_pause{50};

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
          return beast_accept(acceptor, receiver, options);
        }
        // Out of descriptors, say: retrying at once would only spin until some close.
        auto retry = std::make_shared<boost::asio::steady_timer>(acceptor.get_executor());
        retry->expires_after(accept_pause);
        retry->async_wait([retry, &acceptor, &receiver, options](boost::beast::error_code) {
          if (acceptor.is_open()) beast_accept(acceptor, receiver, options);
        });
      });
}

/// Accepts connections on a listening `acceptor`, each served by a `beast_session<Receiver,
/// Stream>` on a strand of its own (any number of threads may run the io_context) or on the
/// io_contexts given to `spread_over`, and stops
/// gracefully: `stop()` closes the acceptor and the idle connections, and lets each request
/// under way be answered, after which the io_context runs out of work.
///
///     beast_listener<R> listener(acceptor, receiver, options);
///     listener.start();
///     // io.run() on each thread; from any thread, listener.stop();
///
/// For TLS, give a `make_stream` that wraps the socket:
/// `[&tls](tcp::socket s) { return ssl_stream<tcp_stream>(std::move(s), tls); }`.
/// \note The listener, the acceptor and the receiver must outlive the io_context's run.
template <class Receiver, class Stream = boost::beast::tcp_stream>
class beast_listener {
 public:
  using session_type = beast_session<Receiver, Stream>;
  using stream_maker = std::function<Stream(boost::asio::ip::tcp::socket)>;

  beast_listener(boost::asio::ip::tcp::acceptor& acceptor, Receiver& receiver,
                 beast_session_options options = {}, stream_maker make_stream = plain_stream)
      : acceptor_(acceptor),
        receiver_(receiver),
        options_(std::move(options)),
        make_stream_(std::move(make_stream)),
        strand_(boost::asio::make_strand(acceptor.get_executor())),
        retry_(strand_) {}

  /// Spreads the sessions over `executors` in turn, instead of a strand each on the acceptor's
  /// io_context: give each an io_context of its own run by one thread, and the sessions need
  /// no strand. Call before `start()`.
  void spread_over(std::vector<boost::asio::any_io_executor> executors) {
    executors_ = std::move(executors);
  }

  /// Starts accepting.
  void start() {
    boost::asio::post(strand_, [this] { accept(); });
  }

  /// Stops accepting and ends every session gracefully; callable from any thread. `told`, if
  /// given, runs once the acceptor is closed and every session has been asked to stop (the time
  /// to let go of the work guards of the io_contexts in `spread_over`).
  void stop(std::function<void()> told = {}) {
    boost::asio::post(strand_, [this, told = std::move(told)] {
      stopping_ = true;
      retry_.cancel();
      boost::beast::error_code ignored;
      acceptor_.close(ignored);
      for (auto& known : sessions_) {
        if (auto session = known.lock()) session->stop();
      }
      sessions_.clear();
      if (told) told();
    });
  }

 private:
  static Stream plain_stream(boost::asio::ip::tcp::socket socket) {
    return Stream(std::move(socket));
  }

  // Runs on the listener's strand, like everything that touches the acceptor or the sessions.
  void accept() {
    acceptor_.async_accept(
        next_executor(),
        boost::asio::bind_executor(
            strand_, [this](boost::beast::error_code failure, boost::asio::ip::tcp::socket socket) {
              if (stopping_ || failure == boost::asio::error::operation_aborted) return;
              if (!failure) {
                serve(std::move(socket));
                return accept();
              }
              // Out of descriptors, say: retrying at once would only spin until some close.
              retry_.expires_after(accept_pause);
              retry_.async_wait(
                  boost::asio::bind_executor(strand_, [this](boost::beast::error_code waited) {
                    if (!waited && !stopping_) accept();
                  }));
            }));
  }

  void serve(boost::asio::ip::tcp::socket socket) {
    boost::beast::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    const auto executor = socket.get_executor();
    auto session =
        std::make_shared<session_type>(make_stream_(std::move(socket)), receiver_, options_);
    forget_ended();
    sessions_.push_back(session);
    boost::asio::post(executor, [session] { session->run(); });
  }

  boost::asio::any_io_executor next_executor() {
    if (executors_.empty()) return boost::asio::make_strand(acceptor_.get_executor());
    next_ = (next_ + 1) % executors_.size();
    return executors_[next_];
  }

  // Drops the ended sessions once they could be half the list: amortised constant per accept.
  void forget_ended() {
    if (sessions_.size() < sweep_at_) return;
    sessions_.erase(
        std::remove_if(sessions_.begin(), sessions_.end(),
                       [](const std::weak_ptr<session_type>& known) { return known.expired(); }),
        sessions_.end());
    sweep_at_ = std::max<std::size_t>(64, 2 * sessions_.size());
  }

  boost::asio::ip::tcp::acceptor& acceptor_;
  Receiver& receiver_;
  beast_session_options options_;
  stream_maker make_stream_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer retry_;  // paces accepting again after a failed accept
  std::vector<boost::asio::any_io_executor> executors_;
  std::size_t next_ = 0;
  std::vector<std::weak_ptr<session_type>> sessions_;
  std::size_t sweep_at_ = 64;
  bool stopping_ = false;
};

}  // namespace adapters
MEGAPORT_WEBHOOKS_NAMESPACE_END
