// megaport-webhooks-example-beast: a complete Megaport webhook endpoint on Boost.Beast, with an
// in-memory dedupe store; appends each processed event to --events-out as one JSON line.

#include <boost/asio.hpp>

#include <CLI/CLI.hpp>
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/adapters/beast.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mw = megaport::webhooks;
namespace net = boost::asio;

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
  std::fprintf(stderr, "megaport-webhooks-example-beast: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8080", events_path;
  CLI::App app{"Receives Megaport webhook deliveries on Boost.Beast."};
  app.add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
  app.add_option("--events-out", events_path, "append each processed event here as a JSON line");
  CLI11_PARSE(app, argc, argv);

  const auto colon = listen.rfind(':');
  boost::system::error_code bad;
  const auto address = net::ip::make_address(listen.substr(0, colon), bad);
  const int port = colon == std::string::npos ? 0 : std::atoi(listen.c_str() + colon + 1);
  if (bad || port <= 0 || port > 65535) return fail("--listen wants HOST:PORT: " + listen);
  if (!events_path.empty() && !(events_out = std::fopen(events_path.c_str(), "a"))) {
    return fail("cannot open --events-out file " + events_path);
  }

  mw::memory_store store;
  mw::receiver<> receiver(store);
  auto write = [](const mw::delivery<>& d, const auto& payload) { return record(d, payload); };
  receiver.on<mw::user_registration>(write).on<mw::login_failure>(write);
  receiver.on<mw::password_reset_request>(write).on_unknown(write);

  net::io_context io;
  net::ip::tcp::acceptor acceptor(io);
  const net::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  if (acceptor.bind(endpoint, bad) ||
      acceptor.listen(net::socket_base::max_listen_connections, bad)) {
    return fail("cannot listen on " + listen + ": " + bad.message());
  }
  mw::adapters::beast_accept(acceptor, receiver);

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
  if (events_out) std::fclose(events_out);
  return 0;
}
