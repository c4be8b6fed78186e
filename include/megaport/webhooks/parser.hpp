#pragma once

/// \file
/// `delivery_parser`: a delivery body to an `event`, with the whole body validated.

#include <simdjson.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include "detail/json.hpp"
#include "event_set.hpp"
#include "result.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// Parses delivery bodies. One parser serves one thread; reuse it, since it keeps its buffers.
///
/// The whole body is checked, not just the fields read: malformed JSON anywhere, invalid UTF-8,
/// content after the object, a second top-level value and nesting deeper than
/// `MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH` are errors. Fields may come in any order; unknown fields
/// anywhere are ignored; a known field twice is an error.
///
/// \note The event's strings point into this parser, and `data` into the body passed in: both
/// stay valid until the next `parse` call or until the body is freed.
class delivery_parser {
 public:
  delivery_parser() = default;
  delivery_parser(const delivery_parser&) = delete;
  delivery_parser& operator=(const delivery_parser&) = delete;
  delivery_parser(delivery_parser&&) = default;
  delivery_parser& operator=(delivery_parser&&) = default;

  /// Parses `body` as an event of `set`.
  template <class Set>
  [[nodiscard]] result<event<Set>> parse(const Set& set, std::string_view body) noexcept {
    if (!reserve(body.size())) return error{errc::body_too_large};
    if (!body.empty()) std::memcpy(buffer_.get(), body.data(), body.size());
    std::memset(buffer_.get() + body.size(), ' ', simdjson::SIMDJSON_PADDING);
    // Most bodies have no escape at all; then no key or string needs decoding to be checked.
    escapes_ = !body.empty() && std::memchr(body.data(), '\\', body.size()) != nullptr;

    event<Set> out;
    if (error e = parse_into(set, body, out)) return e;
    return out;
  }

  /// Parses with the provider's documented payloads bound to their default codes.
  [[nodiscard]] result<event<>> parse(std::string_view body) noexcept {
    static const default_event_set set;
    return parse(set, body);
  }

 private:
  enum field_bit : unsigned {
    type_bit = 1,
    schema_version_bit = 2,
    timestamp_bit = 4,
    company_uid_bit = 8,
    data_bit = 16,
  };

  bool reserve(std::size_t size) noexcept {
    const std::size_t needed = size + simdjson::SIMDJSON_PADDING;
    if (needed <= capacity_) return true;
    buffer_.reset(new (std::nothrow) char[needed]);
    capacity_ = buffer_ ? needed : 0;
    return buffer_ != nullptr;
  }

  template <class Set>
  error parse_into(const Set& set, std::string_view body, event<Set>& out) noexcept {
    namespace od = simdjson::ondemand;

    od::document doc;
    if (auto code = json_.iterate(buffer_.get(), body.size(), capacity_).get(doc)) {
      return {detail::from_simdjson(code)};
    }

    // `data` can only be read once `type` is known. When it comes first, a second pass reads
    // every field again: a rewind reuses the string buffer, so the first pass's views die.
    error failure;
    bool data_deferred = false;
    if (!read_root(set, doc, body, out, nullptr, data_deferred, failure)) return failure;
    if (!data_deferred) return {};

    // `type` is looked up now, while the first pass's view of it is still alive.
    const std::size_t index = set.index_of(out.type);
    doc.rewind();
    if (!read_root(set, doc, body, out, &index, data_deferred, failure)) return failure;
    return {};
  }

  // Reads the envelope; false with the details in `failure` when the body is refused.
  template <class Set>
  bool read_root(const Set& set, simdjson::ondemand::document& doc, std::string_view body,
                 event<Set>& out, const std::size_t* known_index, bool& data_deferred,
                 error& failure) noexcept {
    namespace od = simdjson::ondemand;

    od::object root;
    if (auto code = doc.get_object().get(root)) return fail_root(doc, code, failure);

    detail::field_reader reader{doc, 1, failure, escapes_};
    unsigned seen = 0;

    for (auto item : root) {
      if (auto code = item.error()) return reader.fail(detail::malformed(code));
      od::field& field = item.value_unsafe();
      const detail::raw_key raw{field.key().raw()};
      unsigned bit = bit_of(raw);
      if (bit == 0 && escapes_) {
        // Not a plain envelope name: check its escapes, and match it again if it had any.
        std::string_view key;
        if (auto code = detail::key_of(field, key)) return reader.fail(detail::malformed(code));
        if (key.data() != raw.raw) bit = bit_of(key);
      }
      od::value& value = field.value();

      if (bit != 0 && (seen & bit)) {
        return reader.fail(error{errc::duplicate_field, {}, name_of(bit)});
      }
      seen |= bit;

      bool ok = true;
      switch (bit) {
        case type_bit: ok = reader.read(value, out.type); break;
        case schema_version_bit: ok = reader.read(value, out.schema_version); break;
        case timestamp_bit: ok = reader.read(value, out.timestamp); break;
        case company_uid_bit: ok = reader.read(value, out.company_uid); break;
        case data_bit:
          if (!known_index && !(seen & type_bit)) {
            data_deferred = true;
            continue;
          }
          ok = read_data(reader, value, out, body,
                         known_index ? *known_index : set.index_of(out.type));
          break;
        default:
          // Read on the first pass; the second has nothing to learn from unknown fields.
          if (!known_index) ok = reader.check(value, 2);
      }
      if (!ok) {
        // Errors inside `data` name their own scope; the envelope's fields name themselves.
        if (failure.scope.empty() && failure.subject.empty() && bit != 0) {
          failure.subject = name_of(bit);
        }
        return false;
      }
    }

    if (!detail::at_end(doc)) return reader.fail(error{errc::trailing_content});
    for (unsigned bit = type_bit; bit <= data_bit; bit <<= 1) {
      if (!(seen & bit)) return reader.fail(error{errc::missing_field, {}, name_of(bit)});
    }
    return true;
  }

  // The error for a body whose top-level value is not an object.
  MEGAPORT_WEBHOOKS_COLD static bool fail_root(simdjson::ondemand::document& doc,
                                               simdjson::error_code code, error& failure) noexcept {
    if (code != simdjson::INCORRECT_TYPE) {
      failure = error{detail::from_simdjson(code)};
      return false;
    }
    simdjson::ondemand::json_type type{};
    failure = error::mismatch("an object",
                              doc.type().get(type) ? json_kind::none : detail::kind_of(type));
    failure.code = errc::not_an_object;
    return false;
  }

  // Reads `data` into the payload type at variant `index` (0: unknown), keeping its text too.
  template <class Set>
  bool read_data(detail::field_reader& reader, simdjson::ondemand::value& value, event<Set>& out,
                 std::string_view body, std::size_t index) noexcept {
    const std::string_view first = value.raw_json_token();

    const bool ok =
        index == 0 ? read_unknown(reader, value)
                   : dispatch(reader, value, out, index, std::make_index_sequence<Set::size>{});
    if (!ok) return false;

    const std::string_view text = detail::span_to(first.data(), reader.doc);
    if (text.empty()) return reader.fail(error{errc::invalid_json});
    // The text was found in the padded copy; hand out the same bytes of the caller's body.
    const auto offset = static_cast<std::size_t>(text.data() - buffer_.get());
    out.data.text = std::string_view(body.data() + offset, text.size());
    if (index == 0) out.payload.template emplace<0>().data = out.data;
    return true;
  }

  static bool read_unknown(detail::field_reader& reader,
                           simdjson::ondemand::value& value) noexcept {
    simdjson::ondemand::json_type type{};
    if (auto code = value.type().get(type)) return reader.fail(error{detail::from_simdjson(code)});
    if (type != simdjson::ondemand::json_type::object) {
      error e = error::mismatch("an object", detail::kind_of(type));
      e.code = errc::not_an_object;
      e.subject = "data";
      return reader.fail(e);
    }
    return reader.check(value, 2);
  }

  template <class Set, std::size_t... I>
  static bool dispatch(detail::field_reader& reader, simdjson::ondemand::value& value,
                       event<Set>& out, std::size_t index, std::index_sequence<I...>) noexcept {
    bool ok = false;
    static_cast<void>(((index == I + 1 ? (ok = reader.read_payload(
                                              value, out.payload.template emplace<I + 1>(), "data"),
                                          true)
                                       : false) ||
                       ...));
    return ok;
  }

  template <class Key>
  static unsigned bit_of(const Key& key) noexcept {
    if (key == "type") return type_bit;
    if (key == "schema_version") return schema_version_bit;
    if (key == "timestamp") return timestamp_bit;
    if (key == "company_uid") return company_uid_bit;
    if (key == "data") return data_bit;
    return 0;
  }

  static std::string_view name_of(unsigned bit) noexcept {
    switch (bit) {
      case type_bit: return "type";
      case schema_version_bit: return "schema_version";
      case timestamp_bit: return "timestamp";
      case company_uid_bit: return "company_uid";
      case data_bit: return "data";
    }
    return {};
  }

  simdjson::ondemand::parser json_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  bool escapes_ = true;  // whether the body being parsed has a backslash anywhere
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
