#pragma once

/// \file
/// The library's version (the one source of it) and its namespace macros.

#define MEGAPORT_WEBHOOKS_VERSION_MAJOR 0
#define MEGAPORT_WEBHOOKS_VERSION_MINOR 1
#define MEGAPORT_WEBHOOKS_VERSION_PATCH 0

#define MEGAPORT_WEBHOOKS_STRINGIFY_DETAIL(x) #x
#define MEGAPORT_WEBHOOKS_STRINGIFY(x) MEGAPORT_WEBHOOKS_STRINGIFY_DETAIL(x)

/// The version as text, "MAJOR.MINOR.PATCH".
// clang-format off
#define MEGAPORT_WEBHOOKS_VERSION_STRING                         \
  MEGAPORT_WEBHOOKS_STRINGIFY(MEGAPORT_WEBHOOKS_VERSION_MAJOR) "." \
  MEGAPORT_WEBHOOKS_STRINGIFY(MEGAPORT_WEBHOOKS_VERSION_MINOR) "." \
  MEGAPORT_WEBHOOKS_STRINGIFY(MEGAPORT_WEBHOOKS_VERSION_PATCH)
// clang-format on

// A versioned inline namespace keeps two incompatible versions in one program from colliding.
#define MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN \
  namespace megaport {                    \
  namespace webhooks {                    \
  inline namespace v0 {
#define MEGAPORT_WEBHOOKS_NAMESPACE_END \
  }                                     \
  }                                     \
  }

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS 1
#else
#define MEGAPORT_WEBHOOKS_HAS_EXCEPTIONS 0
#endif
