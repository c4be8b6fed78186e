// parse/*: one delivery body to its fields, every field read, by this library and by the three
// ways a C++ user would do it without it (bare simdjson on demand, nlohmann::json, RapidJSON).

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <simdjson.h>
#include <megaport/webhooks/parser.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "bench_payloads.hpp"

namespace mw = megaport::webhooks;

namespace {

void count(benchmark::State& state, const std::string& body) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// ---- this library ---------------------------------------------------------------------------

void touch(const mw::login_failure& p) {
  benchmark::DoNotOptimize(p.person_uid);
  benchmark::DoNotOptimize(p.email);
  benchmark::DoNotOptimize(p.attempts);
  benchmark::DoNotOptimize(p.account_locked);
}

void touch(const mw::user_registration& p) {
  benchmark::DoNotOptimize(p.person_uid);
  benchmark::DoNotOptimize(p.position);
  benchmark::DoNotOptimize(p.email);
  benchmark::DoNotOptimize(p.first_name);
  benchmark::DoNotOptimize(p.last_name);
}

void touch(const mw::password_reset_request& p) {
  benchmark::DoNotOptimize(p.person_uid);
  benchmark::DoNotOptimize(p.email);
}

void touch(const mw::unknown_payload& p) {
  benchmark::DoNotOptimize(p.data.text);
}

void parse_megaport(benchmark::State& state, const std::string& body) {
  mw::delivery_parser parser;
  for (auto _ : state) {
    auto parsed = parser.parse(body);
    if (!parsed) {
      state.SkipWithError("the library refused the body");
      break;
    }
    const mw::event<>& event = *parsed;
    benchmark::DoNotOptimize(event.type);
    benchmark::DoNotOptimize(event.schema_version);
    benchmark::DoNotOptimize(event.timestamp);
    benchmark::DoNotOptimize(event.company_uid);
    benchmark::DoNotOptimize(event.data.text);
    std::visit([](const auto& payload) { touch(payload); }, event.payload);
  }
  count(state, body);
}

// ---- bare simdjson on demand: the floor -----------------------------------------------------

namespace od = simdjson::ondemand;

bool read(od::object& object, const char* key, std::string_view& out) {
  if (object[key].get_string().get(out)) return false;
  benchmark::DoNotOptimize(out);
  return true;
}

bool read_data(std::string_view type, od::object& data) {
  std::string_view text;
  if (type == "security.login.failed") {
    std::int64_t attempts = 0;
    bool locked = false;
    if (!read(data, "person_uid", text) || !read(data, "email", text)) return false;
    if (data["attempts"].get_int64().get(attempts)) return false;
    if (data["account_locked"].get_bool().get(locked)) return false;
    benchmark::DoNotOptimize(attempts);
    benchmark::DoNotOptimize(locked);
    return true;
  }
  if (type == "user.registered") {
    return read(data, "person_uid", text) && read(data, "position", text) &&
           read(data, "email", text) && read(data, "first_name", text) &&
           read(data, "last_name", text);
  }
  if (type == "security.password_reset.requested") {
    return read(data, "person_uid", text) && read(data, "email", text);
  }
  if (data.raw_json().get(text)) return false;
  benchmark::DoNotOptimize(text);
  return true;
}

void parse_simdjson_floor(benchmark::State& state, const std::string& body) {
  od::parser parser;
  const std::size_t capacity = body.size() + simdjson::SIMDJSON_PADDING;
  std::unique_ptr<char[]> buffer(new char[capacity]);

  for (auto _ : state) {
    // The same copy into a padded buffer that the library makes of every body.
    std::memcpy(buffer.get(), body.data(), body.size());
    std::memset(buffer.get() + body.size(), ' ', simdjson::SIMDJSON_PADDING);

    od::document doc;
    od::object root, data;
    std::string_view type, text;
    bool ok = !parser.iterate(buffer.get(), body.size(), capacity).get(doc) &&
              !doc.get_object().get(root) && read(root, "type", type) &&
              read(root, "schema_version", text) && read(root, "timestamp", text) &&
              read(root, "company_uid", text) && !root["data"].get_object().get(data) &&
              read_data(type, data);
    if (!ok) {
      state.SkipWithError("simdjson refused the body");
      break;
    }
  }
  count(state, body);
}

// ---- nlohmann::json -------------------------------------------------------------------------

using njson = nlohmann::json;

bool read(const njson& object, const char* key, std::string_view& out) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return false;
  out = it->get_ref<const std::string&>();
  benchmark::DoNotOptimize(out);
  return true;
}

bool read_data(std::string_view type, const njson& data) {
  std::string_view text;
  if (!data.is_object()) return false;
  if (type == "security.login.failed") {
    if (!read(data, "person_uid", text) || !read(data, "email", text)) return false;
    const auto attempts = data.find("attempts");
    const auto locked = data.find("account_locked");
    if (attempts == data.end() || !attempts->is_number_integer()) return false;
    if (locked == data.end() || !locked->is_boolean()) return false;
    benchmark::DoNotOptimize(attempts->get<std::int64_t>());
    benchmark::DoNotOptimize(locked->get<bool>());
    return true;
  }
  if (type == "user.registered") {
    return read(data, "person_uid", text) && read(data, "position", text) &&
           read(data, "email", text) && read(data, "first_name", text) &&
           read(data, "last_name", text);
  }
  if (type == "security.password_reset.requested") {
    return read(data, "person_uid", text) && read(data, "email", text);
  }
  benchmark::DoNotOptimize(&data);
  return true;
}

void parse_nlohmann(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    const njson doc = njson::parse(body, nullptr, /*allow_exceptions=*/false);
    std::string_view type, text;
    bool ok = !doc.is_discarded() && doc.is_object() && read(doc, "type", type) &&
              read(doc, "schema_version", text) && read(doc, "timestamp", text) &&
              read(doc, "company_uid", text);
    if (ok) {
      const auto data = doc.find("data");
      ok = data != doc.end() && read_data(type, *data);
    }
    if (!ok) {
      state.SkipWithError("nlohmann::json refused the body");
      break;
    }
  }
  count(state, body);
}

// ---- RapidJSON ------------------------------------------------------------------------------

bool read(const rapidjson::Value& object, const char* key, std::string_view& out) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return false;
  out = std::string_view(it->value.GetString(), it->value.GetStringLength());
  benchmark::DoNotOptimize(out);
  return true;
}

bool read_data(std::string_view type, const rapidjson::Value& data) {
  std::string_view text;
  if (!data.IsObject()) return false;
  if (type == "security.login.failed") {
    if (!read(data, "person_uid", text) || !read(data, "email", text)) return false;
    const auto attempts = data.FindMember("attempts");
    const auto locked = data.FindMember("account_locked");
    if (attempts == data.MemberEnd() || !attempts->value.IsInt64()) return false;
    if (locked == data.MemberEnd() || !locked->value.IsBool()) return false;
    benchmark::DoNotOptimize(attempts->value.GetInt64());
    benchmark::DoNotOptimize(locked->value.GetBool());
    return true;
  }
  if (type == "user.registered") {
    return read(data, "person_uid", text) && read(data, "position", text) &&
           read(data, "email", text) && read(data, "first_name", text) &&
           read(data, "last_name", text);
  }
  if (type == "security.password_reset.requested") {
    return read(data, "person_uid", text) && read(data, "email", text);
  }
  benchmark::DoNotOptimize(&data);
  return true;
}

void parse_rapidjson(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    std::string_view type, text;
    bool ok = !doc.HasParseError() && doc.IsObject() && read(doc, "type", type) &&
              read(doc, "schema_version", text) && read(doc, "timestamp", text) &&
              read(doc, "company_uid", text);
    if (ok) {
      const auto data = doc.FindMember("data");
      ok = data != doc.MemberEnd() && read_data(type, data->value);
    }
    if (!ok) {
      state.SkipWithError("RapidJSON refused the body");
      break;
    }
  }
  count(state, body);
}

// Registered at start-up, one per parser and payload.
const bool registered = [] {
  for (const auto& p : bench::payloads()) {
    const std::string& body = p.body;
    benchmark::RegisterBenchmark(("parse/megaport/" + p.name).c_str(),
                                 [&body](benchmark::State& s) { parse_megaport(s, body); });
    benchmark::RegisterBenchmark(("parse/simdjson_floor/" + p.name).c_str(),
                                 [&body](benchmark::State& s) { parse_simdjson_floor(s, body); });
    benchmark::RegisterBenchmark(("parse/nlohmann/" + p.name).c_str(),
                                 [&body](benchmark::State& s) { parse_nlohmann(s, body); });
    benchmark::RegisterBenchmark(("parse/rapidjson/" + p.name).c_str(),
                                 [&body](benchmark::State& s) { parse_rapidjson(s, body); });
  }
  return true;
}();

}  // namespace
