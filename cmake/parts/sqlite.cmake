# The SQLite dedupe store (include/megaport/webhooks/sqlite_store.hpp), defined only when SQLite
# is found, so that users who do not want it never need the package.
find_package(SQLite3 QUIET)

if(SQLite3_FOUND)
  find_package(Threads REQUIRED)
  add_library(megaport_webhooks_sqlite INTERFACE)
  add_library(megaport::webhooks_sqlite ALIAS megaport_webhooks_sqlite)
  set_target_properties(megaport_webhooks_sqlite PROPERTIES EXPORT_NAME webhooks_sqlite)
  target_link_libraries(megaport_webhooks_sqlite INTERFACE megaport_webhooks SQLite::SQLite3
    Threads::Threads)
  set(MEGAPORT_WEBHOOKS_HAS_SQLITE ON)
else()
  message(STATUS "megaport-webhooks: SQLite3 not found, the SQLite store is left out")
  set(MEGAPORT_WEBHOOKS_HAS_SQLITE OFF)
endif()
