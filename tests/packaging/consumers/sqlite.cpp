// Opens an SQLite dedupe store in a fresh file and claims, commits and re-claims one id.
#include <megaport/webhooks.hpp>
#include <megaport/webhooks/sqlite_store.hpp>

#include <cstdio>
#include <string>

namespace mw = megaport::webhooks;

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "consumer sqlite: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: consumer_sqlite DATABASE");
  const std::string path = argv[1];
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());

  auto store = mw::sqlite_store::open(path);
  if (!store) return fail("cannot open the store");

  const char* id = "00000000-0000-4000-8000-000000000100";
  auto first = (*store)->claim(id);
  if (!first || first->status != mw::claim_status::claimed) return fail("first claim not new");
  if ((*store)->commit(id, first->token)) return fail("commit failed");

  auto again = (*store)->claim(id);
  if (!again || again->status != mw::claim_status::done) return fail("retry not seen as done");

  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());
  std::printf("consumer sqlite: claim, commit, duplicate seen\n");
  return 0;
}
