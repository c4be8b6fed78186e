#include <megaport/webhooks.hpp>

int parse_in_second_unit() {
  megaport::webhooks::delivery_parser parser;
  const auto event = parser.parse("[]");
  return event ? 1 : 0;
}
