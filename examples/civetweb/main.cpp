// megaport-webhooks-example-civetweb: a complete Megaport webhook endpoint on CivetWeb, with an
// in-memory dedupe store; appends each processed event to --events-out as one JSON line.

#include <civetweb.h>

#include <CLI/CLI.hpp>
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/adapters/civetweb.hpp>

#include <csignal>
#include <cstdio>
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
  std::fprintf(stderr, "megaport-webhooks-example-civetweb: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8080", events_path;
  CLI::App app{"Receives Megaport webhook deliveries on CivetWeb."};
  app.add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
  app.add_option("--events-out", events_path, "append each processed event here as a JSON line");
  CLI11_PARSE(app, argc, argv);
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

  mg_init_library(0);
  const char* options[] = {
      "listening_ports",   listen.c_str(), "num_threads", "16", "request_timeout_ms", "5000",
      "enable_keep_alive", "yes",          nullptr};
  mg_callbacks callbacks{};
  mg_context* context = mg_start(&callbacks, nullptr, options);
  if (!context) return fail("cannot listen on " + listen);
  mw::adapters::civetweb_route(context, "/webhooks/megaport", receiver);

  int signal = 0;
  sigwait(&stop, &signal);
  mg_stop(context);  // returns once the workers finished their requests
  mg_exit_library();
  if (events_out) std::fclose(events_out);
  return 0;
}
