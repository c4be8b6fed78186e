# HTTP framework adapters (include/megaport/webhooks/adapters/*.hpp), one INTERFACE target each,
# megaport::webhooks_<framework>, defined only when that framework is found, so that users who
# do not use a framework never need its packages.
find_package(Threads QUIET)

# Adds megaport::webhooks_<name>, linked to the core and to the framework's own targets.
function(megaport_webhooks_adapter name)
  add_library(megaport_webhooks_${name} INTERFACE)
  add_library(megaport::webhooks_${name} ALIAS megaport_webhooks_${name})
  set_target_properties(megaport_webhooks_${name} PROPERTIES EXPORT_NAME webhooks_${name})
  target_link_libraries(megaport_webhooks_${name} INTERFACE megaport_webhooks ${ARGN})
  string(TOUPPER "${name}" upper)
  set(MEGAPORT_WEBHOOKS_HAS_${upper} ON PARENT_SCOPE)
endfunction()

# Boost.Beast: header-only, with Boost.Asio underneath (Debian: libboost-dev).
find_package(Boost 1.70 QUIET)
if(Boost_FOUND AND Threads_FOUND AND EXISTS "${Boost_INCLUDE_DIRS}/boost/beast.hpp")
  megaport_webhooks_adapter(beast Boost::boost Threads::Threads)
else()
  message(STATUS "megaport-webhooks: Boost.Beast not found, its adapter is left out")
endif()

# Pistache (Debian: libpistache-dev), found through pkg-config.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MEGAPORT_WEBHOOKS_PISTACHE QUIET IMPORTED_TARGET libpistache)
endif()
if(MEGAPORT_WEBHOOKS_PISTACHE_FOUND AND Threads_FOUND)
  megaport_webhooks_adapter(pistache PkgConfig::MEGAPORT_WEBHOOKS_PISTACHE Threads::Threads)
else()
  message(STATUS "megaport-webhooks: Pistache not found, its adapter is left out")
endif()

# RESTinio (Debian: librestinio-dev): its package config names fmt::fmt and http_parser without
# finding them, and it uses standalone Asio (libasio-dev), so all three are checked here.
find_package(fmt QUIET)
find_package(restinio QUIET)
find_path(MEGAPORT_WEBHOOKS_ASIO_INCLUDE asio.hpp)
find_library(MEGAPORT_WEBHOOKS_HTTP_PARSER http_parser)
if(restinio_FOUND AND fmt_FOUND AND Threads_FOUND AND MEGAPORT_WEBHOOKS_ASIO_INCLUDE
   AND MEGAPORT_WEBHOOKS_HTTP_PARSER)
  megaport_webhooks_adapter(restinio restinio::restinio fmt::fmt
    "${MEGAPORT_WEBHOOKS_HTTP_PARSER}" Threads::Threads)
else()
  message(STATUS "megaport-webhooks: RESTinio (with fmt, http-parser, asio) not found, "
    "its adapter is left out")
endif()

# CivetWeb (Debian: libcivetweb-dev), the C API. Found by header and library, not by its package
# config: Debian 12's config fails hard when the separate `civetweb` program package is absent.
find_path(MEGAPORT_WEBHOOKS_CIVETWEB_INCLUDE civetweb.h)
find_library(MEGAPORT_WEBHOOKS_CIVETWEB civetweb)
if(MEGAPORT_WEBHOOKS_CIVETWEB_INCLUDE AND MEGAPORT_WEBHOOKS_CIVETWEB AND Threads_FOUND)
  megaport_webhooks_adapter(civetweb "${MEGAPORT_WEBHOOKS_CIVETWEB}" Threads::Threads)
  target_include_directories(megaport_webhooks_civetweb SYSTEM INTERFACE
    "${MEGAPORT_WEBHOOKS_CIVETWEB_INCLUDE}")
else()
  message(STATUS "megaport-webhooks: CivetWeb not found, its adapter is left out")
endif()
