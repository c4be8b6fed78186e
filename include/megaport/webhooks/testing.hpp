#pragma once

/// \file
/// A test kit for users' own tests: builds valid deliveries (headers and body) for any event,
/// with overrides for the id, the timestamp and any field, and hands them to a receiver as a
/// `request_view`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clock.hpp"
#include "request.hpp"
#include "uuid.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace testing {

/// A random version-4 UUID in canonical text.
inline std::string random_uuid() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  uuid id;
  for (std::size_t i = 0; i < 16; i += 8) {
    const std::uint64_t bits = engine();
    for (std::size_t j = 0; j < 8; ++j)
      id.bytes[i + j] = static_cast<std::uint8_t>(bits >> 8 * j);
  }
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x40);
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return std::string(id.text().view());
}

/// A JSON string literal for `text`, quotes included.
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A complete HTTP request: method, headers and body, owning its bytes.
struct test_request {
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// Sets a header, replacing every earlier one of the same name (any case).
  test_request& set_header(std::string_view name, std::string_view value) {
    remove_header(name);
    headers.emplace_back(std::string(name), std::string(value));
    return *this;
  }

  /// Adds a header, keeping earlier ones of the same name.
  test_request& add_header(std::string_view name, std::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
    return *this;
  }

  test_request& remove_header(std::string_view name) {
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& h : headers) {
      if (!detail::iequals(h.first, name)) kept.push_back(std::move(h));
    }
    headers = std::move(kept);
    return *this;
  }

  /// The first value of header `name`, or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& h : headers) {
      if (detail::iequals(h.first, name)) return h.second;
    }
    return {};
  }

  /// A view for `receiver::handle`, valid while this request is alive and unchanged.
  request_view view() const noexcept { return {method, lookup_, body}; }

 private:
  struct finder {
    const test_request* self;
    header_match operator()(std::string_view name) const noexcept {
      header_match match;
      for (const auto& h : self->headers) {
        if (!detail::iequals(h.first, name)) continue;
        if (match.count++ == 0) match.value = h.second;
      }
      return match;
    }
  };

  finder find_{this};
  header_lookup lookup_{find_};

 public:
  test_request() = default;
  test_request(const test_request& other)
      : method(other.method), headers(other.headers), body(other.body) {}
  test_request& operator=(const test_request& other) {
    method = other.method;
    headers = other.headers;
    body = other.body;
    return *this;
  }
};

/// Builds deliveries. Fields are kept as raw JSON text in order, so any value, valid or not,
/// can be put anywhere:
///
///     auto request = delivery_builder::login_failure().data_field("attempts", "7").build();
class delivery_builder {
 public:
  /// An event of type `code` with an empty `data` object and fresh id and timestamp.
  explicit delivery_builder(std::string_view code)
      : id_(random_uuid()),
        envelope_{{"type", json_string(code)},
                  {"schema_version", json_string("1")},
                  {"timestamp", json_string("2026-01-15T10:30:00Z")},
                  {"company_uid", json_string("8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b")}} {}

  /// The provider's sample login failure (`security.login.failed`).
  static delivery_builder login_failure() {
    delivery_builder b("security.login.failed");
    b.data_field("person_uid", json_string("34ee661a-18f0-4c30-8a73-e2d7e0ab641d"))
        .data_field("email", json_string("user@example.com"))
        .data_field("attempts", "5")
        .data_field("account_locked", "true");
    return b;
  }

  /// The provider's sample user registration (`user.registered`).
  static delivery_builder user_registration() {
    delivery_builder b("user.registered");
    b.data_field("person_uid", json_string("34ee661a-18f0-4c30-8a73-e2d7e0ab641d"))
        .data_field("position", json_string("Company Admin"))
        .data_field("email", json_string("user@example.com"))
        .data_field("first_name", json_string("John"))
        .data_field("last_name", json_string("Smith"));
    return b;
  }

  /// The provider's sample password reset request (`security.password_reset.requested`).
  static delivery_builder password_reset_request() {
    delivery_builder b("security.password_reset.requested");
    b.data_field("person_uid", json_string("34ee661a-18f0-4c30-8a73-e2d7e0ab641d"))
        .data_field("email", json_string("user@example.com"));
    return b;
  }

  delivery_builder& id(std::string_view value) {
    id_ = std::string(value);
    return *this;
  }

  /// Sets `webhook-timestamp` to this text exactly (any text, for hostile tests).
  delivery_builder& timestamp_header(std::string_view value) {
    timestamp_ = std::string(value);
    return *this;
  }

  /// Sets `webhook-timestamp` to `when` in unix seconds.
  delivery_builder& sent_at(time_point when) {
    using namespace std::chrono;
    return timestamp_header(
        std::to_string(duration_cast<seconds>(when.time_since_epoch()).count()));
  }

  /// Sets (or adds) an envelope field to raw JSON `value`.
  delivery_builder& field(std::string_view name, std::string_view value) {
    put(envelope_, name, value);
    return *this;
  }

  /// Sets (or adds) a `data` field to raw JSON `value`.
  delivery_builder& data_field(std::string_view name, std::string_view value) {
    put(data_, name, value);
    return *this;
  }

  delivery_builder& remove_field(std::string_view name) {
    erase(envelope_, name);
    return *this;
  }

  delivery_builder& remove_data_field(std::string_view name) {
    erase(data_, name);
    return *this;
  }

  /// Replaces the whole `data` value with raw JSON.
  delivery_builder& data(std::string_view raw) {
    raw_data_ = std::string(raw);
    return *this;
  }

  /// The body alone.
  std::string body() const {
    std::string out = "{";
    for (const auto& f : envelope_)
      out += json_string(f.first) + ":" + f.second + ",";
    out += "\"data\":";
    if (!raw_data_.empty()) {
      out += raw_data_;
    } else {
      out += "{";
      for (const auto& f : data_)
        out += json_string(f.first) + ":" + f.second + ",";
      if (!data_.empty()) out.pop_back();
      out += "}";
    }
    return out + "}";
  }

  /// The whole request. Without `sent_at` or `timestamp_header`, the timestamp is `now`.
  test_request build(time_point now = std::chrono::system_clock::now()) const {
    using namespace std::chrono;
    test_request request;
    request.set_header("Content-Type", "application/json");
    request.set_header("webhook-id", id_);
    request.set_header(
        "webhook-timestamp",
        timestamp_ ? *timestamp_
                   : std::to_string(duration_cast<seconds>(now.time_since_epoch()).count()));
    request.body = body();
    return request;
  }

 private:
  using fields = std::vector<std::pair<std::string, std::string>>;

  static void put(fields& list, std::string_view name, std::string_view value) {
    for (auto& f : list) {
      if (f.first == name) {
        f.second = std::string(value);
        return;
      }
    }
    list.emplace_back(std::string(name), std::string(value));
  }

  static void erase(fields& list, std::string_view name) {
    fields kept;
    for (auto& f : list) {
      if (f.first != name) kept.push_back(std::move(f));
    }
    list = std::move(kept);
  }

  std::string id_;
  std::optional<std::string> timestamp_;
  fields envelope_;
  fields data_;
  std::string raw_data_;
};

}  // namespace testing
MEGAPORT_WEBHOOKS_NAMESPACE_END
