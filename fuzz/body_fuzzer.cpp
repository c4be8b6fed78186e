// Fuzzes delivery_parser with whole bodies. Invariants: no crash or sanitizer report; a body the
// parser accepts is accepted by simdjson's DOM parser too (whole-body validation: nothing the
// on-demand reader skips may hide malformed JSON); `data` is a slice of the body that is itself
// an object; parsing the same body twice gives the same answer.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <megaport/webhooks/parser.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace mw = megaport::webhooks;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mw::delivery_parser parser;
  static simdjson::dom::parser dom;

  // A copy of exactly `size` bytes, so that reading past the body is an ASan report.
  const std::string body(fuzz::as_text(data, size));
  auto first = parser.parse(body);

  // The DOM parser refuses numbers it cannot hold (NUMBER_OUT_OF_RANGE, NUMBER_ERROR), which JSON's
  // grammar allows and the library accepts where nobody reads them: those are no failure.
  simdjson::dom::element root;
  const auto dom_code = dom.parse(body.data(), body.size()).get(root);
  const bool number_limit =
      dom_code == simdjson::NUMBER_OUT_OF_RANGE || dom_code == simdjson::NUMBER_ERROR;
  if (first) {
    FUZZ_CHECK(dom_code == simdjson::SUCCESS || number_limit);
    if (dom_code == simdjson::SUCCESS) FUZZ_CHECK(root.is_object());

    const std::string_view text = first->data.text;
    FUZZ_CHECK(!text.empty());
    FUZZ_CHECK(text.data() >= body.data());
    FUZZ_CHECK(text.data() + text.size() <= body.data() + body.size());
    FUZZ_CHECK(text.front() == '{' && text.back() == '}');
  }

  // Keep what the first answer said before the parser's buffers are reused.
  const bool first_ok = static_cast<bool>(first);
  const mw::errc first_code = first_ok ? mw::errc::ok : first.failure().code;
  const std::size_t first_index = first_ok ? first->payload.index() : 0;
  const std::string first_type = first_ok ? std::string(first->type) : std::string();

  auto second = parser.parse(body);
  FUZZ_CHECK(static_cast<bool>(second) == first_ok);
  if (first_ok) {
    FUZZ_CHECK(second->payload.index() == first_index);
    FUZZ_CHECK(second->type == first_type);
  } else {
    FUZZ_CHECK(second.failure().code == first_code);
  }
  return 0;
}
