// Records in every run's context which simdjson kernels ran: the on-demand front end is compiled
// for the target chosen at build time (the builtin), the DOM's stage 1 is chosen at run time.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

namespace {

const bool recorded = [] {
  benchmark::AddCustomContext("simdjson_version", SIMDJSON_STRINGIFY(SIMDJSON_VERSION));
  // The kernel the on-demand code in this program was compiled for (from its own flags), and
  // the builtin of the simdjson shared library, which its flags chose when it was built.
  benchmark::AddCustomContext("simdjson_ondemand_kernel",
                              SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
  benchmark::AddCustomContext("simdjson_library_builtin_implementation",
                              simdjson::builtin_implementation()->name());
  benchmark::AddCustomContext("simdjson_active_implementation",
                              simdjson::get_active_implementation()->name());
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("arch_flags", MEGAPORT_WEBHOOKS_BENCH_ARCH_FLAGS);
  return true;
}();

}  // namespace
