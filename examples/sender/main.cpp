// megaport-webhook-send: delivers one webhook to a URL the way the provider does, for testing
// endpoints. See README.md beside this file.

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <megaport/webhooks/uuid.hpp>
#include <megaport/webhooks/version.hpp>
#if MEGAPORT_WEBHOOKS_SENDER_SIGNS
#include <megaport/webhooks/signature.hpp>
#endif

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "samples.hpp"
#include "schedule.hpp"

namespace {

namespace mw = megaport::webhooks;
using steady = std::chrono::steady_clock;

constexpr const char* program = "megaport-webhook-send";
constexpr int exit_delivered = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

/// Where a delivery goes: the scheme, host and port httplib connects to, and the request path.
struct target {
  std::string origin;
  std::string path;
};

/// Splits an `http://` or `https://` URL; empty when it is neither or has no host.
std::optional<target> parse_url(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;

  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;

  const std::size_t host_start = scheme_end + 3;
  const std::size_t path_start = url.find_first_of("/?#", host_start);
  const std::string authority = url.substr(host_start, path_start - host_start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;

  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  path = path.substr(0, path.find('#'));
  if (path.empty() || path[0] == '?') path.insert(0, "/");
  return target{scheme + "://" + authority, path};
}

/// A fresh random version-4 UUID, as each new delivery gets.
std::string random_uuid_v4() {
  std::random_device entropy;
  mw::uuid id;
  for (std::size_t i = 0; i < id.bytes.size(); i += 4) {
    const std::uint32_t word = entropy();
    for (std::size_t j = 0; j < 4; ++j)
      id.bytes[i + j] = static_cast<std::uint8_t>(word >> 8 * j);
  }

  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x40);
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return std::string(id.text().view());
}

/// Empty when `text` is "now" or unix seconds as decimal digits, else why it is neither.
std::string check_timestamp(const std::string& text) {
  if (text == "now") return {};

  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  return digits ? std::string()
                : "must be 'now' or unix seconds (decimal digits), not '" + text + "'";
}

/// A header given with `--header`, split at its first colon.
struct extra_header {
  std::string name;
  std::string value;
};

/// Splits `NAME:VALUE`, dropping the spaces after the colon; empty when it is not a header.
std::optional<extra_header> split_header(const std::string& text) {
  const std::size_t colon = text.find(':');
  if (colon == 0 || colon == std::string::npos) return std::nullopt;

  const std::string name = text.substr(0, colon);
  const bool token = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return c > 32 && c < 127 && std::strchr("()<>@,;:\\\"/[]?={}", c) == nullptr;
  });
  if (!token || text.find_first_of("\r\n") != std::string::npos) return std::nullopt;

  const std::size_t value_start = text.find_first_not_of(" \t", colon + 1);
  return extra_header{name, value_start == std::string::npos ? "" : text.substr(value_start)};
}

/// Reads the whole file as bytes; empty, with `why` set, when it cannot.
std::optional<std::string> read_file(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }

  std::ostringstream bytes;
  if (in.peek() != std::ifstream::traits_type::eof()) bytes << in.rdbuf();
  if (in.bad() || bytes.fail()) {
    why = "read failed (is it a directory?)";
    return std::nullopt;
  }
  return bytes.str();
}

/// A wait as a person reads it: 30ms, 1.8s, 30s, 5m, 2h.
std::string describe_delay(std::chrono::milliseconds delay) {
  const auto ms = delay.count();
  if (ms >= 3'600'000 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms >= 60'000 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms >= 1'000 && ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  if (ms >= 1'000) return std::to_string(ms / 1'000) + "." + std::to_string(ms % 1'000 / 100) + "s";
  return std::to_string(ms) + "ms";
}

/// True when `host` (a name or an address, IPv6 in brackets) resolves to an address.
bool resolves(std::string host) {
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) freeaddrinfo(found);
  return rc == 0;
}

/// The host part of `scheme://host[:port]`.
std::string host_of(const std::string& origin) {
  const std::string authority = origin.substr(origin.find("://") + 3);
  if (!authority.empty() && authority.front() == '[') {
    return authority.substr(0, authority.find(']') + 1);
  }
  return authority.substr(0, authority.find(':'));
}

/// Why an attempt got no answer, in a few words.
/// \note httplib keeps no errno: a quick connect failure to a host that resolves is reported
/// as refused, although an unreachable network fails as quickly.
std::string describe_failure(httplib::Error error, const std::string& origin,
                             bool ran_out_of_time) {
  using httplib::Error;
  switch (error) {
    case Error::Connection:
      if (ran_out_of_time) return "connect timeout";
      if (!resolves(host_of(origin))) return "unknown host";
      return "connection refused";
    case Error::ConnectionTimeout: return "connect timeout";
    case Error::Read: return ran_out_of_time ? "timeout" : "connection closed without a response";
    case Error::Write: return ran_out_of_time ? "timeout" : "connection closed while sending";
    case Error::Canceled: return "timeout";
    case Error::SSLConnection: return "TLS handshake failed";
    case Error::SSLServerVerification:
      return "TLS certificate not trusted (--insecure skips the check)";
    case Error::SSLLoadingCerts: return "TLS trust store not loaded";
    default: return "request failed (" + httplib::to_string(error) + ")";
  }
}

/// Everything one delivery needs, read from the command line.
struct delivery {
  target to;
  std::string body;
  std::string id;
  std::string timestamp = "now";
  std::vector<extra_header> headers;
  sender::schedule retries = sender::schedule::megaport;
  double timeout_seconds = 5;
  bool insecure = false;
  std::string secret;  ///< `whsec_...`: sign each attempt (`webhook-signature: v1,...`)
};

/// The system clock in whole unix seconds, as `webhook-timestamp` carries it.
std::string unix_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count());
}

/// The headers of one attempt: the provider's, then `--header`s, which replace same-named ones.
httplib::Headers attempt_headers(const delivery& d) {
  const std::string stamp = d.timestamp == "now" ? unix_now() : d.timestamp;

  httplib::Headers headers = {
      {"webhook-id", d.id},
      {"webhook-timestamp", stamp},
      {"Content-Type", "application/json"},
      {"User-Agent", std::string(program) + "/" + MEGAPORT_WEBHOOKS_VERSION_STRING},
  };
#if MEGAPORT_WEBHOOKS_SENDER_SIGNS
  if (!d.secret.empty()) {
    // Checked when parsed, so signing cannot fail on the secret here.
    headers.emplace("webhook-signature", mw::sign_v1(d.secret, d.id, stamp, d.body).value);
  }
#endif
  for (const extra_header& h : d.headers)
    headers.erase(h.name);
  for (const extra_header& h : d.headers)
    headers.emplace(h.name, h.value);
  return headers;
}

/// Sends one attempt and prints its line. True when it was answered with a 2xx status.
/// \note The timeout bounds the connect, each write and each read, and the whole body once
/// it arrives; a server that trickles its status line and headers can outlast it.
bool attempt(const delivery& d, std::size_t number, std::size_t attempts,
             std::optional<std::chrono::milliseconds> next_delay) {
  const auto timeout = std::chrono::duration<double>(d.timeout_seconds);
  const auto whole = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - whole);

  httplib::Client client(d.to.origin);
  client.set_connection_timeout(whole.count(), micros.count());
  client.set_read_timeout(whole.count(), micros.count());
  client.set_write_timeout(whole.count(), micros.count());
  client.set_follow_location(false);
  client.set_keep_alive(false);
  client.enable_server_certificate_verification(!d.insecure);

  const auto start = steady::now();
  const auto deadline = start + std::chrono::duration_cast<steady::duration>(timeout);
  httplib::Request request;
  request.method = "POST";
  request.path = d.to.path;
  request.headers = attempt_headers(d);
  request.body = d.body;
  request.progress = [deadline](std::uint64_t, std::uint64_t) { return steady::now() < deadline; };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool answered = client.send(request, response, error);
  const auto elapsed = steady::now() - start;
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);

  std::string outcome;
  bool delivered = false;
  if (answered) {
    delivered = response.status >= 200 && response.status <= 299;
    outcome = "status=" + std::to_string(response.status);
    if (response.status >= 300 && response.status <= 399) outcome += " (redirect not followed)";
  } else {
    outcome = describe_failure(error, d.to.origin, elapsed >= timeout * 0.95);
  }

  std::string verdict = "delivered";
  if (!delivered) {
    verdict = next_delay ? "failed; retry in " + describe_delay(*next_delay) : "failed; giving up";
  }
  std::cout << "attempt " << number << "/" << attempts << " id=" << d.id
            << " latency=" << latency.count() << "ms " << outcome << ", " << verdict << std::endl;
  return delivered;
}

/// Sends the delivery on its schedule until an attempt succeeds or none is left.
int deliver(const delivery& d) {
  const std::vector<std::chrono::milliseconds> delays = sender::retry_delays(d.retries);
  const std::size_t attempts = delays.size() + 1;

  for (std::size_t i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(delays[i - 1]);

    std::optional<std::chrono::milliseconds> next;
    if (i < delays.size()) next = delays[i];
    if (attempt(d, i + 1, attempts, next)) return exit_delivered;
  }

  std::cerr << program << ": not delivered after " << attempts
            << (attempts == 1 ? " attempt" : " attempts") << std::endl;
  return exit_failed;
}

/// Prints a usage problem as one line on stderr and returns the usage exit code.
int usage_error(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::cerr << program << ": " << message << " (see --help)" << std::endl;
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "Sends one webhook delivery to URL the way Megaport does: POST, webhook-id and "
      "webhook-timestamp headers, JSON body, retries on anything but 2xx, no redirects.",
      program};
  app.set_version_flag("--version", MEGAPORT_WEBHOOKS_VERSION_STRING);

  std::string url, body_file, event = "login_failure", schedule_name = "megaport";
  std::vector<std::string> header_texts;
  delivery d;

  app.add_option("URL", url, "Endpoint to deliver to (http:// or https://)")->required();
  auto* body_option =
      app.add_option("--body", body_file, "Send this file's bytes exactly as the body")
          ->type_name("FILE");
  app.add_option("--event", event, "Send a built-in sample of this kind (default login_failure)")
      ->type_name("KIND")
      ->check(CLI::IsMember(
          std::vector<std::string>(std::begin(sender::event_kinds), std::end(sender::event_kinds))))
      ->excludes(body_option);
  app.add_option("--id", d.id, "Delivery id to send (default: a fresh random UUID v4)")
      ->type_name("UUID")
      ->check(CLI::Validator(
          [](std::string& text) {
            return mw::parse_uuid(text) ? std::string() : "'" + text + "' is not a UUID";
          },
          ""));
  app.add_option("--timestamp", d.timestamp,
                 "webhook-timestamp to send: 'now' at each attempt (default) or fixed unix seconds")
      ->type_name("now|UNIX")
      ->check(CLI::Validator(check_timestamp, ""));
  app.add_option("--schedule", schedule_name,
                 "Retries: megaport (30s 5m 30m 2h 8h 24h), fast (the same / 1000) or none")
      ->type_name("NAME")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(sender::schedule_names),
                                                     std::end(sender::schedule_names))));
  app.add_option("--timeout", d.timeout_seconds,
                 "Seconds to wait for connect, each send and each read (default 5)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--header", header_texts,
                 "Extra header, repeatable; replaces a default header of the same name")
      ->type_name("NAME:VALUE")
      ->allow_extra_args(false)
      ->check(CLI::Validator(
          [](std::string& text) {
            return split_header(text) ? std::string() : "'" + text + "' is not NAME:VALUE";
          },
          ""));
  app.add_flag("--insecure", d.insecure, "For https: skip certificate verification");
  app.add_option("--secret", d.secret,
                 "Sign each attempt with this Standard Webhooks secret (webhook-signature: v1,...)")
      ->type_name("whsec_...");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return usage_error(e.what());
  }

  const std::optional<target> to = parse_url(url);
  if (!to)
    return usage_error("URL must be http://HOST[:PORT][/PATH] or https://..., not '" + url + "'");
  d.to = *to;
  d.retries = *sender::parse_schedule(schedule_name);
  for (const std::string& text : header_texts)
    d.headers.push_back(*split_header(text));
  if (d.id.empty()) d.id = random_uuid_v4();
  if (!d.secret.empty()) {
#if MEGAPORT_WEBHOOKS_SENDER_SIGNS
    if (const auto key = mw::decode_secret(d.secret); !key) {
      return usage_error("--secret: " + key.error.message());
    }
#else
    return usage_error("--secret: this build cannot sign (built without OpenSSL 3)");
#endif
  }

  if (!body_file.empty()) {
    std::string why;
    std::optional<std::string> bytes = read_file(body_file, why);
    if (!bytes) return usage_error("cannot read --body " + body_file + ": " + why);
    d.body = std::move(*bytes);
  } else {
    d.body = *sender::sample_body(event, std::chrono::system_clock::now());
  }

  return deliver(d);
}
