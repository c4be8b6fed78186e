// megaport-webhook-receiver: a webhook endpoint built on megaport-webhooks and Boost.Beast.
// Verifies, dedupes and processes deliveries, appends each processed event to a JSON-lines
// file, and logs one line per delivery on stderr with no personal data in it.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <CLI/CLI.hpp>
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/adapters/beast.hpp>
#include <megaport/webhooks/json_writer.hpp>
#include <megaport/webhooks/memory_store.hpp>
#include <megaport/webhooks/receiver.hpp>
#if RECEIVER_WITH_SQLITE
#include <megaport/webhooks/sqlite_inbox.hpp>
#include <megaport/webhooks/sqlite_store.hpp>
#endif
#if RECEIVER_WITH_REDIS
#include <megaport/webhooks/redis_store.hpp>
#endif
#if RECEIVER_WITH_SIGNATURE
#include <megaport/webhooks/signature.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#ifndef RECEIVER_WITH_SQLITE
#define RECEIVER_WITH_SQLITE 0
#endif
#ifndef RECEIVER_WITH_REDIS
#define RECEIVER_WITH_REDIS 0
#endif
#ifndef RECEIVER_WITH_SIGNATURE
#define RECEIVER_WITH_SIGNATURE 0
#endif

namespace mw = megaport::webhooks;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct settings {
  std::string listen = "127.0.0.1:8080";
  std::string path = "/webhooks/megaport";
  std::string dedupe = RECEIVER_WITH_SQLITE ? "sqlite:./megaport-webhooks.db" : "memory";
  long tolerance = 300;
  long lease = 30;
  long retention = 48 * 3600;
  std::size_t max_body = 1048576;
  std::string events_out;
  std::vector<std::string> maps;
  std::string tls_cert;
  std::string tls_key;
  std::string inbox;
  unsigned threads = 0;  // 0: chosen from the store (serving_threads)
  unsigned workers = 2;
  unsigned max_attempts = 10;
  std::string id_format = "uuid";
  std::vector<std::string> secrets;
  std::vector<std::string> public_keys;
  std::string signature;
};

#if RECEIVER_WITH_SIGNATURE
using signature_type = mw::signature_verifier;

// The verifier the flags ask for: required as soon as a secret or key is given, unless told.
std::optional<signature_type> make_signature(const settings& s, std::string& problem) {
  const bool keyed = !s.secrets.empty() || !s.public_keys.empty();
  const std::string mode = s.signature.empty() ? (keyed ? "required" : "off") : s.signature;
  if (mode != "off" && !keyed) {
    problem = "--signature " + mode + " needs --secret or --public-key";
    return std::nullopt;
  }

  signature_type verifier(mode == "required"     ? mw::signature_mode::required
                          : mode == "if-present" ? mw::signature_mode::verify_if_present
                                                 : mw::signature_mode::off);
  for (const auto& secret : s.secrets) {
    if (std::error_code e = verifier.add_secret(secret)) {
      problem = "--secret: " + e.message();
      return std::nullopt;
    }
  }
  for (const auto& key : s.public_keys) {
    if (std::error_code e = verifier.add_public_key(key)) {
      problem = "--public-key: " + e.message();
      return std::nullopt;
    }
  }
  return verifier;
}
#else
using signature_type = mw::no_signature;

std::optional<signature_type> make_signature(const settings&, std::string&) {
  return signature_type{};
}
#endif

using receiver_type = mw::receiver<mw::default_event_set, mw::tolerance_window, signature_type>;

// Appends processed events to a file, one JSON object a line, flushed line by line.
class event_log {
 public:
  bool open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ != nullptr;
  }

  ~event_log() {
    if (file_) std::fclose(file_);
  }

  template <class Payload>
  bool write(const mw::delivery<>& d, const Payload& payload) {
    if (!file_) return true;

    std::string line;
    mw::append_event_json(line, d, payload);
    line += '\n';

    const std::lock_guard<std::mutex> lock(mutex_);
    return std::fwrite(line.data(), 1, line.size(), file_) == line.size() &&
           std::fflush(file_) == 0;
  }

 private:
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
};

void log_report(const mw::report& r) {
  char when[mw::timestamp_text_size];
  const std::size_t when_size = mw::format_timestamp(std::chrono::system_clock::now(), when);
  char reason[192] = "-";
  if (r.reason) reason[r.reason.format(reason, sizeof reason - 1)] = '\0';
  const auto outcome = mw::to_string(r.outcome);
  std::fprintf(
      stderr, "%.*s status=%d outcome=%.*s reason=\"%s\" id=%.*s type=%.*s latency_us=%lld\n",
      static_cast<int>(when_size), when, r.status, static_cast<int>(outcome.size()), outcome.data(),
      reason, static_cast<int>(r.id.size()), r.id.data(), static_cast<int>(r.type.size()),
      r.type.data(), static_cast<long long>(r.elapsed.count() / 1000));
}

void log_inbox_report(const mw::inbox_report& r) {
  char when[mw::timestamp_text_size];
  const std::size_t when_size = mw::format_timestamp(std::chrono::system_clock::now(), when);
  char reason[192] = "-";
  if (r.reason) reason[r.reason.format(reason, sizeof reason - 1)] = '\0';
  const auto outcome = mw::to_string(r.outcome);
  std::fprintf(stderr, "%.*s inbox outcome=%.*s reason=\"%s\" id=%.*s attempt=%u latency_us=%lld\n",
               static_cast<int>(when_size), when, static_cast<int>(outcome.size()), outcome.data(),
               reason, static_cast<int>(r.id.size()), r.id.data(), r.attempt,
               static_cast<long long>(r.elapsed.count() / 1000));
}

bool split_listen(const std::string& listen, std::string& host, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  port = std::stoi(digits);
  return port > 0 && port < 65536;
}

std::unique_ptr<mw::dedupe_store> make_store(const settings& s, std::string& problem) {
  const std::string& spec = s.dedupe;
  const std::chrono::seconds lease(s.lease);
  const std::chrono::seconds retention(s.retention);
  std::string known = "memory";
  if (spec == "memory") {
    mw::memory_store_options options;
    options.policy.lease = lease;
    options.policy.retention = retention;
    return std::make_unique<mw::memory_store>(options);
  }

#if RECEIVER_WITH_SQLITE
  known += ", sqlite:FILE";
  if (spec.rfind("sqlite:", 0) == 0) {
    mw::sqlite_store_options options;
    options.lease = lease;
    options.retention = retention;
    auto store = mw::sqlite_store::open(spec.substr(7), options);
    if (store) return std::move(*store);
    problem = "cannot open --dedupe " + spec + ": " + store.failure().message();
    return nullptr;
  }
#endif

#if RECEIVER_WITH_REDIS
  known += ", redis://HOST:PORT[/DB]";
  if (spec.rfind("redis://", 0) == 0) {
    mw::redis_store_options options;
    options.lease = lease;
    options.retention = retention;
    auto store = mw::redis_store::open(spec, options);
    if (store) return std::move(*store);
    problem = "cannot use --dedupe " + spec + ": " + store.failure().message();
    return nullptr;
  }
#endif

  problem = "unknown --dedupe store '" + spec + "' (this build knows: " + known + ")";
  return nullptr;
}

// The memory store never waits, so one thread a core serves best; the other stores and the inbox
// wait on disk or network inside the handler, so more threads keep the others' requests going
// (and give the inbox's group commit deliveries to share a transaction).
unsigned serving_threads(const settings& s) {
  if (s.threads != 0) return s.threads;
  if (s.inbox.empty() && s.dedupe == "memory") {
    return std::max(1u, std::thread::hardware_concurrency());
  }
  return 64;
}

// Opens, binds and listens on HOST:PORT; HOST may be a name, an IPv4 or an IPv6 address.
bool listen_on(tcp::acceptor& acceptor, const std::string& host, int port) {
  boost::system::error_code failure;
  tcp::resolver resolver(acceptor.get_executor());
  const auto found = resolver.resolve(
      host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, failure);
  if (failure || found.empty()) return false;

  const tcp::endpoint endpoint = found.begin()->endpoint();
  acceptor.open(endpoint.protocol(), failure);
  if (!failure) acceptor.set_option(net::socket_base::reuse_address(true), failure);
  if (!failure) acceptor.bind(endpoint, failure);
  if (!failure) acceptor.listen(net::socket_base::max_listen_connections, failure);
  return !failure;
}

// A TLS 1.2+ server context with the certificate chain and its key, or nothing when the files
// are not a certificate and its private key.
std::unique_ptr<net::ssl::context> make_tls(const settings& s) {
  auto tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  boost::system::error_code failure;
  tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::no_compression,
                   failure);
  if (!failure) tls->use_certificate_chain_file(s.tls_cert, failure);
  if (!failure) tls->use_private_key_file(s.tls_key, net::ssl::context::pem, failure);
  if (failure || SSL_CTX_check_private_key(tls->native_handle()) != 1) return nullptr;
  return tls;
}

// Serves until a stop signal, then lets every request under way be answered before it returns.
// Each thread runs an io_context of its own (`serving` holds them, the acceptor is on the
// first), and connections are spread over them in turn: a session never changes thread, so it
// needs no strand, and no thread waits on another's lock.
template <class Stream>
void serve(std::vector<std::unique_ptr<net::io_context>>& serving, tcp::acceptor& acceptor,
           receiver_type& receiver, const mw::adapters::beast_session_options& options,
           std::function<Stream(tcp::socket)> make_stream, const sigset_t& stop_signals) {
  mw::adapters::beast_listener<receiver_type, Stream> listener(acceptor, receiver, options,
                                                               std::move(make_stream));
  std::vector<net::any_io_executor> executors;
  using work_guard = net::executor_work_guard<net::io_context::executor_type>;
  std::vector<work_guard> keep_running;  // until the stop: a context may have no session yet
  for (auto& context : serving) {
    executors.push_back(context->get_executor());
    keep_running.push_back(net::make_work_guard(*context));
  }
  listener.spread_over(std::move(executors));
  listener.start();

  std::atomic<bool> signalled{false};
  std::thread stopper([&listener, &stop_signals, &signalled, &keep_running] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    signalled = true;
    listener.stop([&keep_running] {
      for (auto& guard : keep_running) {
        guard.reset();
      }
    });
  });

  std::vector<std::thread> others;
  for (std::size_t i = 1; i < serving.size(); ++i) {
    others.emplace_back([context = serving[i].get()] { context->run(); });
  }
  serving.front()->run();  // each run returns once its sessions have ended after the stop
  for (auto& other : others) {
    other.join();
  }

  if (!signalled) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
}

int fail(const std::string& message) {
  std::fprintf(stderr, "megaport-webhook-receiver: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  CLI::App app{"Receives Megaport webhook deliveries."};
  app.add_option("--listen", s.listen, "HOST:PORT to listen on")->capture_default_str();
  app.add_option("--path", s.path, "route of the endpoint; other paths answer 404")
      ->capture_default_str();
  app.add_option("--dedupe", s.dedupe, "dedupe store: memory, sqlite:FILE, redis://HOST:PORT[/DB]")
      ->capture_default_str();
  app.add_option("--tolerance", s.tolerance, "freshness window in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0L, 86400L * 365));
  app.add_option("--lease", s.lease, "seconds a claim holds an id before a retry may take it")
      ->capture_default_str()
      ->check(CLI::Range(1L, 3600L));
  app.add_option("--retention", s.retention,
                 "seconds a processed id is remembered (under 35 h lets late retries through)")
      ->capture_default_str()
      ->check(CLI::Range(1L, 86400L * 30));
  app.add_option("--max-body", s.max_body, "largest body accepted, in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--threads", s.threads,
                 "threads serving HTTP (default: one a core with --dedupe memory, else 64)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--events-out", s.events_out, "append each processed event here as a JSON line");
  app.add_option("--map", s.maps, "bind an event code to a payload kind: CODE=KIND (repeatable)");
  auto* cert = app.add_option("--tls-cert", s.tls_cert, "certificate (PEM) to serve HTTPS with")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", s.tls_key, "private key (PEM) of --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--id-format", s.id_format, "webhook-id values accepted: uuid, or any (msg_...)")
      ->capture_default_str()
      ->check(CLI::IsMember({"uuid", "any"}));
#if RECEIVER_WITH_SIGNATURE
  app.add_option("--secret", s.secrets, "verify Standard Webhooks v1 signatures (whsec_...)");
  app.add_option("--public-key", s.public_keys, "verify v1a (ed25519) signatures (whpk_...)");
  app.add_option("--signature", s.signature,
                 "off, if-present or required; default: required when a secret or key is given")
      ->check(CLI::IsMember({"off", "if-present", "required"}));
#endif
#if RECEIVER_WITH_SQLITE
  auto* inbox_flag = app.add_option(
      "--inbox", s.inbox,
      "acknowledge with 202 once stored in this inbox (sqlite:FILE), process in the background");
  app.add_option("--workers", s.workers, "threads processing the inbox")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_option("--max-attempts", s.max_attempts,
                 "processing attempts before an inbox delivery is dead-lettered")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  inbox_flag->excludes(app.get_option("--dedupe"));
#endif
  CLI11_PARSE(app, argc, argv);

  // Signals are taken by one thread, so that shutdown runs outside any signal handler. They are
  // blocked before any thread starts (the stores and the inbox start some), since threads
  // inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string host;
  int port = 0;
  if (!split_listen(s.listen, host, port))
    return fail("--listen wants HOST:PORT, got '" + s.listen + "'");

  std::string problem;
  std::unique_ptr<mw::dedupe_store> store;
#if RECEIVER_WITH_SQLITE
  std::unique_ptr<mw::sqlite_inbox> inbox;
  if (!s.inbox.empty()) {
    if (s.inbox.rfind("sqlite:", 0) != 0) return fail("--inbox wants sqlite:FILE");
    mw::sqlite_inbox_options inbox_options;
    inbox_options.retention = std::chrono::seconds(s.retention);
    auto opened = mw::sqlite_inbox::open(s.inbox.substr(7), inbox_options);
    if (!opened) return fail("cannot open --inbox " + s.inbox);
    inbox = std::move(*opened);
  }
#endif
  if (s.inbox.empty()) {
    store = make_store(s, problem);
    if (!store) return fail(problem);
  }

  event_log events;
  if (!s.events_out.empty() && !events.open(s.events_out)) {
    return fail("cannot open --events-out file '" + s.events_out + "'");
  }

  mw::receiver_options options;
  options.max_body = s.max_body;
  options.ids = s.id_format == "any" ? mw::id_format::any : mw::id_format::uuid;
  const mw::tolerance_window freshness(std::chrono::seconds(s.tolerance));

  auto signature = make_signature(s, problem);
  if (!signature) return fail(problem);

#if RECEIVER_WITH_SQLITE
  auto made =
      inbox ? std::make_unique<receiver_type>(*inbox, options, freshness, std::move(*signature))
            : std::make_unique<receiver_type>(*store, options, freshness, std::move(*signature));
#else
  auto made = std::make_unique<receiver_type>(*store, options, freshness, std::move(*signature));
#endif
  receiver_type& receiver = *made;
  for (const auto& map : s.maps) {
    const auto eq = map.find('=');
    if (eq == std::string::npos || eq == 0 ||
        !receiver.events().bind(map.substr(0, eq), map.substr(eq + 1))) {
      return fail(
          "--map wants CODE=KIND with KIND one of user_registration, login_failure, "
          "password_reset_request, unknown; got '" +
          map + "'");
    }
  }

  auto record = [&events](const mw::delivery<>& d, const auto& payload) {
    return events.write(d, payload);
  };
  receiver.on<mw::user_registration>(record)
      .on<mw::login_failure>(record)
      .on<mw::password_reset_request>(record)
      .on_unknown(record)
      .observe(log_report);

  std::unique_ptr<net::ssl::context> tls;
  if (!s.tls_cert.empty()) {
    tls = make_tls(s);
    if (!tls) return fail("cannot use --tls-cert/--tls-key: not a valid pair");
  }

  std::vector<std::unique_ptr<net::io_context>> serving;
  for (unsigned i = serving_threads(s); i > 0; --i) {
    serving.push_back(std::make_unique<net::io_context>(1));  // 1: run by one thread
  }
  tcp::acceptor acceptor(*serving.front());
  if (!listen_on(acceptor, host, port)) return fail("cannot listen on " + s.listen);

  mw::adapters::beast_session_options session_options;
  session_options.path = s.path;

#if RECEIVER_WITH_SQLITE
  std::unique_ptr<mw::inbox_workers<receiver_type>> workers;
  if (inbox) {
    mw::inbox_worker_options worker_options;
    worker_options.workers = s.workers;
    worker_options.lease = std::chrono::seconds(s.lease);
    worker_options.retries.max_attempts = s.max_attempts;
    worker_options.observer = log_inbox_report;
    workers = std::make_unique<mw::inbox_workers<receiver_type>>(*inbox, receiver, worker_options);
    workers->start();
  }
#endif

  std::fprintf(stderr, "megaport-webhook-receiver: listening on %s%s, route %s, %s %s\n",
               tls ? "https://" : "http://", s.listen.c_str(), s.path.c_str(),
               s.inbox.empty() ? "dedupe" : "inbox",
               s.inbox.empty() ? s.dedupe.c_str() : s.inbox.c_str());
  if (tls) {
    using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
    serve<tls_stream>(
        serving, acceptor, receiver, session_options,
        [&tls](tcp::socket socket) { return tls_stream(std::move(socket), *tls); }, stop_signals);
  } else {
    serve<boost::beast::tcp_stream>(
        serving, acceptor, receiver, session_options,
        [](tcp::socket socket) { return boost::beast::tcp_stream(std::move(socket)); },
        stop_signals);
  }

#if RECEIVER_WITH_SQLITE
  if (workers) workers->stop();  // each worker finishes the delivery it holds
#endif
  std::fprintf(stderr, "megaport-webhook-receiver: stopped\n");
  return 0;
}
