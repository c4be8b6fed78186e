// Fuzzes the whole receiver pipeline. The input is a request in a plain text form:
//
//     METHOD\n
//     name: value\n        (any number of header lines)
//     \n
//     body bytes
//
// Two receivers (UUID ids and `id_format::any`), each with its own memory_store and a fixed
// clock, handle every request. An independent oracle, built from the same public parsers the
// receiver uses, says which status each request must get: a 2xx only for a valid delivery, the
// first failing check's status otherwise. Handlers record every id they process, so an id
// processed twice (after a success) breaks an invariant; a login failure with 13 attempts makes
// its handler fail, so that release and the retry after it are exercised too.

#include <cstddef>
#include <cstdint>
#include <megaport/webhooks.hpp>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace mw = megaport::webhooks;

namespace {

constexpr std::int64_t now_seconds = 1'767'225'600;
constexpr std::int64_t tolerance = 300;
constexpr std::size_t max_body = 4096;

// One receiver under test with its store and what its handlers saw.
struct subject {
  explicit subject(mw::id_format ids)
      : clock(mw::time_point(std::chrono::seconds(now_seconds))),
        store(store_options(clock)),
        receiver(store, receiver_options(ids),
                 mw::tolerance_window(std::chrono::seconds(tolerance), clock.function())) {
    auto record = [this](const mw::delivery<>& d, const auto&) {
      ++calls;
      FUZZ_CHECK(!d.id.empty());
      FUZZ_CHECK(processed.insert(std::string(d.id)).second);  // never processed twice
      return true;
    };
    receiver.on<mw::user_registration>(record)
        .on<mw::password_reset_request>(record)
        .on_unknown(record)
        .on<mw::login_failure>([this](const mw::delivery<>& d, const mw::login_failure& p) {
          ++calls;
          if (p.attempts == 13) return false;
          FUZZ_CHECK(processed.insert(std::string(d.id)).second);
          return true;
        });
  }

  static mw::memory_store_options store_options(const mw::manual_clock& clock) {
    mw::memory_store_options options;
    options.max_ids = 4096;
    options.clock = clock.function();
    return options;
  }

  static mw::receiver_options receiver_options(mw::id_format ids) {
    mw::receiver_options options;
    options.max_body = max_body;
    options.ids = ids;
    return options;
  }

  mw::manual_clock clock;
  mw::memory_store store;
  mw::receiver<> receiver;
  std::set<std::string> processed;
  int calls = 0;
};

struct parsed_request {
  std::string_view method;
  std::vector<mw::header_field> headers;
  std::string_view body;
};

parsed_request split(std::string_view text) {
  parsed_request out;
  out.method = fuzz::take(text, '\n');
  while (!text.empty()) {
    std::string_view line = fuzz::take(text, '\n');
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    mw::header_field field;
    field.name = line.substr(0, colon);
    if (colon != std::string_view::npos) {
      field.value = line.substr(colon + 1);
      if (!field.value.empty() && field.value.front() == ' ') field.value.remove_prefix(1);
    }
    out.headers.push_back(field);
  }
  out.body = text;
  return out;
}

// The status a request must get, from the design's pipeline order; 200 stands for "valid".
template <class Find>
int expected_status(const parsed_request& request, const Find& find, mw::id_format ids) {
  if (request.method != "POST") return 405;

  const mw::header_match type = find("content-type");
  if (type.count != 1 || !mw::is_json_media_type(type.value)) return 415;
  if (request.body.size() > max_body) return 413;

  const mw::header_match id = find("webhook-id");
  const mw::header_match ts = find("webhook-timestamp");
  if (id.count != 1 || ts.count != 1) return 400;
  if (!mw::delivery_id::parse(mw::detail::trim(id.value), ids)) return 400;
  auto sent_at = mw::parse_unix_seconds(mw::detail::trim(ts.value));
  if (!sent_at) return 400;
  if (*sent_at - now_seconds > tolerance || now_seconds - *sent_at > tolerance) return 400;

  static mw::delivery_parser parser;
  if (!parser.parse(request.body)) return 400;
  return 200;
}

void run(subject& s, const parsed_request& request, mw::id_format ids) {
  const mw::header_list<std::vector<mw::header_field>> find(request.headers);
  const int expected = expected_status(request, find, ids);

  const int calls_before = s.calls;
  const mw::request_view view{request.method, find, request.body};
  const mw::response answer = s.receiver.handle(view);
  const int status = answer.status();
  const bool handled_now = s.calls != calls_before;

  FUZZ_CHECK(!answer.body().empty() && answer.body().front() == '{');
  if (expected != 200) {
    FUZZ_CHECK(status == expected);
    FUZZ_CHECK(!handled_now);
    return;
  }

  // A valid delivery: processed now, a duplicate of a processed one, a failed handler, or a
  // full store; nothing else (no handler runs elsewhere, so it is never busy).
  const auto outcome = answer.outcome();
  const std::string id(
      mw::delivery_id::parse(mw::detail::trim(find("webhook-id").value), ids)->view());
  if (status == 200 && outcome == mw::outcome::processed) {
    FUZZ_CHECK(handled_now && s.processed.count(id) == 1);
  } else if (status == 200) {
    FUZZ_CHECK(outcome == mw::outcome::duplicate && !handled_now && s.processed.count(id) == 1);
  } else if (status == 500) {
    FUZZ_CHECK(outcome == mw::outcome::failed && handled_now && s.processed.count(id) == 0);
  } else {
    FUZZ_CHECK(status == 503 && !handled_now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto uuids = std::make_unique<subject>(mw::id_format::uuid);
  static auto any = std::make_unique<subject>(mw::id_format::any);

  // A long run fills the stores (4096 ids): start both afresh, with what they processed.
  if (uuids->processed.size() + any->processed.size() > 3000) {
    uuids = std::make_unique<subject>(mw::id_format::uuid);
    any = std::make_unique<subject>(mw::id_format::any);
  }

  // An exact-size copy, so that a read past the request is an ASan report.
  const std::string bytes(fuzz::as_text(data, size));
  const parsed_request request = split(bytes);
  run(*uuids, request, mw::id_format::uuid);
  run(*any, request, mw::id_format::any);
  return 0;
}
