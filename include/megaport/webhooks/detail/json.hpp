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
inline error malformed(simdjson::error_code code) noexcept {
  const errc mapped = from_simdjson(code);
  return {mapped == errc::invalid_utf8 || mapped == errc::too_deep || mapped == errc::ok
              ? mapped
              : errc::invalid_json};
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
// value's own; only objects and arrays count, so `[1]` and `[]` are equally deep.
inline error validate(od::value value, int depth) noexcept {
  od::json_type type{};
  if (auto code = value.type().get(type)) return malformed(code);

  const bool container = type == od::json_type::object || type == od::json_type::array;
  if (container && depth > MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH) return {errc::too_deep};

  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto code = value.get_object().get(object)) return malformed(code);
      for (auto item : object) {
        if (auto code = item.error()) return malformed(code);
        od::field& field = item.value_unsafe();
        std::string_view key;
        if (auto code = key_of(field, key)) return malformed(code);
        if (error e = validate(field.value(), depth + 1)) return e;
      }
      return {};
    }
    case od::json_type::array: {
      od::array array;
      if (auto code = value.get_array().get(array)) return malformed(code);
      for (auto item : array) {
        od::value element;
        if (auto code = item.get(element)) return malformed(code);
        if (error e = validate(element, depth + 1)) return e;
      }
      return {};
    }
    case od::json_type::number: {
      // Nobody reads this number, so one too large for simdjson is still acceptable.
      return is_number_literal(value.raw_json_token()) ? error{} : error{errc::invalid_json};
    }
    case od::json_type::string: {
      std::string_view text;
      return malformed(value.get_string().get(text));
    }
    case od::json_type::boolean: {
      bool flag = false;
      return malformed(value.get_bool().get(flag));
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto code = value.is_null().get(is_null)) return malformed(code);
      return is_null ? error{} : error{errc::invalid_json};
    }
  }
  return {errc::invalid_json};
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
    if (error e = validate(value, 0)) return e;
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

// Hex digit values, 0x10 for anything else: a branch-free UUID decoder's table.
struct hex_table {
  std::uint8_t value[256];
  constexpr hex_table() noexcept : value() {
    for (int c = 0; c < 256; ++c) {
      value[c] = c >= '0' && c <= '9'   ? static_cast<std::uint8_t>(c - '0')
                 : c >= 'a' && c <= 'f' ? static_cast<std::uint8_t>(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? static_cast<std::uint8_t>(c - 'A' + 10)
                                        : std::uint8_t{0x10};
    }
  }
};
inline constexpr hex_table hex_digits{};

// The grammar of `parse_uuid` (8-4-4-4-12 hex digits in any case, nothing else) decoded with a
// table and one test at the end instead of three comparisons and a branch per character.
inline bool decode_uuid(std::string_view text, uuid& out) noexcept {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return false;
  }
  constexpr std::size_t first_digit[16] = {0,  2,  4,  6,  9,  11, 14, 16,
                                           19, 21, 24, 26, 28, 30, 32, 34};
  unsigned invalid = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const std::uint8_t high = hex_digits.value[static_cast<unsigned char>(text[first_digit[i]])];
    const std::uint8_t low = hex_digits.value[static_cast<unsigned char>(text[first_digit[i] + 1])];
    invalid |= high | low;
    out.bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return (invalid & 0x10) == 0;
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

// Typed reads, one overload per member type that payload fields may have.
struct field_reader {
  od::document& doc;
  int depth;  // of the object whose members are read

  error read(od::value& value, std::string_view& out) noexcept {
    if (auto code = value.get_string().get(out)) return read_failure(code, value, "a string");
    return {};
  }

  error read(od::value& value, std::int64_t& out) noexcept {
    auto code = value.get_int64().get(out);
    if (code == simdjson::SUCCESS) return {};

    // An integer literal too large for 64 bits is out of range, not of the wrong type.
    const std::string_view token = value.raw_json_token();
    if (code == simdjson::INCORRECT_TYPE && is_integer_literal(token)) {
      return {errc::out_of_range};
    }
    return read_failure(code, value, "an integer");
  }

  error read(od::value& value, bool& out) noexcept {
    if (auto code = value.get_bool().get(out)) return read_failure(code, value, "a boolean");
    return {};
  }

  error read(od::value& value, double& out) noexcept {
    auto code = value.get_double().get(out);
    if (code == simdjson::SUCCESS) return {};

    // A well-formed number that no double holds, such as 1e400, is out of range.
    if (code == simdjson::NUMBER_ERROR && is_number_literal(value.raw_json_token())) {
      return {errc::out_of_range};
    }
    return read_failure(code, value, "a number");
  }

  error read(od::value& value, uuid& out) noexcept {
    // A UUID has no escapes: decoded where it stands when it is one, read normally otherwise.
    if (decode_uuid(peek_string(value), out) && consume_string(value)) return {};

    std::string_view text;
    if (auto code = value.get_string().get(text)) return read_failure(code, value, "a UUID");
    if (!decode_uuid(text, out)) return {errc::invalid_uuid};
    return {};
  }

  error read(od::value& value, utc_time& out) noexcept {
    // An RFC 3339 date-time has no escapes either.
    auto parsed = parse_timestamp(peek_string(value));
    if (parsed && consume_string(value)) {
      out = *parsed;
      return {};
    }

    std::string_view text;
    if (auto code = value.get_string().get(text)) {
      return read_failure(code, value, "an RFC 3339 date-time");
    }
    parsed = parse_timestamp(text);
    if (!parsed) return parsed.failure();
    out = *parsed;
    return {};
  }

  error read(od::value& value, raw_json& out) noexcept {
    od::json_type type{};
    if (auto code = value.type().get(type)) return malformed(code);

    // On demand leaves the iterator on a scalar once read, so only a container's end is found
    // from where the iterator stands; a scalar is its own token.
    const bool container = type == od::json_type::object || type == od::json_type::array;
    const std::string_view first = container ? value.raw_json_token() : trimmed_token(value);
    if (error e = validate(value, depth + 1)) return e;
    out.text = container ? span_to(first.data(), doc) : first;
    return out.text.empty() ? error{errc::invalid_json} : error{};
  }

  template <class T>
  error read(od::value& value, std::optional<T>& out) noexcept {
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
      out.reset();
      return {};
    }
    out.emplace();
    return read(value, *out);
  }

  // Reads the object `value` into `out`, each field by its spec, unknown fields validated.
  template <class Payload>
  error read_payload(od::value& value, Payload& out, std::string_view scope) noexcept {
    od::object object;
    if (auto code = value.get_object().get(object)) {
      error e = read_failure(code, value, "an object");
      if (e.code == errc::wrong_type) e.code = errc::not_an_object;
      e.subject = scope;
      return e;
    }

    field_reader members{doc, depth + 1};
    return members.read_fields(object, out, scope);
  }

 private:
  // Reads the members of `object`, which sits at this reader's depth.
  template <class Payload>
  error read_fields(od::object& object, Payload& out, std::string_view scope) noexcept {
    constexpr auto& fields = payload_traits<Payload>::fields;
    constexpr std::size_t count = field_count<Payload>;
    static_assert(count <= 64, "a payload type has at most 64 fields");
    std::uint64_t seen = 0;

    for (auto item : object) {
      if (auto code = item.error()) return malformed(code);
      od::field& field = item.value_unsafe();
      const raw_key raw{field.key().raw()};

      error e;
      bool known =
          read_known(fields, raw, field.value(), out, seen, e, std::make_index_sequence<count>{});
      if (!known) {
        // Not a plain known name: check its escapes, and match it again if it had any.
        std::string_view key;
        if (auto code = key_of(field, key)) return malformed(code);
        if (key.data() != raw.raw) {
          known = read_known(fields, key, field.value(), out, seen, e,
                             std::make_index_sequence<count>{});
        }
      }
      if (!known) e = validate(field.value(), depth + 1);
      if (e) {
        if (e.scope.empty()) e.scope = scope;
        return e;
      }
    }

    return check_required(fields, seen, scope, std::make_index_sequence<count>{});
  }

  // Reads `key` into its member if it names one; false when it names none.
  template <class Fields, class Key, class Payload, std::size_t... I>
  bool read_known(const Fields& fields, const Key& key, od::value& value, Payload& out,
                  std::uint64_t& seen, error& result, std::index_sequence<I...>) noexcept {
    return ((key == std::get<I>(fields).name
                 ? (result = read_one<I>(std::get<I>(fields), value, out, seen), true)
                 : false) ||
            ...);
  }

  template <std::size_t I, class Spec, class Payload>
  error read_one(const Spec& spec, od::value& value, Payload& out, std::uint64_t& seen) noexcept {
    constexpr std::uint64_t bit = std::uint64_t{1} << I;
    error e = (seen & bit) ? error{errc::duplicate_field} : read(value, out.*(spec.member));
    seen |= bit;
    if (e) e.subject = spec.name;
    return e;
  }

  template <class Fields, std::size_t... I>
  static error check_required(const Fields& fields, std::uint64_t seen, std::string_view scope,
                              std::index_sequence<I...>) noexcept {
    error result{};
    static_cast<void>(
        ((!is_optional_member(std::get<I>(fields)) && !(seen & (std::uint64_t{1} << I))
              ? (result = error{errc::missing_field, scope, std::get<I>(fields).name}, true)
              : false) ||
         ...));
    return result;
  }

  template <class Payload, class Member>
  static constexpr bool is_optional_member(const field_spec<Payload, Member>&) noexcept {
    return is_optional<Member>::value;
  }
};

}  // namespace detail
MEGAPORT_WEBHOOKS_NAMESPACE_END
