// The bodies of the delivery fixtures (tests/fixtures/deliveries/*.json) through the parser:
// every body answered 200 parses to the event its case expects; malformed ones are refused.

#include <megaport/webhooks.hpp>

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;
namespace dom = simdjson::dom;

namespace {

std::vector<std::filesystem::path> delivery_cases() {
  std::vector<std::filesystem::path> out;
  const std::filesystem::path dir =
      std::filesystem::path(MEGAPORT_WEBHOOKS_TEST_FIXTURES) / "deliveries";
  std::error_code failed;
  for (const auto& entry : std::filesystem::directory_iterator(dir, failed)) {
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string text_of(dom::element element) {
  std::string_view text;
  return element.get_string().get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

std::string member_text(dom::element object, std::string_view key) {
  dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return {};
  return text_of(value);
}

/// A JSON value in one canonical spelling, for comparing texts written differently.
std::string canonical(std::string_view json) {
  dom::parser parser;
  dom::element element;
  if (parser.parse(json.data(), json.size()).get(element) != simdjson::SUCCESS) return "<bad>";
  return simdjson::minify(element);
}

std::string quoted(std::string_view text) {
  return canonical("\"" + std::string(text) + "\"");
}

/// The typed payload's members, each as canonical JSON text, by field name.
std::map<std::string, std::string> typed_fields(const mw::event<>& event) {
  std::map<std::string, std::string> out;
  if (const auto* p = event.get<mw::login_failure>()) {
    out["person_uid"] = quoted(p->person_uid.text().view());
    out["email"] = quoted(p->email);
    out["attempts"] = std::to_string(p->attempts);
    out["account_locked"] = p->account_locked ? "true" : "false";
  } else if (const auto* p = event.get<mw::user_registration>()) {
    out["person_uid"] = quoted(p->person_uid.text().view());
    out["position"] = quoted(p->position);
    out["email"] = quoted(p->email);
    out["first_name"] = quoted(p->first_name);
    out["last_name"] = quoted(p->last_name);
  } else if (const auto* p = event.get<mw::password_reset_request>()) {
    out["person_uid"] = quoted(p->person_uid.text().view());
    out["email"] = quoted(p->email);
  }
  return out;
}

/// Checks `event` against one entry of a case's expect_events.
void check_event(const mw::event<>& event, dom::element expected) {
  CHECK(event.kind() == member_text(expected, "kind"));
  CHECK(event.company_uid.text().view() == member_text(expected, "company_uid"));
  CHECK(event.schema_version == member_text(expected, "schema_version"));
  const auto when = mw::parse_timestamp(member_text(expected, "timestamp"));
  REQUIRE(when);
  CHECK(event.timestamp == *when);

  dom::element type;
  if (expected["type"].get(type) == simdjson::SUCCESS) CHECK(event.type == text_of(type));

  dom::element data_value;
  dom::object data;
  REQUIRE(expected["data"].get(data_value) == simdjson::SUCCESS);
  REQUIRE(data_value.get_object().get(data) == simdjson::SUCCESS);
  if (event.kind() == "unknown") {
    // Kept raw: the same JSON value as the case's, whatever its spelling.
    CHECK(canonical(event.data.text) == simdjson::minify(data_value));
    return;
  }
  const auto fields = typed_fields(event);
  std::set<std::string> named;
  for (auto member : data) {
    const std::string key(member.key);
    named.insert(key);
    INFO("data." << key);
    REQUIRE(fields.count(key) == 1);
    CHECK(fields.at(key) == simdjson::minify(member.value));
  }
  CHECK(named.size() == fields.size());
}

}  // namespace

TEST_CASE("the delivery fixtures are there", "[fixtures]") {
  CHECK(delivery_cases().size() >= 12);
}

TEST_CASE("fixture bodies parse to the events their cases expect", "[fixtures]") {
  mw::delivery_parser parser;
  dom::parser json;
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::set<std::string> kinds;

  for (const auto& path : delivery_cases()) {
    INFO(path.filename().string());
    dom::element test_case;
    REQUIRE(json.load(path.string()).get(test_case) == simdjson::SUCCESS);
    dom::array steps;
    dom::array expected_events;
    REQUIRE(test_case["steps"].get_array().get(steps) == simdjson::SUCCESS);
    REQUIRE(test_case["expect_events"].get_array().get(expected_events) == simdjson::SUCCESS);

    for (dom::element step : steps) {
      std::int64_t status = 0;
      REQUIRE(step["expect_status"].get_int64().get(status) == simdjson::SUCCESS);
      const std::string body = member_text(step, "body");
      const std::string method = member_text(step, "method");
      dom::element headers;
      REQUIRE(step["headers"].get(headers) == simdjson::SUCCESS);
      const std::string id = member_text(headers, "webhook-id");

      if (status == 200) {
        const auto event = parser.parse(body);
        REQUIRE(event);
        ++accepted;
        kinds.insert(std::string(event->kind()));
        bool matched = false;
        for (dom::element expected : expected_events) {
          if (member_text(expected, "webhook_id") != id) continue;
          matched = true;
          check_event(*event, expected);
        }
        CHECK(matched);
      } else if (method == "POST" && canonical(body) == "<bad>") {
        // Whatever else the case tests, a body that is not JSON must not parse.
        const auto event = parser.parse(body);
        CHECK_FALSE(event);
        CHECK(event.failure().code == mw::errc::invalid_json);
        ++refused;
      }
    }
  }

  CHECK(accepted >= 6);
  CHECK(refused >= 1);
  CHECK(kinds == std::set<std::string>{"login_failure", "user_registration",
                                       "password_reset_request", "unknown"});
}

TEST_CASE("fixture bodies reordered data-first parse the same", "[fixtures]") {
  // The fixtures put type first; the same bodies with data moved to the front must agree.
  mw::delivery_parser parser;
  dom::parser json;
  std::size_t checked = 0;
  for (const auto& path : delivery_cases()) {
    dom::element test_case;
    REQUIRE(json.load(path.string()).get(test_case) == simdjson::SUCCESS);
    dom::array steps;
    REQUIRE(test_case["steps"].get_array().get(steps) == simdjson::SUCCESS);
    for (dom::element step : steps) {
      std::int64_t status = 0;
      REQUIRE(step["expect_status"].get_int64().get(status) == simdjson::SUCCESS);
      if (status != 200) continue;

      dom::parser body_json;
      dom::object body;
      REQUIRE(body_json.parse(member_text(step, "body")).get_object().get(body) ==
              simdjson::SUCCESS);
      std::string first = "{";
      std::string rest;
      for (auto member : body) {
        const std::string text =
            "\"" + std::string(member.key) + "\":" + simdjson::minify(member.value);
        if (member.key == "data") {
          first += text;
        } else {
          rest += "," + text;
        }
      }
      const std::string reordered = first + rest + "}";
      INFO(reordered);
      const auto original = parser.parse(member_text(step, "body"));
      REQUIRE(original);
      const std::string kind(original->kind());
      const auto fields = typed_fields(*original);
      const auto moved = parser.parse(reordered);
      REQUIRE(moved);
      CHECK(moved->kind() == kind);
      CHECK(typed_fields(*moved) == fields);
      ++checked;
    }
  }
  CHECK(checked >= 6);
}
