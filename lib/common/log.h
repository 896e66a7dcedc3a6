// Logging, controlled by FCCL_DEBUG=WARN|INFO|TRACE, FCCL_DEBUG_SUBSYS=INIT,NET,... (ALL by
// default; a leading ^ excludes) and FCCL_DEBUG_FILE (%h = host, %p = pid). Every line starts
// "host:pid rank N [SUBSYS]" so the lines of many ranks can be merged and still be read.
#pragma once

#include <cstdarg>

namespace fccl {

enum class LogLevel { kNone = 0, kWarn = 1, kInfo = 2, kTrace = 3 };
enum class Subsys : unsigned { kInit = 1u << 0, kBootstrap = 1u << 1, kShm = 1u << 2, kNet = 1u << 3, kColl = 1u << 4,
                               kPlan = 1u << 5, kTune = 1u << 6, kAlloc = 1u << 7, kEnv = 1u << 8 };

bool logEnabled(LogLevel level, Subsys subsys);
void logMessage(LogLevel level, Subsys subsys, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
// Tags this thread's log lines with a rank; -1 means "no rank yet".
void setLogRank(int rank);
int logRank();

// Re-reads the environment (tests change it between cases).
void reloadLogConfig();

}  // namespace fccl

#define FCCL_LOG(level, subsys, ...)                                                 \
  do {                                                                               \
    if (::fccl::logEnabled(level, subsys)) ::fccl::logMessage(level, subsys, __VA_ARGS__); \
  } while (0)
#define FCCL_WARN(subsys, ...) FCCL_LOG(::fccl::LogLevel::kWarn, subsys, __VA_ARGS__)
#define FCCL_INFO(subsys, ...) FCCL_LOG(::fccl::LogLevel::kInfo, subsys, __VA_ARGS__)
#define FCCL_TRACE(subsys, ...) FCCL_LOG(::fccl::LogLevel::kTrace, subsys, __VA_ARGS__)
// What the operator asked for (a wait-state dump, comm/hang_report.h): printed as a warning
// whatever FCCL_DEBUG says, since the asking was the opt-in.
#define FCCL_REPORT(subsys, ...)                                                     \
  do {                                                                               \
    (void)::fccl::logEnabled(::fccl::LogLevel::kWarn, subsys); /* loads the config */ \
    ::fccl::logMessage(::fccl::LogLevel::kWarn, subsys, __VA_ARGS__);                \
  } while (0)
