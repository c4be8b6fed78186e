// Fuzzes the header grammars and the small parsers under them: parse_unix_seconds,
// delivery_id::parse (both formats), is_json_media_type, parse_uuid and parse_timestamp. Every
// parser gets the same bytes; each answer is checked against what its grammar promises.

#include <cstddef>
#include <cstdint>
#include <megaport/webhooks/headers.hpp>
#include <megaport/webhooks/timestamp.hpp>
#include <megaport/webhooks/uuid.hpp>
#include <string_view>

#include "fuzz_check.hpp"

namespace mw = megaport::webhooks;

namespace {

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

void check_unix_seconds(std::string_view text) {
  auto parsed = mw::parse_unix_seconds(text);
  if (!parsed) {
    FUZZ_CHECK(!all_digits(text) || text.size() > 12);
    if (all_digits(text) && text.size() == 13) {
      FUZZ_CHECK(parsed.failure().code == mw::errc::timestamp_in_milliseconds);
    }
    return;
  }

  FUZZ_CHECK(all_digits(text) && text.size() <= 12);
  std::int64_t expected = 0;
  for (char c : text)
    expected = expected * 10 + (c - '0');
  FUZZ_CHECK(*parsed == expected);
  FUZZ_CHECK(*parsed >= 0);
}

void check_uuid(std::string_view text) {
  auto parsed = mw::parse_uuid(text);
  if (!parsed) return;

  // The canonical text is the input in lowercase, and parses back to the same bytes.
  FUZZ_CHECK(text.size() == 36);
  const auto canonical = parsed->text();
  for (std::size_t i = 0; i < 36; ++i) {
    FUZZ_CHECK(canonical.chars[i] == mw::detail::ascii_lower(text[i]));
  }
  auto again = mw::parse_uuid(canonical.view());
  FUZZ_CHECK(again && *again == *parsed);
}

void check_delivery_id(std::string_view text) {
  auto as_uuid = mw::delivery_id::parse(text, mw::id_format::uuid);
  FUZZ_CHECK(static_cast<bool>(as_uuid) == static_cast<bool>(mw::parse_uuid(text)));
  if (as_uuid) {
    const std::string_view id = as_uuid->view();
    FUZZ_CHECK(id.size() == 36);
    for (std::size_t i = 0; i < id.size(); ++i) {
      FUZZ_CHECK(id[i] == mw::detail::ascii_lower(text[i]));
    }
  }

  auto as_any = mw::delivery_id::parse(text, mw::id_format::any);
  bool visible = !text.empty() && text.size() <= mw::max_id_size;
  for (char c : text)
    visible = visible && c > ' ' && c <= '~';
  FUZZ_CHECK(static_cast<bool>(as_any) == visible);
  if (as_any) FUZZ_CHECK(as_any->view() == text);
}

void check_media_type(std::string_view text) {
  const bool json = mw::is_json_media_type(text);
  if (!json) return;

  // Whatever passed starts, after blanks, with "application/" in some case.
  std::string_view type = mw::detail::trim(text.substr(0, text.find(';')));
  FUZZ_CHECK(type.size() > 12);
  FUZZ_CHECK(mw::detail::iequals(type.substr(0, 12), "application/"));
}

void check_timestamp(std::string_view text) {
  auto parsed = mw::parse_timestamp(text);
  if (!parsed) return;

  // Writing the instant and reading it back gives the same instant.
  FUZZ_CHECK(text.size() >= 20);
  char written[mw::timestamp_text_size];
  const std::size_t size = mw::format_timestamp(*parsed, written);
  FUZZ_CHECK(size <= mw::timestamp_text_size);
  const std::string_view back(written, size);
  auto again = mw::parse_timestamp(back);
  // Instants utc_time holds all have four-digit years, so nothing is clamped on the way.
  FUZZ_CHECK(again && *again == *parsed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  check_unix_seconds(text);
  check_unix_seconds(mw::detail::trim(text));
  check_uuid(text);
  check_delivery_id(text);
  check_delivery_id(mw::detail::trim(text));
  check_media_type(text);
  check_timestamp(text);
  return 0;
}
