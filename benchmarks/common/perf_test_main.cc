// Catch2's main for perf_args_test, which is built beside the benchmarks rather than with the
// test harness (see benchmarks/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
