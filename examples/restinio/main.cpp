// megaport-webhooks-example-restinio: a complete Megaport webhook endpoint on RESTinio, with an
// in-memory dedupe store; appends each processed event to --events-out as one JSON line.

#include <restinio/all.hpp>

#include <CLI/CLI.hpp>
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/adapters/restinio.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>

#include <pthread.h>

namespace mw = megaport::webhooks;

namespace {

std::FILE* events_out = nullptr;
std::mutex events_mutex;

// Writes one processed event as a JSON line; a failed write fails the delivery (500, retried).
template <class Payload>
bool record(const mw::delivery<>& d, const Payload& payload) {
  if (!events_out) return true;
  std::string line;
  mw::append_event_json(line, d, payload);
  line += '\n';
  const std::lock_guard<std::mutex> lock(events_mutex);
  return std::fwrite(line.data(), 1, line.size(), events_out) == line.size() &&
         std::fflush(events_out) == 0;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "megaport-webhooks-example-restinio: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8080", events_path;
  CLI::App app{"Receives Megaport webhook deliveries on RESTinio."};
  app.add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
  app.add_option("--events-out", events_path, "append each processed event here as a JSON line");
  CLI11_PARSE(app, argc, argv);
  const auto colon = listen.rfind(':');
  const int port = colon == std::string::npos ? 0 : std::atoi(listen.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return fail("--listen wants HOST:PORT, got " + listen);
  if (!events_path.empty() && !(events_out = std::fopen(events_path.c_str(), "a"))) {
    return fail("cannot open --events-out file " + events_path);
  }

  mw::memory_store store;
  mw::receiver<> receiver(store);
  auto write = [](const mw::delivery<>& d, const auto& payload) { return record(d, payload); };
  receiver.on<mw::user_registration>(write).on<mw::login_failure>(write);
  receiver.on<mw::password_reset_request>(write).on_unknown(write);

  // Signals are taken by sigwait below, so every thread started from here on blocks them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  try {  // RESTinio reports a bad address or a port in use by throwing
    auto server =
        restinio::run_async(restinio::own_io_context(),
                            restinio::server_settings_t<>{}
                                .address(listen.substr(0, colon))
                                .port(static_cast<std::uint16_t>(port))
                                .read_next_http_message_timelimit(std::chrono::seconds(5))
                                .incoming_http_msg_limits(mw::adapters::restinio_limits(receiver))
                                .request_handler(mw::adapters::restinio_handler(receiver)),
                            2);
    int signal = 0;
    sigwait(&stop, &signal);
    server->stop();
    server->wait();
  } catch (const std::exception& e) {
    return fail("cannot listen on " + listen + ": " + e.what());
  }
  if (events_out) std::fclose(events_out);
  return 0;
}
