// Acknowledgements per second through the durable inbox, and their latency, at both durability
// levels: client threads hand fresh deliveries to a receiver on a sqlite_inbox (each answer is
// 202 only once the delivery is committed to the file) while two workers process them.
//
//   megaport-webhooks-inbox-ack [SECONDS] [THREADS]      (defaults: 5 s, 16 threads)
//
// Prints one line per level: inbox/ack/LEVEL acks/s, p50 and p99 of the answer's latency.

#include <megaport/webhooks.hpp>
#include <megaport/webhooks/inbox.hpp>
#include <megaport/webhooks/sqlite_inbox.hpp>
#include <megaport/webhooks/testing.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace mw = megaport::webhooks;
using clock_type = std::chrono::steady_clock;

namespace {

struct figures {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::size_t refused = 0;
};

figures run(mw::durability level, double seconds, unsigned threads) {
  char path[] = "/tmp/megaport-inbox-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd >= 0) close(fd);

  mw::sqlite_inbox_options options;
  options.level = level;
  auto inbox = mw::sqlite_inbox::open(path, options);
  if (!inbox) {
    std::fprintf(stderr, "cannot open an inbox in %s\n", path);
    std::exit(1);
  }
  mw::receiver<> receiver(**inbox);
  receiver.on<mw::login_failure>([](const mw::delivery<>&, const mw::login_failure&) {});
  mw::inbox_workers<mw::receiver<>> workers(**inbox, receiver);
  if (!std::getenv("INBOX_BENCH_NO_WORKERS")) workers.start();

  // Requests are made before the clock starts, so that only the receiver is timed.
  std::vector<std::vector<mw::testing::test_request>> requests(threads);
  for (auto& mine : requests) {
    for (int i = 0; i < 12000; ++i)
      mine.push_back(mw::testing::delivery_builder::login_failure().build());
  }

  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::size_t> refused(threads, 0);
  std::vector<std::thread> clients;
  for (unsigned t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      while (!go.load())
        std::this_thread::yield();
      for (const auto& request : requests[t]) {
        if (stop.load(std::memory_order_relaxed)) break;
        const auto started = clock_type::now();
        const auto answer = receiver.handle(request.view());
        const auto took = clock_type::now() - started;
        latencies[t].push_back(std::chrono::duration<double, std::micro>(took).count());
        if (answer.status() != 202) ++refused[t];
      }
    });
  }

  const auto started = clock_type::now();
  go.store(true);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& c : clients)
    c.join();
  const double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  workers.stop();
  inbox->reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((std::string(path) + suffix).c_str());

  std::vector<double> all;
  figures f;
  for (unsigned t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    f.refused += refused[t];
  }
  std::sort(all.begin(), all.end());
  if (all.empty()) return f;
  f.per_second = static_cast<double>(all.size() - f.refused) / elapsed;
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[all.size() * 99 / 100];
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 16;

  for (auto level : {mw::durability::process_crash, mw::durability::power_loss}) {
    const figures f = run(level, seconds, threads);
    std::printf("inbox/ack/%s %.0f acks/s p50 %.0f us p99 %.0f us (%u threads, %zu not 202)\n",
                level == mw::durability::process_crash ? "process_crash" : "power_loss",
                f.per_second, f.p50_us, f.p99_us, threads, f.refused);
  }
  return 0;
}
