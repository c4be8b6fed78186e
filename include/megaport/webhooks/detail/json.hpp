#pragma once

// simdjson on-demand helpers: mapping its errors to ours, validating values nobody asked for,
// and reading typed fields. On demand skips unread values without checking them, so every
// value the parser does not read is walked here instead.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "../error.hpp"
#include "../payload.hpp"
#include "../timestamp.hpp"
#include "../uuid.hpp"

#ifndef MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH
/// Deepest nesting accepted in a body; the top-level object is depth 1. User's value wins.
#define MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH 64
#endif

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN
namespace detail {

namespace od = simdjson::ondemand;

inline errc from_simdjson(simdjson::error_code code) noexcept {
  switch (code) {
    case simdjson::SUCCESS: return errc::ok;
    case simdjson::UTF8_ERROR: return errc::invalid_utf8;
    case simdjson::DEPTH_ERROR: return errc::too_deep;
    case simdjson::NUMBER_OUT_OF_RANGE: return errc::out_of_range;
    case simdjson::INCORRECT_TYPE: return errc::wrong_type;
    default: return errc::invalid_json;
  }
}

inline json_kind kind_of(od::json_type type) noexcept {
  switch (type) {
    case od::json_type::array: return json_kind::array;
    case od::json_type::object: return json_kind::object;
    case od::json_type::number: return json_kind::number;
    case od::json_type::string: return json_kind::string;
    case od::json_type::boolean: return json_kind::boolean;
    case od::json_type::null: return json_kind::null;
  }
  return json_kind::none;
}

// True when `token` is a number by JSON's grammar, followed by nothing but whitespace. Checked
// by hand because simdjson refuses numbers it cannot represent, which are still well-formed.
inline bool is_number_literal(std::string_view token) noexcept {
  std::size_t pos = 0;
  auto digits = [&]() noexcept {
    const std::size_t first = pos;
    while (pos < token.size() && token[pos] >= '0' && token[pos] <= '9')
      ++pos;
    return pos - first;
  };
  auto next_is = [&](char c) noexcept { return pos < token.size() && token[pos] == c; };

  if (next_is('-')) ++pos;
  if (next_is('0')) {
    ++pos;
  } else if (digits() == 0) {
    return false;
  }

  if (next_is('.')) {
    ++pos;
    if (digits() == 0) return false;
  }

  if (next_is('e') || next_is('E')) {
    ++pos;
    if (next_is('+') || next_is('-')) ++pos;
    if (digits() == 0) return false;
  }

  for (; pos < token.size(); ++pos) {
    const char c = token[pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

// A simdjson error met while checking grammar: a type mismatch there means a broken literal.
inline errc malformed_code(simdjson::error_code code) noexcept {
  const errc mapped = from_simdjson(code);
  return mapped == errc::invalid_utf8 || mapped == errc::too_deep || mapped == errc::ok
             ? mapped
             : errc::invalid_json;
}

inline error malformed(simdjson::error_code code) noexcept {
  return {malformed_code(code)};
}

// A member's key as it stands in the body, compared with plain names (no quote, no backslash)
// without first finding its end: equal when the name's bytes are followed by the closing quote.
struct raw_key {
  const char* raw;  // just past the opening quote

  bool operator==(std::string_view name) const noexcept {
    // Reading `name.size()` bytes stays inside the padded buffer only for names shorter than
    // the padding; longer ones are measured first.
    if (name.size() >= simdjson::SIMDJSON_PADDING) {
      std::size_t size = 0;
      while (raw[size] != '"' && raw[size] != '\\')
        ++size;
      return size == name.size() && raw[size] == '"' && std::memcmp(raw, name.data(), size) == 0;
    }
    return raw[name.size()] == '"' && std::memcmp(raw, name.data(), name.size()) == 0;
  }
};

// A member's key. Without a backslash it is its raw bytes, with no copy and no call into
// simdjson's string decoder; with one, it is unescaped, which also checks the escapes.
inline simdjson::error_code key_of(od::field& field, std::string_view& out) noexcept {
  const char* const start = field.key().raw();
  const char* end = start;
  while (*end != '"' && *end != '\\')
    ++end;  // stage 1 found the closing quote already
  if (*end == '\\') return field.unescaped_key().get(out);
  out = std::string_view(start, static_cast<std::size_t>(end - start));
  return simdjson::SUCCESS;
}

// Checks the grammar of a value and everything in it, to the depth limit. `depth` is the
// value's own; only objects and arrays count, so `[1]` and `[]` are equally deep. `escapes` is
// false when the body has no backslash at all: then no string needs decoding to be checked.
// Its errors are codes alone, so they travel in a register rather than through memory.
inline errc validate(od::value value, int depth, bool escapes) noexcept {
  od::json_type type{};
  if (auto code = value.type().get(type)) return malformed_code(code);

  const bool container = type == od::json_type::object || type == od::json_type::array;
  if (container && depth > MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH) return errc::too_deep;

  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto code = value.get_object().get(object)) return malformed_code(code);
      for (auto item : object) {
        if (auto code = item.error()) return malformed_code(code);
        od::field& field = item.value_unsafe();
        std::string_view key;
        if (escapes) {
          if (auto code = key_of(field, key)) return malformed_code(code);
        }
        if (errc e = validate(field.value(), depth + 1, escapes); e != errc::ok) return e;
      }
      return errc::ok;
    }
    case od::json_type::array: {
      od::array array;
      if (auto code = value.get_array().get(array)) return malformed_code(code);
      for (auto item : array) {
        od::value element;
        if (auto code = item.get(element)) return malformed_code(code);
        if (errc e = validate(element, depth + 1, escapes); e != errc::ok) return e;
      }
      return errc::ok;
    }
    case od::json_type::number: {
      // Nobody reads this number, so one too large for simdjson is still acceptable.
      return is_number_literal(value.raw_json_token()) ? errc::ok : errc::invalid_json;
    }
    case od::json_type::string: {
      // Stage 1 has checked the bytes already; only escapes need decoding to be checked.
      if (!escapes || value.raw_json_token().find('\\') == std::string_view::npos) {
        od::raw_json_string raw;
        return malformed_code(value.get_raw_json_string().get(raw));
      }
      std::string_view text;
      return malformed_code(value.get_string().get(text));
    }
    case od::json_type::boolean: {
      bool flag = false;
      return malformed_code(value.get_bool().get(flag));
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto code = value.is_null().get(is_null)) return malformed_code(code);
      return is_null ? errc::ok : errc::invalid_json;
    }
  }
  return errc::invalid_json;
}

// The error for a failed typed read: a type mismatch names what came instead, unless the value
// is not even well-formed. Containers are not walked: the error stands whatever they hold.
inline error read_failure(simdjson::error_code code, od::value& value,
                          std::string_view expected) noexcept {
  const errc mapped = from_simdjson(code);
  if (mapped != errc::wrong_type) return {mapped};

  od::json_type type{};
  if (value.type().get(type) != simdjson::SUCCESS) return {errc::invalid_json};
  const bool container = type == od::json_type::object || type == od::json_type::array;
  if (!container) {
    if (errc e = validate(value, 0, true); e != errc::ok) return {e};
  }
  return error::mismatch(expected, kind_of(type));
}

// The text of a value already walked: from its first token up to the next token, trimmed.
// Empty when the iterator has failed and no longer knows where it is.
inline std::string_view span_to(const char* start, od::document& doc) noexcept {
  const char* end = nullptr;
  if (!doc.is_alive() || doc.current_location().get(end) != simdjson::SUCCESS || end < start) {
    return {};
  }
  while (end > start && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t')) {
    --end;
  }
  return {start, static_cast<std::size_t>(end - start)};
}

// True for `-?[0-9]+` followed only by whitespace, as raw tokens are.
inline bool is_integer_literal(std::string_view token) noexcept {
  std::size_t pos = token.size() > 0 && token[0] == '-' ? 1 : 0;
  const std::size_t first = pos;
  while (pos < token.size() && token[pos] >= '0' && token[pos] <= '9')
    ++pos;
  if (pos == first) return false;
  for (; pos < token.size(); ++pos) {
    const char c = token[pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

// A scalar's raw token without the whitespace that may follow it.
inline std::string_view trimmed_token(od::value& value) noexcept {
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return token;
}

// True when the document has nothing left after its top-level value.
inline bool at_end(od::document& doc) noexcept {
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

// The characters of a string value as they stand in the body, quotes stripped, without
// reading it; empty when the value is not a string. Escapes are left as they are, so this is
// only for grammars that have no backslash: a caller that finds one reads the value normally.
inline std::string_view peek_string(od::value& value) noexcept {
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return {};
  return token.substr(1, token.size() - 2);
}

// Marks a string value peeked with `peek_string` as read.
inline bool consume_string(od::value& value) noexcept {
  od::raw_json_string consumed;
  return value.get_raw_json_string().get(consumed) == simdjson::SUCCESS;
}

#if defined(__GNUC__) || defined(__clang__)
#define MEGAPORT_WEBHOOKS_COLD __attribute__((cold, noinline))
#elif defined(_MSC_VER)
#define MEGAPORT_WEBHOOKS_COLD __declspec(noinline)
#else
#define MEGAPORT_WEBHOOKS_COLD
#endif

// Typed reads, one overload per member type that payload fields may have. Each answers true,
// or false with the details in `failure`: a bool comes back in a register, where a returned
// `error` would be written to memory and read back on every field.
struct field_reader {
  od::document& doc;
  int depth;  // of the object whose members are read
  error& failure;
  bool escapes;  // whether the body has a backslash anywhere

  // Out of line, so that the error's construction stays off the path of valid bodies.
  MEGAPORT_WEBHOOKS_COLD bool fail(error e) noexcept {
    failure = e;
    return false;
  }

  MEGAPORT_WEBHOOKS_COLD bool fail(simdjson::error_code code, od::value& value,
                                   std::string_view expected) noexcept {
    return fail(read_failure(code, value, expected));
  }

  bool check(od::value& value, int value_depth) noexcept {
    const errc e = validate(value, value_depth, escapes);
    return e == errc::ok || fail(error{e});
  }

  bool read(od::value& value, std::string_view& out) noexcept {
    if (auto code = value.get_string().get(out)) return fail(code, value, "a string");
    return true;
  }

  bool read(od::value& value, std::int64_t& out) noexcept {
    auto code = value.get_int64().get(out);
    if (code == simdjson::SUCCESS) return true;

    // An integer literal too large for 64 bits is out of range, not of the wrong type.
    const std::string_view token = value.raw_json_token();
    if (code == simdjson::INCORRECT_TYPE && is_integer_literal(token)) {
      return fail(error{errc::out_of_range});
    }
    return fail(code, value, "an integer");
  }

  bool read(od::value& value, bool& out) noexcept {
    if (auto code = value.get_bool().get(out)) return fail(code, value, "a boolean");
    return true;
  }

  bool read(od::value& value, double& out) noexcept {
    auto code = value.get_double().get(out);
    if (code == simdjson::SUCCESS) return true;

    // A well-formed number that no double holds, such as 1e400, is out of range.
    if (code == simdjson::NUMBER_ERROR && is_number_literal(value.raw_json_token())) {
      return fail(error{errc::out_of_range});
    }
    return fail(code, value, "a number");
  }

  bool read(od::value& value, uuid& out) noexcept {
    // A UUID has no escapes: decoded where it stands when it is one, read normally otherwise.
    if (decode_uuid(peek_string(value), out) && consume_string(value)) return true;

    std::string_view text;
    if (auto code = value.get_string().get(text)) return fail(code, value, "a UUID");
    return decode_uuid(text, out) || fail(error{errc::invalid_uuid});
  }

  bool read(od::value& value, utc_time& out) noexcept {
    // An RFC 3339 date-time has no escapes either.
    if (decode_timestamp(peek_string(value), out) && consume_string(value)) return true;

    std::string_view text;
    if (auto code = value.get_string().get(text)) {
      return fail(code, value, "an RFC 3339 date-time");
    }
    return decode_timestamp(text, out) || fail(error{errc::invalid_timestamp});
  }

  bool read(od::value& value, raw_json& out) noexcept {
    od::json_type type{};
    if (auto code = value.type().get(type)) return fail(malformed(code));

    // On demand leaves the iterator on a scalar once read, so only a container's end is found
    // from where the iterator stands; a scalar is its own token.
    const bool container = type == od::json_type::object || type == od::json_type::array;
    const std::string_view first = container ? value.raw_json_token() : trimmed_token(value);
    if (!check(value, depth + 1)) return false;
    out.text = container ? span_to(first.data(), doc) : first;
    return !out.text.empty() || fail(error{errc::invalid_json});
  }

  template <class T>
  bool read(od::value& value, std::optional<T>& out) noexcept {
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
      out.reset();
      return true;
    }
    out.emplace();
    return read(value, *out);
  }

  // Reads the object `value` into `out`, each field by its spec, unknown fields validated.
  template <class Payload>
  bool read_payload(od::value& value, Payload& out, std::string_view scope) noexcept {
    od::object object;
    if (auto code = value.get_object().get(object)) {
      error e = read_failure(code, value, "an object");
      if (e.code == errc::wrong_type) e.code = errc::not_an_object;
      e.subject = scope;
      return fail(e);
    }

    field_reader members{doc, depth + 1, failure, escapes};
    return members.read_fields(object, out, scope);
  }

 private:
  // Reads the members of `object`, which sits at this reader's depth.
  template <class Payload>
  bool read_fields(od::object& object, Payload& out, std::string_view scope) noexcept {
    constexpr auto& fields = payload_traits<Payload>::fields;
    constexpr std::size_t count = field_count<Payload>;
    static_assert(count <= 64, "a payload type has at most 64 fields");
    std::uint64_t seen = 0;

    for (auto item : object) {
      if (auto code = item.error()) return fail(malformed(code));
      od::field& field = item.value_unsafe();
      const raw_key raw{field.key().raw()};

      // -1: no field of that name; otherwise whether its read succeeded.
      int known =
          read_known(fields, raw, field.value(), out, seen, std::make_index_sequence<count>{});
      if (known < 0 && escapes) {
        // Not a plain known name: check its escapes, and match it again if it had any.
        std::string_view key;
        if (auto code = key_of(field, key)) return fail(malformed(code));
        if (key.data() != raw.raw) {
          known =
              read_known(fields, key, field.value(), out, seen, std::make_index_sequence<count>{});
        }
      }
      const bool ok = known < 0 ? check(field.value(), depth + 1) : known == 1;
      if (!ok) {
        if (failure.scope.empty()) failure.scope = scope;
        return false;
      }
    }

    return check_required(fields, seen, scope, std::make_index_sequence<count>{});
  }

  template <class Fields, class Key, class Payload, std::size_t... I>
  int read_known(const Fields& fields, const Key& key, od::value& value, Payload& out,
                 std::uint64_t& seen, std::index_sequence<I...>) noexcept {
    int result = -1;
    static_cast<void>(((key == std::get<I>(fields).name
                            ? (result = read_one<I>(std::get<I>(fields), value, out, seen), true)
                            : false) ||
                       ...));
    return result;
  }

  template <std::size_t I, class Spec, class Payload>
  int read_one(const Spec& spec, od::value& value, Payload& out, std::uint64_t& seen) noexcept {
    constexpr std::uint64_t bit = std::uint64_t{1} << I;
    const bool ok =
        (seen & bit) ? fail(error{errc::duplicate_field}) : read(value, out.*(spec.member));
    seen |= bit;
    if (!ok) failure.subject = spec.name;
    return ok ? 1 : 0;
  }

  template <class Fields, std::size_t... I>
  bool check_required(const Fields& fields, std::uint64_t seen, std::string_view scope,
                      std::index_sequence<I...>) noexcept {
    bool missing = false;
    static_cast<void>(
        ((!is_optional_member(std::get<I>(fields)) && !(seen & (std::uint64_t{1} << I))
              ? (missing = true, fail(error{errc::missing_field, scope, std::get<I>(fields).name}),
                 true)
              : false) ||
         ...));
    return !missing;
  }

  template <class Payload, class Member>
  static constexpr bool is_optional_member(const field_spec<Payload, Member>&) noexcept {
    return is_optional<Member>::value;
  }
};

}  // namespace detail
MEGAPORT_WEBHOOKS_NAMESPACE_END
