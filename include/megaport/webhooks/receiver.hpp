#pragma once

/// \file
/// The receiver: from a request view to the answer the sender's retry logic needs, through the
/// pipeline method, content type, size, headers, freshness, signature, body, claim, handler,
/// commit or release. Cheap checks come first, and nothing is claimed for a delivery that is
/// then rejected.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "dedupe_store.hpp"
#include "event_set.hpp"
#include "freshness.hpp"
#include "headers.hpp"
#include "inbox.hpp"
#include "parser.hpp"
#include "request.hpp"
#include "response.hpp"
#include "signature_policy.hpp"

#ifndef MEGAPORT_WEBHOOKS_DEFAULT_MAX_BODY
/// Largest body accepted unless the receiver is told otherwise; the user's value wins.
#define MEGAPORT_WEBHOOKS_DEFAULT_MAX_BODY (1024 * 1024)
#endif

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A delivery as its handler sees it: the parsed event plus the attempt's id and time.
///
/// \note Zero-copy: every view points into the request body or the receiver's parser, valid
/// while the handler runs. To hand a delivery to another thread, copy what it needs (or the raw
/// body, id and timestamp, and parse it there).
template <class Set = default_event_set>
struct delivery : event<Set> {
  std::string_view id;        ///< `webhook-id`, canonical (lowercase for UUIDs)
  std::int64_t sent_at = 0;   ///< `webhook-timestamp`: when this attempt was sent, unix seconds
  std::string_view body;      ///< the raw body bytes
  std::uint32_t attempt = 1;  ///< 1 when handled as it arrives; from an inbox, its attempt count
};

/// What the receiver tells its observers about each request it answered.
/// \note The views are valid during the observer call only: copy what you keep.
struct report {
  webhooks::outcome outcome = webhooks::outcome::rejected;
  int status = 0;
  error reason;           ///< why, for anything but a clean success
  std::string_view id;    ///< canonical `webhook-id`, empty if it was not valid
  std::string_view type;  ///< the event code, empty if the body was not read
  std::string_view kind;  ///< the payload kind, empty if the body was not read
  std::size_t body_size = 0;
  std::chrono::nanoseconds elapsed{0};  ///< time spent in the receiver, handler included
};

/// Settings that are plain values.
struct receiver_options {
  std::size_t max_body = MEGAPORT_WEBHOOKS_DEFAULT_MAX_BODY;  ///< larger bodies answer 413
  id_format ids = id_format::uuid;                            ///< what `webhook-id` may be
};

/// The result of a handler: success, or the failure that makes the answer 500 and releases the
/// claim so that the sender's retry can succeed. Handlers may also return `void` (success),
/// `bool` (false is failure) or `std::error_code` (non-zero is failure), or throw.
using handler_result = std::error_code;

/// Turns requests into answers. `Set` is the event set, `Freshness` a freshness policy
/// (`tolerance_window`, `any_time`), `Signature` a signature policy (`no_signature`, ...).
///
/// `handle` is thread-safe once set-up (`on`, `on_unknown`, `observe`, `events().bind`) is done.
/// \note Each thread parses into a parser of its own; a handler must not call `handle` of any
/// receiver on its own thread while it still reads its delivery.
template <class Set = default_event_set, class Freshness = tolerance_window,
          class Signature = no_signature>
class receiver {
 public:
  using delivery_type = delivery<Set>;
  using observer = std::function<void(const report&)>;

  /// A receiver that handles each delivery as it arrives, deduped by `store`.
  explicit receiver(dedupe_store& store, receiver_options options = {},
                    Freshness freshness = Freshness(), Signature signature = Signature(),
                    Set events = Set())
      : store_(&store),
        options_(options),
        freshness_(std::move(freshness)),
        signature_(std::move(signature)),
        events_(std::move(events)) {}

  /// A receiver that stores each valid delivery in `store` and answers 202 at once;
  /// `inbox_workers` process them later with this receiver's handlers. The inbox is the dedupe
  /// store too: an id it holds answers 200 `duplicate`.
  explicit receiver(inbox& store, receiver_options options = {}, Freshness freshness = Freshness(),
                    Signature signature = Signature(), Set events = Set())
      : inbox_(&store),
        options_(options),
        freshness_(std::move(freshness)),
        signature_(std::move(signature)),
        events_(std::move(events)) {}

  /// Handles events of payload type `Payload`: `f(const delivery_type&, const Payload&)`.
  template <class Payload, class F>
  receiver& on(F&& handler) {
    constexpr std::size_t index = Set::template index_of_type<Payload>();
    static_assert(index <= Set::size, "the payload type is not in the receiver's event set");
    handlers_[index] = [f = std::forward<F>(handler)](const delivery_type& d) -> handler_result {
      return call(f, d, std::get<index>(d.payload));
    };
    return *this;
  }

  /// Handles events of no known type: `f(const delivery_type&, const unknown_payload&)`.
  /// Without one, such events are acknowledged as `ignored`.
  template <class F>
  receiver& on_unknown(F&& handler) {
    return on<unknown_payload>(std::forward<F>(handler));
  }

  /// Processes a stored delivery with the handlers: parse, dispatch, nothing else (no claim,
  /// no freshness check: it was checked when it arrived). Returns the handler's failure, or a
  /// parse error, or nothing on success. For `inbox_workers`.
  [[nodiscard]] error process(std::string_view id, std::int64_t sent_at, std::string_view body,
                              std::uint32_t attempt) noexcept {
    auto parsed = thread_parser().parse(events_, body);
    if (!parsed) return parsed.failure();

    delivery_type d;
    static_cast<event<Set>&>(d) = std::move(*parsed);
    d.id = id;
    d.sent_at = sent_at;
    d.body = body;
    d.attempt = attempt;

    const auto& handler = handlers_[d.payload.index()];
    if (!handler || !guarded(handler, d)) return {};
    return {errc::handler_failed};
  }

  /// Adds an observer, told of every answer. Observers must not throw.
  receiver& observe(observer watch) {
    observers_.push_back(std::move(watch));
    return *this;
  }

  /// The event set, for binding codes during set-up.
  Set& events() noexcept { return events_; }
  const receiver_options& options() const noexcept { return options_; }

  /// The checks that need no body: method, content type, declared length and framing (a
  /// `Transfer-Encoding` beside a `Content-Length`, or naming a coding other than `chunked`,
  /// answers 400 or 501, whatever the server made of it). Adapters call it
  /// before reading the body, where their server allows, and send the answer it returns, if
  /// any; observers hear of it. `handle` repeats these checks in any case.
  [[nodiscard]] std::optional<response> check_head(std::string_view method,
                                                   const header_lookup& headers,
                                                   std::optional<std::size_t> content_length) {
    const auto started = std::chrono::steady_clock::now();
    auto early = head_error(method, headers, content_length);
    if (early) {
      report note;
      notify(note, *early, started);
    }
    return early;
  }

  /// Handles one request, start to finish, and says what to answer.
  [[nodiscard]] response handle(const request_view& request) noexcept {
    // The clock is read only for observers, which are the only ones to see the time spent.
    const auto started = observers_.empty() ? std::chrono::steady_clock::time_point()
                                            : std::chrono::steady_clock::now();
    report note;
    note.body_size = request.body.size();
    delivery_id id;  // outlives `run`, since the report refers to it
    response answer = run(request, id, note);
    notify(note, answer, started);
    return answer;
  }

 private:
  std::optional<response> head_error(std::string_view method, const header_lookup& headers,
                                     std::optional<std::size_t> content_length) const noexcept {
    if (method != "POST") return response(outcome::rejected, 405, {errc::method_not_allowed});

    const header_match type = headers("content-type");
    if (type.count != 1 || !is_json_media_type(type.value)) {
      return response(outcome::rejected, 415, {errc::unsupported_media_type});
    }
    if (content_length && *content_length > options_.max_body) {
      return response(outcome::rejected, 413, {errc::body_too_large});
    }

    // Framing the server should have refused: a body framed two ways, or in a coding other
    // than chunked, is read differently by different servers and may hide a second request.
    const header_match coding = headers("transfer-encoding");
    if (coding.count != 0) {
      const error framing{errc::malformed_header, {}, "transfer-encoding"};
      if (coding.count > 1 || headers("content-length").count != 0) {
        return response(outcome::rejected, 400, framing);
      }
      if (!detail::iequals(detail::trim(coding.value), "chunked")) {
        return response(outcome::rejected, 501, framing);
      }
    }
    return std::nullopt;
  }

  void notify(report& note, const response& answer,
              std::chrono::steady_clock::time_point started) const noexcept {
    if (observers_.empty()) return;
    note.outcome = answer.outcome();
    note.status = answer.status();
    note.reason = answer.reason();
    note.elapsed = std::chrono::steady_clock::now() - started;
    for (const auto& watch : observers_)
      watch(note);
  }

  response run(const request_view& request, delivery_id& id, report& note) noexcept {
    if (auto early = head_error(request.method, request.headers, request.body.size())) {
      return *early;
    }

    const header_match id_header = request.headers("webhook-id");
    const header_match ts_header = request.headers("webhook-timestamp");
    if (error e = check_single(id_header, "webhook-id")) return reject(e);
    if (error e = check_single(ts_header, "webhook-timestamp")) return reject(e);

    if (error e = id.assign(detail::trim(id_header.value), options_.ids)) return reject(e);
    note.id = id.view();

    auto sent_at = parse_unix_seconds(detail::trim(ts_header.value));
    if (!sent_at) return reject(sent_at.failure());
    if (error e = freshness_.check(*sent_at)) return reject(e);

    if constexpr (!std::is_same_v<Signature, no_signature>) {
      if (error e = signature_.verify(id_header.value, ts_header.value, request.body,
                                      request.headers("webhook-signature"))) {
        if (e.code == errc::missing_signature || e.code == errc::invalid_signature) {
          return response(outcome::rejected, 401, e);
        }
      }
    }

    auto parsed = thread_parser().parse(events_, request.body);
    if (!parsed) return reject(parsed.failure());

    delivery_type d;
    static_cast<event<Set>&>(d) = std::move(*parsed);
    d.id = note.id;
    d.sent_at = *sent_at;
    d.body = request.body;
    note.type = d.type;
    note.kind = d.kind();

    return dispatch(d);
  }

  response dispatch(const delivery_type& d) noexcept {
    if (inbox_) {
      auto stored = inbox_->put(d.id, d.sent_at, d.body);
      if (!stored) return response(outcome::failed, 503, stored.failure());
      return *stored == put_status::accepted ? response(outcome::accepted, 202)
                                             : response(outcome::duplicate, 200);
    }

    auto claimed = store_->claim(d.id);
    if (!claimed) return response(outcome::failed, 503, claimed.failure());
    switch (claimed->status) {
      case claim_status::done: return response(outcome::duplicate, 200);
      case claim_status::busy: return response(outcome::busy, 409, {errc::busy});
      case claim_status::claimed: break;
    }

    const auto& handler = handlers_[d.payload.index()];
    const bool handled = static_cast<bool>(handler);
    const handler_result failure = handled ? guarded(handler, d) : handler_result{};

    if (failure) {
      (void)store_->release(d.id, claimed->token);  // a lost release only waits for the lease
      return response(outcome::failed, 500, {errc::handler_failed});
    }

    // The event was processed: a 2xx is right even if the commit fails, since a retry would
    // process it again. The observer hears of the failed commit.
    const error committed = store_->commit(d.id, claimed->token);
    return response(handled ? outcome::processed : outcome::ignored, 200, committed);
  }

  // One parser per thread, shared by every receiver on it.
  static delivery_parser& thread_parser() noexcept {
    static thread_local delivery_parser parser;
    return parser;
  }

  static handler_result guarded(const std::function<handler_result(const delivery_type&)>& f,
                                const delivery_type& d) noexcept {
#if MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS
    try {
      return f(d);
    } catch (...) {
      return make_error_code(errc::handler_failed);
    }
#else
    return f(d);
#endif
  }

  template <class F, class Payload>
  static handler_result call(F& f, const delivery_type& d, const Payload& payload) {
    using returned = std::invoke_result_t<F&, const delivery_type&, const Payload&>;
    if constexpr (std::is_void_v<returned>) {
      f(d, payload);
      return {};
    } else if constexpr (std::is_same_v<returned, bool>) {
      return f(d, payload) ? handler_result{} : make_error_code(errc::handler_failed);
    } else {
      return handler_result(f(d, payload));
    }
  }

  static error check_single(const header_match& header, std::string_view name) noexcept {
    if (header.count == 0) return {errc::missing_header, {}, name};
    if (header.count > 1) return {errc::repeated_header, {}, name};
    return {};
  }

  static response reject(const error& e) noexcept {
    return response(outcome::rejected, status_for(e.code), e);
  }

  dedupe_store* store_ = nullptr;  // exactly one of these two is set
  inbox* inbox_ = nullptr;
  receiver_options options_;
  Freshness freshness_;
  Signature signature_;
  Set events_;
  std::array<std::function<handler_result(const delivery_type&)>, Set::size + 1> handlers_;
  std::vector<observer> observers_;
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
