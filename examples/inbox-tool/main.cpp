// megaport-webhook-inbox: what an operator needs to look into a receiver's durable inbox and
// bring dead deliveries back: list, show, retry, retry-dead, purge-done.

#include <CLI/CLI.hpp>
#include <megaport/webhooks/sqlite_inbox.hpp>
#include <megaport/webhooks/timestamp.hpp>

#include <cstdio>
#include <string>

namespace mw = megaport::webhooks;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "megaport-webhook-inbox: %s\n", message.c_str());
  return 1;
}

std::string when(std::int64_t unix_ms) {
  char text[mw::timestamp_text_size];
  const mw::utc_time t{std::chrono::milliseconds(unix_ms)};
  return std::string(text, mw::format_timestamp(t, text));
}

void print_row(const mw::inbox_entry& e) {
  const auto state = mw::to_string(e.status);
  std::printf("%s  %-6.*s  attempts=%u  received=%s  next=%s%s%s\n", e.id.c_str(),
              static_cast<int>(state.size()), state.data(), e.attempts, when(e.received_ms).c_str(),
              when(e.next_ms).c_str(),
              e.last_error.empty() ? "" : "  last_error=", e.last_error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  std::string id;
  bool with_body = false;

  CLI::App app{"Inspects and repairs a megaport-webhook-receiver inbox (an SQLite file)."};
  app.add_option("FILE", file, "the inbox file given to --inbox sqlite:FILE")
      ->required()
      ->check(CLI::ExistingFile);
  auto* list = app.add_subcommand("list", "every delivery: id, state, attempts, times, error");
  auto* show = app.add_subcommand("show", "one delivery in full");
  show->add_option("ID", id, "the delivery's webhook-id")->required();
  show->add_flag("--body", with_body, "print the stored body too (it holds personal data)");
  auto* retry = app.add_subcommand("retry", "make one dead delivery due now, attempts reset");
  retry->add_option("ID", id, "the delivery's webhook-id")->required();
  auto* retry_dead = app.add_subcommand("retry-dead", "make every dead delivery due now");
  auto* purge = app.add_subcommand("purge-done", "delete done deliveries past their retention");
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);

  auto opened = mw::sqlite_inbox::open(file);
  if (!opened) return fail("cannot open inbox '" + file + "'");
  auto& inbox = **opened;

  if (*list) {
    auto rows = inbox.list();
    if (!rows) return fail("cannot read the inbox");
    for (const auto& row : *rows)
      print_row(row);
    std::printf("%zu deliveries\n", rows->size());
    return 0;
  }

  if (*show) {
    auto entry = inbox.find(id);
    if (!entry) return fail("cannot read the inbox");
    if (!*entry) return fail("no delivery " + id);
    print_row(**entry);
    std::printf("sent_at=%lld\n", static_cast<long long>((*entry)->sent_at));
    if (with_body) std::printf("%s\n", (*entry)->body.c_str());
    return 0;
  }

  mw::result<int> changed = *retry        ? inbox.retry(id)
                            : *retry_dead ? inbox.retry_dead()
                                          : inbox.purge_done();
  if (!changed) return fail("cannot change the inbox");
  if (*retry && *changed == 0) return fail("no dead or ready delivery " + id);
  std::printf("%d %s\n", *changed, *purge ? "purged" : "due now");
  return 0;
}
