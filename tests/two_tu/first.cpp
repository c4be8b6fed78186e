#include <megaport/webhooks.hpp>

int parse_in_second_unit();

int main() {
  megaport::webhooks::delivery_parser parser;
  const auto event = parser.parse("{}");
  return !event && parse_in_second_unit() == 0 ? 0 : 1;
}
