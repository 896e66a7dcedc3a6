#include "common/log.h"

#include <strings.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace fccl {
namespace {

struct SubsysName {
  Subsys subsys;
  const char* name;
};
constexpr SubsysName kSubsysNames[] = {
    {Subsys::kInit, "INIT"}, {Subsys::kBootstrap, "BOOTSTRAP"}, {Subsys::kShm, "SHM"},   {Subsys::kNet, "NET"},
    {Subsys::kColl, "COLL"}, {Subsys::kPlan, "PLAN"},           {Subsys::kTune, "TUNE"}, {Subsys::kAlloc, "ALLOC"},
    {Subsys::kEnv, "ENV"},
};

const char* subsysName(Subsys s) {
  for (const auto& n : kSubsysNames)
    if (n.subsys == s) return n.name;
  return "?";
}

struct LogConfig {
  LogLevel level = LogLevel::kNone;
  unsigned mask = ~0u;
  FILE* file = stderr;
  std::string host;
};

std::mutex gMutex;
LogConfig gConfig;
std::atomic<bool> gLoaded{false};
thread_local int tRank = -1;

LogLevel parseLevel(const char* v) {
  if (!v) return LogLevel::kNone;
  if (!strcasecmp(v, "WARN")) return LogLevel::kWarn;
  if (!strcasecmp(v, "INFO")) return LogLevel::kInfo;
  if (!strcasecmp(v, "TRACE")) return LogLevel::kTrace;
  if (!strcasecmp(v, "VERSION")) return LogLevel::kWarn;
  return LogLevel::kNone;
}

unsigned parseMask(const char* v) {
  if (!v || !*v) return ~0u;
  bool exclude = v[0] == '^';
  unsigned mask = 0;
  std::string list(exclude ? v + 1 : v);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(pos, end - pos);
    if (!strcasecmp(item.c_str(), "ALL")) mask = ~0u;
    for (const auto& n : kSubsysNames)
      if (!strcasecmp(item.c_str(), n.name)) mask |= static_cast<unsigned>(n.subsys);
    pos = end + 1;
  }
  return exclude ? ~mask : mask;
}

// Expands %h and %p in FCCL_DEBUG_FILE.
std::string expandPath(const char* pattern, const std::string& host) {
  std::string out;
  for (const char* p = pattern; *p; ++p) {
    if (p[0] == '%' && p[1] == 'h') {
      out += host;
      ++p;
    } else if (p[0] == '%' && p[1] == 'p') {
      out += std::to_string(getpid());
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

void loadLocked() {
  char host[256] = "?";
  gethostname(host, sizeof(host) - 1);
  gConfig.host = host;
  gConfig.level = parseLevel(getenv("FCCL_DEBUG"));
  gConfig.mask = parseMask(getenv("FCCL_DEBUG_SUBSYS"));
  if (gConfig.file != stderr) fclose(gConfig.file);
  gConfig.file = stderr;
  if (const char* path = getenv("FCCL_DEBUG_FILE"); path && *path && gConfig.level != LogLevel::kNone) {
    if (FILE* f = fopen(expandPath(path, gConfig.host).c_str(), "a")) gConfig.file = f;
  }
  gLoaded = true;
}

}  // namespace

void reloadLogConfig() {
  std::lock_guard lock(gMutex);
  loadLocked();
}

bool logEnabled(LogLevel level, Subsys subsys) {
  if (!gLoaded) reloadLogConfig();
  return level <= gConfig.level && (gConfig.mask & static_cast<unsigned>(subsys));
}

void setLogRank(int rank) { tRank = rank; }
int logRank() { return tRank; }

void logMessage(LogLevel level, Subsys subsys, const char* fmt, ...) {
  char text[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof(text), fmt, args);
  va_end(args);
  const char* levelName = level == LogLevel::kWarn ? "WARN " : level == LogLevel::kTrace ? "TRACE " : "";
  std::lock_guard lock(gMutex);
  if (tRank >= 0)
    fprintf(gConfig.file, "%s:%d rank %d [%s] %s%s\n", gConfig.host.c_str(), getpid(), tRank, subsysName(subsys),
            levelName, text);
  else
    fprintf(gConfig.file, "%s:%d [%s] %s%s\n", gConfig.host.c_str(), getpid(), subsysName(subsys), levelName, text);
  fflush(gConfig.file);
}

}  // namespace fccl
