#pragma once

// The bodies every benchmark runs on: the provider's three sample deliveries, read from the test
// fixtures so that the benchmarks and the tests agree on them, and a 4 KiB body of an event type
// no payload is bound to.

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

/// A named body.
struct payload {
  std::string name;
  std::string body;
};

/// The body of the first step of fixture `file` (in tests/fixtures/deliveries/).
inline std::string fixture_body(const std::string& file) {
  std::ifstream in(std::string(MEGAPORT_WEBHOOKS_BENCH_FIXTURES) + "/" + file);
  if (!in) {
    std::fprintf(stderr, "megaport-webhooks-bench: cannot read fixture %s\n", file.c_str());
    std::exit(2);
  }
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str()).at("steps").at(0).at("body").get<std::string>();
}

/// A body of about 4 KiB whose type is bound to no payload, so `data` is kept raw.
inline std::string unknown_4k_body() {
  std::string data = "{\"service_uid\":\"5c0a9d7e-2b41-4f6a-9e3d-7a1b2c3d4e5f\",\"changes\":[";
  for (int i = 0; data.size() < 3800; ++i) {
    if (i > 0) data += ',';
    data += "{\"field\":\"attribute_" + std::to_string(i) + "\",\"old\":" + std::to_string(i * 7) +
            ",\"new\":" + std::to_string(i * 7 + 1) + ",\"note\":\"changed by the portal\"," +
            "\"flags\":[true,false,null]}";
  }
  data += "],\"reason\":\"scheduled maintenance\"}";

  std::string body =
      "{\"type\":\"network.service.changed\",\"schema_version\":\"1\","
      "\"timestamp\":\"2026-01-15T10:30:00Z\","
      "\"company_uid\":\"8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b\",\"data\":" +
      data + "}";
  while (body.size() < 4096)
    body.insert(body.size() - 1, " ");
  return body;
}

/// Every payload, in the order the benchmarks are registered.
inline const std::vector<payload>& payloads() {
  static const std::vector<payload> all = {
      {"login_failure", fixture_body("01-login-failure-from-the-spec.json")},
      {"user_registration", fixture_body("02-user-registration-from-the-spec.json")},
      {"password_reset_request", fixture_body("03-password-reset-request-from-the-spec.json")},
      {"unknown_4k", unknown_4k_body()},
  };
  return all;
}

/// A canonical UUID whose last 12 hex digits count up, changed in place.
class id_counter {
 public:
  /// `prefix` picks the first 8 hex digits, so that threads and runs never share ids.
  explicit id_counter(unsigned prefix) {
    char head[9];
    std::snprintf(head, sizeof head, "%08x", prefix);
    text_ = std::string(head) + "-7e1c-4b2a-9f30-000000000000";
  }

  /// The next id; the view stays valid and changes with each call.
  std::string& next() {
    for (std::size_t i = text_.size(); i-- > 24;) {
      char& c = text_[i];
      if (c == '9') {
        c = 'a';
        return text_;
      }
      if (c != 'f') {
        ++c;
        return text_;
      }
      c = '0';
    }
    return text_;
  }

  std::string& current() { return text_; }

 private:
  std::string text_;
};

}  // namespace bench
