# The Redis dedupe store (include/megaport/webhooks/redis_store.hpp), defined only when hiredis is
# found through pkg-config, so that users who do not want it never need the package.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MEGAPORT_WEBHOOKS_HIREDIS QUIET IMPORTED_TARGET hiredis)
endif()

if(MEGAPORT_WEBHOOKS_HIREDIS_FOUND)
  find_package(Threads REQUIRED)
  add_library(megaport_webhooks_redis INTERFACE)
  add_library(megaport::webhooks_redis ALIAS megaport_webhooks_redis)
  set_target_properties(megaport_webhooks_redis PROPERTIES EXPORT_NAME webhooks_redis)
  target_link_libraries(megaport_webhooks_redis INTERFACE megaport_webhooks
    PkgConfig::MEGAPORT_WEBHOOKS_HIREDIS Threads::Threads)
  set(MEGAPORT_WEBHOOKS_HAS_REDIS ON)
else()
  message(STATUS "megaport-webhooks: hiredis not found, the Redis store is left out")
  set(MEGAPORT_WEBHOOKS_HAS_REDIS OFF)
endif()
